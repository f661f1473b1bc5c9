using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Adapters.Cluster;

/// <summary>
/// The packet object the Node adapters carry between servers, <c>{ type: 2, data: [event, ...args], nsp }</c>: always
/// an EVENT (type 2), binary inline as MessagePack <c>bin</c> (never placeholders), no acknowledgement id (the
/// receiving server assigns its own).
/// </summary>
public static class SocketIOClusterPacket
{
    /// <summary>Writes an encoded EVENT or BINARY_EVENT packet as the adapters' packet object.</summary>
    /// <param name="writer">The MessagePack writer.</param>
    /// <param name="packet">The packet, as a namespace's broadcast encoded it.</param>
    /// <param name="namespace">The namespace, written as <c>nsp</c> (the classic Redis adapter and the emitters send it), or null to leave it out (the ClusterAdapter-based ones).</param>
    /// <exception cref="ArgumentException">The packet is not an event.</exception>
    public static void Write(ref SocketIOMsgPackWriter writer, EncodedPacket packet, string? @namespace)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!EncodedEventReader.TryReadEvent(packet, out string name, out SocketIOArguments arguments))
        {
            throw new ArgumentException("Only EVENT packets cross servers.", nameof(packet));
        }

        writer.WriteMapHeader(@namespace is null ? 2 : 3);
        writer.WriteString("type"u8);
        writer.WriteInt64((long)SocketIOPacketType.Event);
        writer.WriteString("data"u8);
        writer.WriteArrayHeader(1 + arguments.Count);
        writer.WriteString(name);
        for (int i = 0; i < arguments.Count; i++)
        {
            SocketIOMsgPackJson.WriteJson(ref writer, arguments.GetRawJson(i).Span, arguments.Attachments);
        }

        if (@namespace is not null)
        {
            writer.WriteString("nsp"u8);
            writer.WriteString(@namespace);
        }
    }

    /// <summary>Reads an adapters' packet object into an encoded packet for <paramref name="namespace"/>.</summary>
    /// <param name="reader">The MessagePack reader, on the packet object.</param>
    /// <param name="namespace">The namespace the packet is for (its <c>nsp</c>, if any, is not used).</param>
    /// <param name="ackId">The acknowledgement id to give it (a broadcast with acks), or -1.</param>
    /// <returns>The packet holding one reference, or null when it is not an EVENT with a name.</returns>
    /// <exception cref="FormatException">The bytes are not MessagePack.</exception>
    public static EncodedPacket? Read(ref SocketIOMsgPackReader reader, string @namespace, long ackId = -1)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        long type = -1;
        EncodedPacket? encoded = null;
        try
        {
            for (int entries = reader.ReadMapHeader(); entries > 0; entries--)
            {
                if (reader.NextType != SocketIOMsgPackType.String)
                {
                    reader.Skip();
                    reader.Skip();
                    continue;
                }

                ReadOnlySpan<byte> key = reader.ReadStringSpan();
                if (key.SequenceEqual("type"u8) && reader.NextType == SocketIOMsgPackType.Integer)
                {
                    type = reader.ReadInt64();
                }
                else if (key.SequenceEqual("data"u8) && reader.NextType == SocketIOMsgPackType.Array && encoded is null)
                {
                    encoded = ReadEvent(ref reader, @namespace, ackId);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch
        {
            encoded?.Release();
            throw;
        }

        if (type != (long)SocketIOPacketType.Event && encoded is not null)
        {
            encoded.Release();
            return null;
        }

        return encoded;
    }

    private static EncodedPacket? ReadEvent(ref SocketIOMsgPackReader reader, string @namespace, long ackId)
    {
        int count = reader.ReadArrayHeader();
        if (count == 0 || reader.NextType != SocketIOMsgPackType.String)
        {
            for (; count > 0; count--)
            {
                reader.Skip();
            }

            return null;
        }

        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginEvent(reader.ReadStringSpan());
            for (int i = 1; i < count; i++)
            {
                SocketIOMsgPackJson.ReadToJson(ref reader, writer);
            }

            return writer.ToPacket(@namespace, ackId);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }
    }
}
