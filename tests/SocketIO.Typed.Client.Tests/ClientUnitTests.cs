using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using SocketIO.Typed;

namespace SocketIO.Typed.Client.Tests;

/// <summary>The client's timers and limits on a fake clock against a fake polling server: nothing sleeps.</summary>
public sealed class ClientUnitTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    private static SocketIOClientOptions Options(FakePollingServer server, FakeTimeProvider time, Action<SocketIOClientOptions>? configure = null)
    {
        var options = new SocketIOClientOptions
        {
            Transports = SocketIOClientTransports.Polling,
            HttpMessageHandler = server,
            TimeProvider = time,
            RandomizationFactor = 0,
        };
        configure?.Invoke(options);
        return options;
    }

    private static async Task<SocketIOManager> ConnectAsync(FakePollingServer server, FakeTimeProvider time, Action<SocketIOClientOptions>? configure = null)
    {
        var io = new SocketIOManager(server.Url, Options(server, time, configure));
        Task connecting = io.ConnectAsync();
        Assert.Equal("40", await server.NextAsync());
        server.Send("40{\"sid\":\"socket-1\"}");
        await connecting.WaitAsync(s_wait);
        return io;
    }

    [Fact]
    public async Task An_unanswered_ack_times_out_when_the_clock_says_so_and_names_the_event()
    {
        var server = new FakePollingServer();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using SocketIOManager io = await ConnectAsync(server, time);

        Task<SocketIOArguments> pending = io.Socket.EmitWithAckAsync("slow", TimeSpan.FromSeconds(5), 1);
        Assert.Equal("420[\"slow\",1]", await server.NextAsync());
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));
        SocketIOAckTimeoutException e = await Assert.ThrowsAsync<SocketIOAckTimeoutException>(() => pending.WaitAsync(s_wait));
        Assert.Contains("'slow'", e.Message, StringComparison.Ordinal);

        // An answer within the time completes the wait.
        Task<SocketIOArguments> answered = io.Socket.EmitWithAckAsync("fast");
        Assert.Equal("421[\"fast\"]", await server.NextAsync());
        server.Send("431[\"done\"]");
        Assert.Equal("done", (await answered.WaitAsync(s_wait)).GetString(0));
    }

    [Fact]
    public async Task A_server_that_stops_pinging_is_noticed_after_ping_interval_plus_ping_timeout()
    {
        var server = new FakePollingServer(pingIntervalMs: 1000, pingTimeoutMs: 500);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using SocketIOManager io = await ConnectAsync(server, time, o => o.Reconnection = false);
        var reason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        io.Socket.Disconnected += (_, r) => reason.TrySetResult(r);

        time.Advance(TimeSpan.FromMilliseconds(1499));
        Assert.False(reason.Task.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("ping timeout", await reason.Task.WaitAsync(s_wait));
    }

    [Fact]
    public async Task Reconnection_waits_the_backoff_delays_doubling_up_to_the_maximum()
    {
        var server = new FakePollingServer();
        var time = new CountingTimeProvider();
        await using SocketIOManager io = await ConnectAsync(server, time, o =>
        {
            o.ReconnectionDelay = TimeSpan.FromSeconds(1);
            o.ReconnectionDelayMax = TimeSpan.FromSeconds(3);
        });
        var attempts = Channel.CreateUnbounded<int>();
        io.ReconnectAttempt += (_, n) => attempts.Writer.TryWrite(n);

        // The server goes away: the client closes its transport and starts reconnecting.
        int timers = time.TimersCreated;
        server.Down = true;
        server.Send("1");
        int handshakes = server.Handshakes;

        // Attempt n waits min(1 s x 2^(n-1), 3 s): 1 s, 2 s, 3 s, 3 s.
        foreach ((int attempt, int ms) in new[] { (1, 1000), (2, 2000), (3, 3000), (4, 3000) })
        {
            await WaitForTimerAsync(time, timers);
            timers = time.TimersCreated;
            time.Advance(TimeSpan.FromMilliseconds(ms - 1));
            Assert.False(attempts.Reader.TryRead(out _));
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(attempt, await attempts.Reader.ReadAsync().AsTask().WaitAsync(s_wait));
            await WaitUntilAsync(() => server.Handshakes == handshakes + attempt);
        }

        // The server is back: the next attempt connects and the socket joins its namespace again.
        server.Down = false;
        await WaitForTimerAsync(time, timers);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(5, await attempts.Reader.ReadAsync().AsTask().WaitAsync(s_wait));
        string packet;
        do
        {
            packet = await server.NextAsync();
        }
        while (packet != "40");
    }

    [Fact]
    public async Task A_packet_with_more_attachments_than_allowed_closes_the_connection_as_a_parse_error()
    {
        var server = new FakePollingServer();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using SocketIOManager io = await ConnectAsync(server, time, o =>
        {
            o.MaxAttachments = 2;
            o.Reconnection = false;
        });
        var reason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        io.Socket.Disconnected += (_, r) => reason.TrySetResult(r);

        server.Send("453-[\"x\",{\"_placeholder\":true,\"num\":0}]");
        Assert.Equal("parse error", await reason.Task.WaitAsync(s_wait));
    }

    [Fact]
    public async Task An_event_that_beats_the_connect_reply_is_handled_after_it_with_the_id_set()
    {
        var server = new FakePollingServer();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var io = new SocketIOManager(server.Url, Options(server, time, o => o.ConcurrentEventHandlers = true));
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        io.Socket.On("early", ctx =>
        {
            seen.TrySetResult(ctx.Socket.Id);
            return ctx.AckAsync("ok");
        });
        Task connecting = io.ConnectAsync();
        Assert.Equal("40", await server.NextAsync());

        // python-socketio's order: what the connect handler emitted, then the CONNECT reply, in one poll.
        server.Send("425[\"early\"]", "40{\"sid\":\"socket-9\"}");
        await connecting.WaitAsync(s_wait);
        Assert.Equal("socket-9", await seen.Task.WaitAsync(s_wait));
        Assert.Equal("435[\"ok\"]", await server.NextAsync());
    }

    [Theory]
    [InlineData(SocketIOBindingFailureAck.None)]
    [InlineData(SocketIOBindingFailureAck.Error)]
    public async Task Binding_failures_are_counted_and_answered_as_the_options_say_and_the_socket_stays_up(SocketIOBindingFailureAck mode)
    {
        var server = new FakePollingServer();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using SocketIOManager io = await ConnectAsync(server, time, o => o.BindingFailureAck = mode);
        io.Socket.On("named", ctx => ctx.AckAsync("hello " + ctx.Arguments.GetString(0)));
        io.Socket.On("echo", ctx => ctx.AckAsync(ctx.Arguments));

        // An untyped handler reads a string where the server sent a number.
        server.Send("421[\"named\",5]");
        if (mode == SocketIOBindingFailureAck.Error)
        {
            Assert.Equal("431[{\"error\":\"binding\",\"message\":\"Argument 0 is a number, not a string or null.\"}]", await server.NextAsync());
        }

        // A dispatcher (as generated code) reports the failure as a value.
        SocketIOClientSocket typed = io.Of("/typed");
        typed.Dispatcher = new RefusingDispatcher();
        Task connecting = typed.ConnectAsync();
        Assert.Equal("40/typed,", await server.NextAsync());
        server.Send("40/typed,{\"sid\":\"socket-2\"}");
        await connecting.WaitAsync(s_wait);
        server.Send("42/typed,2[\"anything\"]");
        if (mode == SocketIOBindingFailureAck.Error)
        {
            Assert.Equal("43/typed,2[{\"error\":\"binding\",\"message\":\"expected a room\"}]", await server.NextAsync());
        }

        // Both sockets are still up and answer the next event (after no answer to a failure when mode is None).
        server.Send("423[\"echo\",\"still up\"]");
        Assert.Equal("433[\"still up\"]", await server.NextAsync());
        Assert.True(typed.IsConnected);
        Assert.Equal(1, typed.BindingFailureCount);
        Assert.True(io.Socket.IsConnected);
        Assert.Equal(1, io.Socket.BindingFailureCount);
    }

    private sealed class RefusingDispatcher : ISocketIOClientDispatcher
    {
        public ValueTask<SocketIODispatchResult> DispatchAsync(SocketIOClientEventContext context) =>
            ValueTask.FromResult(SocketIODispatchResult.BindingFailed("expected a room"));
    }

    // The reconnection loop arms its delay on the fake clock from another thread: wait until it created the timer, so
    // moving the clock cannot come first.
    private static async Task WaitForTimerAsync(CountingTimeProvider time, int created)
    {
        for (int i = 0; i < 1000 && time.TimersCreated <= created; i++)
        {
            await Task.Delay(10);
        }

        Assert.True(time.TimersCreated > created, "the reconnection loop did not arm its delay");
    }

    /// <summary>A fake clock that counts the timers created on it (a Task.Delay creates one).</summary>
    private sealed class CountingTimeProvider() : FakeTimeProvider(DateTimeOffset.UtcNow)
    {
        private int _created;

        public int TimersCreated => Volatile.Read(ref _created);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _created);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
