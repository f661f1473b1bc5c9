using System.Buffers;
using System.Text.Json;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Adapters.Cluster;
using SocketIO.Typed.Protocol;
using StackExchange.Redis;

namespace SocketIO.Typed.Redis;

/// <summary>
/// Sends to the sockets of a Redis cluster from a process that is not a server (a worker, a job, a console app), as
/// Node's <c>@socket.io/redis-emitter</c> 5 and python-socketio's write-only manager: events to a namespace, rooms or
/// socket ids (typed through a contract with <c>As&lt;TClient&gt;()</c>), and joining, leaving, disconnecting sockets,
/// server-side events. Immutable: <see cref="To"/>, <see cref="Except"/>, <see cref="Volatile"/> return new emitters.
/// Acknowledgements need a server: an emitter cannot wait for them.
/// </summary>
/// <example>
/// <code>
/// var emitter = new SocketIORedisEmitter(await ConnectionMultiplexer.ConnectAsync("localhost:6379"));
/// await emitter.Of("/chat").To("lobby").EmitAsync("notice", "maintenance at noon");
/// await emitter.Of("/chat").As&lt;IChatClient&gt;().NewMessage(new("bot", "hello", DateTimeOffset.UtcNow, null));
/// </code>
/// </example>
public sealed class SocketIORedisEmitter : ISocketIOBroadcaster
{
    private const string Uid = "emitter";
    private static readonly JsonWriterOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ISubscriber _subscriber;
    private readonly string _key;
    private readonly string[] _rooms;
    private readonly string[] _except;
    private readonly BroadcastFlags _flags;

    /// <summary>Creates an emitter for the main namespace <c>/</c>.</summary>
    /// <param name="redis">The connection to the cluster's Redis.</param>
    /// <param name="key">The channel prefix the servers use (<see cref="SocketIORedisAdapterOptions.Key"/>).</param>
    public SocketIORedisEmitter(IConnectionMultiplexer redis, string key = "socket.io")
        : this((redis ?? throw new ArgumentNullException(nameof(redis))).GetSubscriber(), key, "/", [], [], BroadcastFlags.None)
    {
    }

    private SocketIORedisEmitter(ISubscriber subscriber, string key, string @namespace, string[] rooms, string[] except, BroadcastFlags flags)
    {
        _subscriber = subscriber;
        _key = key;
        NamespaceName = @namespace;
        _rooms = rooms;
        _except = except;
        _flags = flags;
    }

    /// <inheritdoc/>
    public string NamespaceName { get; }

    /// <inheritdoc/>
    public TimeSpan? AckTimeout => null;

