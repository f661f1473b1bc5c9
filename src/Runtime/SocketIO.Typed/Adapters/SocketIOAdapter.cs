using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Adapters;

/// <summary>
/// Keeps the rooms of one namespace and delivers broadcasts (socket.io-adapter's <c>Adapter</c>). The in-memory adapter
/// serves one process; a cluster adapter (Redis, PostgreSQL) also forwards broadcasts and requests to the other
/// servers. An adapter sees its namespace only through <see cref="ISocketIOAdapterHost"/>, so it can live in a
/// package of its own.
/// </summary>
/// <remarks>
/// Every method that receives an <see cref="EncodedPacket"/> takes over the caller's reference. Room membership of
/// local sockets is local state, so the room methods are synchronous.
/// </remarks>
public abstract class SocketIOAdapter : IAsyncDisposable
{
    /// <summary>Creates an adapter for a namespace.</summary>
    /// <param name="host">The namespace.</param>
    protected SocketIOAdapter(ISocketIOAdapterHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        Host = host;
    }

    /// <summary>The namespace this adapter serves.</summary>
    public ISocketIOAdapterHost Host { get; }

    /// <summary>
    /// Raised after a local socket joined a room it was not in (socket.io-adapter's <c>join-room</c>), with the room and
    /// the socket id. Raised by adapters that call <see cref="OnRoomJoined"/> (the built-in ones do), after the change;
    /// a listener must be quick and must not call back into the adapter synchronously (a session restored by connection
    /// state recovery rejoins its rooms while the adapter holds its lock). A listener that throws is logged.
    /// </summary>
    public event Action<string, string>? RoomJoined;

    /// <summary>Raised after a local socket left a room (socket.io-adapter's <c>leave-room</c>), with the room and the socket id.</summary>
    public event Action<string, string>? RoomLeft;

    /// <summary>Whether anything listens to <see cref="RoomJoined"/> or <see cref="RoomLeft"/> (collect the changes only then).</summary>
    protected bool ObservesRooms => RoomJoined is not null || RoomLeft is not null;

    /// <summary>Raises <see cref="RoomJoined"/>; call it outside any lock.</summary>
    /// <param name="room">The room.</param>
    /// <param name="socketId">The socket.</param>
    protected void OnRoomJoined(string room, string socketId) => Raise(RoomJoined, "join-room", room, socketId);

    /// <summary>Raises <see cref="RoomLeft"/>; call it outside any lock.</summary>
    /// <param name="room">The room.</param>
    /// <param name="socketId">The socket.</param>
    protected void OnRoomLeft(string room, string socketId) => Raise(RoomLeft, "leave-room", room, socketId);

    private void Raise(Action<string, string>? listeners, string name, string room, string socketId)
    {
        if (listeners is null)
        {
            return;
        }

        try
        {
            listeners(room, socketId);
        }
#pragma warning disable CA1031 // a listener's failure must not stop the join, the leave or the disconnect
        catch (Exception e)
#pragma warning restore CA1031
        {
            SocketIOLog.RoomListenerFailed(Host.Logger, e, name, Host.Name, room, socketId);
        }
    }

    /// <summary>
    /// Starts the adapter (socket.io-adapter's <c>init</c>): a cluster adapter subscribes to its channels here. Called
    /// once, right after the adapter is created with its namespace (the main namespace's when the server is built);
    /// a failure is logged and the namespace still serves its local sockets.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the adapter is ready.</returns>
    public virtual ValueTask InitAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>Stops the adapter (socket.io-adapter's <c>close</c>); called when the server shuts down.</summary>
    /// <returns>A task that completes when the adapter is stopped.</returns>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

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

    /// <summary>The rooms a local socket is in (a copy).</summary>
    /// <param name="socketId">The socket id.</param>
    /// <returns>The rooms, empty when the socket is unknown.</returns>
    public abstract IReadOnlyCollection<string> GetRooms(string socketId);

    /// <summary>The local socket ids in the given rooms (all local sockets when empty).</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>The ids.</returns>
    public abstract IReadOnlyCollection<string> GetSockets(IReadOnlyCollection<string> rooms);

    /// <summary>The names of all local rooms that have members.</summary>
    public abstract IReadOnlyCollection<string> Rooms { get; }

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
    /// <param name="ackId">The ack id the packet carries (from <see cref="ISocketIOAdapterHost.NextAckId"/>).</param>
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

    /// <summary>The sockets matching <paramref name="options"/>, wherever they are connected (socket.io's <c>fetchSockets</c>).</summary>
    /// <param name="options">Which sockets.</param>
    /// <param name="cancellationToken">Cancels a cluster request.</param>
    /// <returns>The sockets; local ones carry <see cref="SocketIORemoteSocket.Local"/>.</returns>
    public abstract ValueTask<IReadOnlyList<SocketIORemoteSocket>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default);

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

    /// <summary>
    /// Sends an event to the other servers of the cluster (socket.io's <c>serverSideEmit</c>); they deliver it to their
    /// namespace's server-side handlers (<see cref="ISocketIOAdapterHost.OnServerSideEventAsync"/>). The in-memory
    /// adapter has no peers: nothing is sent.
    /// </summary>
    /// <param name="packet">The event, encoded as an EVENT packet of this namespace; this call takes over the reference.</param>
    /// <returns>A task that completes when the event is published.</returns>
    public virtual ValueTask ServerSideEmitAsync(EncodedPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        packet.Release();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Sends an event to the other servers and collects one answer from each: every other server reports one expected
    /// answer (<see cref="IBroadcastAckCollector.AddExpected"/> with 1) and its answer. The caller sets the number of
    /// servers to wait for (the server count minus this one). The in-memory adapter has no peers: nothing is sent.
    /// </summary>
    /// <param name="packet">The event, encoded as an EVENT packet of this namespace; this call takes over the reference.</param>
    /// <param name="collector">Receives the answers.</param>
    /// <returns>A task that completes when the event is published.</returns>
    public virtual ValueTask ServerSideEmitWithAckAsync(EncodedPacket packet, IBroadcastAckCollector collector)
    {
        ArgumentNullException.ThrowIfNull(packet);
        packet.Release();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Keeps the state of a socket that lost its connection, for connection state recovery (called only when recovery
    /// is on). The default keeps nothing.
    /// </summary>
    /// <param name="session">The socket's id, private id, rooms and data.</param>
    /// <returns>A task that completes when the session is stored.</returns>
    public virtual ValueTask PersistSessionAsync(SocketIOSessionState session) => ValueTask.CompletedTask;

    /// <summary>
    /// Restores a session kept by <see cref="PersistSessionAsync"/>: finds it by private id, calls
    /// <paramref name="attach"/> (which recreates the socket with its id, rooms and data) so that no broadcast falls
    /// between the missed packets and the live ones, and returns the packets the socket missed since
    /// <paramref name="offset"/>. The default recovers nothing.
    /// </summary>
    /// <param name="privateId">The private id the client sent (<c>pid</c>).</param>
    /// <param name="offset">The offset of the last packet the client processed, as the store gave it.</param>
    /// <param name="attach">Recreates the socket; it must be called at most once.</param>
    /// <returns>
    /// The missed packets in order, each holding one reference the caller takes over; <see langword="null"/> when the
    /// session is unknown, expired, or the offset is too old to replay (then <paramref name="attach"/> was not called).
    /// </returns>
    public virtual ValueTask<IReadOnlyList<EncodedPacket>?> RestoreSessionAsync(string privateId, string offset, Action<SocketIOSessionState> attach) =>
        ValueTask.FromResult<IReadOnlyList<EncodedPacket>?>(null);
}
