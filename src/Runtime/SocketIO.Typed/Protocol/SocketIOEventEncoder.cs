using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Protocol;

/// <summary>Encoding of untyped events, shared by the server and the client.</summary>
internal static class SocketIOEventEncoder
{
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

    /// <summary>Writes the ack argument that answers an event whose arguments could not be bound: <c>{"error":"binding","message":"…"}</c>.</summary>
    public static void WriteBindingError(SocketIOPacketWriter writer, string? message)
    {
        writer.Json.WriteStartObject();
        writer.Json.WriteString("error"u8, "binding"u8);
        writer.Json.WriteString("message"u8, message ?? "The arguments could not be read.");
        writer.Json.WriteEndObject();
    }
}
