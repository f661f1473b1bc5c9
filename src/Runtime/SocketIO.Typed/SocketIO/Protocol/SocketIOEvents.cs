using SocketIO.Typed.EngineIO.Protocol;

namespace SocketIO.Typed.SocketIO.Protocol;

/// <summary>Encoding of untyped events, shared by the server and the client.</summary>
internal static class SocketIOEvents
{
    /// <summary>Throws for the names socket.io reserves (<c>connect</c>, <c>disconnect</c>, …).</summary>
    public static void ThrowIfReserved(string eventName)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        if (eventName is "connect" or "connect_error" or "disconnect" or "disconnecting" or "newListener" or "removeListener")
        {
            throw new ArgumentException($"'{eventName}' is a reserved event name.", nameof(eventName));
        }
    }

    /// <summary>Encodes an event whose arguments are plain values.</summary>
    public static EncodedPacket Encode(string eventName, object?[] args, string ns, long ackId)
    {
        ArgumentNullException.ThrowIfNull(args);
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginEvent(eventName);
            foreach (object? arg in args)
            {
                writer.WriteValue(arg);
            }

            return writer.ToPacket(ns, ackId);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }
    }

    /// <summary>Encodes an event whose arguments are received arguments, unchanged.</summary>
    public static EncodedPacket Encode(string eventName, SocketIOArguments args, string ns, long ackId)
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginEvent(eventName);
            writer.WriteArguments(args);
            return writer.ToPacket(ns, ackId);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }
    }
}
