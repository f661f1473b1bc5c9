using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Adapters.Cluster;

/// <summary>Where a <see cref="SocketIOClusterEmitter"/> sends its messages: a broker's channel or stream.</summary>
public interface ISocketIOClusterPublisher
{
    /// <summary>Publishes one message to every server of the cluster.</summary>
    /// <param name="message">The message (uid <c>emitter</c>).</param>
    /// <returns>A task that completes when the broker took it.</returns>
    ValueTask PublishAsync(SocketIOClusterMessage message);
}

/// <summary>
/// Sends to the sockets of a cluster from a process that is not a server (a worker, a job, a console app) in
/// socket.io-adapter's cluster message model, as Node's <c>@socket.io/postgres-emitter</c> and
/// <c>@socket.io/redis-streams-emitter</c> do (with the namespace always written, which Node's servers require): events
/// to a namespace, rooms or socket ids (typed through a contract with <c>As&lt;TClient&gt;()</c>), joining, leaving and
/// disconnecting sockets, server-side events. Immutable: <see cref="To"/>, <see cref="Except"/>, <see cref="Volatile"/>
/// return new emitters. Acknowledgements need a server: an emitter cannot wait for them.
/// </summary>
public sealed class SocketIOClusterEmitter : ISocketIOBroadcaster
{
    /// <summary>The uid every emitter writes (servers with heartbeats do not count it as a server).</summary>
    public const string EmitterUid = "emitter";

    private readonly ISocketIOClusterPublisher _publisher;
    private readonly string[] _rooms;
    private readonly string[] _except;
    private readonly BroadcastFlags _flags;

    /// <summary>Creates an emitter for a namespace.</summary>
    /// <param name="publisher">The transport.</param>
    /// <param name="namespace">The namespace (default <c>/</c>).</param>
    public SocketIOClusterEmitter(ISocketIOClusterPublisher publisher, string @namespace = "/")
        : this(publisher ?? throw new ArgumentNullException(nameof(publisher)), Normalize(@namespace), [], [], BroadcastFlags.None)
    {
    }

    private SocketIOClusterEmitter(ISocketIOClusterPublisher publisher, string @namespace, string[] rooms, string[] except, BroadcastFlags flags)
    {
        _publisher = publisher;
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
    public SocketIOClusterEmitter Of(string @namespace) => new(_publisher, Normalize(@namespace), [], [], BroadcastFlags.None);

    /// <summary>Also the sockets in <paramref name="room"/> (a socket id reaches that socket).</summary>
    /// <param name="room">The room.</param>
    /// <returns>A new emitter.</returns>
    public SocketIOClusterEmitter To(string room)
    {
        ArgumentNullException.ThrowIfNull(room);
        return new(_publisher, NamespaceName, [.. _rooms, room], _except, _flags);
    }

    /// <summary>Same as <see cref="To"/>.</summary>
    /// <param name="room">The room.</param>
    /// <returns>A new emitter.</returns>
    public SocketIOClusterEmitter In(string room) => To(room);

    /// <summary>Not the sockets in <paramref name="room"/>.</summary>
    /// <param name="room">The room or socket id.</param>
    /// <returns>A new emitter.</returns>
    public SocketIOClusterEmitter Except(string room)
    {
        ArgumentNullException.ThrowIfNull(room);
        return new(_publisher, NamespaceName, _rooms, [.. _except, room], _flags);
    }

    /// <summary>Events may be dropped for clients whose transport is busy.</summary>
    public SocketIOClusterEmitter Volatile => new(_publisher, NamespaceName, _rooms, _except, _flags | BroadcastFlags.Volatile);

    /// <summary>Sets whether the events are compressed.</summary>
    /// <param name="compress">Whether to compress.</param>
    /// <returns>A new emitter.</returns>
    public SocketIOClusterEmitter Compress(bool compress) =>
        new(_publisher, NamespaceName, _rooms, _except, compress ? _flags & ~BroadcastFlags.NoCompress : _flags | BroadcastFlags.NoCompress);

    ISocketIOBroadcaster ISocketIOBroadcaster.To(string room) => To(room);

    ISocketIOBroadcaster ISocketIOBroadcaster.Except(string room) => Except(room);

    ISocketIOBroadcaster ISocketIOBroadcaster.Volatile => Volatile;

    ISocketIOBroadcaster ISocketIOBroadcaster.Local => throw new NotSupportedException("An emitter is not a server: it has no local sockets. Send to the cluster.");

    ISocketIOBroadcaster ISocketIOBroadcaster.Compress(bool compress) => Compress(compress);

    ISocketIOBroadcaster ISocketIOBroadcaster.Timeout(TimeSpan timeout) => throw AcksNotSupported();

    /// <summary>Sends an event to the chosen sockets of the cluster.</summary>
    /// <param name="eventName">The event name (not one socket.io reserves).</param>
    /// <param name="args">Plain values, byte arrays, JSON elements or nodes, <c>SocketIOJsonValue</c>s.</param>
    /// <returns>A task that completes when the broker took the message.</returns>
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
        byte[] data;
        try
        {
            // {packet: {type, data, nsp}, opts: {rooms, flags, except}}, as the Node emitters write it.
            data = SocketIOClusterWire.MsgPack(this, (ref SocketIOMsgPackWriter w, SocketIOClusterEmitter self) =>
            {
                w.WriteMapHeader(2);
                w.WriteString("packet"u8);
                SocketIOClusterPacket.Write(ref w, packet, self.NamespaceName);
                w.WriteString("opts"u8);
                w.WriteMapHeader(3);
                w.WriteString("rooms"u8);
                SocketIOClusterWire.WriteStrings(ref w, self._rooms);
                w.WriteString("flags"u8);
                SocketIOClusterWire.WriteFlags(ref w, self._flags, timeout: null);
                w.WriteString("except"u8);
                SocketIOClusterWire.WriteStrings(ref w, self._except);
            });
        }
        finally
        {
            packet.Release();
        }

        await PublishAsync(SocketIOClusterMessageType.Broadcast, data).ConfigureAwait(false);
    }

