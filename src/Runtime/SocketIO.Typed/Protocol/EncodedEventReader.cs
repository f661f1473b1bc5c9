using System.Text;
using System.Text.Json;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Protocol;

/// <summary>Reads an encoded event back, for <c>OnAnyOutgoing</c> listeners.</summary>
internal static class EncodedEventReader
{
    /// <summary>Reads the name and arguments of an encoded EVENT or BINARY_EVENT packet.</summary>
    /// <param name="packet">The packet (Engine.IO <c>4</c> prefix included).</param>
    /// <param name="name">The event name.</param>
    /// <param name="arguments">The arguments, valid while the packet is referenced.</param>
    /// <returns><see langword="false"/> for any other packet.</returns>
    public static bool TryReadEvent(EncodedPacket packet, out string name, out SocketIOArguments arguments)
    {
        name = string.Empty;
        arguments = default;
        ReadOnlyMemory<byte> text = packet.Text.IsEmpty ? default : packet.Text[1..];
        if (SocketIOParser.TryParse(text.Span, out SocketIOPacketHeader header) != SocketIOParseError.None ||
            header.Type is not (SocketIOPacketType.Event or SocketIOPacketType.BinaryEvent))
        {
            return false;
        }

        var attachments = new ReadOnlyMemory<byte>[packet.AttachmentCount];
        for (int i = 0; i < attachments.Length; i++)
        {
            attachments[i] = packet.GetAttachment(i);
        }

        arguments = new SocketIOArguments(header.GetPayload(text), 1, header.ArgumentsStart - header.PayloadStart, attachments);
        name = DecodeEventName(text.Span, header);
        return true;
    }

    /// <summary>The event name of a parsed EVENT packet, unescaped.</summary>
    /// <param name="text">The packet text.</param>
    /// <param name="header">Its header.</param>
    /// <returns>The name.</returns>
    public static string DecodeEventName(ReadOnlySpan<byte> text, in SocketIOPacketHeader header)
    {
        ReadOnlySpan<byte> raw = text.Slice(header.EventNameStart, header.EventNameLength);
        if (!header.EventNameEscaped)
        {
            return Encoding.UTF8.GetString(raw);
        }

        // Re-read the quoted token to unescape it.
        var reader = new Utf8JsonReader(text.Slice(header.EventNameStart - 1, header.EventNameLength + 2));
        reader.Read();
        return reader.GetString() ?? string.Empty;
    }
}
