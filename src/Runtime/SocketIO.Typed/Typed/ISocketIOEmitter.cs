using SocketIO.Typed.Protocol;

namespace SocketIO.Typed;

/// <summary>
/// One socket that packets can be sent to, on either side (the server's <c>SocketIOSocket</c>, the client's
/// <c>SocketIOClientSocket</c>, or a view of one with flags such as volatile): what a generated proxy drives.
/// </summary>
public interface ISocketIOEmitter
{
    /// <summary>The namespace the packets are written for (<c>/</c>, <c>/chat</c>).</summary>
    string NamespaceName { get; }

    /// <summary>Sends an event packet; takes over the caller's reference (see <see cref="EncodedPacket"/>).</summary>
    /// <param name="packet">The packet, written for <see cref="NamespaceName"/> without an ack id.</param>
    void Send(EncodedPacket packet);

    /// <summary>The next acknowledgement id for a packet that <see cref="SendWithAckAsync"/> will send.</summary>
    /// <returns>The id.</returns>
    long NextAckId();

    /// <summary>Sends a packet written with <paramref name="ackId"/> and waits for the peer's answer.</summary>
    /// <param name="packet">The packet; this call takes over the caller's reference.</param>
    /// <param name="ackId">The id the packet carries.</param>
    /// <param name="timeout">How long to wait; null uses the socket's default.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="eventName">The event name, for the timeout message.</param>
    /// <returns>The answer's arguments (they own their memory).</returns>
    Task<SocketIOArguments> SendWithAckAsync(EncodedPacket packet, long ackId, TimeSpan? timeout, CancellationToken cancellationToken, string? eventName);
}
