using System.Diagnostics;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Server;

/// <summary>
/// An immutable description of a broadcast (socket.io's <c>BroadcastOperator</c>): each operator returns a new
/// one, so <c>io.To("a").Except("b").EmitAsync(…)</c> reads like the JavaScript.
/// </summary>
public sealed class BroadcastOperator : ISocketIOBroadcaster
{
    private readonly string[] _rooms;
    private readonly string[] _except;
    private readonly BroadcastFlags _flags;
    private readonly TimeSpan? _timeout;

    internal BroadcastOperator(SocketIONamespace @namespace)
        : this(@namespace, [], [], BroadcastFlags.None, null)
    {
    }

    private BroadcastOperator(SocketIONamespace @namespace, string[] rooms, string[] except, BroadcastFlags flags, TimeSpan? timeout)
    {
        Namespace = @namespace;
        _rooms = rooms;
        _except = except;
        _flags = flags;
        _timeout = timeout;
    }

    /// <summary>The namespace.</summary>
    public SocketIONamespace Namespace { get; }

    /// <summary>Who the operator targets: rooms, exceptions and flags (what a cluster message carries).</summary>
    public BroadcastOptions Options => new(_rooms, _except, _flags, _timeout);

    /// <summary>The timeout set with <see cref="Timeout"/>, if any.</summary>
    public TimeSpan? AckTimeout => _timeout;

    /// <summary>Targets a room (added to the rooms already targeted).</summary>
    /// <param name="room">The room.</param>
    /// <returns>A new operator.</returns>
    public BroadcastOperator To(string room)
    {
        ArgumentNullException.ThrowIfNull(room);
        return new(Namespace, [.. _rooms, room], _except, _flags, _timeout);
    }

    /// <summary>Targets several rooms.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A new operator.</returns>
    public BroadcastOperator To(IEnumerable<string> rooms) => new(Namespace, [.. _rooms, .. rooms], _except, _flags, _timeout);

    /// <summary>Same as <see cref="To(string)"/>.</summary>
    /// <param name="room">The room.</param>
    /// <returns>A new operator.</returns>
    public BroadcastOperator In(string room) => To(room);

    /// <summary>Leaves out the members of a room (or one socket, by id).</summary>
    /// <param name="room">The room.</param>
    /// <returns>A new operator.</returns>
    public BroadcastOperator Except(string room)
    {
        ArgumentNullException.ThrowIfNull(room);
        return new(Namespace, _rooms, [.. _except, room], _flags, _timeout);
    }

    /// <summary>Leaves out the members of several rooms.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A new operator.</returns>
    public BroadcastOperator Except(IEnumerable<string> rooms) => new(Namespace, _rooms, [.. _except, .. rooms], _flags, _timeout);

    /// <summary>Drops the event for clients whose transport is busy instead of queueing it.</summary>
    public BroadcastOperator Volatile => new(Namespace, _rooms, _except, _flags | BroadcastFlags.Volatile, _timeout);

    /// <summary>Only the sockets of this server, not the cluster.</summary>
    public BroadcastOperator Local => new(Namespace, _rooms, _except, _flags | BroadcastFlags.Local, _timeout);

    /// <summary>Whether the event may be compressed (permessage-deflate).</summary>
    /// <param name="compress">The choice.</param>
    /// <returns>A new operator.</returns>
    public BroadcastOperator Compress(bool compress) =>
        new(Namespace, _rooms, _except, compress ? _flags & ~BroadcastFlags.NoCompress : _flags | BroadcastFlags.NoCompress, _timeout);

    /// <summary>Sets how long <see cref="EmitWithAckAsync(string, object?[])"/> waits for the answers.</summary>
    /// <param name="timeout">The timeout.</param>
    /// <returns>A new operator.</returns>
    public BroadcastOperator Timeout(TimeSpan timeout) => new(Namespace, _rooms, _except, _flags, timeout);

    /// <summary>Sends an event to every targeted socket; it is encoded once.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values (see <see cref="SocketIOPacketWriter.WriteValue(object?)"/>).</param>
    /// <returns>A task that completes when the event is queued (and published to the cluster).</returns>
    public ValueTask EmitAsync(string eventName, params object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        return BroadcastAsync(SocketIOEventEncoder.Encode(eventName, args, Namespace.Name, -1));
    }

