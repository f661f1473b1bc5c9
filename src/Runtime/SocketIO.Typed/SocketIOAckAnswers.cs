using SocketIO.Typed.Protocol;

namespace SocketIO.Typed;

/// <summary>An event context that can answer its acknowledgement with a written packet (server and client contexts).</summary>
internal interface ISocketIOAckSender
{
    /// <summary>Whether the event still waits for its answer.</summary>
    bool CanAck { get; }

    /// <summary>Finishes the ACK packet begun on <paramref name="writer"/> and sends it, once.</summary>
    bool SendAck(SocketIOPacketWriter writer);
}

/// <summary>The untyped answers of both sides, written through <see cref="ISocketIOAckSender.SendAck"/> (one path).</summary>
internal static class SocketIOAckAnswers
{
    /// <summary>Answers with plain values.</summary>
    public static ValueTask AnswerAsync<TContext>(TContext context, object?[] args)
        where TContext : ISocketIOAckSender
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!context.CanAck)
        {
            return ValueTask.CompletedTask;
        }

        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginAck();
            foreach (object? value in args)
            {
                writer.WriteValue(value);
            }

            context.SendAck(writer);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Answers with received arguments, unchanged.</summary>
    public static ValueTask AnswerAsync<TContext>(TContext context, SocketIOArguments arguments)
        where TContext : ISocketIOAckSender
    {
        if (!context.CanAck)
        {
            return ValueTask.CompletedTask;
        }

        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginAck();
            writer.WriteArguments(arguments);
            context.SendAck(writer);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Answers an event whose arguments could not be bound with <c>{"error":"binding","message":"…"}</c>.</summary>
    public static void AnswerBindingFailure<TContext>(TContext context, string? error)
        where TContext : ISocketIOAckSender
    {
        if (!context.CanAck)
        {
            return;
        }

        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginAck();
            SocketIOEventEncoder.WriteBindingError(writer, error);
            context.SendAck(writer);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }
    }
}
