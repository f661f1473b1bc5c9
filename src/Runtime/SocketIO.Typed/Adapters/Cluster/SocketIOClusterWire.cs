using System.Buffers;
using System.Globalization;
using System.Text.Json;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Adapters.Cluster;

/// <summary>
/// The MessagePack forms the Node adapters share: a broadcast's <c>opts</c> (<c>{rooms, except, flags}</c>), its
/// flags, and a socket's details (<c>{id, handshake, rooms, data}</c>, socket.io's <c>SocketDetails</c>).
/// </summary>
internal static class SocketIOClusterWire
{
    private static readonly JsonWriterOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>socket.io-adapter's <c>encodeOptions</c>: rooms, except (each once), flags.</summary>
    public static void WriteOptions(ref SocketIOMsgPackWriter w, BroadcastOptions options, bool withFlags = true)
    {
        w.WriteMapHeader(withFlags ? 3 : 2);
        w.WriteString("rooms"u8);
        w.WriteArrayHeader(options.Rooms.Count);
        foreach (string room in options.Rooms)
        {
            w.WriteString(room);
        }

        string[] except = [.. options.Except.Distinct(StringComparer.Ordinal)];
        w.WriteString("except"u8);
        w.WriteArrayHeader(except.Length);
        foreach (string room in except)
        {
            w.WriteString(room);
        }

        if (withFlags)
        {
            w.WriteString("flags"u8);
            WriteFlags(ref w, options.Flags, options.Timeout);
        }
    }

    /// <summary>Only the flags that are set, as socket.io builds them (<c>volatile: false</c> would still read as volatile there).</summary>
    public static void WriteFlags(ref SocketIOMsgPackWriter w, BroadcastFlags flags, TimeSpan? timeout)
    {
        bool isVolatile = (flags & BroadcastFlags.Volatile) != 0;
        bool noCompress = (flags & BroadcastFlags.NoCompress) != 0;
        w.WriteMapHeader((isVolatile ? 1 : 0) + (noCompress ? 1 : 0) + (timeout is null ? 0 : 1));
        if (isVolatile)
        {
            w.WriteString("volatile"u8);
            w.WriteBoolean(true);
        }

        if (noCompress)
        {
            w.WriteString("compress"u8);
            w.WriteBoolean(false);
        }

        if (timeout is { } deadline)
        {
            w.WriteString("timeout"u8);
            w.WriteInt64((long)deadline.TotalMilliseconds);
        }
    }

    /// <summary>Reads <c>opts</c>; a missing or empty part reads as empty, unknown flags are ignored.</summary>
    public static BroadcastOptions ReadOptions(ref SocketIOMsgPackReader reader)
    {
        string[] rooms = [];
        string[] except = [];
        BroadcastFlags flags = BroadcastFlags.None;
        TimeSpan? timeout = null;
        if (reader.TryReadNil())
        {
            return new BroadcastOptions(rooms, except, flags);
        }

        for (int entries = reader.ReadMapHeader(); entries > 0; entries--)
        {
            string? key = reader.NextType == SocketIOMsgPackType.String ? reader.ReadString() : null;
            if (key is "rooms" or "except" && reader.NextType == SocketIOMsgPackType.Array)
            {
                string[] list = ReadStrings(ref reader);
                if (key == "rooms")
                {
                    rooms = list;
                }
                else
                {
                    except = list;
                }
            }
            else if (key == "flags" && reader.NextType == SocketIOMsgPackType.Map)
            {
                for (int f = reader.ReadMapHeader(); f > 0; f--)
                {
                    string? flag = reader.NextType == SocketIOMsgPackType.String ? reader.ReadString() : null;
                    if (flag == "volatile" && reader.NextType == SocketIOMsgPackType.Boolean)
                    {
                        flags |= reader.ReadBoolean() ? BroadcastFlags.Volatile : BroadcastFlags.None;
                    }
                    else if (flag == "compress" && reader.NextType == SocketIOMsgPackType.Boolean)
                    {
                        flags |= reader.ReadBoolean() ? BroadcastFlags.None : BroadcastFlags.NoCompress;
                    }
                    else if (flag == "timeout" && reader.NextType is SocketIOMsgPackType.Integer or SocketIOMsgPackType.Float)
                    {
                        timeout = TimeSpan.FromMilliseconds(reader.ReadDouble());
                    }
                    else
                    {
                        if (flag is null)
                        {
                            reader.Skip();
                        }

                        reader.Skip();
                    }
                }
            }
            else
            {
                if (key is null)
                {
                    reader.Skip();
                }

                reader.Skip();
            }
        }

        return new BroadcastOptions(rooms, except, flags, timeout);
    }

