using System.Text;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Protocol;

/// <summary>Small edits of already encoded Socket.IO packets, without decoding their arguments.</summary>
internal static class SocketIOPacketEditor
{
    /// <summary>
    /// Whether <paramref name="engineText"/> (an Engine.IO message, <c>4</c> prefix included) is a Socket.IO
    /// EVENT or BINARY_EVENT without an ack id: the packets connection state recovery stores.
    /// </summary>
    public static bool IsEventWithoutAck(ReadOnlySpan<byte> engineText)
    {
        if (engineText.Length < 3 || engineText[0] != (byte)'0' + (byte)EngineIOPacketType.Message)
        {
            return false;
        }

        int i = 2;
        switch (engineText[1])
        {
            case (byte)'0' + (byte)SocketIOPacketType.Event:
                break;
            case (byte)'0' + (byte)SocketIOPacketType.BinaryEvent:
                while (i < engineText.Length && engineText[i] != (byte)'-')
                {
                    i++;
                }

                i++;
                break;
            default:
                return false;
        }

        if (i < engineText.Length && engineText[i] == (byte)'/')
        {
            int comma = engineText[i..].IndexOf((byte)',');
            if (comma < 0)
            {
                return false;
            }

            i += comma + 1;
        }

        return i < engineText.Length && engineText[i] == (byte)'[';
    }

    /// <summary>
    /// A copy of an event packet that carries <paramref name="ackId"/> in its header (the packet itself carries none):
    /// the client's retries turn every emit into one that asks for an acknowledgement. Attachments are shared.
    /// </summary>
    /// <param name="packet">An EVENT or BINARY_EVENT packet, Engine.IO prefix included.</param>
    /// <param name="ackId">The id.</param>
    /// <returns>A new packet holding one reference; the caller keeps (and releases) its own.</returns>
    /// <exception cref="ArgumentException">The packet is not an event, or already has an ack id.</exception>
    public static EncodedPacket WithAckId(EncodedPacket packet, long ackId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ackId);
        ReadOnlySpan<byte> text = packet.Text.Span;
        if (text.IsEmpty || text[0] != (byte)'0' + (byte)EngineIOPacketType.Message ||
            SocketIOParser.TryParse(text[1..], out SocketIOPacketHeader header) != SocketIOParseError.None ||
            header.Type is not (SocketIOPacketType.Event or SocketIOPacketType.BinaryEvent) || header.HasAckId)
        {
            throw new ArgumentException("Only an event packet without an ack id can be given one.", nameof(packet));
        }

        int split = 1 + header.PayloadStart;
        Span<byte> digits = stackalloc byte[20];
        ackId.TryFormat(digits, out int n, default, System.Globalization.CultureInfo.InvariantCulture);
        byte[]? rented = null;
        Span<byte> head = split + n <= 512 ? stackalloc byte[split + n] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(split + n));
        try
        {
            text[..split].CopyTo(head);
            digits[..n].CopyTo(head[split..]);
            EncodedPacket copy = EncodedPacket.Create(head[..(split + n)], text[split..]);
            for (int i = 0; i < packet.AttachmentCount; i++)
            {
                copy.AddAttachment(packet.GetAttachment(i));
            }

            copy.SetCompress(packet.Compress);
            return copy;
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// A copy of an event packet with one more string argument at the end (socket.io stores the recovery offset
    /// there, so clients remember the last packet they processed). The attachments are shared, not copied.
    /// </summary>
    /// <param name="packet">An event packet (see <see cref="IsEventWithoutAck"/>).</param>
    /// <param name="asciiValue">The string to append; plain ASCII letters, digits and dashes (no escaping).</param>
    /// <returns>A new packet holding one reference.</returns>
    public static EncodedPacket AppendStringArgument(EncodedPacket packet, string asciiValue)
    {
        if (asciiValue.Length > 200)
        {
            throw new ArgumentOutOfRangeException(nameof(asciiValue), "The appended value is limited to 200 characters.");
        }

        ReadOnlySpan<byte> text = packet.Text.Span;
        Span<byte> tail = stackalloc byte[asciiValue.Length + 4];
        tail[0] = (byte)',';
        tail[1] = (byte)'"';
        int n = Encoding.ASCII.GetBytes(asciiValue, tail[2..]);
        tail[2 + n] = (byte)'"';
        tail[3 + n] = (byte)']';
        EncodedPacket copy = EncodedPacket.Create(text[..^1], tail[..(n + 4)]);
        for (int i = 0; i < packet.AttachmentCount; i++)
        {
            copy.AddAttachment(packet.GetAttachment(i));
        }

        copy.SetCompress(packet.Compress);
        return copy;
    }
}
