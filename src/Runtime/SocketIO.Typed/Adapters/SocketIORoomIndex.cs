namespace SocketIO.Typed.Adapters;

/// <summary>
/// Which local socket is in which room (socket.io-adapter's <c>rooms</c> and <c>sids</c> maps) and who a broadcast
/// reaches: the in-memory adapter's index, reusable by cluster adapters for local delivery.
/// </summary>
/// <remarks>
/// Not thread-safe: its owner serializes access (the adapters hold one lock around the index and what must be atomic
/// with it, such as storing a packet for recovery and delivering it). An action may target again (a broadcast from
/// inside a broadcast), but must not change the index it is enumerating. Steady-state targeting allocates nothing:
/// the scratch sets for exceptions and several rooms are reused (fresh ones only when an action re-enters).
/// </remarks>
public sealed class SocketIORoomIndex
{
    private readonly Dictionary<string, HashSet<string>> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _sids = new(StringComparer.Ordinal);
    private readonly List<HashSet<string>> _excludedScratch = [];
    private readonly HashSet<string> _seenScratch = new(StringComparer.Ordinal);
    private int _depth;

    /// <summary>The names of all rooms that have members.</summary>
    public IReadOnlyCollection<string> Rooms => [.. _rooms.Keys];

    /// <summary>The number of sockets in the index.</summary>
    public int SocketCount => _sids.Count;

    /// <summary>Adds a socket to rooms.</summary>
    /// <param name="socketId">The socket id.</param>
    /// <param name="rooms">The rooms.</param>
    public void AddAll(string socketId, IEnumerable<string> rooms) => AddAll(socketId, rooms, null);

    /// <summary>Adds a socket to rooms and reports the rooms it was not in before.</summary>
    /// <param name="socketId">The socket id.</param>
    /// <param name="rooms">The rooms.</param>
    /// <param name="joined">Receives each room the socket joined now (null: not reported).</param>
    public void AddAll(string socketId, IEnumerable<string> rooms, ICollection<string>? joined)
    {
        ArgumentNullException.ThrowIfNull(socketId);
        ArgumentNullException.ThrowIfNull(rooms);
        if (!_sids.TryGetValue(socketId, out HashSet<string>? mine))
        {
            mine = new HashSet<string>(StringComparer.Ordinal);
            _sids[socketId] = mine;
        }

        foreach (string room in rooms)
        {
            if (mine.Add(room))
            {
                joined?.Add(room);
            }

            if (!_rooms.TryGetValue(room, out HashSet<string>? members))
            {
                members = new HashSet<string>(StringComparer.Ordinal);
                _rooms[room] = members;
            }

            members.Add(socketId);
        }
    }

    /// <summary>Removes a socket from one room.</summary>
    /// <param name="socketId">The socket id.</param>
    /// <param name="room">The room.</param>
    /// <returns>Whether the socket was in the room.</returns>
    public bool Delete(string socketId, string room)
    {
        bool removed = _sids.TryGetValue(socketId, out HashSet<string>? mine) && mine.Remove(room);
        RemoveMember(room, socketId);
        return removed;
    }

    /// <summary>Removes a socket from every room.</summary>
    /// <param name="socketId">The socket id.</param>
    public void DeleteAll(string socketId) => DeleteAll(socketId, null);

    /// <summary>Removes a socket from every room and reports the rooms it left.</summary>
    /// <param name="socketId">The socket id.</param>
    /// <param name="left">Receives each room the socket was in (null: not reported).</param>
    public void DeleteAll(string socketId, ICollection<string>? left)
    {
        if (!_sids.Remove(socketId, out HashSet<string>? mine))
        {
            return;
        }

        foreach (string room in mine)
        {
            RemoveMember(room, socketId);
            left?.Add(room);
        }
    }

    /// <summary>The rooms a socket is in (a copy; empty when unknown).</summary>
    /// <param name="socketId">The socket id.</param>
    /// <returns>The rooms.</returns>
    public IReadOnlyCollection<string> GetRooms(string socketId) => _sids.TryGetValue(socketId, out HashSet<string>? mine) ? [.. mine] : [];

    /// <summary>The members of a room (a copy; empty when the room has none).</summary>
    /// <param name="room">The room.</param>
    /// <returns>The socket ids.</returns>
    public IReadOnlyCollection<string> GetMembers(string room) => _rooms.TryGetValue(room, out HashSet<string>? members) ? [.. members] : [];

    /// <summary>The socket ids a broadcast with <paramref name="options"/> reaches, each once.</summary>
    /// <param name="options">Rooms and exceptions.</param>
    /// <returns>The ids.</returns>
    public IReadOnlyList<string> GetTargets(BroadcastOptions options)
    {
        var result = new List<string>();
        ForEachTarget(options, result, static (list, sid) => list.Add(sid));
        return result;
    }

    /// <summary>
    /// Calls <paramref name="action"/> once for each socket a broadcast with <paramref name="options"/> reaches: the
    /// members of any of the rooms (every socket when there is none), minus the members of the excepted rooms.
    /// </summary>
    /// <typeparam name="TState">The state passed to the action (so it need not capture anything).</typeparam>
    /// <param name="options">Rooms and exceptions.</param>
    /// <param name="state">The state.</param>
    /// <param name="action">Called with the state and a socket id.</param>
    public void ForEachTarget<TState>(BroadcastOptions options, TState state, Action<TState, string> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        bool reentered = _depth++ > 0;
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
            _depth--;
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

    private void RemoveMember(string room, string socketId)
    {
        if (_rooms.TryGetValue(room, out HashSet<string>? members) && members.Remove(socketId) && members.Count == 0)
        {
            _rooms.Remove(room);
        }
    }
}