    /// <summary>Makes the chosen sockets join rooms, on every server.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A task that completes when the broker took the request.</returns>
    public ValueTask SocketsJoinAsync(params string[] rooms) => RoomsAsync(SocketIOClusterMessageType.SocketsJoin, rooms);

    /// <summary>Makes the chosen sockets leave rooms, on every server.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A task that completes when the broker took the request.</returns>
    public ValueTask SocketsLeaveAsync(params string[] rooms) => RoomsAsync(SocketIOClusterMessageType.SocketsLeave, rooms);

    /// <summary>Disconnects the chosen sockets, on every server.</summary>
    /// <param name="close">Whether to close their whole connection.</param>
    /// <returns>A task that completes when the broker took the request.</returns>
    public ValueTask DisconnectSocketsAsync(bool close = false) =>
        PublishAsync(SocketIOClusterMessageType.DisconnectSockets, SocketIOClusterWire.MsgPack((this, close), static (ref SocketIOMsgPackWriter w, (SocketIOClusterEmitter Self, bool Close) s) =>
        {
            w.WriteMapHeader(2);
            w.WriteString("opts"u8);
            s.Self.WriteOptions(ref w);
            w.WriteString("close"u8);
            w.WriteBoolean(s.Close);
        }));

    /// <summary>Sends an event to the namespace's server-side handlers on every server (<c>OnServerSideEvent</c>).</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>A task that completes when the broker took the request.</returns>
    public ValueTask ServerSideEmitAsync(string eventName, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(args);
        EncodedPacket packet = Encode(eventName, args);
        byte[] data;
        try
        {
            data = SocketIOClusterWire.MsgPack(packet, static (ref SocketIOMsgPackWriter w, EncodedPacket p) =>
            {
                w.WriteMapHeader(1);
                w.WriteString("packet"u8);
                SocketIOClusterWire.WriteEventArray(ref w, p);
            });
        }
        finally
        {
            packet.Release();
        }

        return PublishAsync(SocketIOClusterMessageType.ServerSideEmit, data);
    }

    long ISocketIOBroadcaster.NextAckId() => throw AcksNotSupported();

    Task<SocketIOBroadcastAckResult> ISocketIOBroadcaster.BroadcastWithAckAsync(EncodedPacket packet, long ackId, CancellationToken cancellationToken)
    {
        packet?.Release();
        throw AcksNotSupported();
    }

    private ValueTask PublishAsync(SocketIOClusterMessageType type, byte[] data) =>
        _publisher.PublishAsync(new SocketIOClusterMessage(type, EmitterUid, NamespaceName, data));

    private ValueTask RoomsAsync(SocketIOClusterMessageType type, string[] rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        return PublishAsync(type, SocketIOClusterWire.MsgPack((this, rooms), static (ref SocketIOMsgPackWriter w, (SocketIOClusterEmitter Self, string[] Rooms) s) =>
        {
            w.WriteMapHeader(2);
            w.WriteString("opts"u8);
            s.Self.WriteOptions(ref w);
            w.WriteString("rooms"u8);
            SocketIOClusterWire.WriteStrings(ref w, s.Rooms);
        }));
    }

    private void WriteOptions(ref SocketIOMsgPackWriter w)
    {
        w.WriteMapHeader(2);
        w.WriteString("rooms"u8);
        SocketIOClusterWire.WriteStrings(ref w, _rooms);
        w.WriteString("except"u8);
        SocketIOClusterWire.WriteStrings(ref w, _except);
    }

    // An EVENT packet of this namespace, its name checked (an emitter cannot send socket.io's reserved events).
    private EncodedPacket Encode(string eventName, object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        return SocketIOEventEncoder.Encode(eventName, args, NamespaceName, ackId: -1);
    }

    private static string Normalize(string @namespace)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        return @namespace.StartsWith('/') ? @namespace : "/" + @namespace;
    }

    private static NotSupportedException AcksNotSupported() =>
        new("An emitter cannot wait for acknowledgements (it is not a server, as with Node's emitters): emit without an answer, or ask through a server.");
}
