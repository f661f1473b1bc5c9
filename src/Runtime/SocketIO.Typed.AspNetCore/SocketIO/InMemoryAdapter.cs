using System.Globalization;
using SocketIO.Typed.EngineIO.Protocol;
using SocketIO.Typed.SocketIO.Protocol;

namespace SocketIO.Typed.AspNetCore.SocketIO;

/// <summary>
/// The default adapter: rooms in memory, broadcasts to the sockets of this process. When connection state
/// recovery is on, it also keeps every non-volatile event without ack for
/// <see cref="ConnectionStateRecoveryOptions.MaxDisconnectionDuration"/> (tagged with an offset as last
/// argument, as socket.io's <c>SessionAwareAdapter</c>) and the sessions of disconnected sockets.
/// </summary>
public class InMemoryAdapter : SocketIOAdapter
{
    private readonly object _gate = new();
    private readonly Dictionary<string, HashSet<string>> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _sids = new(StringComparer.Ordinal);

    // Connection state recovery: the packet history (contiguous sequence numbers from _firstSeq, starting at
    // index _head) and the sessions of disconnected sockets by private id.
    private readonly ConnectionStateRecoveryOptions? _recovery;
    private readonly TimeProvider _time;
    private readonly string _offsetPrefix;
    private readonly List<StoredPacket> _history = [];
    private readonly Dictionary<string, (SocketIOSessionState State, DateTimeOffset DisconnectedAt)> _sessions = new(StringComparer.Ordinal);
    private int _head;
    private long _firstSeq;

    // Scratch collections of ForEachTarget, used under _gate.
    private readonly List<HashSet<string>> _excludedScratch = [];
    private readonly HashSet<string> _seenScratch = new(StringComparer.Ordinal);
    private int _targetDepth;

    /// <summary>Creates the adapter.</summary>
    /// <param name="namespace">The namespace.</param>
    public InMemoryAdapter(SocketIONamespace @namespace)
        : base(@namespace)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        _recovery = @namespace.Server.Options.ConnectionStateRecovery;
        _time = @namespace.Server.Options.EngineIO.TimeProvider;

