using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server;
using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Server.Tests;

/// <summary>The adapter seam cluster adapters are built on: factory, lifecycle, server-side emits, remote sockets, acks across servers.</summary>
public sealed class AdapterSeamTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task An_adapter_factory_from_dependency_injection_serves_every_namespace_the_main_one_included()
    {
        var factory = new RecordingFactory();
        TestServer server = await TestServer.StartAsync(services: s => s.AddSingleton<ISocketIOAdapterFactory>(factory));
        SocketIONamespace chat = server.Io.Of("/chat");
        Assert.IsType<RecordingAdapter>(server.Io.Sockets.Adapter);
        Assert.IsType<RecordingAdapter>(chat.Adapter);
        Assert.Equal(["/", "/chat"], factory.Created.Select(a => a.Host.Name));
        Assert.All(factory.Created, a => Assert.True(a.Initialized));
        Assert.All(factory.Created, a => Assert.Equal(server.Io.ServerId, a.Host.ServerId));

        // The adapter is used: a broadcast goes through it.
        PollingPeer peer = await server.Peer().OpenAsync();
        await peer.ConnectAsync();
        await server.Io.EmitAsync("hi", 1);
        await peer.PollUntilAsync(p => p == "42[\"hi\",1]");
        Assert.Equal(1, factory.Created[0].Broadcasts);

        await server.DisposeAsync();
        Assert.All(factory.Created, a => Assert.True(a.Closed));
    }

    [Fact]
    public async Task Without_peers_server_side_emits_complete_at_once()
    {
        await using TestServer server = await TestServer.StartAsync();
        await server.Io.ServerSideEmitAsync("hello", 1);
        SocketIOBroadcastAckResult result = await server.Io.ServerSideEmitWithAckAsync("hello", TimeSpan.FromMinutes(5), 1).WaitAsync(s_wait);
        Assert.Empty(result.Responses);
        Assert.Equal(0, result.Expected);
        Assert.True(result.AllResponded);
    }

    [Fact]
    public async Task Server_side_events_from_a_peer_reach_the_handlers_and_their_answers_come_back()
    {
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer server = await TestServer.StartAsync(o => o.AdapterFactory = host => new LoopbackAdapter(host), io =>
            io.OnServerSideEvent("sum", ctx =>
            {
                received.TrySetResult(ctx.Arguments.ToString());
                return ctx.AckAsync(ctx.Arguments.GetInt32(0) + ctx.Arguments.GetInt32(1));
            }));

        // The loopback adapter plays a second server that hands every server-side emit to this namespace's handlers.
        SocketIOBroadcastAckResult result = await server.Io.ServerSideEmitWithAckAsync("sum", s_wait, 2, 3);
        Assert.Equal("[2,3]", await received.Task.WaitAsync(s_wait));
        Assert.True(result.AllResponded);
        Assert.Equal(1, result.Expected);
        Assert.Equal(5, Assert.Single(result.Responses).Arguments.GetInt32(0));
    }

    [Fact]
    public async Task A_broadcast_with_acks_waits_for_the_count_of_every_server()
    {
        var collector = new SocketIOBroadcastAckCollector();
        collector.SetServerCount(2);
        collector.AddExpected(1);
        collector.OnAck("a", SocketIOArguments.FromJsonArray("[1]"u8.ToArray()));
        Task<SocketIOBroadcastAckResult> waiting = collector.WaitAsync(s_wait, TimeProvider.System);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        // The second server reports one more recipient, whose answer comes later.
        collector.AddExpected(1);
        Assert.False(waiting.IsCompleted);
        collector.OnAck(null, SocketIOArguments.FromJsonArray("[2]"u8.ToArray()));
        SocketIOBroadcastAckResult result = await waiting.WaitAsync(s_wait);
        Assert.True(result.AllResponded);
        Assert.Equal(2, result.Expected);

        // A server that never reports leaves the result partial at the timeout.
        var partial = new SocketIOBroadcastAckCollector();
        partial.SetServerCount(2);
        partial.AddExpected(0);
        SocketIOBroadcastAckResult late = await partial.WaitAsync(TimeSpan.FromMilliseconds(100), TimeProvider.System);
        Assert.False(late.AllResponded);
    }

    [Fact]
    public async Task Fetched_sockets_carry_id_rooms_data_and_handshake_and_act_through_the_adapter()
    {
        var connected = new TaskCompletionSource<SocketIOSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer server = await TestServer.StartAsync(map: io => io.OnConnection(socket =>
        {
            socket.Data["nick"] = "ann";
            socket.Data["level"] = 3;
            socket.Join("lobby");
            connected.TrySetResult(socket);
        }));
        PollingPeer peer = await server.Peer().OpenAsync();
        await peer.PostAsync("40{\"token\":\"t1\"}");
        SocketIOSocket live = await connected.Task.WaitAsync(s_wait);

        SocketIORemoteSocket fetched = Assert.Single(await server.Io.In("lobby").FetchSocketsAsync());
        Assert.Equal(live.Id, fetched.Id);
        Assert.Same(live, fetched.Local);
        Assert.Equal(new[] { live.Id, "lobby" }.Order(StringComparer.Ordinal), fetched.Rooms.Order(StringComparer.Ordinal));
        Assert.Equal("""{"nick":"ann","level":3}""", fetched.Data.GetRawText());
        Assert.Equal("t1", fetched.Handshake.Auth.GetProperty("token").GetString());
        Assert.Equal("4", fetched.Handshake.Query["EIO"]);

        // The handshake record crosses servers as socket.io's handshake object and reads back the same.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            fetched.Handshake.WriteTo(writer);
        }

        using JsonDocument json = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal(["headers", "time", "address", "xdomain", "secure", "issued", "url", "query", "auth"], json.RootElement.EnumerateObject().Select(p => p.Name));
        SocketIOHandshakeRecord back = SocketIOHandshakeRecord.Read(json.RootElement);
        Assert.Equal(fetched.Handshake.Url, back.Url);
        Assert.Equal(fetched.Handshake.Time.ToUnixTimeMilliseconds(), back.Time.ToUnixTimeMilliseconds());
        Assert.Equal("t1", back.Auth.GetProperty("token").GetString());

        await fetched.EmitAsync("direct", "to you");
        await peer.PollUntilAsync(p => p == "42[\"direct\",\"to you\"]");
        await fetched.JoinAsync("vip");
        Assert.Contains("vip", live.Rooms);
        await fetched.LeaveAsync("lobby");
        Assert.DoesNotContain("lobby", live.Rooms);
        await fetched.DisconnectAsync();
        await peer.PollUntilAsync(p => p == "41");
        Assert.False(live.Connected);
    }

    [Fact]
    public async Task Stopping_waits_for_disconnect_handlers_that_use_the_adapter_then_stops_it()
    {
        // Seen with the chat in a cluster: a hub's OnDisconnectedAsync read the room's users across the cluster while
        // the adapter was being stopped under it, and failed with ObjectDisposedException at every shutdown.
        (TestServer server, GatedAdapter adapter, Task<int> handler) = await StartWithGatedAdapterAsync(_ => { });
        try
        {
            // Closing the connection runs the handler, which asks the adapter; stopping waits for it.
            Task stopping = server.Io.DisposeAsync().AsTask();
            await adapter.FetchStarted.Task.WaitAsync(s_wait);
            Assert.False(stopping.IsCompleted);
            Assert.False(adapter.Stopped);
            adapter.Release.SetResult();
            await stopping.WaitAsync(s_wait);
            Assert.Equal(0, await handler.WaitAsync(s_wait));   // the closed socket left: nobody is connected
            Assert.False(adapter.StoppedDuringFetch);
            Assert.True(adapter.Stopped);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Stopping_gives_disconnect_handlers_the_shutdown_timeout_then_stops_the_adapter_anyway()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        (TestServer server, GatedAdapter adapter, Task<int> handler) = await StartWithGatedAdapterAsync(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(3);
            o.EngineIO.TimeProvider = time;
        });
        try
        {
            // The handler never gets its answer: after the timeout the adapter stops (and fails the pending request).
            Task stopping = server.Io.DisposeAsync().AsTask();
            await adapter.FetchStarted.Task.WaitAsync(s_wait);
            time.Advance(TimeSpan.FromSeconds(2));
            Assert.False(stopping.IsCompleted);
            time.Advance(TimeSpan.FromSeconds(1));
            await stopping.WaitAsync(s_wait);
            Assert.True(adapter.Stopped);
            await Assert.ThrowsAsync<ObjectDisposedException>(() => handler.WaitAsync(s_wait));
            Assert.Equal(1, server.Logs.Count(117));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_hosts_shutdown_deadline_also_ends_the_wait_for_disconnect_handlers()
    {
        (TestServer server, GatedAdapter adapter, Task<int> handler) = await StartWithGatedAdapterAsync(o => o.ShutdownTimeout = Timeout.InfiniteTimeSpan);
        try
        {
            // As the host stops its services: its token fires when its own shutdown timeout is over.
            using var hostDeadline = new CancellationTokenSource();
            Task stopping = server.Io.StopAsync(hostDeadline.Token);
            await adapter.FetchStarted.Task.WaitAsync(s_wait);
            Assert.False(stopping.IsCompleted);
            Assert.Same(stopping, server.Io.StopAsync(CancellationToken.None));   // every caller waits for the same stop
            await hostDeadline.CancelAsync();
            await stopping.WaitAsync(s_wait);
            Assert.True(adapter.Stopped);
            await Assert.ThrowsAsync<ObjectDisposedException>(() => handler.WaitAsync(s_wait));
            Assert.Equal(1, server.Logs.Count(117));
        }
        finally
        {
            adapter.Release.TrySetResult();   // should the wait not end, the handler does
            await server.DisposeAsync();
        }
    }

    // A server on a GatedAdapter with one connected socket, whose disconnect handler reads the namespace's sockets
    // through the adapter; the handler's outcome (the count, or what it threw) is the returned task.
    private static async Task<(TestServer Server, GatedAdapter Adapter, Task<int> Handler)> StartWithGatedAdapterAsync(Action<SocketIOServerOptions> configure)
    {
        GatedAdapter? adapter = null;
        var handler = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        TestServer server = await TestServer.StartAsync(
            configure: o =>
            {
                o.AdapterFactory = host => adapter = new GatedAdapter(host);
                configure(o);
            },
            map: io => io.OnConnection(socket => socket.OnDisconnect(async (s, reason) =>
            {
                try
                {
                    handler.SetResult((await s.Namespace.FetchSocketsAsync()).Count);
                }
                catch (Exception e)
                {
                    handler.SetException(e);
                }
            })));
        PollingPeer peer = await server.Peer().OpenAsync();
        await peer.ConnectAsync();
        return (server, adapter!, handler.Task);
    }

    private sealed class RecordingFactory : ISocketIOAdapterFactory
    {
        public List<RecordingAdapter> Created { get; } = [];

        public SocketIOAdapter Create(ISocketIOAdapterHost host)
        {
            var adapter = new RecordingAdapter(host);
            Created.Add(adapter);
            return adapter;
        }
    }

    private sealed class RecordingAdapter(ISocketIOAdapterHost host) : InMemoryAdapter(host)
    {
        public bool Initialized { get; private set; }

        public bool Closed { get; private set; }

        public int Broadcasts { get; private set; }

        public override ValueTask InitAsync(CancellationToken cancellationToken = default)
        {
            Initialized = true;
            return ValueTask.CompletedTask;
        }

        public override ValueTask BroadcastAsync(EncodedPacket packet, BroadcastOptions options)
        {
            Broadcasts++;
            return base.BroadcastAsync(packet, options);
        }

        public override ValueTask DisposeAsync()
        {
            Closed = true;
            return base.DisposeAsync();
        }
    }

    // Fetching waits for Release, as a cluster adapter waits for the other servers' answers; stopping fails it, as a
    // cluster adapter fails its pending requests.
    private sealed class GatedAdapter(ISocketIOAdapterHost host) : InMemoryAdapter(host)
    {
        private int _fetching;

        public TaskCompletionSource FetchStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Stopped { get; private set; }

        public bool StoppedDuringFetch { get; private set; }

        public override async ValueTask<IReadOnlyList<SocketIORemoteSocket>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _fetching);
            try
            {
                FetchStarted.TrySetResult();
                await Release.Task;
                ObjectDisposedException.ThrowIf(Stopped, this);
                return await base.FetchSocketsAsync(options, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _fetching);
            }
        }

        public override ValueTask DisposeAsync()
        {
            StoppedDuringFetch |= Volatile.Read(ref _fetching) > 0;
            Stopped = true;
            Release.TrySetResult();
            return base.DisposeAsync();
        }
    }

    // A second "server" in the same process: server-side emits come back to this namespace's handlers.
    private sealed class LoopbackAdapter(ISocketIOAdapterHost host) : InMemoryAdapter(host)
    {
        public override ValueTask<int> GetServerCountAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(2);

        public override async ValueTask ServerSideEmitWithAckAsync(EncodedPacket packet, IBroadcastAckCollector collector)
        {
            (string name, SocketIOArguments args) = Read(packet);
            collector.AddExpected(1);
            await Host.OnServerSideEventAsync(name, args, answer =>
            {
                // The answer is an ACK packet: its arguments are what the peer would relay.
                ReadOnlySpan<byte> text = answer.Text.Span[1..];
                Assert.Equal(SocketIOParseError.None, SocketIOParser.TryParse(text, out SocketIOPacketHeader header));
                collector.OnAck(null, SocketIOArguments.FromJsonArray(header.GetPayload(answer.Text[1..]).ToArray()));
                answer.Release();
            });
        }

        private static (string Name, SocketIOArguments Args) Read(EncodedPacket packet)
        {
            try
            {
                ReadOnlyMemory<byte> text = packet.Text[1..];
                Assert.Equal(SocketIOParseError.None, SocketIOParser.TryParse(text.Span, out SocketIOPacketHeader header));
                using JsonDocument doc = JsonDocument.Parse(header.GetPayload(text));
                string name = doc.RootElement[0].GetString()!;
                string rest = "[" + string.Join(',', doc.RootElement.EnumerateArray().Skip(1).Select(e => e.GetRawText())) + "]";
                return (name, SocketIOArguments.FromJsonArray(System.Text.Encoding.UTF8.GetBytes(rest)));
            }
            finally
            {
                packet.Release();
            }
        }
    }
}
