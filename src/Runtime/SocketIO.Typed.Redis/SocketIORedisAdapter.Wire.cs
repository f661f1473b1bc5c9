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
