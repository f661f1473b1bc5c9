// The trio's client: references only the SocketIO.Typed package (and the contracts project).
using SocketIO.Typed.Client;
using Trio.Contracts;

var heard = new TaskCompletionSource<Note>(TaskCreationOptions.RunContinuationsAsynchronously);
await using var io = new SocketIOManager(new Uri(args[0]));
SocketIOClientSocket<ITrioServer, ITrioClient> trio = io.Of<ITrioServer, ITrioClient>(new Handler(heard));
await trio.ConnectAsync();

string room = await trio.Server.Join("trio");
await trio.Server.Say(room, new Note("client", "hello", 42));
Note note = await heard.Task.WaitAsync(TimeSpan.FromMinutes(1));
Console.WriteLine($"joined {room}; heard {note.From}: {note.Text} {note.Number}");

/// <summary>The client's side of the contract.</summary>
internal sealed class Handler(TaskCompletionSource<Note> heard) : ITrioClient
{
    public Task Heard(Note note)
    {
        heard.TrySetResult(note);
        return Task.CompletedTask;
    }
}