    /// <summary>The same emitter for another namespace (a leading <c>/</c> is added when missing); rooms and flags are not kept.</summary>
    /// <param name="namespace">The namespace.</param>
    /// <returns>The emitter.</returns>
    public SocketIORedisEmitter Of(string @namespace)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        return new(_subscriber, _key, @namespace.StartsWith('/') ? @namespace : "/" + @namespace, [], [], BroadcastFlags.None);
    }

    /// <summary>Also the sockets in <paramref name="room"/> (a socket id reaches that socket).</summary>
    /// <param name="room">The room.</param>
    /// <returns>A new emitter.</returns>
    public SocketIORedisEmitter To(string room)
    {
        ArgumentNullException.ThrowIfNull(room);
        return new(_subscriber, _key, NamespaceName, [.. _rooms, room], _except, _flags);
    }

    /// <summary>Same as <see cref="To"/>.</summary>
    /// <param name="room">The room.</param>
    /// <returns>A new emitter.</returns>
    public SocketIORedisEmitter In(string room) => To(room);

    /// <summary>Not the sockets in <paramref name="room"/>.</summary>
    /// <param name="room">The room or socket id.</param>
    /// <returns>A new emitter.</returns>
    public SocketIORedisEmitter Except(string room)
    {
        ArgumentNullException.ThrowIfNull(room);
        return new(_subscriber, _key, NamespaceName, _rooms, [.. _except, room], _flags);
    }

    /// <summary>Events may be dropped for clients whose transport is busy.</summary>
    public SocketIORedisEmitter Volatile => new(_subscriber, _key, NamespaceName, _rooms, _except, _flags | BroadcastFlags.Volatile);

    /// <summary>Sets whether the events are compressed.</summary>
    /// <param name="compress">Whether to compress.</param>
    /// <returns>A new emitter.</returns>
    public SocketIORedisEmitter Compress(bool compress) =>
        new(_subscriber, _key, NamespaceName, _rooms, _except, compress ? _flags & ~BroadcastFlags.NoCompress : _flags | BroadcastFlags.NoCompress);

    ISocketIOBroadcaster ISocketIOBroadcaster.To(string room) => To(room);

    ISocketIOBroadcaster ISocketIOBroadcaster.Except(string room) => Except(room);

    ISocketIOBroadcaster ISocketIOBroadcaster.Volatile => Volatile;

    ISocketIOBroadcaster ISocketIOBroadcaster.Local => throw new NotSupportedException("An emitter is not a server: it has no local sockets. Send to the cluster.");

    ISocketIOBroadcaster ISocketIOBroadcaster.Compress(bool compress) => Compress(compress);

    ISocketIOBroadcaster ISocketIOBroadcaster.Timeout(TimeSpan timeout) => throw AcksNotSupported();

    /// <summary>Sends an event to the chosen sockets of the cluster.</summary>
    /// <param name="eventName">The event name (not one socket.io reserves).</param>
    /// <param name="args">Plain values, byte arrays, JSON elements or nodes, <c>SocketIOJsonValue</c>s.</param>
    /// <returns>A task that completes when Redis took the message.</returns>
    /// <exception cref="RedisException">Redis could not be reached.</exception>
    public ValueTask EmitAsync(string eventName, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(args);
        return BroadcastAsync(Encode(eventName, args));
    }

    /// <inheritdoc/>
    public async ValueTask BroadcastAsync(EncodedPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        byte[] message;
        try
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            var w = new SocketIOMsgPackWriter(buffer);
            w.WriteArrayHeader(3);
            w.WriteString(Uid);
            SocketIOClusterPacket.Write(ref w, packet, NamespaceName);

            // As the Node emitter writes them: rooms, flags, except; only the flags that are set.
            w.WriteMapHeader(3);
            w.WriteString("rooms"u8);
            WriteStrings(ref w, _rooms);
            w.WriteString("flags"u8);
            SocketIOClusterWire.WriteFlags(ref w, _flags, timeout: null);

            w.WriteString("except"u8);
            WriteStrings(ref w, _except);
            message = buffer.WrittenSpan.ToArray();
        }
        finally
        {
            packet.Release();
        }

        string channel = _key + "#" + NamespaceName + "#";
        if (SocketIORedisAdapter.SingleRoom(_rooms) is { } room)
        {
            channel += room + "#";
        }

        await _subscriber.PublishAsync(RedisChannel.Literal(channel), message).ConfigureAwait(false);
    }

    /// <summary>Makes the chosen sockets join rooms, on every server.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A task that completes when Redis took the request.</returns>
    public Task SocketsJoinAsync(params string[] rooms) => RoomsRequestAsync(2, rooms);

    /// <summary>Makes the chosen sockets leave rooms, on every server.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A task that completes when Redis took the request.</returns>
    public Task SocketsLeaveAsync(params string[] rooms) => RoomsRequestAsync(3, rooms);

    /// <summary>Disconnects the chosen sockets, on every server.</summary>
    /// <param name="close">Whether to close their whole connection.</param>
    /// <returns>A task that completes when Redis took the request.</returns>
    public Task DisconnectSocketsAsync(bool close = false) => RequestAsync(w =>
    {
        w.WriteNumber("type"u8, 4);
        WriteOptions(w);
        w.WriteBoolean("close"u8, close);
    });

    /// <summary>Sends an event to the namespace's server-side handlers on every server (<c>OnServerSideEvent</c>).</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>A task that completes when Redis took the request.</returns>
    public Task ServerSideEmitAsync(string eventName, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(args);
        EncodedPacket packet = Encode(eventName, args);
        try
        {
            return RequestAsync(w =>
            {
                w.WriteString("uid"u8, Uid);
                w.WriteNumber("type"u8, 6);
                w.WritePropertyName("data"u8);
                SocketIORedisAdapter.WriteEventData(w, packet);
            });
        }
        finally
        {
            packet.Release();
        }
    }

    long ISocketIOBroadcaster.NextAckId() => throw AcksNotSupported();

    Task<SocketIOBroadcastAckResult> ISocketIOBroadcaster.BroadcastWithAckAsync(EncodedPacket packet, long ackId, CancellationToken cancellationToken)
    {
        packet?.Release();
        throw AcksNotSupported();
    }

    // An EVENT packet of this namespace, its name checked (an emitter cannot send socket.io's reserved events).
    private EncodedPacket Encode(string eventName, object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        return SocketIOEventEncoder.Encode(eventName, args, NamespaceName, ackId: -1);
    }

    private Task RoomsRequestAsync(int type, string[] rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        return RequestAsync(w =>
        {
            w.WriteNumber("type"u8, type);
            WriteOptions(w);
            w.WriteStartArray("rooms"u8);
            foreach (string room in rooms)
            {
                w.WriteStringValue(room);
            }

            w.WriteEndArray();
        });
    }

    private void WriteOptions(Utf8JsonWriter w)
    {
        w.WriteStartObject("opts"u8);
        w.WriteStartArray("rooms"u8);
        foreach (string room in _rooms)
        {
            w.WriteStringValue(room);
        }

        w.WriteEndArray();
        w.WriteStartArray("except"u8);
        foreach (string room in _except)
        {
            w.WriteStringValue(room);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private async Task RequestAsync(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_json))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        await _subscriber.PublishAsync(RedisChannel.Literal(_key + "-request#" + NamespaceName + "#"), buffer.WrittenSpan.ToArray()).ConfigureAwait(false);
    }

    private static void WriteStrings(ref SocketIOMsgPackWriter w, string[] values)
    {
        w.WriteArrayHeader(values.Length);
        foreach (string value in values)
        {
            w.WriteString(value);
        }
    }

    private static NotSupportedException AcksNotSupported() =>
        new("An emitter cannot wait for acknowledgements (it is not a server, as with Node's emitters): emit without an answer, or ask through a server.");
}
