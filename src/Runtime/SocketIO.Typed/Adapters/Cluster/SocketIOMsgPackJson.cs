using System.Globalization;
using System.Text.Json;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Adapters.Cluster;

/// <summary>
/// Turns socket.io's JSON (with binary attachments behind <c>{"_placeholder":true,"num":n}</c>) into MessagePack (with
/// binary inline) and back, as a Node adapter sees the same values: numbers as JavaScript numbers, binary as
/// <c>bin</c>, a Date (timestamp extension) as its ISO string, NaN and infinities as null.
/// </summary>
public static class SocketIOMsgPackJson
{
    /// <summary>Writes the JSON value the reader is on (or the next one) as MessagePack.</summary>
    /// <param name="writer">The MessagePack writer.</param>
    /// <param name="json">A reader on the value's first token, or before it.</param>
    /// <param name="attachments">The binary attachments placeholders refer to.</param>
    /// <exception cref="FormatException">A placeholder refers to a missing attachment.</exception>
    public static void WriteJson(ref SocketIOMsgPackWriter writer, ref Utf8JsonReader json, IReadOnlyList<ReadOnlyMemory<byte>> attachments)
    {
        ArgumentNullException.ThrowIfNull(attachments);
        if (json.TokenType == JsonTokenType.None || json.TokenType == JsonTokenType.PropertyName)
        {
            json.Read();
        }

        WriteValue(ref writer, ref json, attachments);
    }

