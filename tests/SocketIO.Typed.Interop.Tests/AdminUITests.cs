using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Client;
using SocketIO.Typed.Server;
using Xunit.Abstractions;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>
/// The Admin UI's namespace protocol, checked the same way against the reference (the official socket.io server
/// instrumented by the official <c>@socket.io/admin-ui</c> 0.5.1, <c>node/admin-server.mjs</c>) and against ours
/// (<c>InstrumentAdminUI</c>): a client logs in to <c>/admin</c> as the UI does and must get the same reports (login
/// session, features, sockets, rooms, events, statistics) and be able to act on sockets the same way.
/// </summary>
public sealed class AdminUITests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    private static readonly string[] s_allFeatures = ["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"];

    public static TheoryData<string> Servers => new() { "node", "dotnet" };

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task The_admin_namespace_reports_a_sockets_life_and_acts_on_it_as_the_reference_does(string kind)
    {
        await using AdminServer server = await AdminServer.StartAsync(kind, output, readOnly: false);
        await using var admin = new AdminObserver(server.Url, Auth("admin", "secret"), output);
        await admin.ConnectAsync();

        // The login: a session id for later logins, the features, every socket (the admin's own included).
        JsonElement session = (await admin.WaitAsync("session", static _ => true))[0];
        Assert.Matches("^[0-9a-f]{16}$", session.GetString());
        JsonElement config = (await admin.WaitAsync("config", static _ => true))[0];
        Assert.Equal(s_allFeatures, config.GetProperty("supportedFeatures").EnumerateArray().Select(static f => f.GetString()));
        JsonElement all = (await admin.WaitAsync("all_sockets", static _ => true))[0];
        Assert.Contains(all.EnumerateArray(), s => s.GetProperty("nsp").GetString() == "/admin" && s.GetProperty("id").GetString() == admin.Id);

        // A user socket connects: its details.
        await using var user = new SocketIOManager(server.Url, new SocketIOClientOptions { Transports = SocketIOClientTransports.WebSocket, Reconnection = false });
        SocketIOClientSocket chat = user.Of("/chat");
        var notices = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var kicked = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        chat.On("notice", context => notices.TrySetResult(context.Arguments.GetInt32(0)));
        chat.On("echo-back", static _ => { });
        chat.Disconnected += (_, reason) => kicked.TrySetResult(reason);
        await chat.ConnectAsync().WaitAsync(s_wait);
        string id = chat.Id!;

        JsonElement[] connected = await admin.WaitAsync("socket_connected", a => a[0].GetProperty("id").GetString() == id);
        JsonElement details = connected[0];
        Assert.Equal(["clientId", "data", "handshake", "id", "nsp", "rooms", "transport"], Keys(details));
        Assert.Equal(["address", "headers", "issued", "query", "secure", "time", "url", "xdomain"], Keys(details.GetProperty("handshake")));
        Assert.Equal("/chat", details.GetProperty("nsp").GetString());
        Assert.Equal("websocket", details.GetProperty("transport").GetString());
        Assert.Equal(12, details.GetProperty("clientId").GetString()!.Length);
        Assert.Equal(JsonValueKind.Object, details.GetProperty("data").ValueKind);
        Assert.Contains(id, details.GetProperty("rooms").EnumerateArray().Select(static r => r.GetString()));
        Assert.True(details.GetProperty("handshake").GetProperty("issued").GetInt64() > 0);
        Assert.Equal(JsonValueKind.String, connected[1].ValueKind); // the date

        // Rooms and events as they happen.
        Assert.True((await chat.EmitWithAckAsync("join", "lobby").WaitAsync(s_wait)).GetBoolean(0));
        await admin.WaitAsync("room_joined", a => a[0].GetString() == "/chat" && a[1].GetString() == "lobby" && a[2].GetString() == id);
        JsonElement[] received = await admin.WaitAsync("event_received", a => a[1].GetString() == id && a[2][0].GetString() == "join");
        Assert.Equal("""["join","lobby"]""", received[2].GetRawText()); // the acknowledgement callback is not an argument
        await chat.EmitAsync("echo", "hi", 2);
        await admin.WaitAsync("event_received", a => a[1].GetString() == id && a[2].GetRawText() == """["echo","hi",2]""");
        await admin.WaitAsync("event_sent", a => a[1].GetString() == id && a[2].GetRawText() == """["echo-back","hi",2]""");

        // The statistics, every two seconds.
        JsonElement stats = (await admin.WaitAsync("server_stats", static a =>
            a[0].GetProperty("namespaces").EnumerateArray().Any(static n => n.GetProperty("name").GetString() == "/chat" && n.GetProperty("socketsCount").GetInt32() == 1)
            && a[0].GetProperty("aggregatedEvents").EnumerateArray().Any(static e => e.GetProperty("type").GetString() == "packetsIn")))[0];
        Assert.Equal(["aggregatedEvents", "clientsCount", "hostname", "namespaces", "pid", "pollingClientsCount", "serverId", "uptime"], Keys(stats));
        Assert.Equal(kind == "node" ? "reference" : "dotnet", stats.GetProperty("serverId").GetString());
        Assert.True(stats.GetProperty("clientsCount").GetInt32() >= 2);
        JsonElement aggregated = stats.GetProperty("aggregatedEvents").EnumerateArray().First(static e => e.GetProperty("type").GetString() == "packetsIn");
        Assert.Equal(["count", "timestamp", "type"], Keys(aggregated));
        Assert.Equal(0, aggregated.GetProperty("timestamp").GetInt64() % 1000);

        // The UI acts: a room for the socket, an event to it, then a disconnect.
        await admin.Socket.EmitAsync("join", "/chat", "vip", id);
        await admin.WaitAsync("room_joined", a => a[1].GetString() == "vip" && a[2].GetString() == id);
        await admin.Socket.EmitAsync("emit", "/chat", id, "notice", 42);
        Assert.Equal(42, await notices.Task.WaitAsync(s_wait));
        await admin.Socket.EmitAsync("leave", "/chat", "vip", id);
        await admin.WaitAsync("room_left", a => a[1].GetString() == "vip" && a[2].GetString() == id);
        await admin.Socket.EmitAsync("_disconnect", "/chat", false, id);
        Assert.Equal("io server disconnect", await kicked.Task.WaitAsync(s_wait));
        await admin.WaitAsync("socket_disconnected", a => a[0].GetString() == "/chat" && a[1].GetString() == id && a[2].GetString() == "server namespace disconnect");
        await admin.WaitAsync("room_left", a => a[1].GetString() == "lobby" && a[2].GetString() == id);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task A_wrong_password_is_refused_and_a_session_id_logs_in_again(string kind)
    {
        await using AdminServer server = await AdminServer.StartAsync(kind, output, readOnly: false);
        await using (var wrong = new AdminObserver(server.Url, Auth("admin", "guess"), output))
        {
            SocketIOConnectException refused = await Assert.ThrowsAsync<SocketIOConnectException>(wrong.ConnectAsync);
            Assert.Equal("invalid credentials", refused.Message);
        }

        string session;
        await using (var first = new AdminObserver(server.Url, Auth("admin", "secret"), output))
        {
            await first.ConnectAsync();
            session = (await first.WaitAsync("session", static _ => true))[0].GetString()!;
        }

        await using var again = new AdminObserver(server.Url, new Dictionary<string, object?>(StringComparer.Ordinal) { ["sessionId"] = session }, output);
        await again.ConnectAsync();
        await again.WaitAsync("config", static _ => true);
        Assert.False(again.Saw("session"));

        await using var forged = new AdminObserver(server.Url, new Dictionary<string, object?>(StringComparer.Ordinal) { ["sessionId"] = "0123456789abcdef" }, output);
        await Assert.ThrowsAsync<SocketIOConnectException>(forged.ConnectAsync);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task A_read_only_admin_sees_but_cannot_act(string kind)
    {
        await using AdminServer server = await AdminServer.StartAsync(kind, output, readOnly: true);
        await using var admin = new AdminObserver(server.Url, Auth("admin", "secret"), output);
        await admin.ConnectAsync();
        JsonElement config = (await admin.WaitAsync("config", static _ => true))[0];
        Assert.Equal(["AGGREGATED_EVENTS", "ALL_EVENTS"], config.GetProperty("supportedFeatures").EnumerateArray().Select(static f => f.GetString()));

        await using var user = new SocketIOManager(server.Url, new SocketIOClientOptions { Transports = SocketIOClientTransports.WebSocket, Reconnection = false });
        SocketIOClientSocket chat = user.Of("/chat");
        await chat.ConnectAsync().WaitAsync(s_wait);
        await admin.WaitAsync("socket_connected", a => a[0].GetProperty("id").GetString() == chat.Id);

        // Ignored: then an event the socket itself sends is reported, and the join before it was not.
        await admin.Socket.EmitAsync("join", "/chat", "vip", chat.Id);
        await chat.EmitAsync("echo", "after");
        await admin.WaitAsync("event_received", a => a[1].GetString() == chat.Id && a[2][0].GetString() == "echo");
        Assert.False(admin.Saw("room_joined", a => a[1].GetString() == "vip"));
    }

    private static Dictionary<string, object?> Auth(string user, string password) =>
        new(StringComparer.Ordinal) { ["username"] = user, ["password"] = password };

    private static string[] Keys(JsonElement element) => [.. element.EnumerateObject().Select(static p => p.Name).Order(StringComparer.Ordinal)];

    /// <summary>Logs in to <c>/admin</c> as the Admin UI does and keeps every report it gets.</summary>
    private sealed class AdminObserver : IAsyncDisposable
    {
        private readonly object _gate = new();
        private readonly List<(string Event, JsonElement[] Arguments)> _reports = [];
        private readonly List<(string Event, Func<JsonElement[], bool> Match, TaskCompletionSource<JsonElement[]> Found)> _waiters = [];
        private readonly SocketIOManager _io;
        private readonly ITestOutputHelper _output;

        public AdminObserver(Uri url, object auth, ITestOutputHelper output)
        {
            _output = output;
            _io = new SocketIOManager(url, new SocketIOClientOptions { Auth = auth, Reconnection = false, Transports = SocketIOClientTransports.WebSocket });
            Socket = _io.Of("/admin");
            Socket.OnAny((name, args) =>
            {
                using JsonDocument document = JsonDocument.Parse(args.ToString());
                JsonElement[] values = [.. document.RootElement.EnumerateArray().Select(static e => e.Clone())];
                lock (_gate)
                {
                    _reports.Add((name, values));
                    foreach (var waiter in _waiters.Where(w => w.Event == name && w.Match(values)).ToList())
                    {
                        _waiters.Remove(waiter);
                        waiter.Found.TrySetResult(values);
                    }
                }

                return ValueTask.CompletedTask;
            });
        }

        public SocketIOClientSocket Socket { get; }

        public string? Id => Socket.Id;

        public Task ConnectAsync() => Socket.ConnectAsync().WaitAsync(s_wait);

        public bool Saw(string name, Func<JsonElement[], bool>? match = null)
        {
            lock (_gate)
            {
                return _reports.Any(r => r.Event == name && (match is null || match(r.Arguments)));
            }
        }

        /// <summary>The first report of that name that matches, received already or later.</summary>
        public async Task<JsonElement[]> WaitAsync(string name, Func<JsonElement[], bool> match)
        {
            var found = new TaskCompletionSource<JsonElement[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                foreach ((string Event, JsonElement[] Arguments) report in _reports)
                {
                    if (report.Event == name && match(report.Arguments))
                    {
                        return report.Arguments;
                    }
                }

                _waiters.Add((name, match, found));
            }

            try
            {
                return await found.Task.WaitAsync(s_wait);
            }
            catch (TimeoutException timeout)
            {
                lock (_gate)
                {
                    foreach ((string Event, JsonElement[] Arguments) report in _reports)
                    {
                        _output.WriteLine($"saw {report.Event} {string.Join(", ", report.Arguments.Select(static a => a.GetRawText()))}");
                    }
                }

                throw new TimeoutException($"No '{name}' report matched.", timeout);
            }
        }

        public ValueTask DisposeAsync() => _io.DisposeAsync();
    }

    /// <summary>The reference (node/admin-server.mjs) or ours with the same namespace and login.</summary>
    private abstract class AdminServer : IAsyncDisposable
    {
        public abstract Uri Url { get; }

        public static async Task<AdminServer> StartAsync(string kind, ITestOutputHelper output, bool readOnly)
        {
            if (kind == "node")
            {
                var node = new ProcessScenarioServer(output, "node", path: null, script: readOnly ? ["admin-server.mjs", "--readonly"] : ["admin-server.mjs"]);
                await node.StartAsync(0);
                return new NodeAdminServer(node);
            }

            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
            builder.Services.AddSocketIO();
            WebApplication app = builder.Build();
            SocketIOServer io = app.MapSocketIO();
            io.Of("/chat").OnConnection(static socket =>
            {
                socket.On("join", static async context =>
                {
                    context.Socket.Join(context.Arguments.GetString(0)!);
                    await context.AckAsync(true);
                });
                socket.On("echo", static context => context.Socket.EmitAsync("echo-back", context.Arguments));
            });
            io.InstrumentAdminUI(o =>
            {
                o.Authentication = SocketIOAdminAuthentication.Basic("admin", "secret");
                o.ReadOnly = readOnly;
                o.ServerId = "dotnet";
            });
            await app.StartAsync();
            return new DotNetAdminServer(app);
        }

        public abstract ValueTask DisposeAsync();
    }

    private sealed class NodeAdminServer(ProcessScenarioServer server) : AdminServer
    {
        public override Uri Url => server.Url;

        public override ValueTask DisposeAsync() => server.DisposeAsync();
    }

    private sealed class DotNetAdminServer(WebApplication app) : AdminServer
    {
        public override Uri Url => new(app.Urls.Single());

        public override ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
