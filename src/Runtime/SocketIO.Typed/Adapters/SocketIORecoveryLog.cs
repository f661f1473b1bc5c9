using System.Globalization;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Adapters;

/// <summary>Settings of connection state recovery (socket.io 4.6's <c>connectionStateRecovery</c>).</summary>
public sealed class ConnectionStateRecoveryOptions
{
    /// <summary>How long a disconnected session (id, rooms, data, missed packets) is kept (default 2 minutes).</summary>
    public TimeSpan MaxDisconnectionDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Whether a recovered connection skips the namespace middlewares (default <see langword="true"/>).</summary>
    public bool SkipMiddlewares { get; set; } = true;
}

/// <summary>What connection state recovery keeps of a socket that lost its connection.</summary>
/// <param name="SocketId">The socket id, given back to the recovered socket.</param>
/// <param name="PrivateId">The private session id (<c>pid</c>) only this client knows.</param>
/// <param name="Rooms">The rooms the socket was in, its own id included.</param>
/// <param name="Data">
/// The socket's <c>Data</c>. The in-memory store keeps the dictionary itself; a store shared by several servers writes
/// it as JSON (event-argument rules), so its values must be JSON-writable to cross servers.
/// </param>
public sealed record SocketIOSessionState(string SocketId, string PrivateId, IReadOnlyCollection<string> Rooms, IDictionary<string, object?> Data);

/// <summary>
/// The in-memory recovery store (socket.io's <c>SessionAwareAdapter</c>): every non-volatile event without ack is kept
/// for <see cref="ConnectionStateRecoveryOptions.MaxDisconnectionDuration"/>, tagged with an offset as its last argument,
/// and the sessions of disconnected sockets are kept for the same time, so a socket that reconnects in time gets its
/// id, rooms and data back and the events it missed.
/// </summary>
/// <remarks>
/// Not thread-safe: its owner (the in-memory adapter) calls it under the lock that also guards delivery, so no
/// broadcast falls between the missed packets of a restored socket and its live ones. Offsets name this store
/// (a random prefix per instance) and a sequence number: meaningful only to this process. A store shared by a
/// cluster (Redis streams) gives offsets every node understands instead.
/// </remarks>
public sealed class SocketIORecoveryLog
{
    private readonly ConnectionStateRecoveryOptions _options;
    private readonly TimeProvider _time;
    private readonly string _offsetPrefix;
    private readonly List<StoredPacket> _history = [];
    private readonly Dictionary<string, (SocketIOSessionState State, DateTimeOffset DisconnectedAt)> _sessions = new(StringComparer.Ordinal);
    private int _head;
    private long _firstSeq;

    /// <summary>Creates an empty log.</summary>
    /// <param name="options">The recovery window.</param>
    /// <param name="time">The clock.</param>
    public SocketIORecoveryLog(ConnectionStateRecoveryOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _time = time;

        // Offsets are unique per log, so an offset from an earlier process is never mistaken for one of ours.
        _offsetPrefix = Ids.New()[..8].Replace('_', 'x').Replace('-', 'y') + "-";
    }

    /// <summary>The number of packets kept.</summary>
    public int PacketCount => _history.Count - _head;

    /// <summary>The number of disconnected sessions kept.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>Whether a broadcast of <paramref name="packet"/> with <paramref name="options"/> is kept (events without ack, not volatile).</summary>
    /// <param name="packet">The packet.</param>
    /// <param name="options">The broadcast options.</param>
    /// <returns>Whether <see cref="Append"/> should be called.</returns>
    public static bool ShouldStore(EncodedPacket packet, BroadcastOptions options)
    {
        ArgumentNullException.ThrowIfNull(packet);
        return (options.Flags & BroadcastFlags.Volatile) == 0 && SocketIOPacketEditor.IsEventWithoutAck(packet.Text.Span);
    }

    /// <summary>Keeps a copy of <paramref name="packet"/> tagged with its offset; returns the copy with one reference for the caller.</summary>
    /// <param name="packet">The event packet (the caller keeps its own reference).</param>
    /// <param name="options">Who it went to (replayed only to sessions it would have reached).</param>
    /// <returns>The tagged copy; the caller releases its reference, the log keeps its own.</returns>
    public EncodedPacket Append(EncodedPacket packet, BroadcastOptions options)
    {
        DateTimeOffset now = _time.GetUtcNow();
        Prune(now);
        long seq = _firstSeq + (_history.Count - _head);
        EncodedPacket stored = SocketIOPacketEditor.AppendStringArgument(packet, _offsetPrefix + seq.ToString("x", CultureInfo.InvariantCulture));
        _history.Add(new StoredPacket(stored, options.Rooms ?? [], options.Except ?? [], now));
        stored.AddRef();
        return stored;
    }

    /// <summary>Keeps the session of a socket that lost its connection.</summary>
    /// <param name="session">The session.</param>
    public void Persist(SocketIOSessionState session)
    {
        ArgumentNullException.ThrowIfNull(session);
        DateTimeOffset now = _time.GetUtcNow();
        Prune(now);
        _sessions[session.PrivateId] = (session, now);
    }

    /// <summary>
    /// Takes the session of <paramref name="privateId"/> and the packets it missed after <paramref name="offset"/>.
    /// </summary>
    /// <param name="privateId">The private id.</param>
    /// <param name="offset">The offset of the last packet the client processed.</param>
    /// <param name="state">The session.</param>
    /// <param name="missed">The missed packets in order, each holding a reference the caller takes over.</param>
    /// <returns><see langword="false"/> when the session is unknown or expired, or the offset is not one of this log's recent ones.</returns>
    public bool TryRestore(string privateId, string offset, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SocketIOSessionState? state, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out List<EncodedPacket>? missed)
    {
        ArgumentNullException.ThrowIfNull(privateId);
        ArgumentNullException.ThrowIfNull(offset);
        state = null;
        missed = null;
        Prune(_time.GetUtcNow());
        if (!_sessions.TryGetValue(privateId, out (SocketIOSessionState State, DateTimeOffset DisconnectedAt) entry) ||
            !TryParseOffset(offset, out long seq) || seq < _firstSeq || seq >= _firstSeq + (_history.Count - _head))
        {
            return false;
        }

        _sessions.Remove(privateId);
        missed = [];
        for (int i = _head + (int)(seq - _firstSeq) + 1; i < _history.Count; i++)
        {
            StoredPacket stored = _history[i];
            if (ShouldInclude(entry.State.Rooms, stored))
            {
                stored.Packet.AddRef();
                missed.Add(stored.Packet);
            }
        }

        state = entry.State;
        return true;
    }

    // Drops the packets and sessions older than the recovery window.
    private void Prune(DateTimeOffset now)
    {
        DateTimeOffset threshold = now - _options.MaxDisconnectionDuration;
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

    private readonly record struct StoredPacket(EncodedPacket Packet, IReadOnlyCollection<string> Rooms, IReadOnlyCollection<string> Except, DateTimeOffset EmittedAt);
}
