using System.Collections.Concurrent;
using System.Text;
using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Server;

/// <summary>One received event: who sent it, its name, its arguments, and how to acknowledge it.</summary>
/// <remarks>
/// The name and arguments point into a pooled buffer that is valid until the handler's task completes. An
/// acknowledged event is answered at most once: <see cref="SendAck"/>, <see cref="AckAsync(object?[])"/> and
/// <see cref="AckAsync(SocketIOArguments)"/> do nothing after the first answer (socket.io's ack callback works once).
/// </remarks>
public readonly struct SocketIOEventContext : ISocketIOEventContext
{
    private readonly SocketIOAckResponder? _responder;
    private readonly int _version;

    /// <summary>The span of this event's handling, when a trace listener wants one.</summary>
    internal System.Diagnostics.Activity? Activity { get; }

    internal SocketIOEventContext(SocketIOSocket socket, ReadOnlyMemory<byte> eventName, SocketIOArguments arguments, long ackId, SocketIOAckResponder? responder, int version, System.Diagnostics.Activity? activity = null)
    {
        Activity = activity;
        Socket = socket;
        EventNameUtf8 = eventName;
        Arguments = arguments;
        AckId = ackId;
        _responder = responder;
        _version = version;
    }

    /// <summary>The socket the event came from.</summary>
    public SocketIOSocket Socket { get; }

    /// <summary>The event name as UTF-8 (no allocation); generated dispatchers switch on it.</summary>
    public ReadOnlyMemory<byte> EventNameUtf8 { get; }

    /// <summary>The event name.</summary>
    public string EventName => Encoding.UTF8.GetString(EventNameUtf8.Span);

    /// <summary>The event arguments (the name excluded).</summary>
    public SocketIOArguments Arguments { get; }

    /// <summary>The acknowledgement id the client asked for, or -1.</summary>
    public long AckId { get; }

    /// <summary>Whether the client expects an acknowledgement.</summary>
    public bool HasAck => AckId >= 0;

    /// <summary>Cancelled when the socket disconnects (<see cref="SocketIOSocket.Disconnected"/>).</summary>
    public CancellationToken CancellationToken => Socket.Disconnected;

    /// <summary>Whether the event still waits for its acknowledgement (it asked for one and none was sent yet).</summary>
    public bool CanAck => _responder is not null && _responder.IsCurrent(_version);

    /// <summary>
    /// Answers the event with the arguments written to <paramref name="writer"/> after
    /// <see cref="SocketIOPacketWriter.BeginAck"/> (the seam generated dispatchers answer through): the packet is
    /// finished with this socket's namespace and the event's ack id, and sent.
    /// </summary>
    /// <param name="writer">A writer on which <see cref="SocketIOPacketWriter.BeginAck"/> and the argument values were written.</param>
    /// <returns><see langword="false"/> when the event asked for no acknowledgement or was already answered (nothing is sent).</returns>
    public bool SendAck(SocketIOPacketWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return _responder is not null && _responder.TrySend(_version, writer);
    }

    /// <summary>Acknowledges the event with plain values (see <see cref="SocketIOPacketWriter.WriteValue(object?)"/>).</summary>
    /// <param name="args">The ack arguments.</param>
    /// <returns>A task that completes once the ack is queued.</returns>
    public ValueTask AckAsync(params object?[] args) => SocketIOAckAnswers.AnswerAsync(this, args);

    /// <summary>Acknowledges the event with received arguments, unchanged (for echo and relaying).</summary>
    /// <param name="arguments">The arguments.</param>
    /// <returns>A task that completes once the ack is queued.</returns>
    public ValueTask AckAsync(SocketIOArguments arguments) => SocketIOAckAnswers.AnswerAsync(this, arguments);
}

/// <summary>
/// Receives the events of one socket. The untyped <see cref="SocketIOSocket.On(string, Func{SocketIOEventContext, ValueTask})"/>
/// handlers are one dispatcher; generated code supplies typed ones that switch on <see cref="SocketIOEventContext.EventNameUtf8"/>
/// and bind arguments with <see cref="SocketIOArguments.CreateReader"/>.
/// </summary>
public interface ISocketIODispatcher
{
    /// <summary>Handles one event.</summary>
    /// <param name="context">The event.</param>
    /// <returns>
    /// What happened, when the event is handled (the arguments stay valid until then). Return
    /// <see cref="SocketIODispatchResult.BindingFailed"/> when the arguments do not fit: the socket logs it and
    /// answers an acknowledged event as <see cref="SocketIOServerOptions.BindingFailureAck"/> says.
    /// </returns>
    ValueTask<SocketIODispatchResult> DispatchAsync(SocketIOEventContext context);
}

/// <summary>
/// Answers one acknowledged event, once. Pooled: the context carries the version it was rented with, so a context
/// kept after its answer (or after the responder was reused) can no longer answer.
/// </summary>
internal sealed class SocketIOAckResponder
{
    private const int MaxPooled = 1024;
    private static readonly ConcurrentQueue<SocketIOAckResponder> s_pool = new();
    private static int s_pooled;
    private SocketIOSocket? _socket;
    private long _ackId;
    private int _version;

    public static SocketIOAckResponder Rent(SocketIOSocket socket, long ackId, out int version)
    {
        if (s_pool.TryDequeue(out SocketIOAckResponder? responder))
        {
            Interlocked.Decrement(ref s_pooled);
        }
        else
        {
            responder = new SocketIOAckResponder();
        }

        responder._socket = socket;
        responder._ackId = ackId;
        version = Volatile.Read(ref responder._version);
        return responder;
    }

    public bool IsCurrent(int version) => Volatile.Read(ref _version) == version;

    public bool TrySend(int version, SocketIOPacketWriter writer)
    {
        SocketIOSocket socket = _socket!;
        long ackId = _ackId;
        if (Interlocked.CompareExchange(ref _version, version + 1, version) != version)
        {
            return false;
        }

        // Only the winner of the exchange gets here: socket and id are still this event's.
        _socket = null;
        if (Interlocked.Increment(ref s_pooled) <= MaxPooled)
        {
            s_pool.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
        }

        EncodedPacket packet = writer.ToPacket(socket.Namespace.Name, ackId);
        socket.SendAckPacket(packet);
        return true;
    }
}
