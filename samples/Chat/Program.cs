// The chat sample, typed: the events are declared once in samples/Chat.Contracts (IChatServer: what a client sends,
// IChatClient: what the server sends), this server handles them with a generated hub (one ChatHub per connected
// socket), and the page (client/src/app.ts, compiled to wwwroot/js/app.js) uses the official socket.io-client from npm on the same wire format:
//
//   join(nick, room, ack)         ack({ ok, room, nick, users })   joins one room at a time (leaves the previous one)
//   message(text, ack)            ack({ ok, id, time })            the page shows "pending" until this ack arrives
//   image(mimeType, bytes, ack)   ack({ ok, id, time })            bytes is an ArrayBuffer: a binary attachment
//   typing(isTyping)                                               no ack
//   server -> client: message({ id, nick, text, time }), image({ id, nick, type, data, time }),
//   typing(nick, isTyping), users([nick, ...]), notice(text)
//
// Alone it keeps everything in memory. SIO_ADAPTER=redis|redis-streams|postgres|rabbitmq (with SIO_ADAPTER_CONNECTION,
// the broker's URL: redis://127.0.0.1:6379, postgres://postgres@127.0.0.1:5432/postgres, amqp://guest:guest@127.0.0.1:5672/)
// makes it one node of a cluster: start several on different PORTs (on Redis or PostgreSQL, Node socket.io servers
// with the same adapter may join them; RabbitMQ is for .NET servers only) and the pages on each chat together
// (docs/cluster.md).
using System.Globalization;
using System.Text.Json;
using Chat.Contracts;
using SocketIO.Typed;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server;

int port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "5000", CultureInfo.InvariantCulture);

string? adapter = Environment.GetEnvironmentVariable("SIO_ADAPTER") is { Length: > 0 } name ? name : null;
string? broker = adapter is null ? null : Environment.GetEnvironmentVariable("SIO_ADAPTER_CONNECTION") ?? SampleBrokers.DefaultUrl(adapter);
Func<ISocketIOAdapterHost, SocketIOAdapter>? adapterFactory = adapter is null ? null : await SampleAdapters.ConnectAsync(adapter, broker!);

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(port));
builder.Services.AddSocketIO(options =>
{
    if (adapterFactory is not null)
    {
        options.AdapterFactory = adapterFactory;
    }

    // Engine.IO refuses larger messages (1 MB by default). An image is one binary message over WebSocket, but
    // base64 text (4/3 larger) over HTTP long-polling, which browsers use until the WebSocket upgrade is done.
    options.EngineIO.MaxHttpBufferSize = 6_000_000;

    // A client that sends arguments of the wrong shape gets {"error":"binding","message":...} instead of no answer.
    options.BindingFailureAck = SocketIOBindingFailureAck.Error;
});

WebApplication app = builder.Build();
app.UseDefaultFiles();   // "/" -> wwwroot/index.html
app.UseStaticFiles();    // wwwroot/js/app.js (compiled from client/src/app.ts), wwwroot/style.css, wwwroot/lib/socket.io.min.js (copied from npm by the build)

SocketIOServer io = app.MapSocketIO().MapNamespace<ChatHub>(); // the endpoint the JavaScript client expects: /socket.io/, namespace "/"

// The official Socket.IO Admin UI, turned on by a password (AdminUI__Password=... in the environment, or user secrets):
// the server answers its /admin namespace, and the UI's built files (from npm, client/node_modules/@socket.io/admin-ui)
// are served at /admin-ui/. Log in there with this server's URL, user "admin" (or AdminUI:User) and the password.
if (builder.Configuration["AdminUI:Password"] is { Length: > 0 } adminPassword)
{
    io.InstrumentAdminUI(options =>
        options.Authentication = SocketIOAdminAuthentication.Basic(builder.Configuration["AdminUI:User"] ?? "admin", adminPassword));
    string adminUI = Path.Combine(app.Environment.ContentRootPath, "client", "node_modules", "@socket.io", "admin-ui", "ui", "dist");
    if (Directory.Exists(adminUI))
    {
        app.UseFileServer(new FileServerOptions { RequestPath = "/admin-ui", FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(adminUI) });
        Console.WriteLine($"Admin UI: open http://localhost:{port}/admin-ui/");
    }
}

Console.WriteLine($"Chat sample: open http://localhost:{port} in two browser tabs." + (adapter is null ? string.Empty : $" One node of a cluster ({adapter})."));
await app.RunAsync();

/// <summary>One hub per connected socket: the socket's nickname and room are plain fields.</summary>
[SocketIOHub]
internal sealed partial class ChatHub : SocketHub<IChatClient>, IChatServer
{
    private const int MaxImageBytes = 4 * 1024 * 1024;

