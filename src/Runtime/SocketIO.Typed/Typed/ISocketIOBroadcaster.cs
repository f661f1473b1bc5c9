using SocketIO.Typed.Adapters;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed;

/// <summary>
/// A set of sockets chosen by rooms and exceptions (the server's broadcast operator): what the generated broadcast
/// views send through. The same encoded packet goes to every recipient.
/// </summary>
public interface ISocketIOBroadcaster
{
    /// <summary>The namespace the packets are written for.</summary>
    string NamespaceName { get; }

    /// <summary>The timeout acknowledged broadcasts wait, when one was set (<see langword="null"/> otherwise).</summary>
    TimeSpan? AckTimeout { get; }

    /// <summary>Also the sockets in <paramref name="room"/>.</summary>
    /// <param name="room">The room.</param>
    /// <returns>A new broadcaster.</returns>
    ISocketIOBroadcaster To(string room);

    /// <summary>Not the sockets in <paramref name="room"/>.</summary>
    /// <param name="room">The room or socket id.</param>
    /// <returns>A new broadcaster.</returns>
    ISocketIOBroadcaster Except(string room);

    /// <summary>A broadcaster whose packets may be dropped when a recipient's transport is busy.</summary>
    ISocketIOBroadcaster Volatile { get; }

    /// <summary>A broadcaster limited to this server's sockets.</summary>
    ISocketIOBroadcaster Local { get; }

    /// <summary>A broadcaster with the compression flag set.</summary>
    /// <param name="compress">Whether to compress.</param>
    /// <returns>A new broadcaster.</returns>
    ISocketIOBroadcaster Compress(bool compress);

    /// <summary>A broadcaster whose acknowledged broadcasts wait at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">The deadline.</param>
    /// <returns>A new broadcaster.</returns>
    ISocketIOBroadcaster Timeout(TimeSpan timeout);

    /// <summary>Sends a packet to every recipient; takes over the caller's reference.</summary>
    /// <param name="packet">The packet, written without an ack id.</param>
    /// <returns>A task that completes when the packet was handed to the adapter.</returns>
    ValueTask BroadcastAsync(EncodedPacket packet);

    /// <summary>The next acknowledgement id for <see cref="BroadcastWithAckAsync"/>.</summary>
    /// <returns>The id.</returns>
    long NextAckId();

    /// <summary>Sends a packet written with <paramref name="ackId"/> to every recipient and collects their answers until <see cref="AckTimeout"/>.</summary>
    /// <param name="packet">The packet; this call takes over the caller's reference.</param>
    /// <param name="ackId">The id the packet carries.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Every answer with the id of the socket that gave it.</returns>
    Task<SocketIOBroadcastAckResult> BroadcastWithAckAsync(EncodedPacket packet, long ackId, CancellationToken cancellationToken);
}