    /// <summary>Sends an event whose arguments are received arguments, unchanged.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="arguments">The arguments.</param>
    /// <returns>A task that completes when the event is queued.</returns>
    public ValueTask EmitAsync(string eventName, SocketIOArguments arguments)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        return BroadcastAsync(SocketIOEventEncoder.Encode(eventName, arguments, Namespace.Name, -1));
    }

    /// <summary>Broadcasts an encoded packet (the seam generated proxies use); takes over the caller's reference.</summary>
    /// <param name="packet">The packet.</param>
    /// <returns>A task that completes when the packet is queued.</returns>
    public ValueTask BroadcastAsync(EncodedPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if ((_flags & BroadcastFlags.NoCompress) != 0)
        {
            packet.SetCompress(false);
        }

        SocketIOMetrics.Add(Namespace.Server.Metrics.Broadcasts, Namespace.Name);
        return Namespace.Adapter.BroadcastAsync(packet, Options);
    }

    /// <summary>
    /// Sends an event to every targeted socket and collects their acknowledgements until all answered or the
    /// timeout set with <see cref="Timeout"/> passed (partial results then).
    /// </summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The answers, each with the socket that gave it, and how many were expected.</returns>
    /// <exception cref="InvalidOperationException">No timeout was set: without one, a broadcast ack could wait forever.</exception>
    public Task<SocketIOBroadcastAckResult> EmitWithAckAsync(string eventName, params object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        RequireTimeout();
        long ackId = Namespace.NextAckId();
        return BroadcastWithAckAsync(SocketIOEventEncoder.Encode(eventName, args, Namespace.Name, ackId), ackId);
    }

    /// <summary>
    /// Broadcasts a packet that asks for acknowledgements (the seam generated broadcast views use): take an id from
    /// <see cref="SocketIONamespace.NextAckId"/>, write the packet with it, and pass both here. Waits as
    /// <see cref="EmitWithAckAsync"/> does.
    /// </summary>
    /// <param name="packet">The packet, written with <paramref name="ackId"/>; this call takes over the caller's reference.</param>
    /// <param name="ackId">The ack id the packet carries.</param>
    /// <param name="cancellationToken">Stops waiting (the answers so far are returned).</param>
    /// <returns>The answers.</returns>
    /// <exception cref="InvalidOperationException">No timeout was set.</exception>
    public async Task<SocketIOBroadcastAckResult> BroadcastWithAckAsync(EncodedPacket packet, long ackId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(packet);
        TimeSpan timeout;
        try
        {
            timeout = RequireTimeout();
        }
        catch
        {
            packet.Release();
            throw;
        }

        if ((_flags & BroadcastFlags.NoCompress) != 0)
        {
            packet.SetCompress(false);
        }

        SocketIOMetrics metrics = Namespace.Server.Metrics;
        SocketIOMetrics.Add(metrics.Broadcasts, Namespace.Name);
        long started = Stopwatch.GetTimestamp();
        var collector = new SocketIOBroadcastAckCollector();
        SocketIOAdapter adapter = Namespace.Adapter;
        // A local broadcast reaches this server only: its own report is the only one.
        bool local = (_flags & BroadcastFlags.Local) != 0;
        ValueTask<int> servers = local ? ValueTask.FromResult(1) : adapter.GetServerCountAsync(cancellationToken);
        await adapter.BroadcastWithAckAsync(packet, ackId, Options, collector).ConfigureAwait(false);
        collector.SetServerCount(await servers.ConfigureAwait(false));
        SocketIOBroadcastAckResult result = await collector.WaitAsync(timeout, Namespace.Server.Options.EngineIO.TimeProvider, cancellationToken).ConfigureAwait(false);
        if (metrics.WantsAckOutcome)
        {
            // One outcome per broadcast: late when any recipient did not answer in time.
            SocketIOAckTelemetry.Record(metrics, Namespace.Name, result.AllResponded ? "answered" : "timeout", Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        return result;
    }

    private TimeSpan RequireTimeout() =>
        _timeout ?? throw new InvalidOperationException("A broadcast with acknowledgement needs a timeout: call Timeout(...) first.");

    /// <summary>
    /// The targeted sockets, on this server or (with a cluster adapter) another (socket.io's <c>fetchSockets</c>): id,
    /// rooms, data and handshake, and emit/join/leave/disconnect through the adapter. A socket of this server also
    /// gives the live <see cref="SocketIOSocket"/> in <see cref="SocketIORemoteSocket.Local"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels a cluster request.</param>
    /// <returns>The sockets.</returns>
    public ValueTask<IReadOnlyList<SocketIORemoteSocket>> FetchSocketsAsync(CancellationToken cancellationToken = default) =>
        Namespace.Adapter.FetchSocketsAsync(Options, cancellationToken);

    /// <summary>Makes the targeted sockets join rooms.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A task that completes when done.</returns>
    public ValueTask SocketsJoinAsync(params string[] rooms) => Namespace.Adapter.AddSocketsAsync(Options, rooms);

    /// <summary>Makes the targeted sockets leave rooms.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A task that completes when done.</returns>
    public ValueTask SocketsLeaveAsync(params string[] rooms) => Namespace.Adapter.DeleteSocketsAsync(Options, rooms);

    /// <summary>Disconnects the targeted sockets.</summary>
    /// <param name="close">Also close their whole connection.</param>
    /// <returns>A task that completes when done.</returns>
    public ValueTask DisconnectSocketsAsync(bool close = false) => Namespace.Adapter.DisconnectSocketsAsync(Options, close);

    /// <inheritdoc/>
    string ISocketIOBroadcaster.NamespaceName => Namespace.Name;

    /// <inheritdoc/>
    ISocketIOBroadcaster ISocketIOBroadcaster.Volatile => Volatile;

    /// <inheritdoc/>
    ISocketIOBroadcaster ISocketIOBroadcaster.Local => Local;

    /// <summary>The next acknowledgement id of the namespace, for <see cref="BroadcastWithAckAsync"/>.</summary>
    /// <returns>The id.</returns>
    public long NextAckId() => Namespace.NextAckId();

    /// <inheritdoc/>
    ISocketIOBroadcaster ISocketIOBroadcaster.To(string room) => To(room);

    /// <inheritdoc/>
    ISocketIOBroadcaster ISocketIOBroadcaster.Except(string room) => Except(room);

    /// <inheritdoc/>
    ISocketIOBroadcaster ISocketIOBroadcaster.Compress(bool compress) => Compress(compress);

    /// <inheritdoc/>
    ISocketIOBroadcaster ISocketIOBroadcaster.Timeout(TimeSpan timeout) => Timeout(timeout);

    /// <inheritdoc/>
    Task<SocketIOBroadcastAckResult> ISocketIOBroadcaster.BroadcastWithAckAsync(EncodedPacket packet, long ackId, CancellationToken cancellationToken) =>
        BroadcastWithAckAsync(packet, ackId, cancellationToken);
}