    /// <summary>Writes a JSON value given as UTF-8 text as MessagePack.</summary>
    /// <param name="writer">The MessagePack writer.</param>
    /// <param name="utf8Json">One JSON value.</param>
    /// <param name="attachments">The binary attachments placeholders refer to.</param>
    public static void WriteJson(ref SocketIOMsgPackWriter writer, ReadOnlySpan<byte> utf8Json, IReadOnlyList<ReadOnlyMemory<byte>> attachments)
    {
        var json = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = SocketIOMsgPackReader.MaxDepth });
        WriteJson(ref writer, ref json, attachments);
    }

    /// <summary>
    /// Reads the next MessagePack value and writes it as JSON into a packet being written: binary becomes an attachment
    /// with its placeholder.
    /// </summary>
    /// <param name="reader">The MessagePack reader.</param>
    /// <param name="packet">The packet writer (its <see cref="SocketIOPacketWriter.Json"/> receives the value).</param>
    public static void ReadToJson(ref SocketIOMsgPackReader reader, SocketIOPacketWriter packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ReadValue(ref reader, packet.Json, packet, 0);
    }

    /// <summary>
    /// Reads the next MessagePack value and writes it as plain JSON, binary as Node's <c>JSON.stringify</c> writes a
    /// Buffer: <c>{"type":"Buffer","data":[1,2,3]}</c> (what the Node adapters send for binary in their JSON messages).
    /// </summary>
    /// <param name="reader">The MessagePack reader.</param>
    /// <param name="json">The JSON writer.</param>
    public static void ReadToJson(ref SocketIOMsgPackReader reader, Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        ReadValue(ref reader, json, null, 0);
    }

    /// <summary>
    /// Writes a socket.io JSON value as a Node adapter's JSON message carries it: as it is without binary, and with
    /// each placeholder replaced by Node's JSON of a Buffer (<c>{"type":"Buffer","data":[...]}</c>) otherwise.
    /// </summary>
    /// <param name="json">The JSON writer.</param>
    /// <param name="utf8Json">One JSON value, possibly with placeholders.</param>
    /// <param name="attachments">The attachments the placeholders refer to.</param>
    public static void WriteNodeJson(Utf8JsonWriter json, ReadOnlySpan<byte> utf8Json, IReadOnlyList<ReadOnlyMemory<byte>> attachments)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(attachments);
        if (attachments.Count == 0)
        {
            json.WriteRawValue(utf8Json, skipInputValidation: true);
            return;
        }

        // Through MessagePack, where binary is a value of its own, and back as plain JSON.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(utf8Json.Length + 64);
        var writer = new SocketIOMsgPackWriter(buffer);
        WriteJson(ref writer, utf8Json, attachments);
        var reader = new SocketIOMsgPackReader(buffer.WrittenSpan);
        ReadToJson(ref reader, json);
    }

    private static void WriteValue(ref SocketIOMsgPackWriter writer, ref Utf8JsonReader json, IReadOnlyList<ReadOnlyMemory<byte>> attachments)
    {
        switch (json.TokenType)
        {
            case JsonTokenType.Null:
                writer.WriteNil();
                break;
            case JsonTokenType.True:
                writer.WriteBoolean(true);
                break;
            case JsonTokenType.False:
                writer.WriteBoolean(false);
                break;
            case JsonTokenType.Number:
                if (json.TryGetInt64(out long integer))
                {
                    writer.WriteInt64(integer);
                }
                else
                {
                    writer.WriteNumber(json.GetDouble());
                }

                break;
            case JsonTokenType.String:
                if (json.ValueIsEscaped || json.HasValueSequence)
                {
                    writer.WriteString(json.GetString());
                }
                else
                {
                    writer.WriteString(json.ValueSpan);
                }

                break;
            case JsonTokenType.StartArray:
            {
                writer.WriteArrayHeader(CountItems(json));
                while (json.Read() && json.TokenType != JsonTokenType.EndArray)
                {
                    WriteValue(ref writer, ref json, attachments);
                }

                break;
            }

            case JsonTokenType.StartObject:
            {
                if (TryReadPlaceholder(json, out int num))
                {
                    if ((uint)num >= (uint)attachments.Count)
                    {
                        throw new FormatException($"A placeholder refers to attachment {num}; there are {attachments.Count}.");
                    }

                    writer.WriteBinary(attachments[num].Span);
                    json.Skip();
                    break;
                }

                writer.WriteMapHeader(CountItems(json));
                while (json.Read() && json.TokenType != JsonTokenType.EndObject)
                {
                    if (json.ValueIsEscaped || json.HasValueSequence)
                    {
                        writer.WriteString(json.GetString());
                    }
                    else
                    {
                        writer.WriteString(json.ValueSpan);
                    }

                    json.Read();
                    WriteValue(ref writer, ref json, attachments);
                }

                break;
            }

            default:
                throw new FormatException($"Unexpected JSON token {json.TokenType}.");
        }
    }

    // The items of the array or the properties of the object the reader is on, read from a copy.
    private static int CountItems(Utf8JsonReader json)
    {
        int depth = json.CurrentDepth;
        int count = 0;
        while (json.Read() && json.CurrentDepth > depth)
        {
            if (json.CurrentDepth == depth + 1 && json.TokenType is not (JsonTokenType.EndArray or JsonTokenType.EndObject or JsonTokenType.PropertyName))
            {
                count++;
            }

            if (json.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
            {
                json.Skip();
            }
        }

        return count;
    }

    private static bool TryReadPlaceholder(Utf8JsonReader json, out int num)
    {
        num = -1;
        bool placeholder = false;
        int properties = 0;
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            properties++;
            if (json.ValueTextEquals("_placeholder"u8))
            {
                json.Read();
                placeholder = json.TokenType == JsonTokenType.True;
            }
            else if (json.ValueTextEquals("num"u8))
            {
                json.Read();
                if (json.TokenType != JsonTokenType.Number || !json.TryGetInt32(out num))
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        return placeholder && properties == 2 && num >= 0;
    }

    private static void ReadValue(ref SocketIOMsgPackReader reader, Utf8JsonWriter json, SocketIOPacketWriter? packet, int depth)
    {
        if (depth > SocketIOMsgPackReader.MaxDepth)
        {
            throw new FormatException($"Malformed MessagePack: nested deeper than {SocketIOMsgPackReader.MaxDepth}.");
        }

        switch (reader.NextType)
        {
            case SocketIOMsgPackType.Nil:
                reader.TryReadNil();
                json.WriteNullValue();
                break;
            case SocketIOMsgPackType.Boolean:
                json.WriteBooleanValue(reader.ReadBoolean());
                break;
            case SocketIOMsgPackType.Integer:
            case SocketIOMsgPackType.Float:
                WriteNumber(json, ref reader);
                break;
            case SocketIOMsgPackType.String:
                json.WriteStringValue(reader.ReadStringSpan());
                break;
            case SocketIOMsgPackType.Binary:
                ReadOnlySpan<byte> bytes = reader.ReadBinary();
                if (packet is not null)
                {
                    packet.WriteBinary(bytes.ToArray());
                }
                else
                {
                    json.WriteStartObject();
                    json.WriteString("type"u8, "Buffer"u8);
                    json.WriteStartArray("data"u8);
                    foreach (byte b in bytes)
                    {
                        json.WriteNumberValue(b);
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                break;
            case SocketIOMsgPackType.Extension:
                ReadOnlySpan<byte> data = reader.ReadExtension(out sbyte type);
                if (type == -1)
                {
                    // A JavaScript Date, as JSON.stringify writes it.
                    json.WriteStringValue(SocketIOMsgPackReader.ReadTimestamp(data).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                }
                else
                {
                    json.WriteNullValue();
                }

                break;
            case SocketIOMsgPackType.Array:
                json.WriteStartArray();
                for (int i = reader.ReadArrayHeader(); i > 0; i--)
                {
                    ReadValue(ref reader, json, packet, depth + 1);
                }

                json.WriteEndArray();
                break;
            default:
                json.WriteStartObject();
                for (int i = reader.ReadMapHeader(); i > 0; i--)
                {
                    switch (reader.NextType)
                    {
                        case SocketIOMsgPackType.String:
                            json.WritePropertyName(reader.ReadStringSpan());
                            break;
                        case SocketIOMsgPackType.Integer:
                        case SocketIOMsgPackType.Float:
                            json.WritePropertyName(reader.ReadDouble().ToString("R", CultureInfo.InvariantCulture));
                            break;
                        default:
                            throw new FormatException($"Malformed MessagePack: a map key of kind {reader.NextType}.");
                    }

                    ReadValue(ref reader, json, packet, depth + 1);
                }

                json.WriteEndObject();
                break;
        }
    }

    private static void WriteNumber(Utf8JsonWriter json, ref SocketIOMsgPackReader reader)
    {
        if (reader.NextType == SocketIOMsgPackType.Integer)
        {
            SocketIOMsgPackReader probe = reader;
            try
            {
                json.WriteNumberValue(probe.ReadInt64());
                reader = probe;
                return;
            }
            catch (FormatException)
            {
                // A uint64 beyond long: written as a double below, as JavaScript reads it.
            }
        }

        double value = reader.ReadDouble();
        if (double.IsFinite(value))
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteNullValue();
        }
    }
}
