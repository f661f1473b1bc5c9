using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Server;

/// <summary>An event another server of the cluster sent with <c>ServerSideEmit</c>, and how to answer it.</summary>
public sealed class SocketIOServerSideEventContext
{
    private readonly Action<EncodedPacket>? _answer;
    private int _answered;

    internal SocketIOServerSideEventContext(SocketIONamespace @namespace, string eventName, SocketIOArguments arguments, Action<EncodedPacket>? answer)
    {
        Namespace = @namespace;
        EventName = eventName;
        Arguments = arguments;
        _answer = answer;
    }

    /// <summary>The namespace it was sent to.</summary>
    public SocketIONamespace Namespace { get; }

    /// <summary>The event name.</summary>
    public string EventName { get; }

    /// <summary>The arguments (they own their memory).</summary>
    public SocketIOArguments Arguments { get; }

    /// <summary>Whether the sending server waits for an answer (it used <c>ServerSideEmitWithAckAsync</c>).</summary>
    public bool HasAck => _answer is not null;

    /// <summary>Answers the sending server (once; later calls and events without ack do nothing).</summary>
    /// <param name="args">Plain values.</param>
    /// <returns>A task that completes when the answer is published.</returns>
    public ValueTask AckAsync(params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (_answer is null || Interlocked.Exchange(ref _answered, 1) == 1)
        {
            return ValueTask.CompletedTask;
        }

        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginAck();
            foreach (object? value in args)
            {
                writer.WriteValue(value);
            }

            packet = writer.ToPacket(Namespace.Name, -1);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        _answer(packet);
        return ValueTask.CompletedTask;
    }
}
