using SocketIO.Typed.EngineIO.Protocol;

namespace SocketIO.Typed.AspNetCore.SocketIO;

/// <summary>Flags of a broadcast (socket.io's <c>BroadcastFlags</c>).</summary>
[Flags]
public enum BroadcastFlags
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>Drop the packet for a client whose transport is not ready, instead of queueing it.</summary>
    Volatile = 1,

    /// <summary>Only this server, not the whole cluster.</summary>
    Local = 2,

    /// <summary>Do not compress the packet (WebSocket permessage-deflate).</summary>
    NoCompress = 4,
}

/// <summary>Who a broadcast goes to.</summary>
/// <param name="Rooms">The rooms to reach; empty means every socket of the namespace.</param>
/// <param name="Except">Rooms whose members are left out (a socket id is a room too).</param>
/// <param name="Flags">The flags.</param>
public readonly record struct BroadcastOptions(IReadOnlyCollection<string> Rooms, IReadOnlyCollection<string> Except, BroadcastFlags Flags);

/// <summary>What connection state recovery keeps of a socket that lost its connection.</summary>
/// <param name="SocketId">The socket id, given back to the recovered socket.</param>
/// <param name="PrivateId">The private session id (<c>pid</c>) only this client knows.</param>
/// <param name="Rooms">The rooms the socket was in, its own id included.</param>
/// <param name="Data">The socket's <see cref="SocketIOSocket.Data"/>.</param>
public sealed record SocketIOSessionState(string SocketId, string PrivateId, IReadOnlyCollection<string> Rooms, IDictionary<string, object?> Data);

/// <summary>Receives the acknowledgements of a broadcast with ack (socket.io's client-count and ack callbacks).</summary>
public interface IBroadcastAckCollector
{
    /// <summary>
    /// One server reports how many of its sockets the packet was sent to: called once per server that received the
    /// broadcast (the local one included), so the broadcast is complete when every server reported and every
    /// expected answer arrived.
    /// </summary>
    /// <param name="count">That server's recipient count.</param>
    void AddExpected(int count);

    /// <summary>One socket's acknowledgement (its arguments own their memory).</summary>
    /// <param name="socketId">The socket that answered, when known (a remote answer may come without it).</param>
    /// <param name="arguments">The ack arguments.</param>
    void OnAck(string? socketId, global::SocketIO.Typed.SocketIO.SocketIOArguments arguments);
}

/// <summary>
/// Keeps the rooms of one namespace and delivers broadcasts (socket.io's <c>Adapter</c>). The default keeps
/// everything in memory; a cluster adapter also forwards broadcasts and requests to other servers.
/// </summary>
/// <remarks>Room membership of local sockets is always local state, so these methods are synchronous.</remarks>
public abstract class SocketIOAdapter
{
    /// <summary>Creates an adapter for <paramref name="namespace"/>.</summary>
    /// <param name="namespace">The namespace.</param>
    protected SocketIOAdapter(SocketIONamespace @namespace)
    {
        Namespace = @namespace;
    }

    /// <summary>The namespace.</summary>
    public SocketIONamespace Namespace { get; }

    /// <summary>Adds a socket to rooms.</summary>
    /// <param name="socketId">The socket id.</param>
    /// <param name="rooms">The rooms.</param>
    public abstract void AddAll(string socketId, IEnumerable<string> rooms);

    /// <summary>Removes a socket from one room.</summary>
    /// <param name="socketId">The socket id.</param>
    /// <param name="room">The room.</param>
    public abstract void Delete(string socketId, string room);

    /// <summary>Removes a socket from every room.</summary>
    /// <param name="socketId">The socket id.</param>
    public abstract void DeleteAll(string socketId);

    /// <summary>The rooms a socket is in (a copy).</summary>
    /// <param name="socketId">The socket id.</param>
    /// <returns>The rooms, empty when the socket is unknown.</returns>
    public abstract IReadOnlyCollection<string> GetRooms(string socketId);

    /// <summary>Sends an encoded packet to every socket matching <paramref name="options"/>.</summary>
    /// <param name="packet">The packet, encoded once; this call takes over the caller's reference (each recipient gets one of its own).</param>
    /// <param name="options">Who it goes to.</param>
    /// <returns>A task that completes when the packet is queued (locally) and published (cluster).</returns>
    public abstract ValueTask BroadcastAsync(EncodedPacket packet, BroadcastOptions options);

