using System.Text.Json;

namespace SocketIO.Typed.Protocol;

/// <summary>Why a Socket.IO packet could not be decoded.</summary>
public enum SocketIOParseError
{
    /// <summary>The packet was decoded.</summary>
    None = 0,

    /// <summary>The packet is empty or its type digit is unknown.</summary>
    UnknownType,

    /// <summary>A binary packet without a valid <c>&lt;count&gt;-</c> attachment header.</summary>
    IllegalAttachments,

    /// <summary>The acknowledgement id is not a valid number.</summary>
    IllegalAckId,

    /// <summary>The payload is not valid JSON.</summary>
    InvalidJson,

    /// <summary>The payload is valid JSON but not what the packet type requires (for example an event that is not a non-empty array).</summary>
    InvalidPayload,
}

/// <summary>
/// Decodes the text part of Socket.IO v5 packets:
/// <c>&lt;type&gt;[&lt;attachments&gt;-][&lt;namespace&gt;,][&lt;ack id&gt;][&lt;JSON&gt;]</c>.
/// </summary>
/// <remarks>
/// Follows socket.io-parser 4.x: a namespace may run to the end of the packet without a comma, the payload is
/// validated per type, and reserved event names are refused. Nothing is allocated.
/// </remarks>
public static class SocketIOParser
{
    private const int MaxAckIdDigits = 15;
    private const int MaxAttachments = 10_000;

    /// <summary>Decodes a packet header and validates its payload.</summary>
    /// <param name="text">The packet text (an Engine.IO message without its <c>4</c> prefix).</param>
    /// <param name="packet">The decoded header, with offsets into <paramref name="text"/>.</param>
    /// <returns><see cref="SocketIOParseError.None"/> on success, otherwise why the packet is malformed.</returns>
    public static SocketIOParseError TryParse(ReadOnlySpan<byte> text, out SocketIOPacketHeader packet) => TryParse(text, out packet, 0);

    /// <summary>Decodes a packet header and validates its payload, accepting JSON nested at most <paramref name="maxDepth"/> deep.</summary>
    /// <param name="text">The packet text (an Engine.IO message without its <c>4</c> prefix).</param>
    /// <param name="packet">The decoded header, with offsets into <paramref name="text"/>.</param>
    /// <param name="maxDepth">The deepest nesting accepted; 0 means System.Text.Json's default, 64. Deeper is <see cref="SocketIOParseError.InvalidJson"/>.</param>
    /// <returns><see cref="SocketIOParseError.None"/> on success, otherwise why the packet is malformed.</returns>
    public static SocketIOParseError TryParse(ReadOnlySpan<byte> text, out SocketIOPacketHeader packet, int maxDepth)
    {
        packet = default;
        if (text.IsEmpty || text[0] < (byte)'0' || text[0] > (byte)'6')
        {
            return SocketIOParseError.UnknownType;
        }

        var type = (SocketIOPacketType)(text[0] - (byte)'0');
        int i = 1;
        int attachments = 0;
        if (type is SocketIOPacketType.BinaryEvent or SocketIOPacketType.BinaryAck)
        {
            int dash = text[i..].IndexOf((byte)'-');
            if (dash <= 0 || !TryParseDigits(text.Slice(i, dash), out long count) || count > MaxAttachments)
            {
                return SocketIOParseError.IllegalAttachments;
            }

            attachments = (int)count;
            i += dash + 1;
        }

        int nspStart = 0, nspLength = 0;
        if (i < text.Length && text[i] == (byte)'/')
        {
            nspStart = i;
            int comma = text[i..].IndexOf((byte)',');
            if (comma < 0)
            {
                nspLength = text.Length - i;
                i = text.Length;
            }
            else
            {
                nspLength = comma;
                i += comma + 1;
            }
        }

        long ackId = -1;
        if (i < text.Length && IsDigit(text[i]))
        {
            int start = i;
            while (i < text.Length && IsDigit(text[i]))
            {
                i++;
            }

            if (i - start > MaxAckIdDigits || !TryParseDigits(text[start..i], out ackId))
            {
                return SocketIOParseError.IllegalAckId;
            }
        }

        int payloadStart = i;
        int payloadLength = text.Length - i;
        int nameStart = 0, nameLength = 0, argumentsStart = 0;
        bool nameEscaped = false;
        if (payloadLength == 0)
        {
            // Only CONNECT (no auth), DISCONNECT and ACK-less forms may omit the payload.
            if (type is not (SocketIOPacketType.Connect or SocketIOPacketType.Disconnect))
            {
                return SocketIOParseError.InvalidPayload;
            }
        }
        else
        {
            SocketIOParseError error = ValidatePayload(type, text, payloadStart, maxDepth, out nameStart, out nameLength, out nameEscaped, out argumentsStart);
            if (error != SocketIOParseError.None)
            {
                return error;
            }
        }

        packet = new SocketIOPacketHeader(type, attachments, nspStart, nspLength, ackId, payloadStart, payloadLength, nameStart,
            nameLength, nameEscaped, argumentsStart);
        return SocketIOParseError.None;
    }

