using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Adapters;

/// <summary>
/// The default adapter: rooms in memory (<see cref="SocketIORoomIndex"/>), broadcasts to the sockets of this process,
/// and, when connection state recovery is on, the recovery store (<see cref="SocketIORecoveryLog"/>).
/// </summary>
public class InMemoryAdapter : SocketIOAdapter
{
    private readonly object _gate = new();
    private readonly SocketIORoomIndex _index = new();
    private readonly SocketIORecoveryLog? _recovery;

    /// <summary>Creates the adapter.</summary>
    /// <param name="host">The namespace.</param>
    public InMemoryAdapter(ISocketIOAdapterHost host)
        : this(host, keepRecoveryLog: true)
    {
    }

    /// <summary>Creates the adapter, with or without the in-memory recovery store.</summary>
    /// <param name="host">The namespace.</param>
    /// <param name="keepRecoveryLog">
    /// Whether to keep the in-memory recovery store when connection state recovery is on; a cluster adapter whose
    /// broker keeps sessions and packets for every server (Redis Streams) passes <see langword="false"/>.
    /// </param>
    protected InMemoryAdapter(ISocketIOAdapterHost host, bool keepRecoveryLog)
        : base(host)
    {
        if (keepRecoveryLog && host.ConnectionStateRecovery is { } recovery)
        {
            _recovery = new SocketIORecoveryLog(recovery, host.TimeProvider);
        }
    }

    /// <summary>The number of packets kept for connection state recovery.</summary>
    public int RecoveryPacketCount
    {
        get
        {
            lock (_gate)
            {
                return _recovery?.PacketCount ?? 0;
            }
        }
    }

    /// <summary>The number of disconnected sessions kept for connection state recovery.</summary>
    public int RecoverySessionCount
    {
        get
        {
            lock (_gate)
            {
                return _recovery?.SessionCount ?? 0;
            }
        }
    }

    /// <summary>The lock that guards the room index (and the recovery store); derived cluster adapters take it too.</summary>
    protected object Gate => _gate;

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> Rooms
    {
        get
        {
            lock (_gate)
            {
                return _index.Rooms;
            }
        }
    }

    /// <inheritdoc/>
    public override void AddAll(string socketId, IEnumerable<string> rooms)
    {
        List<string>? joined = ObservesRooms ? [] : null;
        lock (_gate)
        {
            _index.AddAll(socketId, rooms, joined);
        }

        if (joined is not null)
        {
            foreach (string room in joined)
            {
                OnRoomJoined(room, socketId);
            }
        }
    }

    /// <inheritdoc/>
    public override void Delete(string socketId, string room)
    {
        bool left;
        lock (_gate)
        {
            left = _index.Delete(socketId, room);
        }

        if (left)
        {
            OnRoomLeft(room, socketId);
        }
    }

    /// <inheritdoc/>
    public override void DeleteAll(string socketId)
    {
        List<string>? left = ObservesRooms ? [] : null;
        lock (_gate)
        {
            _index.DeleteAll(socketId, left);
        }

        if (left is not null)
        {
            foreach (string room in left)
            {
                OnRoomLeft(room, socketId);
            }
        }
    }

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> GetRooms(string socketId)
    {
        lock (_gate)
        {
            return _index.GetRooms(socketId);
        }
    }

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> GetSockets(IReadOnlyCollection<string> rooms)
    {
        lock (_gate)
        {
            return _index.GetTargets(new BroadcastOptions(rooms, [], BroadcastFlags.None));
        }
    }