    /// <summary>An array of room names (a number room, which socket.io allows, reads as its text; other values are skipped).</summary>
    public static string[] ReadStrings(ref SocketIOMsgPackReader reader)
    {
        if (reader.NextType != SocketIOMsgPackType.Array)
        {
            reader.Skip();
            return [];
        }

        int count = reader.ReadArrayHeader();
        var list = new List<string>(Math.Min(count, 1024));
        for (int i = 0; i < count; i++)
        {
            if (reader.NextType == SocketIOMsgPackType.String)
            {
                list.Add(reader.ReadString()!);
            }
            else if (reader.NextType is SocketIOMsgPackType.Integer or SocketIOMsgPackType.Float)
            {
                list.Add(reader.ReadDouble().ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                reader.Skip();
            }
        }

        return [.. list];
    }

    /// <summary>Writes an array of strings.</summary>
    public static void WriteStrings(ref SocketIOMsgPackWriter w, IReadOnlyCollection<string> values)
    {
        w.WriteArrayHeader(values.Count);
        foreach (string value in values)
        {
            w.WriteString(value);
        }
    }

    /// <summary>socket.io's SocketDetails: <c>{id, handshake, rooms, data}</c>.</summary>
    public static void WriteSocket(ref SocketIOMsgPackWriter w, SocketIORemoteSocket socket)
    {
        w.WriteMapHeader(4);
        w.WriteString("id"u8);
        w.WriteString(socket.Id);
        w.WriteString("handshake"u8);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, s_json))
        {
            socket.Handshake.WriteTo(json);
        }

        SocketIOMsgPackJson.WriteJson(ref w, buffer.WrittenSpan, []);
        w.WriteString("rooms"u8);
        WriteStrings(ref w, socket.Rooms);
        w.WriteString("data"u8);
        if (socket.Data.ValueKind == JsonValueKind.Undefined)
        {
            w.WriteMapHeader(0);
        }
        else
        {
            SocketIOMsgPackJson.WriteJson(ref w, Encoding(socket.Data), []);
        }
    }

    /// <summary>Reads SocketDetails into a remote socket of <paramref name="adapter"/>.</summary>
    public static SocketIORemoteSocket ReadSocket(ref SocketIOMsgPackReader reader, SocketIOAdapter adapter)
    {
        string id = string.Empty;
        string[] rooms = [];
        JsonElement data = default;
        JsonElement handshake = default;
        for (int entries = reader.ReadMapHeader(); entries > 0; entries--)
        {
            string? key = reader.NextType == SocketIOMsgPackType.String ? reader.ReadString() : null;
            switch (key)
            {
                case "id" when reader.NextType == SocketIOMsgPackType.String:
                    id = reader.ReadString()!;
                    break;
                case "rooms":
                    rooms = ReadStrings(ref reader);
                    break;
                case "data":
                    data = ToJsonElement(ref reader);
                    break;
                case "handshake":
                    handshake = ToJsonElement(ref reader);
                    break;
                default:
                    if (key is null)
                    {
                        reader.Skip();
                    }

                    reader.Skip();
                    break;
            }
        }

        return new SocketIORemoteSocket(adapter, id, rooms, data, SocketIOHandshakeRecord.Read(handshake));
    }

    /// <summary>The next MessagePack value as a JSON element (binary as Node's JSON of a Buffer).</summary>
    public static JsonElement ToJsonElement(ref SocketIOMsgPackReader reader)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, s_json))
        {
            SocketIOMsgPackJson.ReadToJson(ref reader, json);
        }

        using JsonDocument document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>Runs <paramref name="write"/> on a MessagePack writer and returns the bytes.</summary>
    public static byte[] MsgPack<TState>(TState state, MsgPackAction<TState> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new SocketIOMsgPackWriter(buffer);
        write(ref writer, state);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes with a MessagePack writer.</summary>
    public delegate void MsgPackAction<TState>(ref SocketIOMsgPackWriter writer, TState state);

    /// <summary>[event, ...args] of an EVENT packet as MessagePack (binary inline); false when it is not an event.</summary>
    public static bool WriteEventArray(ref SocketIOMsgPackWriter w, EncodedPacket packet)
    {
        if (!EncodedEventReader.TryReadEvent(packet, out string name, out SocketIOArguments arguments))
        {
            return false;
        }

        w.WriteArrayHeader(1 + arguments.Count);
        w.WriteString(name);
        for (int i = 0; i < arguments.Count; i++)
        {
            SocketIOMsgPackJson.WriteJson(ref w, arguments.GetRawJson(i).Span, arguments.Attachments);
        }

        return true;
    }

    /// <summary>The first argument of an ACK (or EVENT) packet as MessagePack, nil when it has none: what a server-side answer carries.</summary>
    public static void WriteFirstArgument(ref SocketIOMsgPackWriter w, EncodedPacket packet)
    {
        byte[] text = packet.Text.Length > 1 ? packet.Text[1..].ToArray() : [];
        if (SocketIOParser.TryParse(text, out SocketIOPacketHeader header) == SocketIOParseError.None)
        {
            var attachments = new ReadOnlyMemory<byte>[packet.AttachmentCount];
            for (int i = 0; i < attachments.Length; i++)
            {
                attachments[i] = packet.GetAttachment(i);
            }

            SocketIOArguments answer = SocketIOArguments.FromJsonArray(header.GetPayload(text), attachments);
            if (answer.Count > 0)
            {
                SocketIOMsgPackJson.WriteJson(ref w, answer.GetRawJson(0).Span, attachments);
                return;
            }
        }

        w.WriteNil();
    }

    private static byte[] Encoding(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, s_json))
        {
            element.WriteTo(json);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
