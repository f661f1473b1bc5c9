using System.Text;
using SocketIO.Typed;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client;

/// <summary>Dispatches the events a client socket receives (the seam generated typed handlers plug into).</summary>
public interface ISocketIOClientDispatcher
{
    /// <summary>Handles one event.</summary>
    /// <param name="context">The event.</param>
    /// <returns>
    /// What happened, when the event is handled. Return <see cref="SocketIODispatchResult.BindingFailed"/> when the
    /// arguments do not fit: the socket logs it and answers an acknowledged event as
    /// <see cref="SocketIOClientOptions.BindingFailureAck"/> says.
    /// </returns>
    ValueTask<SocketIODispatchResult> DispatchAsync(SocketIOClientEventContext context);
}

/// <summary>One event received by a client socket: its name, arguments and, when the server asked, a way to acknowledge it.</summary>
public sealed class SocketIOClientEventContext : ISocketIOEventContext
{
    private string? _eventName;
    private int _acked;

    internal SocketIOClientEventContext(SocketIOClientSocket socket, ReadOnlyMemory<byte> eventNameUtf8, SocketIOArguments arguments, long ackId)
    {
        Socket = socket;
        EventNameUtf8 = eventNameUtf8;
        Arguments = arguments;
        AckId = ackId;
    }

    /// <summary>The socket that received the event.</summary>
    public SocketIOClientSocket Socket { get; }

    /// <summary>The event name as UTF-8 bytes.</summary>
    public ReadOnlyMemory<byte> EventNameUtf8 { get; }

    /// <summary>The event name.</summary>
    public string EventName => _eventName ??= Encoding.UTF8.GetString(EventNameUtf8.Span);

    /// <summary>The arguments (they own their memory and stay valid after the handler).</summary>
    public SocketIOArguments Arguments { get; }

    /// <summary>The ack id the server is waiting on, or -1.</summary>
    public long AckId { get; }

    /// <summary>Whether the server waits for an acknowledgement.</summary>
    public bool HasAck => AckId >= 0;

    /// <summary>Cancelled when the socket disconnects (<see cref="SocketIOClientSocket.DisconnectedToken"/>).</summary>
    public CancellationToken CancellationToken => Socket.DisconnectedToken;

    /// <summary>Whether the event still waits for its acknowledgement (the server asked for one and none was sent yet).</summary>
    public bool CanAck => HasAck && Volatile.Read(ref _acked) == 0;

    /// <summary>
    /// Answers the event with the arguments written to <paramref name="writer"/> after
    /// <see cref="SocketIOPacketWriter.BeginAck"/> (the seam generated handlers answer through): the packet is finished with
    /// this socket's namespace and the event's ack id, and sent.
    /// </summary>
    /// <param name="writer">A writer on which <see cref="SocketIOPacketWriter.BeginAck"/> and the argument values were written.</param>
    /// <returns><see langword="false"/> when the server asked for no acknowledgement or the event was already answered.</returns>
    public bool SendAck(SocketIOPacketWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!HasAck || Interlocked.Exchange(ref _acked, 1) == 1)
        {
            return false;
        }

        Socket.Outbox.SendAck(writer.ToPacket(Socket.Namespace, AckId));
        return true;
    }

    /// <summary>Acknowledges the event with these values (once; later calls and events without ack do nothing).</summary>
    /// <param name="args">Plain values (see <see cref="SocketIOPacketWriter.WriteValue(object?)"/>).</param>
    /// <returns>A task that completes when the acknowledgement is queued.</returns>
    public ValueTask AckAsync(params object?[] args) => SocketIOAckAnswers.AnswerAsync(this, args);

}