    /// <summary>
    /// Sends a packet that asks for acknowledgements to every matching socket (socket.io's <c>broadcastWithAck</c>).
    /// Every socket that receives it answers under <paramref name="ackId"/>; a cluster adapter forwards the packet,
    /// and each other server reports its recipient count and its answers to the same collector.
    /// </summary>
    /// <param name="packet">The packet, written with <paramref name="ackId"/>; this call takes over the caller's reference.</param>
    /// <param name="ackId">The ack id the packet carries (from <see cref="SocketIONamespace.NextAckId"/>).</param>
    /// <param name="options">Who it goes to.</param>
    /// <param name="collector">Receives each server's recipient count and each answer.</param>
    /// <returns>A task that completes when the packet is sent.</returns>
    public abstract ValueTask BroadcastWithAckAsync(EncodedPacket packet, long ackId, BroadcastOptions options, IBroadcastAckCollector collector);

    /// <summary>
    /// How many servers share this namespace (socket.io's <c>serverCount</c>): a broadcast with acks waits for a
    /// recipient count from each. The in-memory adapter has no peers: 1.
    /// </summary>
    /// <param name="cancellationToken">Cancels a cluster request.</param>
    /// <returns>The count, this server included.</returns>
    public virtual ValueTask<int> GetServerCountAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(1);

    /// <summary>The sockets matching <paramref name="options"/> (socket.io's <c>fetchSockets</c>).</summary>
    /// <param name="options">Which sockets.</param>
    /// <param name="cancellationToken">Cancels a cluster request.</param>
    /// <returns>The sockets.</returns>
    public abstract ValueTask<IReadOnlyList<SocketIOSocket>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default);

    /// <summary>Makes the matching sockets join rooms.</summary>
    /// <param name="options">Which sockets.</param>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A task that completes when done.</returns>
    public abstract ValueTask AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms);

    /// <summary>Makes the matching sockets leave rooms.</summary>
    /// <param name="options">Which sockets.</param>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A task that completes when done.</returns>
    public abstract ValueTask DeleteSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms);

    /// <summary>Disconnects the matching sockets.</summary>
    /// <param name="options">Which sockets.</param>
    /// <param name="close">Whether to close their whole connection too.</param>
    /// <returns>A task that completes when done.</returns>
    public abstract ValueTask DisconnectSocketsAsync(BroadcastOptions options, bool close);

    /// <summary>The socket ids in the given rooms (all sockets when empty).</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>The ids.</returns>
    public abstract IReadOnlyCollection<string> GetSockets(IReadOnlyCollection<string> rooms);

    /// <summary>The names of all rooms that have members.</summary>
    public abstract IReadOnlyCollection<string> Rooms { get; }

    /// <summary>
    /// Keeps the state of a socket that lost its connection, for connection state recovery (called only when
    /// <see cref="SocketIOServerOptions.ConnectionStateRecovery"/> is set). The default keeps nothing.
    /// </summary>
    /// <param name="session">The socket's id, private id, rooms and data.</param>
    public virtual void PersistSession(SocketIOSessionState session)
    {
    }

    /// <summary>
    /// Restores a session kept by <see cref="PersistSession"/>: finds it by private id, calls
    /// <paramref name="attach"/> (which recreates the socket with its id, rooms and data) so that no broadcast
    /// falls between the missed packets and the live ones, and returns the packets the socket missed since
    /// <paramref name="offset"/>. The default recovers nothing.
    /// </summary>
    /// <param name="privateId">The private id the client sent (<c>pid</c>).</param>
    /// <param name="offset">The offset of the last packet the client processed.</param>
    /// <param name="attach">Recreates the socket; it must be called at most once.</param>
    /// <returns>
    /// The missed packets in order, each holding one reference the caller releases; <see langword="null"/> when
    /// the session is unknown, expired, or the offset is too old to replay (then <paramref name="attach"/> was not called).
    /// </returns>
    public virtual ValueTask<IReadOnlyList<EncodedPacket>?> RestoreSessionAsync(string privateId, string offset, Action<SocketIOSessionState> attach) =>
        ValueTask.FromResult<IReadOnlyList<EncodedPacket>?>(null);
}
