using System.Text;
using SocketIO.Typed.SocketIO;
using SocketIO.Typed.SocketIO.Protocol;

namespace SocketIO.Typed.Client;

/// <summary>Dispatches the events a client socket receives (the seam generated typed handlers plug into).</summary>
public interface ISocketIOClientDispatcher
{
    /// <summary>Handles one event.</summary>
    /// <param name="context">The event.</param>
    /// <returns>A task that completes when the event is handled.</returns>
    ValueTask DispatchAsync(SocketIOClientEventContext context);
}

/// <summary>One event received by a client socket: its name, arguments and, when the server asked, a way to acknowledge it.</summary>
public sealed class SocketIOClientEventContext
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

    /// <summary>Acknowledges the event with these values (once; later calls and events without ack do nothing).</summary>
    /// <param name="args">Plain values (see <see cref="SocketIOPacketWriter.WriteValue(object?)"/>).</param>
    /// <returns>A task that completes when the acknowledgement is queued.</returns>
    public ValueTask AckAsync(params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!HasAck || Interlocked.Exchange(ref _acked, 1) == 1)
        {
            return ValueTask.CompletedTask;
        }

        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        global::SocketIO.Typed.EngineIO.Protocol.EncodedPacket packet;
        try
        {
            writer.BeginAck();
            foreach (object? arg in args)
            {
                writer.WriteValue(arg);
            }

            packet = writer.ToPacket(Socket.Namespace, AckId);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        Socket.SendAck(packet);
        return ValueTask.CompletedTask;
    }
}