        // Offsets are unique per adapter instance, so an offset from an earlier process is never mistaken for one of ours.
        _offsetPrefix = Ids.New()[..8].Replace('_', 'x').Replace('-', 'y') + "-";
    }

    /// <summary>The number of packets kept for connection state recovery.</summary>
    public int RecoveryPacketCount
    {
        get
        {
            lock (_gate)
            {
                return _history.Count - _head;
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
                return _sessions.Count;
            }
        }
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
        try
        {
            lock (_gate)
            {
                if (_recovery is not null && (options.Flags & BroadcastFlags.Volatile) == 0 && SocketIOPacketEditor.IsEventWithoutAck(packet.Text.Span))
                {
                    // Recipients get the stored copy (with its offset); the history holds the copy's own reference.
                    EncodedPacket stored = Store(packet, options);
                    packet.Release();
                    packet = stored;
                    packet.AddRef();
                }

                // The packet was encoded once; each recipient's queue takes a reference to the same bytes.
                ForEachTarget(options, (Adapter: this, Packet: packet, Options: options), static (state, sid) =>
                {
                    if (state.Adapter.Namespace.TryGetSocket(sid, out SocketIOSocket? socket))
                    {
                        state.Packet.AddRef();
                        socket.Deliver(state.Packet, state.Options.Flags);
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

    // Keeps a copy of the packet tagged with its offset; the history holds the copy's reference. Caller holds _gate.
    private EncodedPacket Store(EncodedPacket packet, BroadcastOptions options)
    {
        DateTimeOffset now = _time.GetUtcNow();
        Prune(now);
        long seq = _firstSeq + (_history.Count - _head);
        EncodedPacket stored = SocketIOPacketEditor.AppendStringArgument(packet, _offsetPrefix + seq.ToString("x", CultureInfo.InvariantCulture));
        _history.Add(new StoredPacket(stored, options.Rooms ?? [], options.Except ?? [], now));
        return stored;
    }

    // Drops the packets and sessions older than the recovery window. Caller holds _gate.
    private void Prune(DateTimeOffset now)
    {
        DateTimeOffset threshold = now - _recovery!.MaxDisconnectionDuration;
        while (_head < _history.Count && _history[_head].EmittedAt < threshold)
        {
            _history[_head].Packet.Release();
            _history[_head] = default;
            _head++;
            _firstSeq++;
        }

        if (_head > 1024 && _head > _history.Count / 2)
        {
            _history.RemoveRange(0, _head);
            _head = 0;
        }

        if (_sessions.Count > 0)
        {
            List<string>? expired = null;
            foreach (KeyValuePair<string, (SocketIOSessionState State, DateTimeOffset DisconnectedAt)> pair in _sessions)
            {
                if (pair.Value.DisconnectedAt < threshold)
                {
                    (expired ??= []).Add(pair.Key);
                }
            }

            if (expired is not null)
            {
                foreach (string pid in expired)
                {
                    _sessions.Remove(pid);
                }
            }
        }
    }

    /// <inheritdoc/>
    public override void PersistSession(SocketIOSessionState session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (_recovery is null)
        {
            return;
        }

        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            Prune(now);
            _sessions[session.PrivateId] = (session, now);
        }
    }

    /// <inheritdoc/>
    public override ValueTask<IReadOnlyList<EncodedPacket>?> RestoreSessionAsync(string privateId, string offset, Action<SocketIOSessionState> attach)
    {
        ArgumentNullException.ThrowIfNull(privateId);
        ArgumentNullException.ThrowIfNull(offset);
        ArgumentNullException.ThrowIfNull(attach);
        if (_recovery is null)
        {
            return ValueTask.FromResult<IReadOnlyList<EncodedPacket>?>(null);
        }

        lock (_gate)
        {
            Prune(_time.GetUtcNow());
            if (!_sessions.TryGetValue(privateId, out (SocketIOSessionState State, DateTimeOffset DisconnectedAt) entry) ||
                !TryParseOffset(offset, out long seq) || seq < _firstSeq || seq >= _firstSeq + (_history.Count - _head))
            {
                // Unknown or expired session, or an offset from elsewhere or too old to replay from.
                return ValueTask.FromResult<IReadOnlyList<EncodedPacket>?>(null);
            }

            _sessions.Remove(privateId);
            var missed = new List<EncodedPacket>();
            for (int i = _head + (int)(seq - _firstSeq) + 1; i < _history.Count; i++)
            {
                StoredPacket stored = _history[i];
                if (ShouldInclude(entry.State.Rooms, stored))
                {
                    stored.Packet.AddRef();
                    missed.Add(stored.Packet);
                }
            }

            try
            {
                // Under the lock: every later broadcast already sees the recreated socket in its rooms.
                attach(entry.State);
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

    private bool TryParseOffset(string offset, out long seq)
    {
        seq = 0;
        return offset.StartsWith(_offsetPrefix, StringComparison.Ordinal) &&
            long.TryParse(offset.AsSpan(_offsetPrefix.Length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out seq);
    }

    private static bool ShouldInclude(IReadOnlyCollection<string> sessionRooms, StoredPacket packet)
    {
        bool included = packet.Rooms.Count == 0;
        foreach (string room in sessionRooms)
        {
            if (packet.Except.Contains(room, StringComparer.Ordinal))
            {
                return false;
            }

            included |= packet.Rooms.Contains(room, StringComparer.Ordinal);
        }

        return included;
    }

    /// <inheritdoc/>
    public override ValueTask BroadcastWithAckAsync(EncodedPacket packet, long ackId, BroadcastOptions options, IBroadcastAckCollector collector)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(collector);
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

    // Calls action for each socket id matching the options; the caller holds _gate. Steady state allocates
    // nothing: the excluded rooms' member sets and the "seen" set of a several-room broadcast are reused
    // (fresh ones only if an action re-enters this adapter).
    private void ForEachTarget<TState>(BroadcastOptions options, TState state, Action<TState, string> action)
    {
        bool reentered = _targetDepth++ > 0;
        List<HashSet<string>> excluded = reentered ? [] : _excludedScratch;
        try
        {
            IReadOnlyCollection<string>? except = options.Except;
            if (except is { Count: > 0 })
            {
                if (except is string[] exceptArray)
                {
                    foreach (string room in exceptArray)
                    {
                        AddExcluded(excluded, room);
                    }
                }
                else
                {
                    foreach (string room in except)
                    {
                        AddExcluded(excluded, room);
                    }
                }
            }

            IReadOnlyCollection<string>? rooms = options.Rooms;
            if (rooms is null || rooms.Count == 0)
            {
                foreach (string sid in _sids.Keys)
                {
                    if (!IsExcluded(excluded, sid))
                    {
                        action(state, sid);
                    }
                }

                return;
            }

            if (rooms.Count == 1)
            {
                string room = rooms is string[] single ? single[0] : rooms.First();
                if (_rooms.TryGetValue(room, out HashSet<string>? members))
                {
                    foreach (string sid in members)
                    {
                        if (!IsExcluded(excluded, sid))
                        {
                            action(state, sid);
                        }
                    }
                }

                return;
            }

            // Several rooms: a socket in more than one of them still gets the packet once.
            HashSet<string> seen = reentered ? new HashSet<string>(StringComparer.Ordinal) : _seenScratch;
            try
            {
                if (rooms is string[] roomArray)
                {
                    foreach (string room in roomArray)
                    {
                        VisitOnce(room, seen, excluded, state, action);
                    }
                }
                else
                {
                    foreach (string room in rooms)
                    {
                        VisitOnce(room, seen, excluded, state, action);
                    }
                }
            }
            finally
            {
                seen.Clear();
            }
        }
        finally
        {
            excluded.Clear();
            _targetDepth--;
        }
    }

    private void VisitOnce<TState>(string room, HashSet<string> seen, List<HashSet<string>> excluded, TState state, Action<TState, string> action)
    {
        if (!_rooms.TryGetValue(room, out HashSet<string>? members))
        {
            return;
        }

        foreach (string sid in members)
        {
            if (!IsExcluded(excluded, sid) && seen.Add(sid))
            {
                action(state, sid);
            }
        }
    }

    private void AddExcluded(List<HashSet<string>> excluded, string room)
    {
        if (_rooms.TryGetValue(room, out HashSet<string>? members))
        {
            excluded.Add(members);
        }
    }

    private static bool IsExcluded(List<HashSet<string>> excluded, string sid)
    {
        foreach (HashSet<string> members in excluded)
        {
            if (members.Contains(sid))
            {
                return true;
            }
        }

        return false;
    }

    private readonly record struct StoredPacket(EncodedPacket Packet, IReadOnlyCollection<string> Rooms, IReadOnlyCollection<string> Except, DateTimeOffset EmittedAt);
}
