// The chat sample: a Socket.IO server written with the untyped API (event names and argument indexes, like the
// JavaScript `socket.on("event", (a, b, ack) => ...)`), serving a plain HTML/JS page that uses the official
// socket.io-client from npm.
//
// Events (client -> server; the last argument is the client's ack callback):
//   join(nick, room, ack)         ack({ ok, room, nick, users })   joins one room at a time (leaves the previous one)
//   message(text, ack)            ack({ ok, id, time })            the page shows "pending" until this ack arrives
//   image(mimeType, bytes, ack)   ack({ ok, id, time })            bytes is an ArrayBuffer: a binary attachment
//   typing(isTyping)                                               no ack
// Events (server -> client):
//   message({ id, nick, text, time })
//   image({ id, nick, type, data, time })       data is a byte[]: the client receives an ArrayBuffer
//   typing(nick, isTyping)
//   users([nick, ...])                          the members of the room, after every join and leave
//   notice(text)                                "Ann joined", "Bob left"
using System.Globalization;
using System.Text.Json;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server;
using SocketIO.Typed;

const int MaxImageBytes = 4 * 1024 * 1024;
int port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "5000", CultureInfo.InvariantCulture);

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(port));
builder.Services.AddSocketIO(options =>
{
    // Engine.IO refuses larger messages (1 MB by default). An image is one binary message over WebSocket, but
    // base64 text (4/3 larger) over HTTP long-polling, which browsers use until the WebSocket upgrade is done.
    options.EngineIO.MaxHttpBufferSize = 6_000_000;
});

WebApplication app = builder.Build();
app.UseDefaultFiles();   // "/" -> wwwroot/index.html
app.UseStaticFiles();    // wwwroot/app.js, wwwroot/style.css, wwwroot/lib/socket.io.min.js (copied from npm by the build)

SocketIOServer io = app.MapSocketIO(); // the endpoint the JavaScript client expects: /socket.io/

