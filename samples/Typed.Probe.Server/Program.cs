// The typed probe server: the contract set of samples/Typed.Probe.Contracts served by a generated hub on "/".
// Later checks drive it unchanged: one listener on PORT (default 3000), CORS "*".
using System.Globalization;
using SocketIO.Typed;
using SocketIO.Typed.Server;
using Typed.Probe.Contracts;

int port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "3000", CultureInfo.InvariantCulture);

WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(port));
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSocketIO(o =>
{
    o.EngineIO.Cors.AllowedOrigins.Add("*");

    // A client that sends a payload of the wrong shape keeps its connection and gets {"error":"binding",...}.
    o.BindingFailureAck = SocketIOBindingFailureAck.Error;
});

WebApplication app = builder.Build();
app.MapSocketIO().MapNamespace<ProbeHub>("/");
Console.WriteLine($"Typed probe server listening on http://localhost:{port} (/socket.io/, namespace /)");
app.Run();

/// <summary>One hub per connected socket; its events are the probe contract's.</summary>
[SocketIOHub]
internal sealed partial class ProbeHub : SocketHub<IProbeClient>, IProbeServer
{
    public Task<Shape> Echo(Shape shape) => Task.FromResult(shape);

    public Task<(int Sum, string Joined)> Combine(int[] numbers, string[] words) => Task.FromResult((numbers.Sum(), string.Join(",", words)));

    public Task<string> Join(string room)
    {
        Socket.Join(room);
        return Task.FromResult(room);
    }

    public Task Relay(string room, Shape shape) => Clients.To(room).Except(Socket.Id).Relayed(shape).AsTask();

    public async Task<int[]> AskRoom(string room, int x)
    {
        // The room's members (the asker too, if it is one) answer Question(x) within 2 s; the answers that came, sorted.
        SocketIOBroadcastAnswers<int> answers = await Clients.To(room).Timeout(TimeSpan.FromSeconds(2)).Question(x);
        return [.. answers.Answers.Select(static a => a.Value).Order()];
    }
}