    /// <inheritdoc/>
    public override ValueTask BroadcastAsync(EncodedPacket packet, BroadcastOptions options)
    {
        ArgumentNullException.ThrowIfNull(packet);
        try
        {
            lock (_gate)
            {
                if (_recovery is not null && SocketIORecoveryLog.ShouldStore(packet, options))
                {
                    // Recipients get the stored copy (with its offset); the log keeps its own reference.
                    EncodedPacket stored = _recovery.Append(packet, options);
                    packet.Release();
                    packet = stored;
                }

                // The packet was encoded once; each recipient's queue takes a reference to the same bytes.
                _index.ForEachTarget(options, (Host, Packet: packet, options.Flags), static (state, sid) =>
                {
                    if (state.Host.TryGetLocalSocket(sid, out ISocketIOLocalSocket? socket))
                    {
                        state.Packet.AddRef();
                        socket.Deliver(state.Packet, state.Flags);
                    }
                });
            }
        }
        finally
        {
            packet.Release();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override ValueTask BroadcastWithAckAsync(EncodedPacket packet, long ackId, BroadcastOptions options, IBroadcastAckCollector collector)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(collector);
        try
        {
            List<ISocketIOLocalSocket> targets = LocalSockets(options);
            collector.AddExpected(targets.Count);
            foreach (ISocketIOLocalSocket socket in targets)
            {
                socket.RegisterBroadcastAck(ackId, collector);
                packet.AddRef();
                socket.Deliver(packet, options.Flags);
            }
        }
        finally
        {
            packet.Release();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override ValueTask<IReadOnlyList<SocketIORemoteSocket>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default)
    {
        List<ISocketIOLocalSocket> sockets = LocalSockets(options);
        var result = new SocketIORemoteSocket[sockets.Count];
        for (int i = 0; i < sockets.Count; i++)
        {
            result[i] = sockets[i].Describe();
        }

        return ValueTask.FromResult<IReadOnlyList<SocketIORemoteSocket>>(result);
    }

    /// <inheritdoc/>
    public override ValueTask AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        foreach (ISocketIOLocalSocket socket in LocalSockets(options))
        {
            socket.Join(rooms);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override ValueTask DeleteSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        foreach (ISocketIOLocalSocket socket in LocalSockets(options))
        {
            foreach (string room in rooms)
            {
                socket.Leave(room);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override ValueTask DisconnectSocketsAsync(BroadcastOptions options, bool close)
    {
        foreach (ISocketIOLocalSocket socket in LocalSockets(options))
        {
            socket.Disconnect(close);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override ValueTask PersistSessionAsync(SocketIOSessionState session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (_recovery is not null)
        {
            lock (_gate)
            {
                _recovery.Persist(session);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override ValueTask<IReadOnlyList<EncodedPacket>?> RestoreSessionAsync(string privateId, string offset, Action<SocketIOSessionState> attach)
    {
        ArgumentNullException.ThrowIfNull(attach);
        if (_recovery is null)
        {
            return ValueTask.FromResult<IReadOnlyList<EncodedPacket>?>(null);
        }

        lock (_gate)
        {
            if (!_recovery.TryRestore(privateId, offset, out SocketIOSessionState? state, out List<EncodedPacket>? missed))
            {
                return ValueTask.FromResult<IReadOnlyList<EncodedPacket>?>(null);
            }

            try
            {
                // Under the lock: every later broadcast already sees the recreated socket in its rooms.
                attach(state);
            }
            catch
            {
                foreach (EncodedPacket packet in missed)
                {
                    packet.Release();
                }

                throw;
            }

            return ValueTask.FromResult<IReadOnlyList<EncodedPacket>?>(missed);
        }
    }

    /// <summary>The local sockets matching <paramref name="options"/>.</summary>
    /// <param name="options">Which sockets.</param>
    /// <returns>The sockets.</returns>
    protected List<ISocketIOLocalSocket> LocalSockets(BroadcastOptions options)
    {
        var targets = new List<ISocketIOLocalSocket>();
        lock (_gate)
        {
            _index.ForEachTarget(options, (Host, Targets: targets), static (state, sid) =>
            {
                if (state.Host.TryGetLocalSocket(sid, out ISocketIOLocalSocket? socket))
                {
                    state.Targets.Add(socket);
                }
            });
        }

        return targets;
    }
}
