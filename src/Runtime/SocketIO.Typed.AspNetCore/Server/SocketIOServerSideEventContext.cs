using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Server;

/// <summary>An event another server of the cluster sent with <c>ServerSideEmit</c>, and how to answer it.</summary>
/// <remarks>Generated dispatchers of a server-to-server contract read it as an <see cref="ISocketIOEventContext"/>.</remarks>
public sealed class SocketIOServerSideEventContext : ISocketIOEventContext
{
    private readonly Action<EncodedPacket>? _answer;
    private int _answered;
    private byte[]? _eventNameUtf8; // encoded once: a generated dispatcher reads it for every name it compares

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

    /// <summary>The event name as UTF-8.</summary>
    public ReadOnlyMemory<byte> EventNameUtf8 => _eventNameUtf8 ??= System.Text.Encoding.UTF8.GetBytes(EventName);

    /// <summary>0 when the sending server waits for an answer, else -1 (server-side answers are matched by the adapter, not by id).</summary>
    public long AckId => _answer is null ? -1 : 0;

    /// <summary>Whether the sending server waits for an answer that was not given yet.</summary>
    public bool CanAck => _answer is not null && Volatile.Read(ref _answered) == 0;

    /// <summary>Cancelled when this server stops.</summary>
    public CancellationToken CancellationToken => Namespace.Server.Stopping;

    /// <summary>The arguments (they own their memory).</summary>
    public SocketIOArguments Arguments { get; }

    /// <summary>Whether the sending server waits for an answer (it used <c>ServerSideEmitWithAckAsync</c>).</summary>
    public bool HasAck => _answer is not null;

    /// <summary>Answers the sending server with the values written after <see cref="SocketIOPacketWriter.BeginAck"/> (the seam generated dispatchers use), once.</summary>
    /// <param name="writer">The writer holding the answer.</param>
    /// <returns><see langword="false"/> when no answer is expected or one was given.</returns>
    public bool SendAck(SocketIOPacketWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (_answer is null || Interlocked.Exchange(ref _answered, 1) == 1)
        {
            return false;
        }

        _answer(writer.ToPacket(Namespace.Name, -1));
        return true;
    }

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
