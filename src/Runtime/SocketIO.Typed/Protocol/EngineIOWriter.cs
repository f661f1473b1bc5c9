using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace SocketIO.Typed.Protocol;

/// <summary>Encodes Engine.IO v4 packets and polling payloads into an <see cref="IBufferWriter{T}"/>.</summary>
public static class EngineIOWriter
{
    /// <summary>Writes a text packet: the type digit, then the payload.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="type">The packet type.</param>
    /// <param name="data">UTF-8 payload (may be empty).</param>
    public static void WriteTextPacket(IBufferWriter<byte> output, EngineIOPacketType type, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(output);
        Span<byte> span = output.GetSpan(data.Length + 1);
        span[0] = (byte)('0' + (byte)type);
        data.CopyTo(span[1..]);
        output.Advance(data.Length + 1);
    }

    /// <summary>Writes a binary message as a polling record: <c>b</c> followed by the base64 of the bytes.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="data">The binary message.</param>
    public static void WriteBase64Record(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(output);
        int length = Base64.GetMaxEncodedToUtf8Length(data.Length);
        Span<byte> span = output.GetSpan(length + 1);
        span[0] = (byte)'b';
        Base64.EncodeToUtf8(data, span[1..], out _, out int written);
        output.Advance(written + 1);
    }

    /// <summary>
    /// Writes an encoded packet into a polling payload: its text record, then one <c>b</c>+base64 record per attachment,
    /// each separated from what came before by the record separator.
    /// </summary>
    /// <param name="output">The payload being built.</param>
    /// <param name="packet">The packet.</param>
    /// <param name="first">Whether nothing was written to the payload yet; cleared once something is.</param>
    public static void WritePollingPacket(IBufferWriter<byte> output, EncodedPacket packet, ref bool first)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!packet.Text.IsEmpty)
        {
            WritePollingRecord(output, packet.Text.Span, isBinary: false, first);
            first = false;
        }

        for (int i = 0; i < packet.AttachmentCount; i++)
        {
            WritePollingRecord(output, packet.GetAttachment(i).Span, isBinary: true, first);
            first = false;
        }
    }

    /// <summary>Writes one already encoded packet as a polling record, preceded by a separator unless it is the first.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="frame">A text packet (type digit included) or a binary message.</param>
    /// <param name="isBinary">Whether <paramref name="frame"/> is a binary message.</param>
    /// <param name="first">Whether this is the first record of the payload.</param>
    public static void WritePollingRecord(IBufferWriter<byte> output, ReadOnlySpan<byte> frame, bool isBinary, bool first)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!first)
        {
            output.GetSpan(1)[0] = EngineIOParser.RecordSeparator;
            output.Advance(1);
        }

        if (isBinary)
        {
            WriteBase64Record(output, frame);
        }
        else
        {
            output.Write(frame);
        }
    }

    /// <summary>Writes the <c>open</c> packet: <c>0{"sid":…,"upgrades":[…],"pingInterval":…,"pingTimeout":…,"maxPayload":…}</c>.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="handshake">The handshake values.</param>
    public static void WriteOpenPacket(IBufferWriter<byte> output, EngineIOHandshake handshake)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(handshake);
        output.GetSpan(1)[0] = (byte)'0';
        output.Advance(1);
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("sid"u8, handshake.Sid);
        json.WriteStartArray("upgrades"u8);
        foreach (string upgrade in handshake.Upgrades)
        {
            json.WriteStringValue(upgrade);
        }

        json.WriteEndArray();
        json.WriteNumber("pingInterval"u8, handshake.PingIntervalMs);
        json.WriteNumber("pingTimeout"u8, handshake.PingTimeoutMs);
        json.WriteNumber("maxPayload"u8, handshake.MaxPayload);
        json.WriteEndObject();
    }

}