    // Two members joining a room at once each read its users and send the list; without a lock the list read first
    // could be sent last and hide the other member. One update of a room at a time keeps its lists in the order they
    // were read, so the last one a page gets is the newest. A room's lock is one of a fixed set (by the room's hash):
    // rooms rarely wait for each other, and the set does not grow with the rooms people make up. (In a cluster the
    // locks hold on each server, not across them: joins on two servers at the same moment can still cross.)
    private static readonly SemaphoreSlim[] s_usersUpdates = [.. Enumerable.Range(0, 64).Select(static _ => new SemaphoreSlim(1, 1))];
    private string? _nick;
    private string? _room;

    public async Task<JoinReply> Join(string nick, string room)
    {
        if (Text(nick, 32) is not { } name)
        {
            return new JoinReply(false, Error: "Choose a nickname (1 to 32 characters).");
        }

        string target = Text(room, 32) ?? "general";

        // One room at a time: leave the previous one and tell its members.
        if (_room is { } previous && previous != target)
        {
            Socket.Leave(previous);
            await AnnounceAsync(previous, $"{_nick} left");
        }

        bool moved = _room != target;
        _nick = name;
        _room = target;

        // The nickname also goes into the socket's data: FetchSockets reads it, from every server of a cluster.
        Socket.Data["nick"] = name;
        Socket.Join(target);
        if (moved)
        {
            await Clients.To(target).Except(Socket.Id).Notice($"{name} joined");
        }

        IReadOnlyList<string> users = await SendUsersAsync(target);
        return new JoinReply(true, target, name, users);
    }

    public async Task<SendReply> Message(string text)
    {
        if (_room is not { } room || _nick is not { } nick)
        {
            return new SendReply(false, Error: "Join a room first.");
        }

        if (Text(text, 2000) is not { } body)
        {
            return new SendReply(false, Error: "Messages are 1 to 2000 characters of text.");
        }

        (string id, string time) = Stamp();
        await Clients.To(room).Except(Socket.Id).Message(new ChatMessage(id, nick, body, time));

        // The answer turns the sender's message from "pending" to "delivered".
        return new SendReply(true, id, time);
    }

    public async Task<SendReply> Image(string mimeType, byte[] bytes)
    {
        if (_room is not { } room || _nick is not { } nick)
        {
            return new SendReply(false, Error: "Join a room first.");
        }

        if (mimeType is null || !mimeType.StartsWith("image/", StringComparison.Ordinal) || mimeType.Length > 100 || bytes is null)
        {
            return new SendReply(false, Error: "Send an image type and its bytes.");
        }

        if (bytes.Length == 0 || bytes.Length > MaxImageBytes)
        {
            return new SendReply(false, Error: $"Images must be between 1 byte and {MaxImageBytes / 1024 / 1024} MB.");
        }

        (string id, string time) = Stamp();

        // The byte[] inside the record is sent as a binary attachment.
        await Clients.To(room).Except(Socket.Id).Image(new ChatImage(id, nick, mimeType, bytes, time));
        return new SendReply(true, id, time);
    }

    public async Task Typing(bool isTyping)
    {
        if (_room is { } room && _nick is { } nick)
        {
            // Volatile: a typing indicator is worthless late, so it is dropped rather than queued for a busy client.
            await Clients.To(room).Except(Socket.Id).Volatile.Typing(nick, isTyping);
        }
    }

    // After a disconnect the socket has left its rooms: tell the room it was in.
    public override async ValueTask OnDisconnectedAsync(string reason)
    {
        if (_room is { } room)
        {
            await AnnounceAsync(room, $"{_nick} left ({reason})");
        }
    }

    private async Task AnnounceAsync(string room, string notice)
    {
        await Clients.To(room).Notice(notice);
        await SendUsersAsync(room);
    }

    // Reads the room's users and sends the list to the room (under the room's lock: see s_usersUpdates).
    private async Task<IReadOnlyList<string>> SendUsersAsync(string room)
    {
        SemaphoreSlim update = s_usersUpdates[(int)((uint)StringComparer.Ordinal.GetHashCode(room) % (uint)s_usersUpdates.Length)];
        await update.WaitAsync();
        try
        {
            IReadOnlyList<string> users = await UsersInRoomAsync(room);
            await Clients.To(room).Users(users);
            return users;
        }
        finally
        {
            update.Release();
        }
    }

    // The nicknames of the room's members, read from each socket's data (as JSON: with a cluster adapter, members
    // may be connected to other servers).
    private async Task<IReadOnlyList<string>> UsersInRoomAsync(string room)
    {
        IReadOnlyList<SocketIORemoteSocket> sockets = await Socket.Namespace.In(room).FetchSocketsAsync();
        var users = new List<string>();
        foreach (SocketIORemoteSocket member in sockets)
        {
            if (member.Data.TryGetProperty("nick", out JsonElement nick) && nick.GetString() is string name)
            {
                users.Add(name);
            }
        }

        users.Sort(StringComparer.OrdinalIgnoreCase);
        return users;
    }

    private static (string Id, string Time) Stamp() =>
        (Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));

    // A non-blank string of at most maxLength characters, trimmed; otherwise null.
    private static string? Text(string? text, int maxLength)
    {
        text = text?.Trim();
        return text is { Length: > 0 } && text.Length <= maxLength ? text : null;
    }
}
