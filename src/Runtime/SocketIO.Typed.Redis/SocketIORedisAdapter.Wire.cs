using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Adapters.Cluster;
using SocketIO.Typed.Protocol;
using StackExchange.Redis;

namespace SocketIO.Typed.Redis;

/// <summary>The Redis adapter: the wire forms of @socket.io/redis-adapter 8.3 (options, flags, socket details, event data, ids).</summary>
public sealed partial class SocketIORedisAdapter
{
    // ------------------------------------------------------------------ encodings

    private static void WriteOptions(ref SocketIOMsgPackWriter w, BroadcastOptions options)
    {
        w.WriteMapHeader(3);
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

        w.WriteString("flags"u8);
        WriteFlags(ref w, options.Flags, options.Timeout);
    }

    /// <summary>Only the flags that are set, as socket.io builds them (<c>volatile: false</c> would still read as volatile there).</summary>
    internal static void WriteFlags(ref SocketIOMsgPackWriter w, BroadcastFlags flags, TimeSpan? timeout)
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

    private static BroadcastOptions ReadOptions(ref SocketIOMsgPackReader reader)
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
                int count = reader.ReadArrayHeader();
                var list = new List<string>(count);
                for (int i = 0; i < count; i++)
                {
                    if (reader.NextType == SocketIOMsgPackType.String)
                    {
                        list.Add(reader.ReadString()!);
                    }
                    else if (reader.NextType is SocketIOMsgPackType.Integer or SocketIOMsgPackType.Float)
                    {
                        // A number room (socket.io allows them): the same name as its text.
                        list.Add(reader.ReadDouble().ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                if (key == "rooms")
                {
                    rooms = [.. list];
                }
                else
                {
                    except = [.. list];
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

    private static void WriteJsonOptions(Utf8JsonWriter w, BroadcastOptions options)
    {
        w.WriteStartObject();
        WriteStrings(w, "rooms"u8, options.Rooms);
        WriteStrings(w, "except"u8, [.. options.Except.Distinct(StringComparer.Ordinal)]);
        w.WriteEndObject();
    }

    private static BroadcastOptions ReadJsonOptions(JsonElement opts) => new(
        opts.TryGetProperty("rooms"u8, out JsonElement rooms) ? Strings(rooms) : [],
        opts.TryGetProperty("except"u8, out JsonElement except) ? Strings(except) : [],
        BroadcastFlags.None);

    private static string[] Strings(JsonElement array) => array.ValueKind != JsonValueKind.Array
        ? []
        : [.. array.EnumerateArray().Select(static e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText())];

    private static void WriteStrings(Utf8JsonWriter w, ReadOnlySpan<byte> name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (string value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    // socket.io's SocketDetails: {id, handshake, rooms, data}.
    private static void WriteSocket(Utf8JsonWriter w, SocketIORemoteSocket socket)
    {
        w.WriteStartObject();
        w.WriteString("id"u8, socket.Id);
        w.WritePropertyName("handshake"u8);
        socket.Handshake.WriteTo(w);
        WriteStrings(w, "rooms"u8, socket.Rooms);
        w.WritePropertyName("data"u8);
        socket.Data.WriteTo(w);
        w.WriteEndObject();
    }

    private SocketIORemoteSocket ReadSocket(JsonElement socket) => new(
        this,
        socket.TryGetProperty("id"u8, out JsonElement id) ? id.GetString() ?? string.Empty : string.Empty,
        socket.TryGetProperty("rooms"u8, out JsonElement rooms) ? Strings(rooms) : [],
        socket.TryGetProperty("data"u8, out JsonElement data) ? data.Clone() : default,
        socket.TryGetProperty("handshake"u8, out JsonElement handshake) ? SocketIOHandshakeRecord.Read(handshake) : SocketIOHandshakeRecord.Read(default));

    // [event, ...args] of an EVENT packet as JSON (binary arguments as Node's JSON writes a Buffer: {type, data}).
    internal static void WriteEventData(Utf8JsonWriter w, EncodedPacket packet)
    {
        w.WriteStartArray();
        if (EncodedEventReader.TryReadEvent(packet, out string name, out SocketIOArguments arguments))
        {
            w.WriteStringValue(name);
            for (int i = 0; i < arguments.Count; i++)
            {
                SocketIOMsgPackJson.WriteNodeJson(w, arguments.GetRawJson(i).Span, arguments.Attachments);
            }
        }

        w.WriteEndArray();
    }

    private static byte[] MsgPack(SpanAction write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var writer = new SocketIOMsgPackWriter(buffer);
        write(ref writer);
        return buffer.WrittenSpan.ToArray();
    }

    private delegate void SpanAction(ref SocketIOMsgPackWriter writer);

    private static byte[] Json(Action<Utf8JsonWriter> write, bool array = false)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_json))
        {
            if (array)
            {
                writer.WriteStartArray();
            }
            else
            {
                writer.WriteStartObject();
            }

            write(writer);
            if (array)
            {
                writer.WriteEndArray();
            }
            else
            {
                writer.WriteEndObject();
            }
        }

        return buffer.WrittenSpan.ToArray();
    }
}
