using SocketIO.Typed.Protocol;

namespace SocketIO.Typed;

/// <summary>
/// One received event, as generated dispatchers see it on either side (the server's <c>SocketIOEventContext</c> and the
/// client's <c>SocketIOClientEventContext</c>): its name, its arguments and, when the peer asked, a way to answer.
/// </summary>
/// <remarks>Dispatchers take it as a generic <c>TContext</c> constrained to this interface, so the server's struct is never boxed.</remarks>
public interface ISocketIOEventContext
{
    /// <summary>The event name as UTF-8; generated dispatchers switch on it.</summary>
    ReadOnlyMemory<byte> EventNameUtf8 { get; }

    /// <summary>The event name.</summary>
    string EventName { get; }

    /// <summary>The arguments (the name excluded); <see cref="SocketIOArguments.CreateReader"/> reads them in order.</summary>
    SocketIOArguments Arguments { get; }

    /// <summary>The acknowledgement id the peer asked for, or -1.</summary>
    long AckId { get; }

    /// <summary>Whether the event still waits for its acknowledgement (the peer asked for one and none was sent yet).</summary>
    bool CanAck { get; }

    /// <summary>
    /// Finishes the ACK packet begun with <see cref="SocketIOPacketWriter.BeginAck"/> on <paramref name="writer"/> and
    /// sends it, once.
    /// </summary>
    /// <param name="writer">The writer holding the answer's arguments.</param>
    /// <returns><see langword="false"/> when no answer was asked for or the event was already answered.</returns>
    bool SendAck(SocketIOPacketWriter writer);

    /// <summary>
    /// Cancelled when the socket the event came from disconnects (for a server-side event from another server: when
    /// the server stops); generated dispatchers pass it to a contract method whose last parameter is a
    /// <see cref="System.Threading.CancellationToken"/>.
    /// </summary>
    CancellationToken CancellationToken { get; }
}
