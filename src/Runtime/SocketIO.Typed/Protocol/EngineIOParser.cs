using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace SocketIO.Typed.Protocol;

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

    /// <summary>Reads the JSON payload of an <c>open</c> packet (the bytes after the type digit).</summary>
    /// <param name="json">The payload.</param>
    /// <param name="handshake">The handshake values.</param>
    /// <returns><see langword="false"/> when the payload is not a valid handshake.</returns>
    public static bool TryReadOpenPacket(ReadOnlySpan<byte> json, out EngineIOHandshake? handshake)
    {
        handshake = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            string? sid = null;
            var upgrades = new List<string>();
            long interval = 0, timeout = 0, maxPayload = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("sid"u8))
                {
                    reader.Read();
                    sid = reader.GetString();
                }
                else if (reader.ValueTextEquals("upgrades"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        return false;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.String)
                    {
                        upgrades.Add(reader.GetString()!);
                    }
                }
                else if (reader.ValueTextEquals("pingInterval"u8))
                {
                    reader.Read();
                    interval = reader.GetInt64();
                }
                else if (reader.ValueTextEquals("pingTimeout"u8))
                {
                    reader.Read();
                    timeout = reader.GetInt64();
                }
                else if (reader.ValueTextEquals("maxPayload"u8))
                {
                    reader.Read();
                    maxPayload = reader.GetInt64();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (sid is null)
            {
                return false;
            }

            handshake = new EngineIOHandshake(sid, upgrades, interval, timeout, maxPayload);
            return true;
        }
        catch (JsonException)
        {
            // Malformed JSON is a malformed handshake: reported through the return value.
            return false;
        }
        catch (InvalidOperationException)
        {
            // A value of the wrong JSON type (for example a string pingInterval).
            return false;
        }
    }
}
