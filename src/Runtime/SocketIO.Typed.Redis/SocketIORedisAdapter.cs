using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Adapters.Cluster;
using SocketIO.Typed.Protocol;
using StackExchange.Redis;

namespace SocketIO.Typed.Redis;

/// <summary>
/// A namespace's adapter on Redis pub/sub, wire-compatible with Node's <c>@socket.io/redis-adapter</c> 8.3 (its
/// classic <c>createAdapter</c>): the same channels (<c>socket.io#/ns#</c>, <c>#room#</c> for one room,
/// <c>socket.io-request#/ns#</c>, <c>socket.io-response#/ns#</c>), broadcasts as MessagePack
/// <c>[uid, packet, opts]</c>, requests and answers as JSON (MessagePack for broadcasts with acknowledgements), and
/// the server count from <c>PUBSUB NUMSUB</c> of the request channel. Local delivery is the in-memory adapter's.
/// </summary>
public sealed partial class SocketIORedisAdapter : InMemoryAdapter
{
    private const int SocketsRequest = 0;
    private const int AllRoomsRequest = 1;
    private const int RemoteJoin = 2;
    private const int RemoteLeave = 3;
    private const int RemoteDisconnect = 4;
    private const int RemoteFetch = 5;
    private const int ServerSideEmitRequest = 6;
    private const int BroadcastRequest = 7;
    private const int BroadcastClientCount = 8;
    private const int BroadcastAck = 9;

    private static readonly JsonWriterOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IConnectionMultiplexer _redis;
    private readonly ISubscriber _subscriber;
    private readonly SocketIORedisAdapterOptions _options;
    private readonly string _uid = NewId();
    private readonly string _channel;
    private readonly string _requestChannel;
    private readonly string _responseChannel;
    private readonly string _specificResponseChannel;
    private readonly ConcurrentDictionary<string, PendingRequest> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IBroadcastAckCollector> _ackRequests = new(StringComparer.Ordinal);
    private readonly List<ChannelMessageQueue> _queues = [];
    private long _publishFailures;
    private long _droppedMessages;

