// A console client for the chat sample (samples/Chat), with the SocketIO.Typed client:
//
//   dotnet run --project samples/Chat          (in one terminal)
//   dotnet run --project samples/Chat.Client -- [url] [nick] [room]
//
// Lines typed are sent as messages (acknowledged by the server); "/join room" changes room; "/quit" leaves.
// Stop the server and start it again: the client reconnects and joins its room again.
using System.Text.Json;
using SocketIO.Typed.Client;
using SocketIO.Typed;

var url = new Uri(args.Length > 0 ? args[0] : "http://localhost:5000");
string nick = args.Length > 1 ? args[1] : "console-" + Environment.ProcessId;
string room = args.Length > 2 ? args[2] : "general";

await using var io = new SocketIOManager(url);
SocketIOClientSocket socket = io.Socket;

socket.On("message", ctx =>
{
    JsonElement m = ctx.Arguments.GetElement(0);
    Console.WriteLine($"[{room}] {m.GetProperty("nick").GetString()}: {m.GetProperty("text").GetString()}");
});
socket.On("image", ctx =>
{
    JsonElement m = ctx.Arguments.GetElement(0);
    Console.WriteLine($"[{room}] {m.GetProperty("nick").GetString()} sent an image ({m.GetProperty("type").GetString()})");
});
socket.On("notice", ctx => Console.WriteLine($"* {ctx.Arguments.GetString(0)}"));
socket.On("users", ctx => Console.WriteLine($"* in {room}: {string.Join(", ", ctx.Arguments.GetElement(0).EnumerateArray().Select(u => u.GetString()))}"));

// Every (re)connection joins the room again: the server forgets a socket's rooms when it disconnects.
socket.Connected += s => _ = JoinAsync(room);
socket.Disconnected += (_, reason) => Console.WriteLine($"* disconnected: {reason}");
io.ReconnectAttempt += (_, attempt) => Console.WriteLine($"* reconnecting (attempt {attempt})");

await socket.ConnectAsync();
Console.WriteLine($"* connected to {url} as {nick} over {io.Transport}; type messages, /join <room>, /quit");

while (Console.ReadLine() is { } line)
{
    if (line == "/quit")
    {
        break;
    }

    if (line.StartsWith("/join ", StringComparison.Ordinal))
    {
        room = line["/join ".Length..].Trim();
        await JoinAsync(room);
        continue;
    }

    if (line.Length == 0)
    {
        continue;
    }

    try
    {
        SocketIOArguments ack = await socket.EmitWithAckAsync("message", TimeSpan.FromSeconds(5), CancellationToken.None, line);
        JsonElement result = ack.GetElement(0);
        if (!result.GetProperty("ok").GetBoolean())
        {
            Console.WriteLine($"* refused: {result.GetProperty("error").GetString()}");
        }
    }
    catch (Exception e) when (e is SocketIOAckTimeoutException or SocketIODisconnectedException)
    {
        Console.WriteLine($"* not delivered: {e.Message}");
    }
}

await socket.DisconnectAsync();

async Task JoinAsync(string target)
{
    try
    {
        SocketIOArguments ack = await socket.EmitWithAckAsync("join", TimeSpan.FromSeconds(5), CancellationToken.None, nick, target);
        JsonElement result = ack.GetElement(0);
        Console.WriteLine(result.GetProperty("ok").GetBoolean()
            ? $"* joined {target}"
            : $"* could not join: {result.GetProperty("error").GetString()}");
    }
    catch (Exception e) when (e is SocketIOAckTimeoutException or SocketIODisconnectedException)
    {
        Console.WriteLine($"* could not join: {e.Message}");
    }
}