io.OnConnection(socket =>
{
    // Per-user state lives in socket.Data (socket.io's `socket.data`): the nickname and the current room.
    string? Nick() => socket.Data.TryGetValue("nick", out object? nick) ? nick as string : null;
    string? Room() => socket.Data.TryGetValue("room", out object? room) ? room as string : null;

    socket.On("join", async ctx =>
    {
        string? nick = ReadText(ctx.Arguments, 0, maxLength: 32);
        string room = ReadText(ctx.Arguments, 1, maxLength: 32) ?? "general";
        if (nick is null)
        {
            await ctx.AckAsync(Error("Choose a nickname (1 to 32 characters)."));
            return;
        }

        // One room at a time: leave the previous one and tell its members.
        string? previous = Room();
        if (previous is not null && previous != room)
        {
            socket.Leave(previous);
            await io.To(previous).EmitAsync("notice", $"{Nick()} left");
            await io.To(previous).EmitAsync("users", await UsersInRoomAsync(io, previous));
        }

        socket.Data["nick"] = nick;
        socket.Data["room"] = room;
        socket.Join(room);

        // socket.To(room) leaves the sender out; io.To(room) reaches every member, the sender included.
        if (previous != room)
        {
            await socket.To(room).EmitAsync("notice", $"{nick} joined");
        }

        List<string> users = await UsersInRoomAsync(io, room);
        await io.To(room).EmitAsync("users", users);

        await ctx.AckAsync(new Dictionary<string, object?>
        {
            ["ok"] = true,
            ["room"] = room,
            ["nick"] = nick,
            ["users"] = users,
        });
    });

    socket.On("message", async ctx =>
    {
        if (Room() is not { } room)
        {
            await ctx.AckAsync(Error("Join a room first."));
            return;
        }

        if (ReadText(ctx.Arguments, 0, maxLength: 2000) is not { } text)
        {
            await ctx.AckAsync(Error("Messages are 1 to 2000 characters of text."));
            return;
        }

        string id = Guid.NewGuid().ToString("N");
        string time = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

        // Emit arguments are plain values: no reflection-based serialization, so objects are dictionaries.
        await socket.To(room).EmitAsync("message", new Dictionary<string, object?>
        {
            ["id"] = id,
            ["nick"] = Nick(),
            ["text"] = text,
            ["time"] = time,
        });

        // The acknowledgement turns the sender's message from "pending" to "delivered".
        await ctx.AckAsync(new Dictionary<string, object?> { ["ok"] = true, ["id"] = id, ["time"] = time });
    });

    socket.On("image", async ctx =>
    {
        if (Room() is not { } room)
        {
            await ctx.AckAsync(Error("Join a room first."));
            return;
        }

        // The ArrayBuffer travelled as a binary attachment; ToObject turns it into a byte[] of our own (the
        // arguments themselves are only valid while this handler runs). GetBytes(1) would give the raw memory.
        string type = ReadText(ctx.Arguments, 0, maxLength: 100) ?? "";
        object? data = ctx.Arguments.Count > 1 ? ctx.Arguments.ToObject(1) : null;
        if (!type.StartsWith("image/", StringComparison.Ordinal) || data is not byte[] bytes)
        {
            await ctx.AckAsync(Error("Send an image type and its bytes."));
            return;
        }

        if (bytes.Length == 0 || bytes.Length > MaxImageBytes)
        {
            await ctx.AckAsync(Error($"Images must be between 1 byte and {MaxImageBytes / 1024 / 1024} MB."));
            return;
        }

        string id = Guid.NewGuid().ToString("N");
        string time = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

        // A byte[] anywhere in the arguments, here inside a dictionary, is sent as a binary attachment.
        await socket.To(room).EmitAsync("image", new Dictionary<string, object?>
        {
            ["id"] = id,
            ["nick"] = Nick(),
            ["type"] = type,
            ["data"] = bytes,
            ["time"] = time,
        });
        await ctx.AckAsync(new Dictionary<string, object?> { ["ok"] = true, ["id"] = id, ["time"] = time });
    });

    socket.On("typing", async ctx =>
    {
        if (Room() is not { } room || ctx.Arguments.Count < 1)
        {
            return;
        }

        bool isTyping = ctx.Arguments.ToObject(0) is true;

        // Volatile: a typing indicator is worthless late, so it is dropped rather than queued for a busy client.
        await socket.To(room).Volatile.EmitAsync("typing", Nick(), isTyping);
    });

    // After a disconnect the socket has left its rooms: tell the room it was in.
    socket.OnDisconnect(async (sender, reason) =>
    {
        if (Room() is { } room)
        {
            await AnnounceLeaveAsync(io, room, $"{Nick()} left ({reason})");
        }
    });
});

Console.WriteLine($"Chat sample: open http://localhost:{port} in two browser tabs.");
await app.RunAsync();

// The nicknames of the room's members, read from each socket's data (as JSON: with a cluster adapter, members may be
// connected to other servers). A list of strings is sent as a JSON array.
static async Task<List<string>> UsersInRoomAsync(SocketIOServer io, string room)
{
    IReadOnlyList<SocketIORemoteSocket> sockets = await io.In(room).FetchSocketsAsync();
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

static async Task AnnounceLeaveAsync(SocketIOServer io, string room, string notice)
{
    await io.To(room).EmitAsync("notice", notice);
    await io.To(room).EmitAsync("users", await UsersInRoomAsync(io, room));
}

// The argument at `index` when it is a non-blank string of at most `maxLength` characters, trimmed; otherwise null.
// (GetString(index) would throw for a number or an object; ToObject returns whatever the client sent.)
static string? ReadText(SocketIOArguments args, int index, int maxLength)
{
    if (index >= args.Count || args.ToObject(index) is not string text)
    {
        return null;
    }

    text = text.Trim();
    return text.Length > 0 && text.Length <= maxLength ? text : null;
}

static Dictionary<string, object?> Error(string message) => new() { ["ok"] = false, ["error"] = message };
