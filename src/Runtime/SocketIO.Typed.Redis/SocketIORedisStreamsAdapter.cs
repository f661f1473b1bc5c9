using System.Buffers;
using System.Globalization;
using System.Text.Json;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Adapters.Cluster;
using SocketIO.Typed.Protocol;
using StackExchange.Redis;

namespace SocketIO.Typed.Redis;

/// <summary>
/// A namespace's adapter on Redis Streams, wire-compatible with Node's <c>@socket.io/redis-streams-adapter</c> 0.3:
/// broadcasts, room changes and disconnections go through one stream (<c>XADD socket.io MAXLEN ~ 10000</c>, fields
/// <c>uid nsp type data</c>), requests and answers through pub/sub (<c>socket.io#/ns#</c>, and
/// <c>socket.io#/ns#uid#</c> for the answers to this server), as MessagePack cluster messages. The stream also makes
/// connection state recovery work across the cluster: a broadcast carries its entry id as its offset, a disconnected
/// socket's session is kept in Redis (<c>sio:session:pid</c>), so a client cut from one server recovers its id, rooms,
/// data and missed packets on any other, Node or .NET.
/// </summary>
public sealed class SocketIORedisStreamsAdapter : SocketIOClusterAdapter
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisStreamReader _reader;
    private readonly SocketIORedisStreamsAdapterOptions _options;
    private readonly string _publicChannel;
    private readonly string _privateChannel;
    private readonly List<ChannelMessageQueue> _queues = [];

    // What this server delivered when (under Gate): the last entry from another server, and its own entries with a
    // sequence number, so a restored session gets exactly the packets its socket missed (see RestoreSessionAsync).
    private readonly Dictionary<string, long> _own = new(StringComparer.Ordinal);
    private readonly Queue<string> _ownOrder = new();
    private string _readUpTo = "0-0";
    private long _ownSeq;

    private SocketIORedisStreamsAdapter(ISocketIOAdapterHost host, IConnectionMultiplexer redis, RedisStreamReader reader)
        : base(host, reader.Options, storesSessions: true)
    {
        _redis = redis;
        _reader = reader;
        _options = reader.Options;
        _publicChannel = _options.ChannelPrefix + "#" + host.Name + "#";
        _privateChannel = _publicChannel + Uid + "#";
    }

    /// <summary>
    /// A factory for <c>SocketIOServerOptions.AdapterFactory</c>: one adapter per namespace, all on
    /// <paramref name="redis"/>, and one reader of the stream for all of them (on a connection of its own, made from
    /// <paramref name="redis"/>'s configuration).
    /// </summary>
    /// <param name="redis">The connection.</param>
    /// <param name="options">The options (shared).</param>
    /// <returns>The factory.</returns>
    public static Func<ISocketIOAdapterHost, SocketIOAdapter> Factory(IConnectionMultiplexer redis, SocketIORedisStreamsAdapterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        var reader = new RedisStreamReader(redis, options ?? new SocketIORedisStreamsAdapterOptions());
        return host => new SocketIORedisStreamsAdapter(host, redis, reader);
    }

    /// <inheritdoc/>
    public override async ValueTask InitAsync(CancellationToken cancellationToken = default)
    {
        ISubscriber subscriber = _redis.GetSubscriber();
        foreach (string channel in (string[])[_publicChannel, _privateChannel])
        {
            // The public channel's subscription is what PUBSUB NUMSUB counts as a server.
            ChannelMessageQueue queue = await subscriber.SubscribeAsync(RedisChannel.Literal(channel)).ConfigureAwait(false);
            lock (_queues)
            {
                _queues.Add(queue);
            }

            queue.OnMessage(OnPubSubMessageAsync);
        }

        await _reader.RegisterAsync(this).ConfigureAwait(false);
    }

    /// <summary>The reader handed over (or started after) every entry up to <paramref name="id"/>: only ever moves forward.</summary>
    internal void AdvanceReadUpTo(string id)
    {
        lock (Gate)
        {
            if (CompareIds(id, _readUpTo) > 0)
            {
                _readUpTo = id;
            }
        }
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await _reader.UnregisterAsync(this).ConfigureAwait(false);
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
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // The broker may be gone when the server stops; nothing is left to undo.
            }
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task OnPubSubMessageAsync(ChannelMessage message)
    {
        byte[]? bytes = (byte[]?)message.Message;
        if (bytes is null)
        {
            return;
        }

        if (bytes.Length > _options.MaxMessageBytes)
        {
            CountOversized(bytes.Length, message.Channel.ToString());
            return;
        }

        SocketIOClusterMessage decoded;
        try
        {
            decoded = SocketIOClusterMessage.ReadMsgPack(bytes);
        }
        catch (FormatException e)
        {
            CountDropped(e, "pub/sub");
            return;
        }

        await OnMessageAsync(decoded, null).ConfigureAwait(false);
    }

    /// <summary>An entry of the stream for this namespace, in stream order.</summary>
    internal async ValueTask OnStreamEntryAsync(string id, RedisResult[] fields)
    {
        SocketIOClusterMessage message;
        try
        {
            message = ReadEntry(RedisStreamReader.Field(fields, "type"), RedisStreamReader.Field(fields, "uid"), RedisStreamReader.Field(fields, "nsp"), RedisStreamReader.Field(fields, "data"));
        }
#pragma warning disable CA1031 // whatever another process adds to the stream, this server goes on
        catch (Exception e)
#pragma warning restore CA1031
        {
            CountDropped(e, "stream entry");
            return;
        }

        await OnMessageAsync(message, id).ConfigureAwait(false);
    }

    // {uid, nsp, type, data}: data is JSON (it starts with "{") or MessagePack in base64.
    private SocketIOClusterMessage ReadEntry(string? type, string? uid, string? nsp, string? data)
    {
        if (data is not null && data.Length > _options.MaxMessageBytes)
        {
            throw new FormatException($"A stream entry of {data.Length} characters (MaxMessageBytes is {_options.MaxMessageBytes}).");
        }

        long kind = long.TryParse(type, NumberStyles.None, CultureInfo.InvariantCulture, out long t) ? t : -1;
        byte[] bytes = string.IsNullOrEmpty(data) ? []
            : data[0] == '{' ? SocketIOClusterMessage.DataFromJson(System.Text.Encoding.UTF8.GetBytes(data))
            : Convert.FromBase64String(data);
        return SocketIOClusterMessage.Create(kind, uid, nsp, bytes);
    }

    // ------------------------------------------------------------------ the transport

    /// <inheritdoc/>
    protected override async ValueTask<string?> PublishMessageAsync(SocketIOClusterMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        bool ephemeral = message.Type is SocketIOClusterMessageType.ServerSideEmit or SocketIOClusterMessageType.FetchSockets
            || (message.Type == SocketIOClusterMessageType.Broadcast && Fields.Read(message.Data.Span).RequestId is not null);
        if (ephemeral)
        {
            await _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(_publicChannel), message.ToMsgPack()).ConfigureAwait(false);
            return null;
        }

        RedisValue id = await _redis.GetDatabase().StreamAddAsync(_options.StreamName, EntryFields(message, _options), maxLength: _options.MaxLength, useApproximateMaxLength: true).ConfigureAwait(false);
        return id.ToString();
    }

    /// <summary>A message as a stream entry: uid, nsp, type (decimal), data (JSON, or MessagePack in base64 when it holds binary).</summary>
    internal static NameValueEntry[] EntryFields(SocketIOClusterMessage message, SocketIORedisStreamsAdapterOptions options)
    {
        var fields = new List<NameValueEntry>(4)
        {
            new("uid", message.Uid),
            new("nsp", message.Namespace ?? "/"),
            new("type", ((int)message.Type).ToString(CultureInfo.InvariantCulture)),
        };
        if (!message.Data.IsEmpty)
        {
            bool mayContainBinary = message.Type is SocketIOClusterMessageType.Broadcast or SocketIOClusterMessageType.FetchSocketsResponse
                or SocketIOClusterMessageType.ServerSideEmit or SocketIOClusterMessageType.ServerSideEmitResponse or SocketIOClusterMessageType.BroadcastAck;
            fields.Add(new("data", !options.OnlyPlaintext && mayContainBinary && message.DataHasBinary()
                ? Convert.ToBase64String(message.Data.Span)
                : message.DataToJson()));
        }

        return [.. fields];
    }

    /// <inheritdoc/>
    protected override async ValueTask PublishResponseAsync(string requesterUid, SocketIOClusterMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        await _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(_publicChannel + requesterUid + "#"), response.ToMsgPack()).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async ValueTask<int> GetServerCountAsync(CancellationToken cancellationToken = default)
    {
        RedisResult result;
        try
        {
            result = await _redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", _publicChannel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SocketIOClusterException($"The server count could not be read: Redis is unreachable ({e.Message}).", e);
        }

        RedisResult[] pair = (RedisResult[])result!;
        return pair.Length >= 2 ? (int)(long)pair[1] : 0;
    }

    /// <inheritdoc/>
    protected override ValueTask DeliverAsync(EncodedPacket packet, BroadcastOptions options, string? offset, bool own)
    {
        lock (Gate)
        {
            ValueTask delivered = base.DeliverAsync(packet, options, offset, own);
            if (offset is not null)
            {
                if (!own)
                {
                    if (CompareIds(offset, _readUpTo) > 0)
                    {
                        _readUpTo = offset;
                    }
                }
                else
                {
                    _own[offset] = ++_ownSeq;
                    _ownOrder.Enqueue(offset);
                    if (_ownOrder.Count > Math.Max(_options.MaxLength, 1) * 2)
                    {
                        _own.Remove(_ownOrder.Dequeue());
                    }
                }
            }

            return delivered;
        }
    }

    // ------------------------------------------------------------------ connection state recovery

    /// <inheritdoc/>
    public override async ValueTask PersistSessionAsync(SocketIOSessionState session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (Host.ConnectionStateRecovery is not { } recovery)
        {
            return;
        }

        string value = Convert.ToBase64String(SocketIOClusterWire.MsgPack(session, static (ref SocketIOMsgPackWriter w, SocketIOSessionState s) =>
        {
            // socket.io's session: {sid, pid, rooms, data}.
            w.WriteMapHeader(4);
            w.WriteString("sid"u8);
            w.WriteString(s.SocketId);
            w.WriteString("pid"u8);
            w.WriteString(s.PrivateId);
            w.WriteString("rooms"u8);
            SocketIOClusterWire.WriteStrings(ref w, s.Rooms);
            w.WriteString("data"u8);
            w.WriteMapHeader(s.Data.Count);
            foreach (KeyValuePair<string, object?> entry in s.Data)
            {
                w.WriteString(entry.Key);
                using JsonDocument rendered = SocketIOPacketWriter.RenderValue(entry.Value);
                var buffer = new ArrayBufferWriter<byte>(64);
                using (var json = new Utf8JsonWriter(buffer))
                {
                    rendered.RootElement.WriteTo(json);
                }

                SocketIOMsgPackJson.WriteJson(ref w, buffer.WrittenSpan, []);
            }
        }));
        try
        {
            await _redis.GetDatabase().StringSetAsync(_options.SessionKeyPrefix + session.PrivateId, value, recovery.MaxDisconnectionDuration).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SocketIOClusterException($"The session of {session.SocketId} could not be kept for recovery: Redis is unreachable ({e.Message}).", e);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask<IReadOnlyList<EncodedPacket>?> RestoreSessionAsync(string privateId, string offset, Action<SocketIOSessionState> attach)
    {
        ArgumentNullException.ThrowIfNull(privateId);
        ArgumentNullException.ThrowIfNull(attach);
        if (Host.ConnectionStateRecovery is null || !TryParseId(offset, out _))
        {
            return null;
        }

        IDatabase db = _redis.GetDatabase();
        RedisValue stored;
        StreamEntry[] known;
        try
        {
            // The session is taken (GETDEL), and the offset must still be in the stream.
            Task<RedisValue> session = db.StringGetDeleteAsync(_options.SessionKeyPrefix + privateId);
            Task<StreamEntry[]> entry = db.StreamRangeAsync(_options.StreamName, offset, offset);
            stored = await session.ConfigureAwait(false);
            known = await entry.ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SocketIOClusterException($"The session could not be restored: Redis is unreachable ({e.Message}).", e);
        }

        if (stored.IsNullOrEmpty || known.Length == 0)
        {
            return null;
        }

        SocketIOSessionState state = ReadSession(Convert.FromBase64String(stored.ToString()));
        string readUpTo;
        long ownSeen;
        lock (Gate)
        {
            // From here every broadcast reaches the recreated socket (held until the caller sends the missed ones):
            // the missed packets are those delivered here before this point, read back from the stream.
            attach(state);
            readUpTo = _readUpTo;
            ownSeen = _ownSeq;
        }

        var missed = new List<EncodedPacket>();
        try
        {
            string from = offset;
            for (int round = 0; round < 100; round++)
            {
                StreamEntry[] entries = await db.StreamRangeAsync(_options.StreamName, Next(from), "+", 100).ConfigureAwait(false);
                if (entries.Length == 0)
                {
                    break;
                }

                foreach (StreamEntry entry in entries)
                {
                    from = entry.Id.ToString();
                    if (Missed(entry, from, state, readUpTo, ownSeen) is { } packet)
                    {
                        missed.Add(packet);
                    }
                }
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The socket is restored; the packets could not be read: it goes on without them (logged).
            CountDropped(e, "missed packets");
        }
        catch
        {
            foreach (EncodedPacket packet in missed)
            {
                packet.Release();
            }

            throw;
        }

        return missed;
    }

    // A broadcast entry the restored socket missed, tagged with its id; null when it was not one or is still to come live.
    private EncodedPacket? Missed(StreamEntry entry, string id, SocketIOSessionState state, string readUpTo, long ownSeen)
    {
        string? nsp = null, uid = null, type = null, data = null;
        foreach (NameValueEntry field in entry.Values)
        {
            switch (field.Name.ToString())
            {
                case "nsp": nsp = field.Value.ToString(); break;
                case "uid": uid = field.Value.ToString(); break;
                case "type": type = field.Value.ToString(); break;
                case "data": data = field.Value.ToString(); break;
            }
        }

        if (nsp != Host.Name || type != "3" || data is null)
        {
            return null;
        }

        bool delivered;
        lock (Gate)
        {
            delivered = uid == Uid ? _own.TryGetValue(id, out long seq) && seq <= ownSeen : CompareIds(id, readUpTo) <= 0;
        }

        if (!delivered)
        {
            return null;
        }

        try
        {
            SocketIOClusterMessage message = ReadEntry(type, uid, nsp, data);
            return MissedPacket(message, state, id);
        }
#pragma warning disable CA1031 // an entry this server cannot read is counted and skipped
        catch (Exception e)
#pragma warning restore CA1031
        {
            CountDropped(e, "stream entry");
            return null;
        }
    }

    private EncodedPacket? MissedPacket(SocketIOClusterMessage message, SocketIOSessionState state, string id)
    {
        Fields fields = Fields.Read(message.Data.Span);
        BroadcastOptions options = fields.Options(message.Data.Span);
        if (fields.RequestId is not null || fields.PacketAt < 0 || (options.Flags & BroadcastFlags.Volatile) != 0 || !Reaches(state.Rooms, options))
        {
            return null;
        }

        var packetReader = new SocketIOMsgPackReader(message.Data.Span[fields.PacketAt..]);
        EncodedPacket? packet = SocketIOClusterPacket.Read(ref packetReader, Host.Name);
        if (packet is null)
        {
            return null;
        }

        EncodedPacket tagged = SocketIOPacketEditor.AppendStringArgument(packet, id);
        packet.Release();
        return tagged;
    }

    // socket.io's shouldIncludePacket: to everyone or to one of the session's rooms, and none of them excluded.
    private static bool Reaches(IReadOnlyCollection<string> sessionRooms, BroadcastOptions options) =>
        (options.Rooms.Count == 0 || sessionRooms.Any(options.Rooms.Contains)) && !sessionRooms.Any(options.Except.Contains);

    private static SocketIOSessionState ReadSession(byte[] bytes)
    {
        var reader = new SocketIOMsgPackReader(bytes);
        string sid = string.Empty, pid = string.Empty;
        string[] rooms = [];
        var data = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (int entries = reader.ReadMapHeader(); entries > 0; entries--)
        {
            string? key = reader.NextType == SocketIOMsgPackType.String ? reader.ReadString() : null;
            switch (key)
            {
                case "sid" when reader.NextType == SocketIOMsgPackType.String:
                    sid = reader.ReadString()!;
                    break;
                case "pid" when reader.NextType == SocketIOMsgPackType.String:
                    pid = reader.ReadString()!;
                    break;
                case "rooms":
                    rooms = SocketIOClusterWire.ReadStrings(ref reader);
                    break;
                case "data" when reader.NextType == SocketIOMsgPackType.Map:
                    for (int n = reader.ReadMapHeader(); n > 0; n--)
                    {
                        string? name = reader.NextType == SocketIOMsgPackType.String ? reader.ReadString() : null;
                        if (name is null)
                        {
                            reader.Skip();
                            reader.Skip();
                        }
                        else
                        {
                            data[name] = SocketIOClusterWire.ToJsonElement(ref reader);
                        }
                    }

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

        if (sid.Length == 0 || pid.Length == 0)
        {
            throw new FormatException("A kept session without its socket id or private id.");
        }

        return new SocketIOSessionState(sid, pid, rooms, data);
    }

    // Stream ids: "<ms>-<seq>".
    private static bool TryParseId(string id, out (ulong Ms, ulong Seq) parsed)
    {
        parsed = default;
        int dash = id.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && ulong.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out parsed.Ms)
            && ulong.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out parsed.Seq);
    }

    private static int CompareIds(string a, string b) =>
        TryParseId(a, out (ulong Ms, ulong Seq) x) && TryParseId(b, out (ulong Ms, ulong Seq) y) ? x.CompareTo(y) : string.CompareOrdinal(a, b);

    // The id right after one (an exclusive start that also works before Redis 6.2), as Node's nextOffset.
    private static string Next(string id) =>
        TryParseId(id, out (ulong Ms, ulong Seq) p) ? p.Ms.ToString(CultureInfo.InvariantCulture) + "-" + (p.Seq + 1).ToString(CultureInfo.InvariantCulture) : id;
}