    private static SocketIOParseError ValidatePayload(SocketIOPacketType type, ReadOnlySpan<byte> text, int payloadStart, int maxDepth,
        out int nameStart, out int nameLength, out bool nameEscaped, out int argumentsStart)
    {
        nameStart = nameLength = argumentsStart = 0;
        nameEscaped = false;
        if (type == SocketIOPacketType.Disconnect)
        {
            return SocketIOParseError.InvalidPayload;
        }

        var reader = new Utf8JsonReader(text[payloadStart..], new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            if (!reader.Read())
            {
                return SocketIOParseError.InvalidJson;
            }

            JsonTokenType root = reader.TokenType;
            switch (type)
            {
                case SocketIOPacketType.Connect when root != JsonTokenType.StartObject:
                case SocketIOPacketType.ConnectError when root is not (JsonTokenType.StartObject or JsonTokenType.String):
                case SocketIOPacketType.Event or SocketIOPacketType.BinaryEvent or SocketIOPacketType.Ack or SocketIOPacketType.BinaryAck
                    when root != JsonTokenType.StartArray:
                    // Still check that the rest is JSON, so the error says what is wrong.
                    reader.Skip();
                    while (reader.Read())
                    {
                    }

                    return SocketIOParseError.InvalidPayload;
            }

            if (type is SocketIOPacketType.Event or SocketIOPacketType.BinaryEvent)
            {
                if (!reader.Read() || reader.TokenType is not (JsonTokenType.String or JsonTokenType.Number))
                {
                    SkipToEnd(ref reader);
                    return SocketIOParseError.InvalidPayload;
                }

                nameStart = payloadStart + (int)reader.TokenStartIndex + (reader.TokenType == JsonTokenType.String ? 1 : 0);
                nameLength = reader.ValueSpan.Length;
                nameEscaped = reader.ValueIsEscaped;
                // socket.io-parser compares the decoded name, so an escaped spelling of a reserved name is refused too.
                if (reader.TokenType == JsonTokenType.String &&
                    (nameEscaped
                        ? SocketIOEventNames.IsReservedJsonString(text.Slice(payloadStart + (int)reader.TokenStartIndex, nameLength + 2))
                        : SocketIOEventNames.IsReserved(reader.ValueSpan)))
                {
                    SkipToEnd(ref reader);
                    return SocketIOParseError.InvalidPayload;
                }

                argumentsStart = payloadStart + ArgumentsOffset(text[payloadStart..], (int)reader.BytesConsumed);
            }
            else if (type is SocketIOPacketType.Ack or SocketIOPacketType.BinaryAck)
            {
                argumentsStart = payloadStart + ArgumentsOffset(text[payloadStart..], (int)reader.BytesConsumed);
            }

            SkipToEnd(ref reader);
            return SocketIOParseError.None;
        }
        catch (JsonException)
        {
            // Malformed JSON in a packet from the network: reported as a value, the connection decides.
            return SocketIOParseError.InvalidJson;
        }
    }

    private static void SkipToEnd(ref Utf8JsonReader reader)
    {
        // Reading to the end validates the whole payload, trailing content included (it throws JsonException).
        while (reader.Read())
        {
        }
    }

    // The first byte after the array start (or after the event name) that is neither whitespace nor a comma.
    private static int ArgumentsOffset(ReadOnlySpan<byte> payload, int offset)
    {
        while (offset < payload.Length && payload[offset] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)',')
        {
            offset++;
        }

        return offset;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool TryParseDigits(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > MaxAckIdDigits)
        {
            return false;
        }

        foreach (byte b in digits)
        {
            if (!IsDigit(b))
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }
}
