namespace SocketIO.Typed.Adapters;

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

/// <summary>Who a broadcast goes to, and how: what socket.io's cluster messages carry (<c>opts</c>: rooms, except, flags).</summary>
/// <param name="Rooms">The rooms to reach; empty means every socket of the namespace.</param>
/// <param name="Except">Rooms whose members are left out (a socket id is a room too).</param>
/// <param name="Flags">The flags.</param>
/// <param name="Timeout">For a broadcast with acknowledgements, how long the emitter waits for answers (socket.io's <c>flags.timeout</c>).</param>
public readonly record struct BroadcastOptions(IReadOnlyCollection<string> Rooms, IReadOnlyCollection<string> Except, BroadcastFlags Flags, TimeSpan? Timeout = null);
