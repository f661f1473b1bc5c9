using SocketIO.Typed.EngineIO.Protocol;

namespace SocketIO.Typed.AspNetCore.SocketIO;

/// <summary>The default adapter: rooms in memory, broadcasts to the sockets of this process.</summary>
public class InMemoryAdapter : SocketIOAdapter
{
    private readonly object _gate = new();
    private readonly Dictionary<string, HashSet<string>> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _sids = new(StringComparer.Ordinal);

    /// <summary>Creates the adapter.</summary>
    /// <param name="namespace">The namespace.</param>
    public InMemoryAdapter(SocketIONamespace @namespace)
        : base(@namespace)
    {
    }

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> Rooms
    {
        get
        {
            lock (_gate)
            {
                return [.. _rooms.Keys];
            }
        }
    }

    /// <inheritdoc/>
    public override void AddAll(string socketId, IEnumerable<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        lock (_gate)
        {
            if (!_sids.TryGetValue(socketId, out HashSet<string>? mine))
            {
                mine = new HashSet<string>(StringComparer.Ordinal);
                _sids[socketId] = mine;
            }

            foreach (string room in rooms)
            {
                mine.Add(room);
                if (!_rooms.TryGetValue(room, out HashSet<string>? members))
                {
                    members = new HashSet<string>(StringComparer.Ordinal);
                    _rooms[room] = members;
                }

                members.Add(socketId);
            }
        }
    }

    /// <inheritdoc/>
    public override void Delete(string socketId, string room)
    {
        lock (_gate)
        {
            if (_sids.TryGetValue(socketId, out HashSet<string>? mine))
            {
                mine.Remove(room);
            }

            RemoveMember(room, socketId);
        }
    }

    /// <inheritdoc/>
    public override void DeleteAll(string socketId)
    {
        lock (_gate)
        {
            if (!_sids.Remove(socketId, out HashSet<string>? mine))
            {
                return;
            }

            foreach (string room in mine)
            {
                RemoveMember(room, socketId);
            }
        }
    }

    private void RemoveMember(string room, string socketId)
    {
        if (_rooms.TryGetValue(room, out HashSet<string>? members) && members.Remove(socketId) && members.Count == 0)
        {
            _rooms.Remove(room);
        }
    }

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> GetRooms(string socketId)
    {
        lock (_gate)
        {
            return _sids.TryGetValue(socketId, out HashSet<string>? mine) ? [.. mine] : [];
        }
    }

    /// <inheritdoc/>
    public override IReadOnlyCollection<string> GetSockets(IReadOnlyCollection<string> rooms)
    {
        var result = new List<string>();
        lock (_gate)
        {
            ForEachTarget(new BroadcastOptions(rooms, [], BroadcastFlags.None), result, static (list, sid) => list.Add(sid));
        }

        return result;
    }

    /// <inheritdoc/>
    public override ValueTask BroadcastAsync(EncodedPacket packet, BroadcastOptions options)
    {
        ArgumentNullException.ThrowIfNull(packet);
        lock (_gate)
        {
            // The packet was encoded once; each recipient's queue takes a reference to the same bytes.
            ForEachTarget(options, (Adapter: this, Packet: packet, Options: options), static (state, sid) =>
            {
                if (state.Adapter.Namespace.TryGetSocket(sid, out SocketIOSocket? socket))
                {
                    socket.SendBroadcast(state.Packet, state.Options.Flags);
                }
            });
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override ValueTask BroadcastWithAckAsync(Func<long, EncodedPacket> createPacket, BroadcastOptions options, IBroadcastAckCollector collector)
    {
        ArgumentNullException.ThrowIfNull(createPacket);
        ArgumentNullException.ThrowIfNull(collector);
        long ackId = Namespace.NextAckId();
        EncodedPacket packet = createPacket(ackId);
        try
        {
            var targets = new List<SocketIOSocket>();
            lock (_gate)
            {
                ForEachTarget(options, (Adapter: this, Targets: targets), static (state, sid) =>
                {
                    if (state.Adapter.Namespace.TryGetSocket(sid, out SocketIOSocket? socket))
                    {
                        state.Targets.Add(socket);
                    }
                });
            }

            collector.AddExpected(targets.Count);
            foreach (SocketIOSocket socket in targets)
            {
                socket.RegisterBroadcastAck(ackId, collector);
                socket.SendBroadcast(packet, options.Flags);
            }
        }
        finally
        {
            packet.Release();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override ValueTask<IReadOnlyList<SocketIOSocket>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<SocketIOSocket>>(LocalSockets(options));

    /// <inheritdoc/>
    public override ValueTask AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        foreach (SocketIOSocket socket in LocalSockets(options))
        {
            socket.Join(rooms);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override ValueTask DeleteSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        foreach (SocketIOSocket socket in LocalSockets(options))
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
        foreach (SocketIOSocket socket in LocalSockets(options))
        {
            socket.Disconnect(close);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The local sockets matching <paramref name="options"/>.</summary>
    /// <param name="options">Which sockets.</param>
    /// <returns>The sockets.</returns>
    protected List<SocketIOSocket> LocalSockets(BroadcastOptions options)
    {
        var targets = new List<SocketIOSocket>();
        lock (_gate)
        {
            ForEachTarget(options, (Adapter: this, Targets: targets), static (state, sid) =>
            {
                if (state.Adapter.Namespace.TryGetSocket(sid, out SocketIOSocket? socket))
                {
                    state.Targets.Add(socket);
                }
            });
        }

        return targets;
    }

    // Calls action for each socket id matching the options; the caller holds _gate.
    private void ForEachTarget<TState>(BroadcastOptions options, TState state, Action<TState, string> action)
    {
        HashSet<string>? except = null;
        if (options.Except is { Count: > 0 })
        {
            except = new HashSet<string>(StringComparer.Ordinal);
            foreach (string room in options.Except)
            {
                if (_rooms.TryGetValue(room, out HashSet<string>? members))
                {
                    except.UnionWith(members);
                }
            }
        }

        if (options.Rooms is null || options.Rooms.Count == 0)
        {
            foreach (string sid in _sids.Keys)
            {
                if (except is null || !except.Contains(sid))
                {
                    action(state, sid);
                }
            }

            return;
        }

        if (options.Rooms.Count == 1)
        {
            foreach (string room in options.Rooms)
            {
                if (_rooms.TryGetValue(room, out HashSet<string>? members))
                {
                    foreach (string sid in members)
                    {
                        if (except is null || !except.Contains(sid))
                        {
                            action(state, sid);
                        }
                    }
                }
            }

            return;
        }

        // Several rooms: a socket in more than one of them still gets the packet once.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string room in options.Rooms)
        {
            if (!_rooms.TryGetValue(room, out HashSet<string>? members))
            {
                continue;
            }

            foreach (string sid in members)
            {
                if ((except is null || !except.Contains(sid)) && seen.Add(sid))
                {
                    action(state, sid);
                }
            }
        }
    }
}
