// The trio's server: references only the SocketIO.Typed.AspNetCore package (and the contracts project).
using System.Net;
using SocketIO.Typed.Server;
using Trio.Contracts;

WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.ConfigureKestrel(static k => k.Listen(IPAddress.Loopback, 0));
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSocketIO();

WebApplication app = builder.Build();
app.MapSocketIO().MapNamespace<TrioHub>();
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine("listening " + app.Urls.First()));
app.Run();

/// <summary>One hub per connected socket.</summary>
[SocketIOHub]
internal sealed partial class TrioHub : SocketHub<ITrioClient>, ITrioServer
{
    public Task<string> Join(string room)
    {
        Socket.Join(room);
        return Task.FromResult(room);
    }

    public Task Say(string room, Note note) => Clients.To(room).Heard(note with { From = "server:" + note.From }).AsTask();
}
