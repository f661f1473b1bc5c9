using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using System.Threading.Channels;
using SocketIO.Typed.Client;
using SocketIO.Typed;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Interop.Tests;


/// <summary>
/// Our .NET client against the official Node socket.io 4.8.4 server (<c>node/server.mjs</c>), against python-socketio
/// (<c>python/server.py</c>) and against our own server with the same handlers, over polling only, WebSocket only, and
/// polling upgraded to WebSocket.
/// </summary>
public sealed class DotNetClientTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    public static TheoryData<string, string> ServersAndTransports { get; } = new()
    {
        { "node", "polling" },
        { "node", "websocket" },
        { "node", "upgrade" },
        { "python", "polling" },
        { "python", "websocket" },
        { "python", "upgrade" },
        { "dotnet", "polling" },
        { "dotnet", "websocket" },
        { "dotnet", "upgrade" },
    };

    // python-socketio 5.7 has no connection state recovery.
    public static TheoryData<string, string> RecoveringServersAndTransports { get; } = new()
    {
        { "node", "polling" },
        { "node", "websocket" },
        { "node", "upgrade" },
        { "dotnet", "polling" },
        { "dotnet", "websocket" },
        { "dotnet", "upgrade" },
    };

    private SocketIOClientOptions Options(string transport, Action<SocketIOClientOptions>? configure = null)
    {
        var options = new SocketIOClientOptions
        {
            Transports = transport switch
            {
                "polling" => SocketIOClientTransports.Polling,
                "websocket" => SocketIOClientTransports.WebSocket,
                _ => SocketIOClientTransports.All,
            },
            ReconnectionDelay = TimeSpan.FromMilliseconds(100),
            ReconnectionDelayMax = TimeSpan.FromMilliseconds(500),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AckTimeout = TimeSpan.FromSeconds(5),
            LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug)),
        };
        configure?.Invoke(options);
        return options;
    }

    private static async Task WaitUpgradedAsync(SocketIOManager io, string transport)
    {
        if (transport != "upgrade")
        {
            return;
        }

        for (int i = 0; i < 200 && io.Transport != "websocket"; i++)
        {
            await Task.Delay(25);
        }

        Assert.Equal("websocket", io.Transport);
    }

    private static Task<T> Next<T>(SocketIOClientSocket socket, string eventName, Func<SocketIOArguments, T> read)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.On(eventName, ctx => tcs.TrySetResult(read(ctx.Arguments)));
        return tcs.Task.WaitAsync(s_wait);
    }

    [Theory]
    [InlineData("node")]
    [InlineData("python")]
    [InlineData("dotnet")]
    public async Task A_client_pointed_at_the_wrong_path_says_which_path_and_option(string kind)
    {
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using var io = new SocketIOManager(server.Url, Options("polling", static o => { o.Path = "/socketio"; o.Reconnection = false; o.ConnectTimeout = TimeSpan.FromSeconds(3); }));
        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => io.Socket.ConnectAsync().WaitAsync(s_wait));

        // python-socketio and ours answer 404; Node's http server does not answer at all, so the connect times out.
        Assert.Contains(kind == "node" ? "did not complete" : "HTTP 404", error.Message, StringComparison.Ordinal);
        Assert.Contains("/socketio/", error.Message, StringComparison.Ordinal);
        Assert.Contains("SocketIOClientOptions.Path", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task Connects_with_auth_query_and_headers_and_exchanges_events_binary_and_acks(string kind, string transport)
    {
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using var io = new SocketIOManager(server.Url, Options(transport, o =>
        {
            o.Auth = new Dictionary<string, object?>(StringComparer.Ordinal) { ["token"] = "abc", ["n"] = 1 };
            o.Query["q"] = "query value";
            o.ExtraHeaders["X-Test"] = "header value";
        }));
        SocketIOClientSocket socket = io.Socket;
        Task<string> hello = Next(socket, "hello", a => $"{a.GetString(0)}|{a.GetElement(1).GetRawText()}|{a.GetString(2)}|{a.GetString(3)}|{a.GetBoolean(4)}");
        var outgoing = new List<string>();
        socket.OnAnyOutgoing((name, args) => outgoing.Add(name + args));
        var incoming = Channel.CreateUnbounded<string>();
        socket.OnAny((name, _) => incoming.Writer.WriteAsync(name));

        await socket.ConnectAsync();
        Assert.True(socket.IsConnected);
        Assert.NotNull(socket.Id);
        Assert.NotEqual(io.EngineId, socket.Id);
        Assert.Equal($"{socket.Id}|{{\"token\":\"abc\",\"n\":1}}|query value|header value|False", await hello);
        await WaitUpgradedAsync(io, transport);

        // Events with binary anywhere, both ways.
        Task<string> echoed = Next(socket, "echo-back", a =>
            $"{a.GetString(0)}|{Convert.ToHexStringLower(a.GetBytes(1).Span)}|{Convert.ToHexStringLower((byte[])((Dictionary<string, object?>)a.ToObject(2)!)["bin"]!)}|{a.GetElement(3).GetRawText()}");
        await socket.EmitAsync("echo", "é✓ 😀", new byte[] { 0, 1, 255 }, new Dictionary<string, object?>(StringComparer.Ordinal) { ["bin"] = new byte[] { 7 } }, new[] { 1, 2 });
        Assert.Equal("é✓ 😀|0001ff|07|[1,2]", await echoed);

        // Client -> server ack, with binary in the answer.
        SocketIOArguments ack = await socket.EmitWithAckAsync("echo-ack", 42, new byte[] { 5, 6 });
        Assert.Equal(42, ack.GetInt32(0));
        Assert.Equal("0506", Convert.ToHexStringLower(ack.GetBytes(1).Span));

        // Server -> client ack: the handler's return value answers.
        socket.OnRequest("question", args => ValueTask.FromResult<object?>($"{args.GetInt32(0)}:{Convert.ToHexStringLower(args.GetBytes(1).Span)}"));
        SocketIOArguments answer = await socket.EmitWithAckAsync("ask-client");
        Assert.Equal("""{"answer":"7:010203"}""", answer.GetElement(0).GetRawText());

        Assert.Contains(outgoing, o => o.StartsWith("echo[", StringComparison.Ordinal));
        var names = new List<string>();
        while (incoming.Reader.TryRead(out string? name))
        {
            names.Add(name);
        }

        Assert.Equal(["hello", "echo-back", "question"], names);
        Assert.Equal(transport == "polling" ? "polling" : "websocket", io.Transport);
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task An_event_emitted_by_the_connection_handler_is_handled_with_the_id_set_and_its_ack_reaches_the_server(string kind, string transport)
    {
        // python-socketio sends what its connect handler emits before the CONNECT packet; socket.io-client keeps such
        // events until the socket is connected, and so does ours: the handler sees the id, and its ack is not lost.
        // Concurrent handlers run as soon as an event is delivered, so an event handed over too early would be seen
        // without an id.
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using var io = new SocketIOManager(server.Url, Options(transport, o => o.ConcurrentEventHandlers = true));
        SocketIOClientSocket early = io.Of("/early");
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        early.On("early", ctx =>
        {
            seen.TrySetResult($"{ctx.Socket.Id}|{ctx.Socket.IsConnected}|{ctx.Arguments.GetString(0)}");
            return ctx.AckAsync("got it");
        });
        await early.ConnectAsync();
        Assert.Equal($"{early.Id}|True|{early.Id}", await seen.Task.WaitAsync(s_wait));

        string? answer = null;
        for (int i = 0; i < 100 && answer is null; i++)
        {
            answer = (await early.EmitWithAckAsync("early-answer")).GetString(0);
            if (answer is null)
            {
                await Task.Delay(50);
            }
        }

        Assert.Equal("got it", answer);
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task Namespaces_share_one_connection_and_a_refused_namespace_reports_message_and_data(string kind, string transport)
    {
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        int authCalls = 0;
        await using var io = new SocketIOManager(server.Url, Options(transport, o => o.AuthProvider = (ns, _) =>
        {
            Interlocked.Increment(ref authCalls);
            return ValueTask.FromResult<object?>(new Dictionary<string, object?>(StringComparer.Ordinal) { ["token"] = ns == "/secure" ? "bad" : "good", ["ns"] = ns });
        }));
        SocketIOClientSocket main = io.Of("/");
        SocketIOClientSocket chat = io.Of("/chat");
        await main.ConnectAsync();
        string engineId = io.EngineId!;
        await chat.ConnectAsync();
        Assert.Equal(engineId, io.EngineId);

        SocketIOArguments who = await chat.EmitWithAckAsync("whoami");
        Assert.Equal("/chat", who.GetString(0));
        Assert.Equal(chat.Id, who.GetString(1));
        Assert.Equal("/chat", who.GetElement(2).GetProperty("ns").GetString());

        SocketIOClientSocket secure = io.Of("/secure");
        Exception? reported = null;
        secure.ConnectError += (_, e) => reported = e;
        SocketIOConnectException refused = await Assert.ThrowsAsync<SocketIOConnectException>(() => secure.ConnectAsync());
        Assert.Equal("Not authorized", refused.Message);
        Assert.Equal(42, refused.ErrorData!.Value.GetProperty("code").GetInt32());
        Assert.Same(refused, reported);
        Assert.False(secure.IsConnected);
        Assert.Equal(3, authCalls);

        // The other namespaces are unaffected; disconnecting one leaves the connection open for the other.
        await chat.DisconnectAsync();
        Assert.False(chat.IsConnected);
        Assert.Equal("/", (await main.EmitWithAckAsync("whoami")).GetString(0));
        Assert.Equal(engineId, io.EngineId);
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task Acks_fail_with_a_timeout_or_when_the_connection_drops_and_never_hang(string kind, string transport)
    {
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using var proxy = new TcpCutProxy(server.Port);
        await using var io = new SocketIOManager(proxy.Url, Options(transport, o => o.Reconnection = false));
        await io.ConnectAsync();
        await WaitUpgradedAsync(io, transport);

        SocketIOAckTimeoutException timeout = await Assert.ThrowsAsync<SocketIOAckTimeoutException>(() => io.Socket.EmitWithAckAsync("never-ack", TimeSpan.FromMilliseconds(300)));
        Assert.Contains("'never-ack'", timeout.Message, StringComparison.Ordinal);

        using var cts = new CancellationTokenSource();
        Task<SocketIOArguments> cancelled = io.Socket.EmitWithAckAsync("never-ack", cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        Task<SocketIOArguments> pending = io.Socket.EmitWithAckAsync("never-ack", TimeSpan.FromSeconds(30), CancellationToken.None);
        var disconnected = new TaskCompletionSource<string>();
        io.Socket.Disconnected += (_, reason) => disconnected.TrySetResult(reason);
        proxy.Cut();
        await Assert.ThrowsAsync<SocketIODisconnectedException>(() => pending.WaitAsync(s_wait));

        // The subject is the pending ack failing, not the reason: the scenario servers' 1.5 s heartbeat may notice a
        // loaded machine's late ping first (the reasons themselves are tested by the restart and silent-server tests).
        Assert.Contains(await disconnected.Task.WaitAsync(s_wait), new[] { "transport close", "transport error", "ping timeout" });
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task A_server_that_goes_silent_is_detected_by_the_missing_pings(string kind, string transport)
    {
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using var proxy = new TcpCutProxy(server.Port);
        await using var io = new SocketIOManager(proxy.Url, Options(transport, o => o.Reconnection = false));
        var reason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        io.Socket.Disconnected += (_, r) => reason.TrySetResult(r);
        await io.ConnectAsync();
        await WaitUpgradedAsync(io, transport);

        // Both servers ping every 1000 ms and allow 500 ms for the answer: silence is noticed after 1.5 s.
        proxy.Freeze();
        Assert.Equal("ping timeout", await reason.Task.WaitAsync(s_wait));
        Assert.False(io.IsOpen);
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task A_server_disconnect_is_final_and_a_client_disconnect_is_seen_by_the_server(string kind, string transport)
    {
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using var io = new SocketIOManager(server.Url, Options(transport));
        var control = new SocketIOManager(server.Url, Options("websocket"));
        await using (control)
        {
            Task<string> peerGone = Next(control.Of("/control"), "peer-disconnected", a => $"{a.GetString(0)}|{a.GetString(1)}");
            await control.Of("/control").ConnectAsync();
            int attempts = 0;
            io.ReconnectAttempt += (_, _) => Interlocked.Increment(ref attempts);
            var reason = new TaskCompletionSource<string>();
            io.Socket.Disconnected += (_, r) => reason.TrySetResult(r);
            await io.ConnectAsync();
            string id = io.Socket.Id!;

            await io.Socket.EmitAsync("kick-me");
            Assert.Equal("io server disconnect", await reason.Task.WaitAsync(s_wait));
            Assert.Equal($"{id}|server namespace disconnect", await peerGone);
            await Task.Delay(500);
            Assert.Equal(0, attempts);
            Assert.False(io.Socket.IsConnected);

            // A client-side disconnect: the server sees "client namespace disconnect".
            Task<string> peerGone2 = Next(control.Of("/control"), "peer-disconnected", a => $"{a.GetString(0)}|{a.GetString(1)}");
            await io.ConnectAsync();
            string id2 = io.Socket.Id!;
            await io.Socket.DisconnectAsync();
            Assert.Equal($"{id2}|client namespace disconnect", await peerGone2);

            // Nor does a client-side disconnect reconnect: the last socket's disconnect closed the connection.
            await Task.Delay(500);
            Assert.Equal(0, attempts);
            Assert.False(io.IsOpen);
        }
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task Emits_while_disconnected_are_buffered_or_refused_and_volatile_ones_are_dropped(string kind, string transport)
    {
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using var io = new SocketIOManager(server.Url, Options(transport, o => o.SendBufferLimit = 2));
        Task<string> echoed = Next(io.Socket, "echo-back", a => a.GetString(0)!);

        await io.Socket.EmitAsync("echo", "buffered before connect");
        await io.Socket.Volatile.EmitAsync("echo", "volatile, dropped");
        await io.Socket.EmitAsync("echo", "second");
        await Assert.ThrowsAsync<SocketIODisconnectedException>(async () => await io.Socket.EmitAsync("echo", "third: the buffer is full"));
        Assert.Equal(1, io.Socket.VolatileDroppedCount);

        await io.ConnectAsync();
        Assert.Equal("buffered before connect", await echoed);

        await using var strict = new SocketIOManager(server.Url, Options(transport, o => o.DisconnectedEmits = SocketIODisconnectedEmitBehavior.Fail));
        await Assert.ThrowsAsync<SocketIODisconnectedException>(async () => await strict.Socket.EmitAsync("echo", "refused"));
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task Reconnects_after_the_server_restarts(string kind, string transport)
    {
        ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using (server)
        {
            await using var io = new SocketIOManager(server.Url, Options(transport));
            var attempts = new List<int>();
            var reconnected = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            var reasons = Channel.CreateUnbounded<string>();
            var connects = Channel.CreateUnbounded<string>();
            io.ReconnectAttempt += (_, n) =>
            {
                lock (attempts)
                {
                    attempts.Add(n);
                }
            };
            io.Reconnected += (_, n) => reconnected.TrySetResult(n);
            io.Socket.Disconnected += (_, r) => reasons.Writer.TryWrite(r);
            io.Socket.Connected += s => connects.Writer.TryWrite(s.Id!);
            await io.ConnectAsync();
            string firstId = await connects.Reader.ReadAsync().AsTask().WaitAsync(s_wait);

            int port = server.Port;
            await server.StopAsync();
            string reason = await reasons.Reader.ReadAsync().AsTask().WaitAsync(s_wait);
            Assert.Contains(reason, new[] { "transport close", "transport error", "ping timeout" });
            await Task.Delay(300);
            await server.StartAsync(port);

            int took = await reconnected.Task.WaitAsync(TimeSpan.FromSeconds(20));
            string secondId = await connects.Reader.ReadAsync().AsTask().WaitAsync(s_wait);
            Assert.True(took >= 1);
            Assert.NotEqual(firstId, secondId);
            lock (attempts)
            {
                Assert.Equal(Enumerable.Range(1, attempts.Count), attempts);
            }

            Assert.Equal(42, (await io.Socket.EmitWithAckAsync("echo-ack", 42)).GetInt32(0));   // connected (see below)
        }
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task The_first_connection_is_retried_while_the_server_is_down_and_fails_fast_without_reconnection(string kind, string transport)
    {
        ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using (server)
        {
            int port = server.Port;
            await server.StopAsync();

            // Reconnection off: the first failure is final.
            await using var strict = new SocketIOManager(server.Url, Options(transport, o => o.Reconnection = false));
            await Assert.ThrowsAnyAsync<Exception>(() => strict.ConnectAsync()).WaitAsync(s_wait);

            // Reconnection on (the default): connect_error for each failed attempt, then connected once the server is up.
            await using var io = new SocketIOManager(server.Url, Options(transport, o => o.ConnectTimeout = TimeSpan.FromSeconds(30)));
            var errors = Channel.CreateUnbounded<Exception>();
            io.Socket.ConnectError += (_, e) => errors.Writer.TryWrite(e);
            Task connecting = io.ConnectAsync();
            await errors.Reader.ReadAsync().AsTask().WaitAsync(s_wait);
            Assert.False(connecting.IsCompleted);
            await server.StartAsync(port);
            await connecting.WaitAsync(TimeSpan.FromSeconds(20));

            // Connected: the round trip shows it. (Not IsConnected at this instant: the Node test server's heartbeat
            // is short, pingTimeout 500 ms, and on a loaded machine it closed this connection once before the next
            // line ran; the client then reconnects and the emit waits for it.)
            Assert.Equal(42, (await io.Socket.EmitWithAckAsync("echo-ack", 42)).GetInt32(0));
        }
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task Reconnection_gives_up_after_the_configured_attempts(string kind, string transport)
    {
        ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using var io = new SocketIOManager(server.Url, Options(transport, o => o.ReconnectionAttempts = 2));
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int errors = 0;
        io.ReconnectError += (_, _) => Interlocked.Increment(ref errors);
        io.ReconnectFailed += _ => failed.TrySetResult();
        await io.ConnectAsync();
        await server.StopAsync();

        await failed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, errors);
        Assert.False(io.Socket.IsConnected);
    }

    [Theory]
    [MemberData(nameof(RecoveringServersAndTransports))]
    public async Task A_short_network_cut_recovers_the_session_and_loses_no_event(string kind, string transport)
    {
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using var proxy = new TcpCutProxy(server.Port);
        await using var control = new SocketIOManager(server.Url, Options("websocket"));
        SocketIOClientSocket controlSocket = control.Of("/control");
        var gone = Channel.CreateUnbounded<string>();
        controlSocket.On("peer-disconnected", ctx => gone.Writer.TryWrite(ctx.Arguments.GetString(0)!));
        await controlSocket.ConnectAsync();

        // The auth is a JsonObject: the recovery reconnect merges it with pid and offset, as for any other kind.
        await using var io = new SocketIOManager(proxy.Url, Options(transport, o =>
        {
            o.ReconnectionDelay = o.ReconnectionDelayMax = TimeSpan.FromMilliseconds(1500);
            o.Auth = new System.Text.Json.Nodes.JsonObject { ["token"] = "kept" };
        }));
        var missed = Channel.CreateUnbounded<string>();
        io.Socket.On("missed", ctx => missed.Writer.TryWrite(ctx.Arguments.Count > 2
            ? $"{ctx.Arguments.GetInt32(0)}:{Convert.ToHexStringLower(ctx.Arguments.GetBytes(1).Span)}"
            : ctx.Arguments.GetInt32(0).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Task<bool> firstHello = Next(io.Socket, "hello", a => a.GetBoolean(4));
        await io.ConnectAsync();
        Assert.False(await firstHello);
        Assert.False(io.Socket.Recovered);
        await WaitUpgradedAsync(io, transport);
        string id = io.Socket.Id!;
        Assert.True((await io.Socket.EmitWithAckAsync("join", "r1")).GetBoolean(0));

        // An event before the cut gives the client an offset to recover from.
        await controlSocket.EmitWithAckAsync("broadcast-missed", "r1");
        Assert.Equal("1", await missed.Reader.ReadAsync().AsTask().WaitAsync(s_wait));
        Assert.Equal("2:0908", await missed.Reader.ReadAsync().AsTask().WaitAsync(s_wait));

        var reconnectedHello = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.Cut();
        Assert.Equal(id, await gone.Reader.ReadAsync().AsTask().WaitAsync(s_wait));
        io.Socket.Off("hello");
        io.Socket.On("hello", ctx => reconnectedHello.TrySetResult(ctx.Arguments.GetBoolean(4)));

        // While the client is away, the room gets two more events: they arrive after the reconnection.
        await controlSocket.EmitWithAckAsync("broadcast-missed", "r1");
        Assert.True(await reconnectedHello.Task.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.True(io.Socket.Recovered);
        Assert.Equal(id, io.Socket.Id);
        Assert.Equal("1", await missed.Reader.ReadAsync().AsTask().WaitAsync(s_wait));
        Assert.Equal("2:0908", await missed.Reader.ReadAsync().AsTask().WaitAsync(s_wait));
        Assert.Equal("kept", (await io.Socket.EmitWithAckAsync("whoami")).GetElement(2).GetProperty("token").GetString());
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task Retries_resend_an_unacknowledged_emit_until_the_server_answers(string kind, string transport)
    {
        // The ack timers run on a fake clock: a try times out only when the test says so, so a slow answer on a loaded
        // machine can never look like a lost one (each try's timer exists as soon as the emit call returns). Other
        // timers (the heartbeat) keep real time.
        TimeSpan ackTimeout = TimeSpan.FromSeconds(7.25);
        var time = new AckClock(ackTimeout);
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using var io = new SocketIOManager(server.Url, Options(transport, o =>
        {
            o.Retries = 3;
            o.AckTimeout = ackTimeout;
            o.TimeProvider = time;
        }));

        // Connected to the namespace (not only the connection open): each emit goes out at once, with its timer.
        await io.Socket.ConnectAsync().WaitAsync(s_wait);
        string key = Guid.NewGuid().ToString("N");

        // The server ignores the first two deliveries of this key and acknowledges the third.
        Task<SocketIOArguments> acked = io.Socket.EmitWithAckAsync("flaky", key, 3);
        time.Advance(ackTimeout);
        time.Advance(ackTimeout);
        Assert.Equal(3, (await acked.WaitAsync(s_wait)).GetInt32(0));

        // A plain emit is retried too, and the next one waits for it (one in flight, in order).
        string other = Guid.NewGuid().ToString("N");
        await io.Socket.EmitAsync("flaky", other, 2);
        time.Advance(ackTimeout);
        SocketIOArguments count = await io.Socket.EmitWithAckAsync("flaky-count", other).WaitAsync(s_wait);
        Assert.Equal(2, count.GetInt32(0));

        // A packet written by generated code (without an ack id) goes through the same queue: it is given an ack id
        // and retried until answered.
        string third = Guid.NewGuid().ToString("N");
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginEvent(SocketIOPacketWriter.EncodeEventName("flaky"));
            writer.WriteValue(third);
            writer.WriteValue(2);
            io.Socket.Send(writer.ToPacket(io.Socket.Namespace), isVolatile: false);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        time.Advance(ackTimeout);
        Assert.Equal(2, (await io.Socket.EmitWithAckAsync("flaky-count", third).WaitAsync(s_wait)).GetInt32(0));

        // Past the retries (a first try and three more) the emit fails.
        Task<SocketIOArguments> never = io.Socket.EmitWithAckAsync("never-ack");
        for (int i = 0; i < 4; i++)
        {
            Assert.False(never.IsCompleted);
            time.Advance(ackTimeout);
        }

        await Assert.ThrowsAsync<SocketIOAckTimeoutException>(() => never.WaitAsync(s_wait));
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task Handlers_of_one_socket_run_one_at_a_time_in_order(string kind, string transport)
    {
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using var io = new SocketIOManager(server.Url, Options(transport));
        int running = 0;
        int maxRunning = 0;
        var seen = new List<int>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        io.Socket.On("echo-back", async ctx =>
        {
            int now = Interlocked.Increment(ref running);
            maxRunning = Math.Max(maxRunning, now);
            await Task.Delay(20);
            seen.Add(ctx.Arguments.GetInt32(0));
            Interlocked.Decrement(ref running);
            if (seen.Count == 10)
            {
                done.TrySetResult();
            }
        });
        await io.ConnectAsync();
        for (int i = 0; i < 10; i++)
        {
            await io.Socket.EmitAsync("echo", i);
        }

        await done.Task.WaitAsync(s_wait);
        Assert.Equal(1, maxRunning);
        Assert.Equal(Enumerable.Range(0, 10), seen);
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task Emits_from_many_tasks_at_once_all_arrive_and_are_acknowledged(string kind, string transport)
    {
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        using var counting = new CountingHandler();
        int webSocketsConfigured = 0;
        await using var io = new SocketIOManager(server.Url, Options(transport, o =>
        {
            o.HttpMessageHandler = counting;
            o.ConfigureWebSocket = _ => Interlocked.Increment(ref webSocketsConfigured);
        }));
        await io.ConnectAsync();

        Task<string>[] tasks = [.. Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            var answers = new List<int>();
            for (int i = 0; i < 25; i++)
            {
                answers.Add((await io.Socket.EmitWithAckAsync("echo-ack", (t * 100) + i)).GetInt32(0));
            }

            return string.Join(',', answers);
        }))];
        string[] results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(20));

        for (int t = 0; t < results.Length; t++)
        {
            Assert.Equal(string.Join(',', Enumerable.Range(t * 100, 25)), results[t]);
        }

        // The HTTP requests of polling went through the handler given in the options; each WebSocket through ConfigureWebSocket.
        Assert.Equal(transport != "websocket", counting.Requests > 0);
        await WaitUpgradedAsync(io, transport);
        Assert.Equal(transport != "polling", webSocketsConfigured > 0);
    }

    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return base.SendAsync(request, cancellationToken);
        }
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task The_path_option_reaches_a_server_mapped_elsewhere(string kind, string transport)
    {
        // Every server serves only /custom-path here.
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output, path: "/custom-path");
        await using var io = new SocketIOManager(server.Url, Options(transport, o => o.Path = "/custom-path"));
        await io.ConnectAsync();
        await WaitUpgradedAsync(io, transport);
        Assert.Equal("/", (await io.Socket.EmitWithAckAsync("whoami")).GetString(0));

        // The default path is not served, so the option was really used: python-socketio and ours answer 404; Node's
        // HTTP server leaves a request for another path unanswered and drops a WebSocket upgrade there.
        await using var lost = new SocketIOManager(server.Url, Options(transport, o =>
        {
            o.ConnectTimeout = TimeSpan.FromSeconds(3);
            o.Reconnection = false;   // fail at once instead of retrying the first connection
        }));
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => lost.ConnectAsync());
        string messages = string.Join(" | ", Chain(failure).Select(e => $"{e.GetType().Name}: {e.Message}"));
        if (kind == "node")
        {
            Assert.True(failure is TimeoutException || Chain(failure).Any(e => e is System.Net.WebSockets.WebSocketException), messages);
        }
        else
        {
            Assert.Contains("404", messages, StringComparison.Ordinal);
        }
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task The_simple_client_connects_emits_calls_and_receives(string kind, string transport)
    {
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        await using SocketIOSimpleClient client = await SocketIOSimpleClient.ConnectAsync(new Uri(server.Url, "/chat"), Options(transport));
        Assert.NotNull(client.Id);

        SocketIOReceivedEvent hello = await client.ReceiveAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("hello", hello.Name);
        Assert.Equal(client.Id, hello.Arguments.GetString(0));

        await client.EmitAsync("echo", "simple", 1);
        SocketIOReceivedEvent back = await client.ReceiveAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("echo-back", back.Name);
        Assert.Equal("simple", back.Arguments.GetString(0));

        SocketIOArguments who = await client.CallAsync("whoami");
        Assert.Equal("/chat", who.GetString(0));

        await Assert.ThrowsAsync<TimeoutException>(() => client.ReceiveAsync(TimeSpan.FromMilliseconds(200)));
        await client.DisconnectAsync();
        Assert.False(client.IsConnected);
    }

    /// <summary>A clock whose timers of one due time (the ack timeout) are fake and advanced by the test; the rest are real.</summary>
    private sealed class AckClock(TimeSpan fakeDue) : TimeProvider
    {
        private readonly FakeTimeProvider _fake = new(DateTimeOffset.UtcNow);

        public void Advance(TimeSpan by) => _fake.Advance(by);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            dueTime == fakeDue ? _fake.CreateTimer(callback, state, dueTime, period) : System.CreateTimer(callback, state, dueTime, period);
    }
}
