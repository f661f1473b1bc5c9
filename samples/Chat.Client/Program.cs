// A console client for the chat sample (samples/Chat), typed with the contracts of samples/Chat.Contracts:
//
//   dotnet run --project samples/Chat          (in one terminal)
//   dotnet run --project samples/Chat.Client -- [url] [nick] [room]
//
// Lines typed are sent as messages (acknowledged by the server); "/join room" changes room; "/quit" leaves.
// Stop the server and start it again: the client reconnects and joins its room again.
using Chat.Contracts;
using SocketIO.Typed;
using SocketIO.Typed.Client;

var url = new Uri(args.Length > 0 ? args[0] : "http://localhost:5000");
string nick = args.Length > 1 ? args[1] : "console-" + Environment.ProcessId;
var state = new ChatState(args.Length > 2 ? args[2] : "general");

await using var io = new SocketIOManager(url);
SocketIOClientSocket<IChatServer, IChatClient> chat = io.Of<IChatServer, IChatClient>(new ConsoleChatClient(state));

// Every (re)connection joins the room again: the server forgets a socket's rooms when it disconnects.
chat.Socket.Connected += socket => _ = JoinAsync(state.Room);
chat.Socket.Disconnected += (_, reason) => Console.WriteLine($"* disconnected: {reason}");
io.ReconnectAttempt += (_, attempt) => Console.WriteLine($"* reconnecting (attempt {attempt})");

await chat.ConnectAsync();
Console.WriteLine($"* connected to {url} as {nick} over {io.Transport}; type messages, /join <room>, /quit");

while (Console.ReadLine() is { } line)
{
    if (line == "/quit")
    {
        break;
    }

    if (line.StartsWith("/join ", StringComparison.Ordinal))
    {
        state.Room = line["/join ".Length..].Trim();
        await JoinAsync(state.Room);
        continue;
    }

    if (line.Length == 0)
    {
        continue;
    }

    try
    {
        SendReply reply = await chat.Server.Message(line);
        if (!reply.Ok)
        {
            Console.WriteLine($"* refused: {reply.Error}");
        }
    }
    catch (Exception e) when (e is SocketIOAckTimeoutException or SocketIODisconnectedException)
    {
        Console.WriteLine($"* not delivered: {e.Message}");
    }
}

await chat.DisconnectAsync();

async Task JoinAsync(string target)
{
    try
    {
        JoinReply reply = await chat.Server.Join(nick, target);
        Console.WriteLine(reply.Ok ? $"* joined {reply.Room}" : $"* could not join: {reply.Error}");
    }
    catch (Exception e) when (e is SocketIOAckTimeoutException or SocketIODisconnectedException)
    {
        Console.WriteLine($"* could not join: {e.Message}");
    }
}

/// <summary>The room the console is in (the handler prints it).</summary>
internal sealed class ChatState(string room)
{
    public string Room { get; set; } = room;
}

/// <summary>Handles the server's events by printing them.</summary>
internal sealed class ConsoleChatClient(ChatState state) : IChatClient
{
    public Task Message(ChatMessage message)
    {
        Console.WriteLine($"[{state.Room}] {message.Nick}: {message.Text}");
        return Task.CompletedTask;
    }

    public Task Image(ChatImage image)
    {
        Console.WriteLine($"[{state.Room}] {image.Nick} sent an image ({image.Type}, {image.Data.Length} bytes)");
        return Task.CompletedTask;
    }

    public Task Typing(string nick, bool isTyping) => Task.CompletedTask;

    public Task Users(IReadOnlyList<string> users)
    {
        Console.WriteLine($"* in {state.Room}: {string.Join(", ", users)}");
        return Task.CompletedTask;
    }

    public Task Notice(string text)
    {
        Console.WriteLine($"* {text}");
        return Task.CompletedTask;
    }
}