    /// <summary>Creates the adapter of one namespace; <see cref="Factory"/> makes one per namespace.</summary>
    /// <param name="host">The namespace.</param>
    /// <param name="redis">The connection (shared by every namespace; its one subscriber connection counts as one server).</param>
    /// <param name="options">The options.</param>
    public SocketIORedisAdapter(ISocketIOAdapterHost host, IConnectionMultiplexer redis, SocketIORedisAdapterOptions? options = null)
        : base(host)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        _subscriber = redis.GetSubscriber();
        _options = options ?? new SocketIORedisAdapterOptions();
        string prefix = _options.Key;
        _channel = prefix + "#" + host.Name + "#";
        _requestChannel = prefix + "-request#" + host.Name + "#";
        _responseChannel = prefix + "-response#" + host.Name + "#";
        _specificResponseChannel = _responseChannel + _uid + "#";
    }

    /// <summary>A factory for <c>SocketIOServerOptions.AdapterFactory</c>: one adapter per namespace, all on <paramref name="redis"/>.</summary>
    /// <param name="redis">The connection.</param>
    /// <param name="options">The options (shared).</param>
    /// <returns>The factory.</returns>
    public static Func<ISocketIOAdapterHost, SocketIOAdapter> Factory(IConnectionMultiplexer redis, SocketIORedisAdapterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        return host => new SocketIORedisAdapter(host, redis, options);
    }

    /// <summary>This adapter's id on the wire (one per namespace and server).</summary>
    public string Uid => _uid;

    /// <summary>How many messages could not be published (the broker was unreachable); each was logged.</summary>
    public long PublishFailureCount => Interlocked.Read(ref _publishFailures);

    /// <summary>How many messages from the broker were dropped (malformed, oversized); each was logged.</summary>
    public long DroppedMessageCount => Interlocked.Read(ref _droppedMessages);

    /// <inheritdoc/>
    public override async ValueTask InitAsync(CancellationToken cancellationToken = default)
    {
        // Everything this namespace hears comes through one pattern, so it is handled in the order Redis sent it (a
        // join, then a broadcast to the joined room, as a Node server publishes them). The request channel is also
        // subscribed by name: that subscription is what PUBSUB NUMSUB counts as a server.
        ChannelMessageQueue all = await _subscriber.SubscribeAsync(RedisChannel.Pattern(_options.Key + "*#" + Host.Name + "#*")).ConfigureAwait(false);
        lock (_queues)
        {
            _queues.Add(all);
        }

        all.OnMessage(OnMessageAsync);
        ChannelMessageQueue counted = await _subscriber.SubscribeAsync(RedisChannel.Literal(_requestChannel)).ConfigureAwait(false);
        lock (_queues)
        {
            _queues.Add(counted);
        }

        counted.OnMessage(static _ => { });
    }

    private async Task OnMessageAsync(ChannelMessage message)
    {
        string channel = message.Channel.ToString();
        if (channel == _requestChannel)
        {
            await OnRequestMessageAsync(message).ConfigureAwait(false);
        }
        else if (channel == _responseChannel || channel == _specificResponseChannel)
        {
            OnResponseMessage(message);
        }
        else if (channel.StartsWith(_channel, StringComparison.Ordinal))
        {
            OnBroadcastMessage(message);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        ChannelMessageQueue[] queues;
        lock (_queues)
        {
            queues = [.. _queues];
            _queues.Clear();
        }

        foreach (ChannelMessageQueue queue in queues)
        {
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // the broker may be gone when the server stops; nothing is left to undo
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogPublishFailed(Host.Logger, e, "unsubscribe", Host.Name);
            }
        }

        foreach (PendingRequest pending in _requests.Values)
        {
            pending.Fail(new ObjectDisposedException(nameof(SocketIORedisAdapter)));
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ broadcasts

    /// <inheritdoc/>
    public override async ValueTask BroadcastAsync(EncodedPacket packet, BroadcastOptions options)
    {
        ArgumentNullException.ThrowIfNull(packet);
        byte[]? message = null;
        if ((options.Flags & BroadcastFlags.Local) == 0)
        {
            // Encoded before the local delivery takes over the packet's reference.
            message = MsgPack((ref SocketIOMsgPackWriter w) =>
            {
                w.WriteArrayHeader(3);
                w.WriteString(_uid);
                SocketIOClusterPacket.Write(ref w, packet, Host.Name);
                WriteOptions(ref w, options);
            });
        }

        await base.BroadcastAsync(packet, options).ConfigureAwait(false);
        if (message is not null)
        {
            string channel = SingleRoom(options.Rooms) is { } room ? _channel + room + "#" : _channel;
            await PublishAsync(channel, message, "broadcast").ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask BroadcastWithAckAsync(EncodedPacket packet, long ackId, BroadcastOptions options, IBroadcastAckCollector collector)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(collector);
        byte[]? request = null;
        string requestId = NewId();
        if ((options.Flags & BroadcastFlags.Local) == 0)
        {
            request = MsgPack((ref SocketIOMsgPackWriter w) =>
            {
                w.WriteMapHeader(5);
                w.WriteString("uid"u8);
                w.WriteString(_uid);
                w.WriteString("requestId"u8);
                w.WriteString(requestId);
                w.WriteString("type"u8);
                w.WriteInt64(BroadcastRequest);
                w.WriteString("packet"u8);
                SocketIOClusterPacket.Write(ref w, packet, Host.Name);
                w.WriteString("opts"u8);
                WriteOptions(ref w, options);
            });
            _ackRequests[requestId] = collector;
        }

        await base.BroadcastWithAckAsync(packet, ackId, options, collector).ConfigureAwait(false);
        if (request is not null)
        {
            if (!await PublishAsync(_requestChannel, request, "broadcast with acks").ConfigureAwait(false))
            {
                _ackRequests.TryRemove(requestId, out _);
                return;
            }

            // Answers after the emitter's deadline have nobody to go to.
            TimeSpan keep = options.Timeout ?? _options.RequestsTimeout;
            _ = ForgetLaterAsync(requestId, keep);
        }
    }

    // The one room a broadcast names (repeated or not), or null: Node publishes a one-room broadcast on that room's channel.
    internal static string? SingleRoom(IReadOnlyCollection<string> rooms)
    {
        string? single = null;
        foreach (string room in rooms)
        {
            if (single is not null && room != single)
            {
                return null;
            }

            single = room;
        }

        return single;
    }

    private async Task ForgetLaterAsync(string requestId, TimeSpan after)
    {
        await Task.Delay(after, Host.TimeProvider).ConfigureAwait(false);
        _ackRequests.TryRemove(requestId, out _);
    }

    private void OnBroadcastMessage(ChannelMessage message)
    {
        try
        {
            string channel = message.Channel.ToString();
            if (!channel.StartsWith(_channel, StringComparison.Ordinal))
            {
                return;
            }

            // A message for one room is read only where the room has members here.
            string room = channel.Length > _channel.Length ? channel[_channel.Length..^1] : string.Empty;
            if (room.Length > 0 && GetSockets([room]).Count == 0)
            {
                return;
            }

            if (Bytes(message) is not { } bytes)
            {
                return;
            }

            var reader = new SocketIOMsgPackReader(bytes);
            if (reader.ReadArrayHeader() < 3 || reader.ReadString() is not { } uid || uid == _uid)
            {
                return;
            }

            EncodedPacket? packet = SocketIOClusterPacket.Read(ref reader, Host.Name);
            if (packet is null)
            {
                return;
            }

            BroadcastOptions options;
            try
            {
                options = ReadOptions(ref reader);
            }
            catch
            {
                packet.Release();
                throw;
            }

            if ((options.Flags & BroadcastFlags.NoCompress) != 0)
            {
                packet.SetCompress(false);
            }

            ValueTask delivered = base.BroadcastAsync(packet, options with { Flags = options.Flags | BroadcastFlags.Local });
            if (!delivered.IsCompletedSuccessfully)
            {
                delivered.AsTask().GetAwaiter().GetResult();
            }
        }
#pragma warning disable CA1031 // whatever another process publishes, this server goes on
        catch (Exception e)
#pragma warning restore CA1031
        {
            Dropped(e, "broadcast");
        }
    }

    // ------------------------------------------------------------------ requests to the other servers

    /// <inheritdoc/>
    public override async ValueTask<int> GetServerCountAsync(CancellationToken cancellationToken = default)
    {
        RedisResult result;
        try
        {
            result = await _redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", _requestChannel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SocketIOClusterException($"The server count could not be read: Redis is unreachable ({e.Message}).", e);
        }

        RedisResult[] pair = (RedisResult[])result!;
        return pair.Length >= 2 ? (int)(long)pair[1] : 0;
    }

    /// <inheritdoc/>
    public override async ValueTask<IReadOnlyList<SocketIORemoteSocket>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<SocketIORemoteSocket> local = await base.FetchSocketsAsync(options, cancellationToken).ConfigureAwait(false);
        if ((options.Flags & BroadcastFlags.Local) != 0)
        {
            return local;
        }

        int others = await GetServerCountAsync(cancellationToken).ConfigureAwait(false) - 1;
        if (others <= 0)
        {
            return local;
        }

        string requestId = NewId();
        var pending = new PendingRequest(RemoteFetch, others);
        _requests[requestId] = pending;
        try
        {
            byte[] request = Json(w =>
            {
                w.WriteString("uid"u8, _uid);
                w.WriteString("requestId"u8, requestId);
                w.WriteNumber("type"u8, RemoteFetch);
                w.WritePropertyName("opts"u8);
                WriteJsonOptions(w, options);
            });
            if (!await PublishAsync(_requestChannel, request, "fetch sockets").ConfigureAwait(false))
            {
                throw new SocketIOClusterException("The other servers could not be asked for their sockets: the Redis connection failed (see the log).");
            }

            List<JsonElement> answers = await pending.WaitAsync(_options.RequestsTimeout, Host.TimeProvider, "fetchSockets", cancellationToken).ConfigureAwait(false);
            var all = new List<SocketIORemoteSocket>(local);
            foreach (JsonElement answer in answers)
            {
                if (answer.TryGetProperty("sockets"u8, out JsonElement sockets) && sockets.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement socket in sockets.EnumerateArray())
                    {
                        try
                        {
                            all.Add(ReadSocket(socket));
                        }
                        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
                        {
                            Dropped(e, "fetch sockets answer");
                        }
                    }
                }
            }

            return all;
        }
        finally
        {
            _requests.TryRemove(requestId, out _);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        await base.AddSocketsAsync(options, rooms).ConfigureAwait(false);
        if ((options.Flags & BroadcastFlags.Local) == 0)
        {
            await PublishRoomsRequestAsync(RemoteJoin, options, rooms).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask DeleteSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        await base.DeleteSocketsAsync(options, rooms).ConfigureAwait(false);
        if ((options.Flags & BroadcastFlags.Local) == 0)
        {
            await PublishRoomsRequestAsync(RemoteLeave, options, rooms).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask DisconnectSocketsAsync(BroadcastOptions options, bool close)
    {
        if ((options.Flags & BroadcastFlags.Local) == 0)
        {
            // Published first: the local sockets' disconnection changes the rooms the options name.
            byte[] request = Json(w =>
            {
                w.WriteString("uid"u8, _uid);
                w.WriteNumber("type"u8, RemoteDisconnect);
                w.WritePropertyName("opts"u8);
                WriteJsonOptions(w, options);
                w.WriteBoolean("close"u8, close);
            });
            await PublishAsync(_requestChannel, request, "disconnect sockets").ConfigureAwait(false);
        }

        await base.DisconnectSocketsAsync(options, close).ConfigureAwait(false);
    }

    private async ValueTask PublishRoomsRequestAsync(int type, BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        byte[] request = Json(w =>
        {
            w.WriteString("uid"u8, _uid);
            w.WriteNumber("type"u8, type);
            w.WritePropertyName("opts"u8);
            WriteJsonOptions(w, options);
            w.WriteStartArray("rooms"u8);
            foreach (string room in rooms)
            {
                w.WriteStringValue(room);
            }

            w.WriteEndArray();
        });
        await PublishAsync(_requestChannel, request, type == RemoteJoin ? "sockets join" : "sockets leave").ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async ValueTask ServerSideEmitAsync(EncodedPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        await PublishAsync(_requestChannel, ServerSideEmitRequestOf(packet, requestId: null), "server-side emit").ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async ValueTask ServerSideEmitWithAckAsync(EncodedPacket packet, IBroadcastAckCollector collector)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(collector);
        string requestId = NewId();
        byte[] request = ServerSideEmitRequestOf(packet, requestId);

        var pending = new PendingRequest(ServerSideEmitRequest, int.MaxValue) { Collector = collector };
        _requests[requestId] = pending;
        if (!await PublishAsync(_requestChannel, request, "server-side emit with acks").ConfigureAwait(false))
        {
            _requests.TryRemove(requestId, out _);
            return;
        }

        _ = ForgetRequestLaterAsync(requestId);
    }

    // {uid, requestId?, type: 6, data: [event, ...args]}; takes over the packet's reference.
    private byte[] ServerSideEmitRequestOf(EncodedPacket packet, string? requestId)
    {
        try
        {
            return Json(w =>
            {
                w.WriteString("uid"u8, _uid);
                if (requestId is not null)
                {
                    w.WriteString("requestId"u8, requestId);
                }

                w.WriteNumber("type"u8, ServerSideEmitRequest);
                w.WritePropertyName("data"u8);
                WriteEventData(w, packet);
            });
        }
        finally
        {
            packet.Release();
        }
    }

    private async Task ForgetRequestLaterAsync(string requestId)
    {
        await Task.Delay(_options.RequestsTimeout, Host.TimeProvider).ConfigureAwait(false);
        _requests.TryRemove(requestId, out _);
    }

    // ------------------------------------------------------------------ requests from the other servers

    private async Task OnRequestMessageAsync(ChannelMessage message)
    {
        try
        {
            if (Bytes(message) is not { } bytes || bytes.Length == 0)
            {
                return;
            }

            if (bytes[0] == (byte)'{')
            {
                using JsonDocument document = JsonDocument.Parse(bytes);
                await OnJsonRequestAsync(document.RootElement).ConfigureAwait(false);
            }
            else
            {
                await OnBroadcastRequestAsync(bytes).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // whatever another process publishes, this server goes on
        catch (Exception e)
#pragma warning restore CA1031
        {
            Dropped(e, "request");
        }
    }

    private async Task OnJsonRequestAsync(JsonElement request)
    {
        if (!request.TryGetProperty("type"u8, out JsonElement typeElement) || !typeElement.TryGetInt32(out int type))
        {
            return;
        }

        string? uid = request.TryGetProperty("uid"u8, out JsonElement u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        string? requestId = request.TryGetProperty("requestId"u8, out JsonElement r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        switch (type)
        {
            case SocketsRequest when requestId is not null && uid != _uid && !_requests.ContainsKey(requestId):
                IReadOnlyCollection<string> ids = GetSockets(request.TryGetProperty("rooms"u8, out JsonElement rooms) ? Strings(rooms) : []);
                await RespondAsync(uid, Json(w =>
                {
                    w.WriteString("requestId"u8, requestId);
                    WriteStrings(w, "sockets"u8, ids);
                })).ConfigureAwait(false);
                break;
            case AllRoomsRequest when requestId is not null && uid != _uid && !_requests.ContainsKey(requestId):
                IReadOnlyCollection<string> all = Rooms;
                await RespondAsync(uid, Json(w =>
                {
                    w.WriteString("requestId"u8, requestId);
                    WriteStrings(w, "rooms"u8, all);
                })).ConfigureAwait(false);
                break;
            case RemoteJoin or RemoteLeave or RemoteDisconnect when uid != _uid && request.TryGetProperty("opts"u8, out JsonElement opts):
                // Applied here already when this server asked (Node servers apply their own through the echo).
                BroadcastOptions options = ReadJsonOptions(opts);
                if (type == RemoteDisconnect)
                {
                    await base.DisconnectSocketsAsync(options, request.TryGetProperty("close"u8, out JsonElement close) && close.ValueKind == JsonValueKind.True).ConfigureAwait(false);
                }
                else
                {
                    string[] targetRooms = request.TryGetProperty("rooms"u8, out JsonElement list) ? Strings(list) : [];
                    await (type == RemoteJoin ? base.AddSocketsAsync(options, targetRooms) : base.DeleteSocketsAsync(options, targetRooms)).ConfigureAwait(false);
                }

                break;
            case RemoteFetch when requestId is not null && uid != _uid && !_requests.ContainsKey(requestId):
                BroadcastOptions fetch = request.TryGetProperty("opts"u8, out JsonElement fetchOpts) ? ReadJsonOptions(fetchOpts) : new BroadcastOptions([], [], BroadcastFlags.None);
                IReadOnlyList<SocketIORemoteSocket> sockets = await base.FetchSocketsAsync(fetch).ConfigureAwait(false);
                await RespondAsync(uid, Json(w =>
                {
                    w.WriteString("requestId"u8, requestId);
                    w.WriteStartArray("sockets"u8);
                    foreach (SocketIORemoteSocket socket in sockets)
                    {
                        WriteSocket(w, socket);
                    }

                    w.WriteEndArray();
                })).ConfigureAwait(false);
                break;
            case ServerSideEmitRequest when uid != _uid && request.TryGetProperty("data"u8, out JsonElement data) && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0 && data[0].ValueKind == JsonValueKind.String:
                string eventName = data[0].GetString()!;
                SocketIOArguments arguments = SocketIOArguments.FromJsonArray(Json(w =>
                {
                    int i = 0;
                    foreach (JsonElement item in data.EnumerateArray())
                    {
                        if (i++ > 0)
                        {
                            item.WriteTo(w);
                        }
                    }
                }, array: true));
                Action<EncodedPacket>? answer = requestId is null ? null : packet => AnswerServerSideEmit(requestId, packet);

                // Not awaited: a slow handler must not hold up the messages behind it (joins, broadcasts, answers).
                _ = RunServerSideHandlersAsync(eventName, arguments, answer);
                break;
        }
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
            Dropped(e, "server-side event");
        }
    }

    // A server-side handler answered: its first value goes back as {type: 6, requestId, data} on the shared channel
    // (JSON, binary as Node writes a Buffer).
    private void AnswerServerSideEmit(string requestId, EncodedPacket packet)
    {
        try
        {
            byte[] text = packet.Text.Length > 1 ? packet.Text[1..].ToArray() : [];
            ReadOnlyMemory<byte> first = default;
            IReadOnlyList<ReadOnlyMemory<byte>> attachments = [.. Enumerable.Range(0, packet.AttachmentCount).Select(packet.GetAttachment)];
            if (SocketIOParser.TryParse(text, out SocketIOPacketHeader header) == SocketIOParseError.None)
            {
                SocketIOArguments answer = SocketIOArguments.FromJsonArray(header.GetPayload(text), attachments);
                if (answer.Count > 0)
                {
                    first = answer.GetRawJson(0);
                }
            }

            byte[] response = Json(w =>
            {
                w.WriteNumber("type"u8, ServerSideEmitRequest);
                w.WriteString("requestId"u8, requestId);
                w.WritePropertyName("data"u8);
                if (first.IsEmpty)
                {
                    w.WriteNullValue();
                }
                else
                {
                    SocketIOMsgPackJson.WriteNodeJson(w, first.Span, attachments);
                }
            });
            _ = PublishAsync(_responseChannel, response, "server-side emit answer");
        }
        finally
        {
            packet.Release();
        }
    }

    private async Task OnBroadcastRequestAsync(byte[] bytes)
    {
        string? requestId = null;
        string? uid = null;
        int packetAt = -1;
        int optsAt = -1;
        long type = -1;
        var reader = new SocketIOMsgPackReader(bytes);
        for (int entries = reader.ReadMapHeader(); entries > 0; entries--)
        {
            string? key = reader.NextType == SocketIOMsgPackType.String ? reader.ReadString() : null;
            switch (key)
            {
                case "uid" when reader.NextType == SocketIOMsgPackType.String:
                    uid = reader.ReadString();
                    break;
                case "requestId" when reader.NextType == SocketIOMsgPackType.String:
                    requestId = reader.ReadString();
                    break;
                case "type" when reader.NextType == SocketIOMsgPackType.Integer:
                    type = reader.ReadInt64();
                    break;
                case "packet":
                    packetAt = reader.Position;
                    reader.Skip();
                    break;
                case "opts":
                    optsAt = reader.Position;
                    reader.Skip();
                    break;
                default:
                    if (key is null)
                    {
                        reader.Skip();
                    }

                    reader.Skip();
                    break;
            }
        }

        if (type != BroadcastRequest || requestId is null || uid == _uid || _ackRequests.ContainsKey(requestId))
        {
            return;
        }

        var forward = new ForwardingCollector(this, requestId, uid);
        EncodedPacket? packet = null;
        BroadcastOptions options = new([], [], BroadcastFlags.None);
        long ackId = Host.NextAckId();
        try
        {
            if (optsAt >= 0)
            {
                var optsReader = new SocketIOMsgPackReader(bytes.AsSpan(optsAt));
                options = ReadOptions(ref optsReader);
            }

            if (packetAt >= 0)
            {
                var packetReader = new SocketIOMsgPackReader(bytes.AsSpan(packetAt));
                packet = SocketIOClusterPacket.Read(ref packetReader, Host.Name, ackId);
            }
        }
        catch (FormatException e)
        {
            Dropped(e, "broadcast with acks");
        }

        if (packet is null)
        {
            // The asking server counts one report per server: this one reaches nobody.
            forward.AddExpected(0);
            return;
        }

        if ((options.Flags & BroadcastFlags.NoCompress) != 0)
        {
            packet.SetCompress(false);
        }

        await base.BroadcastWithAckAsync(packet, ackId, options with { Flags = options.Flags | BroadcastFlags.Local }, forward).ConfigureAwait(false);
    }

    // The answers of this server's sockets to a broadcast another server made: counted, then each sent back.
    private sealed class ForwardingCollector(SocketIORedisAdapter adapter, string requestId, string? requester) : IBroadcastAckCollector
    {
        public void AddExpected(int count)
        {
            byte[] response = Json(w =>
            {
                w.WriteNumber("type"u8, BroadcastClientCount);
                w.WriteString("requestId"u8, requestId);
                w.WriteNumber("clientCount"u8, count);
            });
            _ = adapter.RespondAsync(requester, response);
        }

        public void OnAck(string? socketId, SocketIOArguments arguments)
        {
            byte[] response = MsgPack((ref SocketIOMsgPackWriter w) =>
            {
                w.WriteMapHeader(3);
                w.WriteString("type"u8);
                w.WriteInt64(BroadcastAck);
                w.WriteString("requestId"u8);
                w.WriteString(requestId);
                w.WriteString("packet"u8);
                if (arguments.Count > 0)
                {
                    SocketIOMsgPackJson.WriteJson(ref w, arguments.GetRawJson(0).Span, arguments.Attachments);
                }
                else
                {
                    w.WriteNil();
                }
            });
            _ = adapter.RespondAsync(requester, response);
        }
    }

    private Task<bool> RespondAsync(string? requester, byte[] response) =>
        PublishAsync(_options.PublishOnSpecificResponseChannel && requester is not null ? _responseChannel + requester + "#" : _responseChannel, response, "response");

    // ------------------------------------------------------------------ answers to this server's requests

    private void OnResponseMessage(ChannelMessage message)
    {
        try
        {
            if (Bytes(message) is not { } bytes || bytes.Length == 0)
            {
                return;
            }

            if (bytes[0] == (byte)'{')
            {
                using JsonDocument document = JsonDocument.Parse(bytes);
                JsonElement response = document.RootElement;
                if (!response.TryGetProperty("requestId"u8, out JsonElement idElement) || idElement.GetString() is not { } requestId)
                {
                    return;
                }

                if (_ackRequests.TryGetValue(requestId, out IBroadcastAckCollector? collector))
                {
                    if (response.TryGetProperty("type"u8, out JsonElement type) && type.TryGetInt32(out int t) && t == BroadcastClientCount
                        && response.TryGetProperty("clientCount"u8, out JsonElement count) && count.TryGetInt32(out int clients))
                    {
                        collector.AddExpected(Math.Max(0, clients));
                    }
                }
                else if (_requests.TryGetValue(requestId, out PendingRequest? pending))
                {
                    if (pending.Type == ServerSideEmitRequest && pending.Collector is { } serverSide)
                    {
                        // Each other server answers once: one more expected answer, and the answer.
                        serverSide.AddExpected(1);
                        serverSide.OnAck(null, SocketIOArguments.FromJsonArray(Json(w =>
                        {
                            if (response.TryGetProperty("data"u8, out JsonElement data))
                            {
                                data.WriteTo(w);
                            }
                            else
                            {
                                w.WriteNullValue();
                            }
                        }, array: true)));
                    }
                    else
                    {
                        pending.Add(response.Clone());
                    }
                }

                return;
            }

            OnBroadcastAckMessage(bytes);
        }
#pragma warning disable CA1031 // whatever another process publishes, this server goes on
        catch (Exception e)
#pragma warning restore CA1031
        {
            Dropped(e, "response");
        }
    }

    private void OnBroadcastAckMessage(byte[] bytes)
    {
        string? requestId = null;
        long type = -1;
        int packetAt = -1;
        var reader = new SocketIOMsgPackReader(bytes);
        for (int entries = reader.ReadMapHeader(); entries > 0; entries--)
        {
            string? key = reader.NextType == SocketIOMsgPackType.String ? reader.ReadString() : null;
            if (key is null)
            {
                reader.Skip();
                reader.Skip();
            }
            else if (key == "requestId" && reader.NextType == SocketIOMsgPackType.String)
            {
                requestId = reader.ReadString();
            }
            else if (key == "type" && reader.NextType == SocketIOMsgPackType.Integer)
            {
                type = reader.ReadInt64();
            }
            else
            {
                if (key == "packet")
                {
                    packetAt = reader.Position;
                }

                reader.Skip();
            }
        }

        if (requestId is null || !_ackRequests.TryGetValue(requestId, out IBroadcastAckCollector? collector))
        {
            return;
        }

        if (type == BroadcastAck && packetAt >= 0)
        {
            var value = new SocketIOMsgPackReader(bytes.AsSpan(packetAt));
            SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
            try
            {
                writer.BeginAck();
                SocketIOMsgPackJson.ReadToJson(ref value, writer);
                collector.OnAck(null, writer.ToArguments());
            }
            finally
            {
                SocketIOPacketWriter.Return(writer);
            }
        }
        else if (type == BroadcastClientCount)
        {
            // A count sent as MessagePack (the JSON form is the usual one).
            var again = new SocketIOMsgPackReader(bytes);
            for (int entries = again.ReadMapHeader(); entries > 0; entries--)
            {
                if (again.NextType == SocketIOMsgPackType.String && again.ReadString() == "clientCount")
                {
                    collector.AddExpected((int)Math.Clamp(again.ReadInt64(), 0, int.MaxValue));
                    return;
                }

                again.Skip();
            }
        }
    }

    /// <summary>A request to the other servers waiting for their answers.</summary>
    private sealed class PendingRequest(int type, int expected)
    {
        private readonly TaskCompletionSource<List<JsonElement>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<JsonElement> _answers = [];

        public int Type { get; } = type;

        public IBroadcastAckCollector? Collector { get; init; }

        public void Add(JsonElement answer)
        {
            lock (_answers)
            {
                _answers.Add(answer);
                if (_answers.Count >= expected)
                {
                    _done.TrySetResult([.. _answers]);
                }
            }
        }

        public void Fail(Exception e) => _done.TrySetException(e);

        public async Task<List<JsonElement>> WaitAsync(TimeSpan timeout, TimeProvider time, string what, CancellationToken cancellationToken)
        {
            try
            {
                return await _done.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                int received;
                lock (_answers)
                {
                    received = _answers.Count;
                }

                throw new TimeoutException($"timeout reached while waiting for {what} response: {received} of {expected} servers answered within {timeout.TotalSeconds:0.###} s (SocketIORedisAdapterOptions.RequestsTimeout).", e);
            }
        }
    }

    // ------------------------------------------------------------------ encodings

    private static void WriteOptions(ref SocketIOMsgPackWriter w, BroadcastOptions options)
    {
        w.WriteMapHeader(3);
        w.WriteString("rooms"u8);
        w.WriteArrayHeader(options.Rooms.Count);
        foreach (string room in options.Rooms)
        {
            w.WriteString(room);
        }

        string[] except = [.. options.Except.Distinct(StringComparer.Ordinal)];
        w.WriteString("except"u8);
        w.WriteArrayHeader(except.Length);
        foreach (string room in except)
        {
            w.WriteString(room);
        }

        w.WriteString("flags"u8);
        WriteFlags(ref w, options.Flags, options.Timeout);
    }

    /// <summary>Only the flags that are set, as socket.io builds them (<c>volatile: false</c> would still read as volatile there).</summary>
    internal static void WriteFlags(ref SocketIOMsgPackWriter w, BroadcastFlags flags, TimeSpan? timeout)
    {
        bool isVolatile = (flags & BroadcastFlags.Volatile) != 0;
        bool noCompress = (flags & BroadcastFlags.NoCompress) != 0;
        w.WriteMapHeader((isVolatile ? 1 : 0) + (noCompress ? 1 : 0) + (timeout is null ? 0 : 1));
        if (isVolatile)
        {
            w.WriteString("volatile"u8);
            w.WriteBoolean(true);
        }

        if (noCompress)
        {
            w.WriteString("compress"u8);
            w.WriteBoolean(false);
        }

        if (timeout is { } deadline)
        {
            w.WriteString("timeout"u8);
            w.WriteInt64((long)deadline.TotalMilliseconds);
        }
    }

    private static BroadcastOptions ReadOptions(ref SocketIOMsgPackReader reader)
    {
        string[] rooms = [];
        string[] except = [];
        BroadcastFlags flags = BroadcastFlags.None;
        TimeSpan? timeout = null;
        if (reader.TryReadNil())
        {
            return new BroadcastOptions(rooms, except, flags);
        }

        for (int entries = reader.ReadMapHeader(); entries > 0; entries--)
        {
            string? key = reader.NextType == SocketIOMsgPackType.String ? reader.ReadString() : null;
            if (key is "rooms" or "except" && reader.NextType == SocketIOMsgPackType.Array)
            {
                int count = reader.ReadArrayHeader();
                var list = new List<string>(count);
                for (int i = 0; i < count; i++)
                {
                    if (reader.NextType == SocketIOMsgPackType.String)
                    {
                        list.Add(reader.ReadString()!);
                    }
                    else if (reader.NextType is SocketIOMsgPackType.Integer or SocketIOMsgPackType.Float)
                    {
                        // A number room (socket.io allows them): the same name as its text.
                        list.Add(reader.ReadDouble().ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                if (key == "rooms")
                {
                    rooms = [.. list];
                }
                else
                {
                    except = [.. list];
                }
            }
            else if (key == "flags" && reader.NextType == SocketIOMsgPackType.Map)
            {
                for (int f = reader.ReadMapHeader(); f > 0; f--)
                {
                    string? flag = reader.NextType == SocketIOMsgPackType.String ? reader.ReadString() : null;
                    if (flag == "volatile" && reader.NextType == SocketIOMsgPackType.Boolean)
                    {
                        flags |= reader.ReadBoolean() ? BroadcastFlags.Volatile : BroadcastFlags.None;
                    }
                    else if (flag == "compress" && reader.NextType == SocketIOMsgPackType.Boolean)
                    {
                        flags |= reader.ReadBoolean() ? BroadcastFlags.None : BroadcastFlags.NoCompress;
                    }
                    else if (flag == "timeout" && reader.NextType is SocketIOMsgPackType.Integer or SocketIOMsgPackType.Float)
                    {
                        timeout = TimeSpan.FromMilliseconds(reader.ReadDouble());
                    }
                    else
                    {
                        if (flag is null)
                        {
                            reader.Skip();
                        }

                        reader.Skip();
                    }
                }
            }
            else
            {
                if (key is null)
                {
                    reader.Skip();
                }

                reader.Skip();
            }
        }

        return new BroadcastOptions(rooms, except, flags, timeout);
    }

    private static void WriteJsonOptions(Utf8JsonWriter w, BroadcastOptions options)
    {
        w.WriteStartObject();
        WriteStrings(w, "rooms"u8, options.Rooms);
        WriteStrings(w, "except"u8, [.. options.Except.Distinct(StringComparer.Ordinal)]);
        w.WriteEndObject();
    }

    private static BroadcastOptions ReadJsonOptions(JsonElement opts) => new(
        opts.TryGetProperty("rooms"u8, out JsonElement rooms) ? Strings(rooms) : [],
        opts.TryGetProperty("except"u8, out JsonElement except) ? Strings(except) : [],
        BroadcastFlags.None);

    private static string[] Strings(JsonElement array) => array.ValueKind != JsonValueKind.Array
        ? []
        : [.. array.EnumerateArray().Select(static e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText())];

    private static void WriteStrings(Utf8JsonWriter w, ReadOnlySpan<byte> name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (string value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    // socket.io's SocketDetails: {id, handshake, rooms, data}.
    private static void WriteSocket(Utf8JsonWriter w, SocketIORemoteSocket socket)
    {
        w.WriteStartObject();
        w.WriteString("id"u8, socket.Id);
        w.WritePropertyName("handshake"u8);
        socket.Handshake.WriteTo(w);
        WriteStrings(w, "rooms"u8, socket.Rooms);
        w.WritePropertyName("data"u8);
        socket.Data.WriteTo(w);
        w.WriteEndObject();
    }

    private SocketIORemoteSocket ReadSocket(JsonElement socket) => new(
        this,
        socket.TryGetProperty("id"u8, out JsonElement id) ? id.GetString() ?? string.Empty : string.Empty,
        socket.TryGetProperty("rooms"u8, out JsonElement rooms) ? Strings(rooms) : [],
        socket.TryGetProperty("data"u8, out JsonElement data) ? data.Clone() : default,
        socket.TryGetProperty("handshake"u8, out JsonElement handshake) ? SocketIOHandshakeRecord.Read(handshake) : SocketIOHandshakeRecord.Read(default));

    // [event, ...args] of an EVENT packet as JSON (binary arguments as Node's JSON writes a Buffer: {type, data}).
    internal static void WriteEventData(Utf8JsonWriter w, EncodedPacket packet)
    {
        w.WriteStartArray();
        if (EncodedEventReader.TryReadEvent(packet, out string name, out SocketIOArguments arguments))
        {
            w.WriteStringValue(name);
            for (int i = 0; i < arguments.Count; i++)
            {
                SocketIOMsgPackJson.WriteNodeJson(w, arguments.GetRawJson(i).Span, arguments.Attachments);
            }
        }

        w.WriteEndArray();
    }

    private static byte[] MsgPack(SpanAction write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new SocketIOMsgPackWriter(buffer);
        write(ref writer);
        return buffer.WrittenSpan.ToArray();
    }

    private delegate void SpanAction(ref SocketIOMsgPackWriter writer);

    private static byte[] Json(Action<Utf8JsonWriter> write, bool array = false)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_json))
        {
            if (array)
            {
                writer.WriteStartArray();
            }
            else
            {
                writer.WriteStartObject();
            }

            write(writer);
            if (array)
            {
                writer.WriteEndArray();
            }
            else
            {
                writer.WriteEndObject();
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    private byte[]? Bytes(ChannelMessage message)
    {
        byte[]? bytes = (byte[]?)message.Message;
        if (bytes is null)
        {
            return null;
        }

        if (bytes.Length > _options.MaxMessageBytes)
        {
            Interlocked.Increment(ref _droppedMessages);
            LogOversized(Host.Logger, message.Channel.ToString(), bytes.Length, _options.MaxMessageBytes);
            return null;
        }

        return bytes;
    }

    private async Task<bool> PublishAsync(string channel, byte[] message, string what)
    {
        try
        {
            await _subscriber.PublishAsync(RedisChannel.Literal(channel), message).ConfigureAwait(false);
            return true;
        }
#pragma warning disable CA1031 // the broker is unreachable: counted and logged; local clients are still served
        catch (Exception e)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _publishFailures);
            LogPublishFailed(Host.Logger, e, what, Host.Name);
            return false;
        }
    }

    private void Dropped(Exception e, string what)
    {
        Interlocked.Increment(ref _droppedMessages);
        LogDropped(Host.Logger, e, what, Host.Name);
    }

    // 6 characters of A-Z a-z 0-9 - _, as uid2(6) in the Node adapter.
    private static string NewId()
    {
        const string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        Span<byte> random = stackalloc byte[6];
        System.Security.Cryptography.RandomNumberGenerator.Fill(random);
        Span<char> id = stackalloc char[6];
        for (int i = 0; i < id.Length; i++)
        {
            id[i] = chars[random[i] % 64];
        }

        return new string(id);
    }

    [LoggerMessage(400, LogLevel.Warning, "Redis adapter of {Namespace}: the {What} could not be published; the local sockets were still served. Redis reconnects on its own")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string what, string @namespace);

    [LoggerMessage(401, LogLevel.Warning, "Redis adapter of {Namespace}: a {What} message from the broker was dropped (not one this server can read)")]
    private static partial void LogDropped(ILogger logger, Exception exception, string what, string @namespace);

    [LoggerMessage(402, LogLevel.Warning, "Redis adapter: a message of {Size} bytes on {Channel} was dropped unread (SocketIORedisAdapterOptions.MaxMessageBytes is {Max})")]
    private static partial void LogOversized(ILogger logger, string channel, int size, int max);
}

/// <summary>A cluster operation could not be done (the broker failed); the message says what to check.</summary>
public sealed class SocketIOClusterException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SocketIOClusterException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public SocketIOClusterException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">Why.</param>
    public SocketIOClusterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
