using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Adapters.Cluster;

/// <summary>The cluster adapter: the messages of the other servers, their requests (answered here) and their answers.</summary>
public abstract partial class SocketIOClusterAdapter
{
    /// <summary>
    /// Handles a message the transport received (socket.io-adapter's <c>onMessage</c>): this server's own messages and
    /// those of another namespace are ignored; whatever cannot be read is counted, logged and dropped (never thrown).
    /// Call it in the order the broker delivered the messages, one at a time.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="offset">The broker's offset of the message (a Redis stream entry id), or null.</param>
    /// <returns>A task that completes when the message was applied (a server-side handler may still be running).</returns>
    protected async ValueTask OnMessageAsync(SocketIOClusterMessage message, string? offset)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Uid == Uid || _closing)
        {
            return;
        }

        OnMessageFrom(message.Uid);
        if (message.Namespace is not null && message.Namespace != Host.Name)
        {
            return;
        }

        try
        {
            if (message.IsResponse)
            {
                OnResponse(message);
                return;
            }

            await OnRequestAsync(message, offset).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // whatever another process publishes, this server goes on
        catch (Exception e)
#pragma warning restore CA1031
        {
            CountDropped(e, message.Type.ToString());
        }
    }

    /// <summary>Called for every message of another server or emitter, before anything else (adapters with heartbeats note the sender as alive).</summary>
    /// <param name="uid">The sender's uid.</param>
    protected virtual void OnMessageFrom(string uid)
    {
    }

    /// <summary>Handles a heartbeat, an initial heartbeat or a close (adapters with heartbeats); the default ignores them.</summary>
    /// <param name="message">The message.</param>
    /// <returns>A task that completes when handled.</returns>
    protected virtual ValueTask OnHeartbeatMessageAsync(SocketIOClusterMessage message) => ValueTask.CompletedTask;

    private async ValueTask OnRequestAsync(SocketIOClusterMessage message, string? offset)
    {
        Fields fields = Fields.Read(message.Data.Span);
        ReadOnlyMemory<byte> data = message.Data;
        switch (message.Type)
        {
            case SocketIOClusterMessageType.Broadcast when fields.RequestId is null:
            {
                BroadcastOptions options = fields.Options(data.Span);
                EncodedPacket? packet = fields.PacketAt >= 0 ? ReadPacket(data.Span[fields.PacketAt..], -1) : null;
                if (packet is null)
                {
                    CountDropped(null, "broadcast");
                    return;
                }

                if ((options.Flags & BroadcastFlags.NoCompress) != 0)
                {
                    packet.SetCompress(false);
                }

                await DeliverAsync(WithOffset(packet, options, offset), options with { Flags = options.Flags | BroadcastFlags.Local }, offset, own: false).ConfigureAwait(false);
                break;
            }

            case SocketIOClusterMessageType.Broadcast:
            {
                var forward = new ForwardingCollector(this, fields.RequestId, message.Uid);
                BroadcastOptions options = fields.Options(data.Span);
                long ackId = Host.NextAckId();
                EncodedPacket? packet = fields.PacketAt >= 0 ? ReadPacket(data.Span[fields.PacketAt..], ackId) : null;
                if (packet is null)
                {
                    // The asking server counts one report per server: this one reaches nobody.
                    forward.AddExpected(0);
                    CountDropped(null, "broadcast with acks");
                    return;
                }

                if ((options.Flags & BroadcastFlags.NoCompress) != 0)
                {
                    packet.SetCompress(false);
                }

                await base.BroadcastWithAckAsync(packet, ackId, options with { Flags = options.Flags | BroadcastFlags.Local }, forward).ConfigureAwait(false);
                break;
            }

            case SocketIOClusterMessageType.SocketsJoin:
                await base.AddSocketsAsync(fields.Options(data.Span), fields.Rooms(data.Span)).ConfigureAwait(false);
                break;
            case SocketIOClusterMessageType.SocketsLeave:
                await base.DeleteSocketsAsync(fields.Options(data.Span), fields.Rooms(data.Span)).ConfigureAwait(false);
                break;
            case SocketIOClusterMessageType.DisconnectSockets:
                await base.DisconnectSocketsAsync(fields.Options(data.Span), fields.Close).ConfigureAwait(false);
                break;
            case SocketIOClusterMessageType.FetchSockets when fields.RequestId is not null:
            {
                IReadOnlyList<SocketIORemoteSocket> sockets = await base.FetchSocketsAsync(fields.Options(data.Span)).ConfigureAwait(false);
                byte[] answer = SocketIOClusterWire.MsgPack((fields.RequestId, sockets), static (ref SocketIOMsgPackWriter w, (string RequestId, IReadOnlyList<SocketIORemoteSocket> Sockets) s) =>
                {
                    w.WriteMapHeader(2);
                    w.WriteString("requestId"u8);
                    w.WriteString(s.RequestId);
                    w.WriteString("sockets"u8);
                    w.WriteArrayHeader(s.Sockets.Count);
                    foreach (SocketIORemoteSocket socket in s.Sockets)
                    {
                        SocketIOClusterWire.WriteSocket(ref w, socket);
                    }
                });
                await RespondAsync(message.Uid, SocketIOClusterMessageType.FetchSocketsResponse, answer, "fetch sockets answer").ConfigureAwait(false);
                break;
            }

            case SocketIOClusterMessageType.ServerSideEmit when fields.PacketAt >= 0:
                OnServerSideEmit(data.Span[fields.PacketAt..], fields.RequestId, message.Uid);
                break;
            case SocketIOClusterMessageType.InitialHeartbeat or SocketIOClusterMessageType.Heartbeat or SocketIOClusterMessageType.AdapterClose:
                await OnHeartbeatMessageAsync(message).ConfigureAwait(false);
                break;
            default:
                CountDropped(null, message.Type.ToString());
                break;
        }
    }

    private EncodedPacket? ReadPacket(ReadOnlySpan<byte> at, long ackId)
    {
        var reader = new SocketIOMsgPackReader(at);
        return SocketIOClusterPacket.Read(ref reader, Host.Name, ackId);
    }

    private void OnServerSideEmit(ReadOnlySpan<byte> at, string? requestId, string requester)
    {
        var reader = new SocketIOMsgPackReader(at);
        int count = reader.NextType == SocketIOMsgPackType.Array ? reader.ReadArrayHeader() : 0;
        if (count == 0 || reader.NextType != SocketIOMsgPackType.String)
        {
            CountDropped(null, "server-side emit");
            return;
        }

        string eventName = reader.ReadString()!;
        SocketIOArguments arguments;
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginAck();
            for (int i = 1; i < count; i++)
            {
                SocketIOMsgPackJson.ReadToJson(ref reader, writer);
            }

            arguments = writer.ToArguments();
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        Action<EncodedPacket>? answer = null;
        if (requestId is not null)
        {
            int answered = 0;
            answer = packet =>
            {
                // socket.io answers once, with the handler's first value.
                byte[]? data = null;
                try
                {
                    if (Interlocked.Exchange(ref answered, 1) == 0)
                    {
                        data = SocketIOClusterWire.MsgPack((requestId, packet), static (ref SocketIOMsgPackWriter w, (string RequestId, EncodedPacket Packet) s) =>
                        {
                            w.WriteMapHeader(2);
                            w.WriteString("requestId"u8);
                            w.WriteString(s.RequestId);
                            w.WriteString("packet"u8);
                            SocketIOClusterWire.WriteFirstArgument(ref w, s.Packet);
                        });
                    }
                }
                finally
                {
                    packet.Release();
                }

                if (data is not null)
                {
                    _ = RespondAsync(requester, SocketIOClusterMessageType.ServerSideEmitResponse, data, "server-side emit answer").AsTask();
                }
            };
        }

        // Not awaited: a slow handler must not hold up the messages behind it (joins, broadcasts, answers).
        _ = RunServerSideHandlersAsync(eventName, arguments, answer);
    }

    private async Task RunServerSideHandlersAsync(string eventName, SocketIOArguments arguments, Action<EncodedPacket>? answer)
    {
        try
        {
            await Host.OnServerSideEventAsync(eventName, arguments, answer).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a failing handler is logged; the adapter goes on
        catch (Exception e)
#pragma warning restore CA1031
        {
            CountDropped(e, "server-side event");
        }
    }

    // ------------------------------------------------------------------ answers to this server's requests

    private void OnResponse(SocketIOClusterMessage message)
    {
        Fields fields = Fields.Read(message.Data.Span);
        if (fields.RequestId is not { } requestId)
        {
            CountDropped(null, message.Type.ToString());
            return;
        }

        ReadOnlySpan<byte> data = message.Data.Span;
        switch (message.Type)
        {
            case SocketIOClusterMessageType.BroadcastClientCount when _ackRequests.TryGetValue(requestId, out IBroadcastAckCollector? collector):
                collector.AddExpected((int)Math.Clamp(fields.ClientCount, 0, int.MaxValue));
                break;
            case SocketIOClusterMessageType.BroadcastAck when _ackRequests.TryGetValue(requestId, out IBroadcastAckCollector? collector):
                collector.OnAck(null, Arguments(data, fields.PacketAt));
                break;
            case SocketIOClusterMessageType.FetchSocketsResponse when _requests.TryGetValue(requestId, out PendingRequest? pending):
            {
                var sockets = new List<SocketIORemoteSocket>();
                if (fields.SocketsAt >= 0)
                {
                    var reader = new SocketIOMsgPackReader(data[fields.SocketsAt..]);
                    if (reader.NextType == SocketIOMsgPackType.Array)
                    {
                        for (int i = reader.ReadArrayHeader(); i > 0; i--)
                        {
                            sockets.Add(SocketIOClusterWire.ReadSocket(ref reader, this));
                        }
                    }
                }

                pending.Add(message.Uid, sockets);
                break;
            }

            case SocketIOClusterMessageType.ServerSideEmitResponse when _requests.TryGetValue(requestId, out PendingRequest? pending) && pending.Collector is { } serverSide:
                // Each other server answers once: one more expected answer, and the answer.
                serverSide.AddExpected(1);
                serverSide.OnAck(null, Arguments(data, fields.PacketAt));
                pending.Add(message.Uid, []);
                break;
        }
    }

    // One value (a client's or a server's answer) as one argument; null when missing.
    private static SocketIOArguments Arguments(ReadOnlySpan<byte> data, int at)
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginAck();
            if (at >= 0)
            {
                var reader = new SocketIOMsgPackReader(data[at..]);
                SocketIOMsgPackJson.ReadToJson(ref reader, writer);
            }
            else
            {
                writer.Json.WriteNullValue();
            }

            return writer.ToArguments();
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }
    }

    /// <summary>
    /// A server left the cluster (adapters with heartbeats): requests stop waiting for its answer.
    /// </summary>
    /// <param name="uid">Its uid.</param>
    protected void OnServerGone(string uid)
    {
        foreach (PendingRequest pending in _requests.Values)
        {
            pending.Remove(uid);
        }
    }

    /// <summary>The answers of this server's sockets to a broadcast another server made: counted, then each sent back.</summary>
    private sealed class ForwardingCollector(SocketIOClusterAdapter adapter, string requestId, string requester) : IBroadcastAckCollector
    {
        public void AddExpected(int count)
        {
            byte[] data = SocketIOClusterWire.MsgPack((requestId, count), static (ref SocketIOMsgPackWriter w, (string RequestId, int Count) s) =>
            {
                w.WriteMapHeader(2);
                w.WriteString("requestId"u8);
                w.WriteString(s.RequestId);
                w.WriteString("clientCount"u8);
                w.WriteInt64(s.Count);
            });
            _ = adapter.RespondAsync(requester, SocketIOClusterMessageType.BroadcastClientCount, data, "broadcast client count").AsTask();
        }

        public void OnAck(string? socketId, SocketIOArguments arguments)
        {
            byte[] data = SocketIOClusterWire.MsgPack((requestId, arguments), static (ref SocketIOMsgPackWriter w, (string RequestId, SocketIOArguments Arguments) s) =>
            {
                w.WriteMapHeader(2);
                w.WriteString("requestId"u8);
                w.WriteString(s.RequestId);
                w.WriteString("packet"u8);
                if (s.Arguments.Count > 0)
                {
                    SocketIOMsgPackJson.WriteJson(ref w, s.Arguments.GetRawJson(0).Span, s.Arguments.Attachments);
                }
                else
                {
                    w.WriteNil();
                }
            });
            _ = adapter.RespondAsync(requester, SocketIOClusterMessageType.BroadcastAck, data, "broadcast ack").AsTask();
        }
    }

    /// <summary>A request to the other servers waiting for their answers.</summary>
    private sealed class PendingRequest(int expected, IReadOnlyCollection<string>? uids, IBroadcastAckCollector? collector)
    {
        private readonly TaskCompletionSource<List<SocketIORemoteSocket>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<SocketIORemoteSocket> _sockets = [];
        private readonly HashSet<string>? _missing = uids is null ? null : new HashSet<string>(uids, StringComparer.Ordinal);
        private int _answers;

        public IBroadcastAckCollector? Collector { get; } = collector;

        public void Add(string uid, List<SocketIORemoteSocket> sockets)
        {
            lock (_sockets)
            {
                _sockets.AddRange(sockets);
                _answers++;
                _missing?.Remove(uid);
                CheckDone();
            }
        }

        public void Remove(string uid)
        {
            lock (_sockets)
            {
                if (_missing is not null && _missing.Remove(uid))
                {
                    CheckDone();
                }
            }
        }

        private void CheckDone()
        {
            if (_missing is not null ? _missing.Count == 0 : _answers >= expected)
            {
                _done.TrySetResult([.. _sockets]);
            }
        }

        public void Fail(Exception e) => _done.TrySetException(e);

        public async Task<List<SocketIORemoteSocket>> WaitAsync(TimeSpan timeout, TimeProvider time, string what, CancellationToken cancellationToken)
        {
            try
            {
                return await _done.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                int received;
                lock (_sockets)
                {
                    received = _answers;
                }

                throw new TimeoutException($"timeout reached while waiting for {what} response: only {received} responses received out of {expected} within {timeout.TotalSeconds:0.###} s (RequestsTimeout).", e);
            }
        }
    }

    /// <summary>Where the parts of a message's <c>data</c> map are (positions in it), and its small values (transports read them too).</summary>
    internal readonly struct Fields
    {
        public string? RequestId { get; init; }

        public int PacketAt { get; init; }

        public int OptsAt { get; init; }

        public int RoomsAt { get; init; }

        public int SocketsAt { get; init; }

        public bool Close { get; init; }

        public long ClientCount { get; init; }

        public static Fields Read(ReadOnlySpan<byte> data)
        {
            string? requestId = null;
            int packetAt = -1, optsAt = -1, roomsAt = -1, socketsAt = -1;
            bool close = false;
            long clientCount = 0;
            if (data.IsEmpty)
            {
                return new Fields { PacketAt = -1, OptsAt = -1, RoomsAt = -1, SocketsAt = -1 };
            }

            var reader = new SocketIOMsgPackReader(data);
            for (int entries = reader.ReadMapHeader(); entries > 0; entries--)
            {
                if (reader.NextType != SocketIOMsgPackType.String)
                {
                    reader.Skip();
                    reader.Skip();
                    continue;
                }

                ReadOnlySpan<byte> key = reader.ReadStringSpan();
                int at = reader.Position;
                if (key.SequenceEqual("requestId"u8) && reader.NextType == SocketIOMsgPackType.String)
                {
                    requestId = reader.ReadString();
                    continue;
                }

                if (key.SequenceEqual("close"u8) && reader.NextType == SocketIOMsgPackType.Boolean)
                {
                    close = reader.ReadBoolean();
                    continue;
                }

                if (key.SequenceEqual("clientCount"u8) && reader.NextType is SocketIOMsgPackType.Integer or SocketIOMsgPackType.Float)
                {
                    clientCount = (long)reader.ReadDouble();
                    continue;
                }

                if (key.SequenceEqual("packet"u8))
                {
                    packetAt = at;
                }
                else if (key.SequenceEqual("opts"u8))
                {
                    optsAt = at;
                }
                else if (key.SequenceEqual("rooms"u8))
                {
                    roomsAt = at;
                }
                else if (key.SequenceEqual("sockets"u8))
                {
                    socketsAt = at;
                }

                reader.Skip();
            }

            return new Fields { RequestId = requestId, PacketAt = packetAt, OptsAt = optsAt, RoomsAt = roomsAt, SocketsAt = socketsAt, Close = close, ClientCount = clientCount };
        }

        public BroadcastOptions Options(ReadOnlySpan<byte> data)
        {
            if (OptsAt < 0)
            {
                return new BroadcastOptions([], [], BroadcastFlags.None);
            }

            var reader = new SocketIOMsgPackReader(data[OptsAt..]);
            return SocketIOClusterWire.ReadOptions(ref reader);
        }

        public string[] Rooms(ReadOnlySpan<byte> data)
        {
            if (RoomsAt < 0)
            {
                return [];
            }

            var reader = new SocketIOMsgPackReader(data[RoomsAt..]);
            return SocketIOClusterWire.ReadStrings(ref reader);
        }
    }
}
