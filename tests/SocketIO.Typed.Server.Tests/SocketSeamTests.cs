using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server;
using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Server.Tests;

/// <summary>The seams generated code drives (acks as packets, answers as packets, dispatchers, broadcast acks), over raw polling.</summary>
public sealed class SocketSeamTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private static readonly JsonEncodedText s_ask = SocketIOPacketWriter.EncodeEventName("ask");

    private static int ReadInt(SocketIOArguments arguments)
    {
        Utf8JsonReader reader = arguments.CreateReader();
        reader.Read();
        return reader.GetInt32();
    }

    [Fact]
    public async Task A_packet_written_with_a_reserved_ack_id_is_answered_through_SendWithAckAsync()
    {
        var answer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var timedOut = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer server = await TestServer.StartAsync(map: io => io.OnConnection(socket => socket.On("start", async _ =>
        {
            long id = socket.NextAckId();
            SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
            EncodedPacket packet;
            try
            {
                writer.BeginEvent(s_ask);
                writer.WriteValue(7);
                packet = writer.ToPacket(socket.Namespace.Name, id);
            }
            finally
            {
                SocketIOPacketWriter.Return(writer);
            }

            answer.TrySetResult(ReadInt(await socket.SendWithAckAsync(packet, id)));

            long second = socket.NextAckId();
            try
            {
                await socket.SendWithAckAsync(SocketIOEventEncoder.Encode("ask", [8], "/", second), second, TimeSpan.FromMilliseconds(50), eventName: "ask");
            }
            catch (SocketIOAckTimeoutException e)
            {
                timedOut.TrySetResult(e);
            }
        })));

        PollingPeer peer = await server.Peer().OpenAsync();
        await peer.ConnectAsync();
        await peer.PostAsync("42[\"start\"]");
        (string ask, _) = await peer.PollUntilAsync(p => p.StartsWith("42", StringComparison.Ordinal));
        Match m = Regex.Match(ask, "^42(\\d+)\\[\"ask\",7\\]$");
        Assert.True(m.Success, ask);
        await peer.PostAsync($"43{m.Groups[1].Value}[70]");
        Assert.Equal(70, await answer.Task.WaitAsync(s_wait));

        Exception timeout = await timedOut.Task.WaitAsync(s_wait);
        Assert.Contains("'ask'", timeout.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_is_answered_once_even_when_its_context_answers_again_later()
    {
        var kept = new TaskCompletionSource<SocketIOEventContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer server = await TestServer.StartAsync(map: io => io.OnConnection(socket =>
        {
            socket.On("twice", ctx =>
            {
                SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
                try
                {
                    writer.BeginAck();
                    writer.WriteValue(1);
                    Assert.True(ctx.SendAck(writer));
                    writer.BeginAck();
                    writer.WriteValue(2);
                    second.TrySetResult(ctx.SendAck(writer));
                }
                finally
                {
                    SocketIOPacketWriter.Return(writer);
                }

                kept.TrySetResult(ctx);
            });
            socket.On("other", ctx => ctx.AckAsync("other"));
        }));

        PollingPeer peer = await server.Peer().OpenAsync();
        await peer.ConnectAsync();
        await peer.PostAsync("425[\"twice\"]");
        Assert.False(await second.Task.WaitAsync(s_wait));

        // The kept context answers again after its handler returned: nothing is sent, and a later event's own
        // answer (which may reuse the pooled responder) is not disturbed.
        SocketIOEventContext old = await kept.Task.WaitAsync(s_wait);
        await peer.PostAsync("426[\"other\"]");
        (string otherAck, List<string> before) = await peer.PollUntilAsync(p => p.StartsWith("436", StringComparison.Ordinal));
        await old.AckAsync(3);
        Assert.False(old.CanAck);
        Assert.Equal("436[\"other\"]", otherAck);
        Assert.Equal(["435[1]"], before);

        await peer.PostAsync("427[\"other\"]");
        (_, List<string> beforeNext) = await peer.PollUntilAsync(p => p.StartsWith("437", StringComparison.Ordinal));
        Assert.Empty(beforeNext);
    }

    [Fact]
    public async Task Outgoing_listeners_see_broadcasts_to_their_socket_and_a_failing_one_does_not_stop_the_packet()
    {
        var seen = new List<string>();
        var connected = new TaskCompletionSource<SocketIOSocket>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer server = await TestServer.StartAsync(map: io => io.OnConnection(socket =>
        {
            socket.OnAnyOutgoing((name, args) => { lock (seen) { seen.Add(name + args); } });
            socket.OnAnyOutgoing((_, _) => throw new InvalidOperationException("listener bug"));
            connected.TrySetResult(socket);
        }));

        PollingPeer peer = await server.Peer().OpenAsync();
        await peer.ConnectAsync();
        SocketIOSocket socket = await connected.Task.WaitAsync(s_wait);
        await server.Io.EmitAsync("news", 1);
        await server.Io.To(socket.Id).EmitAsync("room", 2);
        await socket.EmitAsync("direct", 3);
        (_, List<string> before) = await peer.PollUntilAsync(p => p == "42[\"direct\",3]");
        Assert.Equal(["42[\"news\",1]", "42[\"room\",2]"], before);
        lock (seen)
        {
            Assert.Equal(["news[1]", "room[2]", "direct[3]"], seen);
        }

        Assert.Equal(3, server.Logs.Count(301));
    }

    [Theory]
    [InlineData(SocketIOBindingFailureAck.None)]
    [InlineData(SocketIOBindingFailureAck.Error)]
    public async Task Binding_failures_are_counted_logged_with_the_event_and_answered_as_the_options_say(SocketIOBindingFailureAck mode)
    {
        await using TestServer server = await TestServer.StartAsync(o => o.BindingFailureAck = mode, io =>
        {
            io.OnConnection(socket =>
            {
                socket.On("named", ctx => ctx.AckAsync("hello " + ctx.Arguments.GetString(0)));
                socket.On("echo", ctx => ctx.AckAsync(ctx.Arguments));
            });
            io.Of("/typed").DispatcherFactory = _ => new RefusingDispatcher();
        });

        PollingPeer peer = await server.Peer().OpenAsync();
        await peer.ConnectAsync();
        await peer.ConnectAsync("/typed");
        await peer.PostAsync("421[\"named\",5]\u001e42/typed,2[\"anything\"]\u001e423[\"echo\",\"still up\"]");
        (_, List<string> before) = await peer.PollUntilAsync(p => p == "433[\"still up\"]");
        if (mode == SocketIOBindingFailureAck.Error)
        {
            Assert.Contains("431[{\"error\":\"binding\",\"message\":\"Argument 0 is a number, not a string or null.\"}]", before);
            Assert.Contains("43/typed,2[{\"error\":\"binding\",\"message\":\"expected a room\"}]", before);
        }
        else
        {
            Assert.Empty(before);
        }

        Assert.Equal(2, server.Io.BindingFailureCount);
        Assert.Contains(server.Logs.Entries, e => e.EventId == 302 && e.Message.Contains("'named'", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Entries, e => e.EventId == 302 && e.Message.Contains("'anything'", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Logs.Entries, e => e.EventId == 104);
    }

    [Fact]
    public async Task A_namespace_dispatcher_factory_serves_every_socket_including_children_of_dynamic_namespaces_from_their_first_event()
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using TestServer server = await TestServer.StartAsync(map: io =>
        {
            SocketIONamespace parent = io.Of(new Regex("^/dyn-\\d+$"));
            parent.DispatcherFactory = socket => new RecordingDispatcher(socket, seen);
        });

        PollingPeer peer = await server.Peer().OpenAsync();

        // CONNECT and the first event in one payload: the event is handled by the factory's dispatcher.
        await peer.PostAsync("40/dyn-1,\u001e42/dyn-1,[\"first\",1]");
        await peer.PollUntilAsync(p => p.StartsWith("40/dyn-1,{", StringComparison.Ordinal));
        await peer.PostAsync("42/dyn-1,[\"second\",2]");
        await peer.ConnectAsync("/dyn-2");
        await peer.PostAsync("42/dyn-2,[\"third\",3]");
        for (int i = 0; i < 200 && seen.Count < 3; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(["/dyn-1 first", "/dyn-1 second", "/dyn-2 third"], seen);
    }

    [Fact]
    public async Task A_broadcast_with_acks_from_a_packet_returns_each_answer_with_its_socket_and_reports_missing_ones()
    {
        await using TestServer server = await TestServer.StartAsync();
        PollingPeer a = await server.Peer().OpenAsync();
        PollingPeer b = await server.Peer().OpenAsync();
        string idA = await a.ConnectAsync();
        string idB = await b.ConnectAsync();

        SocketIONamespace ns = server.Io.Sockets;
        long ackId = ns.NextAckId();
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginEvent(s_ask);
            packet = writer.ToPacket("/", ackId);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        Task<SocketIOBroadcastAckResult> all = ns.Timeout(s_wait).BroadcastWithAckAsync(packet, ackId);
        await a.PollUntilAsync(p => p == $"42{ackId}[\"ask\"]");
        await b.PollUntilAsync(p => p == $"42{ackId}[\"ask\"]");
        await a.PostAsync($"43{ackId}[\"a\"]");
        await b.PostAsync($"43{ackId}[\"b\"]");
        SocketIOBroadcastAckResult result = await all.WaitAsync(s_wait);
        Assert.True(result.AllResponded);
        Assert.Equal(2, result.Expected);
        Assert.Equal(
            [(idA, "a"), (idB, "b")],
            result.Responses.Select(r => (r.SocketId!, r.Arguments.GetString(0)!)).OrderBy(r => r.Item2, StringComparer.Ordinal));

        long partialId = ns.NextAckId();
        Task<SocketIOBroadcastAckResult> partial = ns.Timeout(TimeSpan.FromMilliseconds(300))
            .BroadcastWithAckAsync(SocketIOEventEncoder.Encode("ask", [], "/", partialId), partialId);
        await a.PollUntilAsync(p => p == $"42{partialId}[\"ask\"]");
        await a.PostAsync($"43{partialId}[\"only a\"]");
        SocketIOBroadcastAckResult some = await partial.WaitAsync(s_wait);
        Assert.False(some.AllResponded);
        Assert.Equal(2, some.Expected);
        Assert.Equal(idA, Assert.Single(some.Responses).SocketId);
    }

    [Fact]
    public async Task Acks_nobody_waits_for_are_violations_counted_logged_at_a_bounded_rate_and_close_the_session_past_the_limit()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.MaxProtocolViolations = 5);
        PollingPeer peer = await server.Peer().OpenAsync();
        await peer.ConnectAsync();
        await peer.PostAsync(string.Join('\u001e', Enumerable.Range(0, 20).Select(i => $"43{i}[]")));

        // The session is closed: the next poll carries the close packet, or the session is already gone.
        using HttpResponseMessage poll = await server.Http.GetAsync($"/socket.io/?EIO=4&transport=polling&sid={peer.Sid}");
        string body = await poll.Content.ReadAsStringAsync();
        Assert.True(!poll.IsSuccessStatusCode || body.Split('\u001e').Contains("1"), body);
        Assert.Equal(6, server.Io.ProtocolViolationCount);
        Assert.Equal(1, server.Logs.Count(109));
        Assert.Equal(1, server.Logs.Count(112));
    }

    [Fact]
    public async Task Disconnect_handlers_are_asynchronous_see_the_rooms_while_disconnecting_and_failures_are_logged()
    {
        var rooms = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gone = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer server = await TestServer.StartAsync(map: io => io.OnConnection(async socket =>
        {
            await Task.Yield();
            socket.Join("lobby");
            socket.OnDisconnecting(async (s, reason) =>
            {
                // The synchronous part runs before the socket leaves its rooms.
                rooms.TrySetResult(string.Join(',', s.Rooms.Where(r => r != s.Id)) + "|" + reason);
                await release.Task;
                throw new InvalidOperationException("late failure");
            });
            socket.OnDisconnect(async (s, reason) =>
            {
                await Task.Yield();
                gone.TrySetResult($"{s.Connected}|{reason}|{s.Rooms.Count}");
            });
            socket.OnRequest("sum", args => ValueTask.FromResult<object?>(args.GetInt32(0) + args.GetInt32(1)));
        }));

        PollingPeer peer = await server.Peer().OpenAsync();
        await peer.ConnectAsync();
        await peer.PostAsync("421[\"sum\",2,3]");
        await peer.PollUntilAsync(p => p == "431[5]");
        await peer.PostAsync("41");
        Assert.Equal("lobby|client namespace disconnect", await rooms.Task.WaitAsync(s_wait));
        Assert.Equal("False|client namespace disconnect|0", await gone.Task.WaitAsync(s_wait));

        release.TrySetResult();
        for (int i = 0; i < 200 && !server.Logs.Entries.Any(e => e.EventId == 104); i++)
        {
            await Task.Delay(20);
        }

        Assert.Contains(server.Logs.Entries, e => e.EventId == 104 && e.Message.Contains("disconnecting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_socket_gets_a_service_scope_for_its_connection_disposed_after_it_disconnects()
    {
        var disposed = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer server = await TestServer.StartAsync(
            map: io => io.OnConnection(socket => socket.On("which", ctx => ctx.AckAsync(ctx.Socket.Services.GetRequiredService<Counter>().Id))),
            services: s => s.AddScoped(_ => new Counter(disposed)));
        PollingPeer a = await server.Peer().OpenAsync();
        PollingPeer b = await server.Peer().OpenAsync();
        await a.ConnectAsync();
        await b.ConnectAsync();
        await a.PostAsync("421[\"which\"]\u001e422[\"which\"]");
        await b.PostAsync("423[\"which\"]");
        (string first, List<string> before) = await a.PollUntilAsync(p => p.StartsWith("432", StringComparison.Ordinal));
        (string other, _) = await b.PollUntilAsync(p => p.StartsWith("433", StringComparison.Ordinal));
        string firstAnswer = before.Concat([first]).Single(p => p.StartsWith("431", StringComparison.Ordinal))[3..];
        Assert.Equal(firstAnswer, first[3..]);
        Assert.NotEqual(firstAnswer, other[3..]);

        await a.PostAsync("41");
        Assert.Equal(int.Parse(firstAnswer.Trim('[', ']'), System.Globalization.CultureInfo.InvariantCulture), await disposed.Task.WaitAsync(s_wait));
    }

    private sealed class Counter(TaskCompletionSource<int> disposed) : IDisposable
    {
        private static int s_next;

        public int Id { get; } = Interlocked.Increment(ref s_next);

        public void Dispose() => disposed.TrySetResult(Id);
    }

    private sealed class RefusingDispatcher : ISocketIODispatcher
    {
        public ValueTask<SocketIODispatchResult> DispatchAsync(SocketIOEventContext context) =>
            ValueTask.FromResult(SocketIODispatchResult.BindingFailed("expected a room"));
    }

    private sealed class RecordingDispatcher(SocketIOSocket socket, System.Collections.Concurrent.ConcurrentQueue<string> seen) : ISocketIODispatcher
    {
        public ValueTask<SocketIODispatchResult> DispatchAsync(SocketIOEventContext context)
        {
            Assert.Same(socket, context.Socket);
            seen.Enqueue($"{socket.Namespace.Name} {context.EventName}");
            return ValueTask.FromResult(SocketIODispatchResult.Handled);
        }
    }
}
