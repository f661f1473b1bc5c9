using SocketIO.Typed.Protocol;

namespace SocketIO.Typed;

/// <summary>The untyped answers of both sides, written through <see cref="ISocketIOEventContext.SendAck"/> (one path).</summary>
internal static class SocketIOAckAnswers
{
    /// <summary>Answers with plain values.</summary>
    public static ValueTask AnswerAsync<TContext>(TContext context, object?[] args)
        where TContext : ISocketIOEventContext
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
        where TContext : ISocketIOEventContext
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
        where TContext : ISocketIOEventContext => Answer(context, error, isError: true);

    /// <summary>Answers a plain event the peer asked an acknowledgement for with an empty one.</summary>
    public static void AnswerEmpty<TContext>(TContext context)
        where TContext : ISocketIOEventContext => Answer(context, null, isError: false);

    private static void Answer<TContext>(TContext context, string? error, bool isError)
        where TContext : ISocketIOEventContext
    {
        if (!context.CanAck)
        {
            return;
        }

        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginAck();
            if (isError)
            {
                SocketIOEventEncoder.WriteBindingError(writer, error);
            }

            context.SendAck(writer);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }
    }
}
