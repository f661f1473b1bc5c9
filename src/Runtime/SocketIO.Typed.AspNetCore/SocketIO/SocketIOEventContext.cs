using System.Text;
using SocketIO.Typed.SocketIO;

namespace SocketIO.Typed.AspNetCore.SocketIO;

/// <summary>One received event: who sent it, its name, its arguments, and how to acknowledge it.</summary>
/// <remarks>The name and arguments point into a pooled buffer that is valid until the handler's task completes.</remarks>
public readonly struct SocketIOEventContext
{
    internal SocketIOEventContext(SocketIOSocket socket, ReadOnlyMemory<byte> eventName, SocketIOArguments arguments, long ackId)
    {
        Socket = socket;
        EventNameUtf8 = eventName;
        Arguments = arguments;
        AckId = ackId;
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

    /// <summary>Acknowledges the event with plain values (see <see cref="Typed.SocketIO.Protocol.SocketIOPacketWriter.WriteValue(object?)"/>).</summary>
    /// <param name="args">The ack arguments.</param>
    /// <returns>A task that completes once the ack is queued.</returns>
    public ValueTask AckAsync(params object?[] args) => Socket.SendAckAsync(AckId, args);

    /// <summary>Acknowledges the event with received arguments, unchanged (for echo and relaying).</summary>
    /// <param name="arguments">The arguments.</param>
    /// <returns>A task that completes once the ack is queued.</returns>
    public ValueTask AckAsync(SocketIOArguments arguments) => Socket.SendAckAsync(AckId, arguments);
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
    /// <returns>A task that completes when the event is handled; the arguments stay valid until then.</returns>
    ValueTask DispatchAsync(SocketIOEventContext context);
}
