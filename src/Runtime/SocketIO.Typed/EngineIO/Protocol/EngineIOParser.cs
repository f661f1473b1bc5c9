using System.Buffers;
using System.Buffers.Text;

namespace SocketIO.Typed.EngineIO.Protocol;

/// <summary>Decodes Engine.IO v4 packets: single WebSocket frames and HTTP long-polling payloads.</summary>
/// <remarks>Pure functions over spans, no I/O; malformed input is reported through the return value.</remarks>
public static class EngineIOParser
{
    /// <summary>engine.io protocol v4: polling payloads join packets with the record separator 0x1E.</summary>
    public const byte RecordSeparator = 0x1E;

    /// <summary>Reads the type of a text packet (a WebSocket text frame or one polling record that is not base64).</summary>
    /// <param name="packet">The packet bytes, starting with the type digit.</param>
    /// <param name="type">The packet type.</param>
    /// <returns><see langword="false"/> when the packet is empty or its first byte is not a known type.</returns>
    public static bool TryReadTextPacketType(ReadOnlySpan<byte> packet, out EngineIOPacketType type)
    {
        if (packet.IsEmpty || packet[0] < (byte)'0' || packet[0] > (byte)'6')
        {
            type = default;
            return false;
        }

        type = (EngineIOPacketType)(packet[0] - (byte)'0');
        return true;
    }

    /// <summary>
    /// Splits the next record off a polling payload. Records are separated by <see cref="RecordSeparator"/>;
    /// the last one has no separator after it.
    /// </summary>
    /// <param name="payload">The unread rest of the payload; advanced past the record and its separator.</param>
    /// <param name="record">The record, without the separator.</param>
    /// <returns><see langword="false"/> when nothing is left.</returns>
    public static bool TryReadRecord(ref ReadOnlyMemory<byte> payload, out ReadOnlyMemory<byte> record)
    {
        if (payload.IsEmpty)
        {
            record = default;
            return false;
        }

        int separator = payload.Span.IndexOf(RecordSeparator);
        if (separator < 0)
        {
            record = payload;
            payload = default;
        }
        else
        {
            record = payload[..separator];
            payload = payload[(separator + 1)..];
        }

        return true;
    }

    /// <summary>
    /// Whether a polling record is well formed (<c>b</c> + valid base64, or a text packet of a known type), without
    /// decoding it: what <see cref="TryDecodePollingRecord"/> would accept.
    /// </summary>
    /// <param name="record">One record of a polling payload.</param>
    /// <returns><see langword="true"/> when the record can be decoded.</returns>
    public static bool IsValidPollingRecord(ReadOnlySpan<byte> record)
    {
        if (!record.IsEmpty && record[0] == (byte)'b')
        {
            return Base64.IsValid(record[1..]);
        }

        return TryReadTextPacketType(record, out _);
    }

    /// <summary>
    /// Decodes one polling record: <c>b</c> + base64 is a binary message (decoded into a new array), anything
    /// else a text packet.
    /// </summary>
    /// <param name="record">One record of a polling payload.</param>
    /// <param name="packet">The decoded packet.</param>
    /// <returns><see langword="false"/> when the record is malformed.</returns>
    public static bool TryDecodePollingRecord(ReadOnlyMemory<byte> record, out EngineIOPacket packet)
    {
        ReadOnlySpan<byte> span = record.Span;
        if (!span.IsEmpty && span[0] == (byte)'b')
        {
            ReadOnlySpan<byte> base64 = span[1..];
            byte[] bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(base64.Length)];
            if (Base64.DecodeFromUtf8(base64, bytes, out _, out int written) != OperationStatus.Done)
            {
                packet = default;
                return false;
            }

            packet = new EngineIOPacket(EngineIOPacketType.Message, bytes.AsMemory(0, written), IsBinary: true);
            return true;
        }

        if (!TryReadTextPacketType(span, out EngineIOPacketType type))
        {
            packet = default;
            return false;
        }

        packet = new EngineIOPacket(type, record[1..], IsBinary: false);
        return true;
    }
}
