using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Client;

namespace SocketIO.Typed.Server.Tests;

/// <summary>
/// What the Admin UI instrumentation decides beyond the reference's protocol (tested against the reference in the
/// interop tests): an explicit login choice, production mode, a custom login check, and reports dropped (counted and
/// logged) when the queue to the UI is full.
/// </summary>
public sealed class AdminInstrumentationTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Instrumenting_needs_a_login_choice_and_happens_once()
    {
        await using TestServer server = await TestServer.StartAsync();
        InvalidOperationException missing = Assert.Throws<InvalidOperationException>(() => server.Io.InstrumentAdminUI(static _ => { }));
        Assert.Contains("SocketIOAdminAuthentication.None", missing.Message, StringComparison.Ordinal);

        server.Io.InstrumentAdminUI(static o => o.Authentication = SocketIOAdminAuthentication.None);
        Assert.Throws<InvalidOperationException>(() => server.Io.InstrumentAdminUI(static o => o.Authentication = SocketIOAdminAuthentication.None));
    }

    [Fact]
    public async Task Production_mode_sends_statistics_but_no_socket_or_event_reports()
    {
        await using TestServer server = await TestServer.StartAsync(map: io =>
        {
            io.Of("/chat").OnConnection(static socket => socket.On("ping", static _ => ValueTask.CompletedTask));
            io.InstrumentAdminUI(static o =>
            {
                o.Authentication = SocketIOAdminAuthentication.None;
                o.Mode = SocketIOAdminMode.Production;
                o.StatsInterval = TimeSpan.FromMilliseconds(100);
            });
        });
        var reports = new ConcurrentQueue<(string Name, string Args)>();
        var stats = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var admin = new SocketIOManager(server.Url, new SocketIOClientOptions { Reconnection = false });
        admin.Of("/admin").OnAny((name, args) =>
        {
            reports.Enqueue((name, args.ToString()));
            if (name == "server_stats" && args.ToString().Contains("\"/chat\",\"socketsCount\":1", StringComparison.Ordinal))
            {
                stats.TrySetResult(args.ToString());
            }

            return ValueTask.CompletedTask;
        });
        await admin.Of("/admin").ConnectAsync().WaitAsync(s_wait);

        await using var user = new SocketIOManager(server.Url, new SocketIOClientOptions { Reconnection = false });
        await user.Of("/chat").ConnectAsync().WaitAsync(s_wait);
        await user.Of("/chat").EmitAsync("ping");
        await stats.Task.WaitAsync(s_wait);

        Assert.Contains(reports, static r => r.Name == "config" && r.Args == """[{"supportedFeatures":["EMIT","JOIN","LEAVE","DISCONNECT","MJOIN","MLEAVE","MDISCONNECT","AGGREGATED_EVENTS"]}]""");
        Assert.DoesNotContain(reports, static r => r.Name is "all_sockets" or "socket_connected" or "event_received" or "room_joined");
    }

    [Fact]
    public async Task A_custom_login_check_gets_the_user_name_and_password()
    {
        var asked = new ConcurrentQueue<string>();
        await using TestServer server = await TestServer.StartAsync(map: io => io.InstrumentAdminUI(o => o.Authentication = SocketIOAdminAuthentication.Custom((user, password, _) =>
        {
            asked.Enqueue(user + ":" + password);
            return ValueTask.FromResult(user == "ops" && password == "hunter2");
        })));

        await using var wrong = new SocketIOManager(server.Url, new SocketIOClientOptions { Reconnection = false, Auth = Login("ops", "nope") });
        SocketIOConnectException refused = await Assert.ThrowsAsync<SocketIOConnectException>(() => wrong.Of("/admin").ConnectAsync().WaitAsync(s_wait));
        Assert.Equal("invalid credentials", refused.Message);
        Assert.Single(server.Logs.Entries, static e => e.Level == LogLevel.Information && e.Message.Contains("Admin UI login", StringComparison.Ordinal));

        await using var right = new SocketIOManager(server.Url, new SocketIOClientOptions { Reconnection = false, Auth = Login("ops", "hunter2") });
        await right.Of("/admin").ConnectAsync().WaitAsync(s_wait);
        Assert.Equal(["ops:nope", "ops:hunter2"], asked);
    }

    [Fact]
    public async Task Reports_beyond_the_queue_are_dropped_counted_and_logged_once()
    {
        using var meters = new MeterRecorder();
        await using TestServer server = await TestServer.StartAsync(map: io =>
        {
            io.Of("/chat").OnConnection(static socket => socket.On("ping", static _ => ValueTask.CompletedTask));
            io.InstrumentAdminUI(static o =>
            {
                o.Authentication = SocketIOAdminAuthentication.None;
                o.MaxQueuedReports = 2;
                o.StatsInterval = TimeSpan.FromHours(1);
            });
        });
        var admin = (SocketIOAdminInstrumentation)server.Io.EngineIO.Traffic!;
        var pings = new ConcurrentQueue<int>();
        var userConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var watcher = new SocketIOManager(server.Url, new SocketIOClientOptions { Reconnection = false, Transports = SocketIOClientTransports.WebSocket });
        watcher.Of("/admin").OnAny((name, args) =>
        {
            using JsonDocument document = JsonDocument.Parse(args.ToString());
            JsonElement values = document.RootElement;
            if (name == "socket_connected" && values[0].GetProperty("nsp").GetString() == "/chat")
            {
                userConnected.TrySetResult();
            }
            else if (name == "event_received")
            {
                int n = values[2][1].GetInt32();
                pings.Enqueue(n);
                if (n == 99)
                {
                    last.TrySetResult();
                }
            }

            return ValueTask.CompletedTask;
        });
        await watcher.Of("/admin").ConnectAsync().WaitAsync(s_wait);
        await using var user = new SocketIOManager(server.Url, new SocketIOClientOptions { Reconnection = false, Transports = SocketIOClientTransports.WebSocket });
        SocketIOClientSocket chat = user.Of("/chat");
        await chat.ConnectAsync().WaitAsync(s_wait);
        await userConnected.Task.WaitAsync(s_wait); // every report so far was sent: the queue is empty (WebSocket only: no upgrade report later)

        // The sender is held: one report waits in it, two in the queue, the others are dropped.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        admin.SendGate = gate.Task;
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int count = 0;
        server.Io.Of("/chat").Sockets.Single().Value.OnAny((_, _) =>
        {
            if (Interlocked.Increment(ref count) == 10)
            {
                handled.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        for (int i = 0; i < 10; i++)
        {
            await chat.EmitAsync("ping", i);
        }

        await handled.Task.WaitAsync(s_wait);
        gate.SetResult();
        await chat.EmitAsync("ping", 99);
        await last.Task.WaitAsync(s_wait);

        // What was not dropped arrived in order; what was dropped was counted and logged once.
        long dropped = meters.Sum("socketio.server.packets.dropped", "socketio.drop_reason", "admin_queue_full");
        int[] arrived = [.. pings];
        Assert.True(dropped >= 7 && dropped == 10 - (arrived.Length - 1), $"dropped {dropped}, arrived {string.Join(",", arrived)}");
        Assert.Equal(arrived.Order(), arrived);
        Assert.Equal(0, arrived[0]);
        Assert.Single(server.Logs.Entries, static e => e.Level == LogLevel.Warning && e.Message.Contains("MaxQueuedReports", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_socket_whose_data_cannot_all_be_written_is_listed_with_the_rest_of_its_data()
    {
        await using TestServer server = await TestServer.StartAsync(map: io =>
        {
            // In a middleware: done before the client hears it is connected (connection handlers run after).
            io.Of("/chat").Use(static (socket, _) =>
            {
                socket.Data["nick"] = "ann";
                socket.Data["profile"] = new Profile("needs reflection");
                return ValueTask.CompletedTask;
            });
            io.InstrumentAdminUI(static o => o.Authentication = SocketIOAdminAuthentication.None);
        });
        await using var user = new SocketIOManager(server.Url, new SocketIOClientOptions { Reconnection = false, Transports = SocketIOClientTransports.WebSocket });
        await user.Of("/chat").ConnectAsync().WaitAsync(s_wait);

        // FetchSockets describes it too (the same rule).
        var fetched = await server.Io.Of("/chat").FetchSocketsAsync();
        Assert.Equal("""{"nick":"ann","profile":"(Profile)"}""", fetched.Single().Data.GetRawText());

        var all = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var admin = new SocketIOManager(server.Url, new SocketIOClientOptions { Reconnection = false, Transports = SocketIOClientTransports.WebSocket });
        admin.Of("/admin").On("all_sockets", context => all.TrySetResult(context.Arguments.ToString()));
        await admin.Of("/admin").ConnectAsync().WaitAsync(s_wait);
        using JsonDocument sockets = JsonDocument.Parse(await all.Task.WaitAsync(s_wait));
        JsonElement chat = sockets.RootElement[0].EnumerateArray().Single(static s => s.GetProperty("nsp").GetString() == "/chat");
        Assert.Equal("""{"nick":"ann","profile":"(Profile)"}""", chat.GetProperty("data").GetRawText());
    }

    private sealed record Profile(string Text);

    private static Dictionary<string, object?> Login(string user, string password) =>
        new(StringComparer.Ordinal) { ["username"] = user, ["password"] = password };
}
