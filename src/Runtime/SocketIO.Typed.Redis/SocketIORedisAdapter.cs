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
                SocketIOClusterWire.WriteOptions(ref w, options);
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
                SocketIOClusterWire.WriteOptions(ref w, options);
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
                options = SocketIOClusterWire.ReadOptions(ref reader);
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
