using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server.Engine;

namespace SocketIO.Typed.Server;

/// <summary>The Admin UI instrumentation: the JSON the UI reads (socket.io's socket details, data, dates).</summary>
internal sealed partial class SocketIOAdminInstrumentation
{
    // ------------------------------------------------------------------ writing

    // socket.io's SocketDetails as the UI reads it: id, clientId, transport, nsp, data, handshake, rooms.
    private static void WriteSocket(Utf8JsonWriter w, SocketIORemoteSocket socket, string nsp)
    {
        if (socket.Local is SocketIOSocket local)
        {
            // Read here, not through the description's data, which fails as a whole on one value it cannot write.
            WriteSocket(w, local.Id, ClientId(local.ConnectionId), local.Transport, nsp, socket.Handshake, socket.Rooms, data => WriteData(data, local.Data));
            return;
        }

        string? clientId = null;
        string? transport = null;
        if (socket.Data.ValueKind == JsonValueKind.Object && socket.Data.TryGetProperty("_admin", out JsonElement admin) && admin.ValueKind == JsonValueKind.Object)
        {
            // A socket of another server of the cluster: a Node server's instrumentation keeps these in its data.
            clientId = admin.TryGetProperty("clientId", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            transport = admin.TryGetProperty("transport", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }

        WriteSocket(w, socket.Id, clientId, transport, nsp, socket.Handshake, socket.Rooms, data =>
        {
            data.WriteStartObject();
            if (socket.Data.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in socket.Data.EnumerateObject())
                {
                    if (property.Name != "_admin")
                    {
                        property.WriteTo(data);
                    }
                }
            }

            data.WriteEndObject();
        });
    }

    private static void WriteSocket(Utf8JsonWriter w, string id, string? clientId, string? transport, string nsp, SocketIOHandshakeRecord handshake, IReadOnlyCollection<string> rooms, Action<Utf8JsonWriter> writeData)
    {
        w.WriteStartObject();
        w.WriteString("id"u8, id);
        w.WriteString("clientId"u8, clientId);
        w.WriteString("transport"u8, transport);
        w.WriteString("nsp"u8, nsp);
        w.WritePropertyName("data"u8);
        writeData(w);
        w.WritePropertyName("handshake"u8);
        w.WriteStartObject();
        string? address = handshake.Headers.TryGetValue("cf-connecting-ip", out string? cf) ? cf
            : handshake.Headers.TryGetValue("x-forwarded-for", out string? forwarded) ? forwarded
            : handshake.Address;
        w.WriteString("address"u8, address);
        w.WriteStartObject("headers"u8);
        foreach (KeyValuePair<string, string> header in handshake.Headers)
        {
            w.WriteString(header.Key.ToLowerInvariant(), header.Value);
        }

        w.WriteEndObject();
        w.WriteStartObject("query"u8);
        foreach (KeyValuePair<string, string> pair in handshake.Query)
        {
            w.WriteString(pair.Key, pair.Value);
        }

        w.WriteEndObject();
        w.WriteNumber("issued"u8, handshake.Time.ToUnixTimeMilliseconds());
        w.WriteBoolean("secure"u8, handshake.Secure);
        w.WriteString("time"u8, handshake.Time.ToString("R", CultureInfo.InvariantCulture));
        w.WriteString("url"u8, handshake.Url);
        w.WriteBoolean("xdomain"u8, handshake.CrossDomain);
        w.WriteEndObject();
        w.WriteStartArray("rooms"u8);
        foreach (string room in rooms)
        {
            w.WriteStringValue(room);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    // socket.data without the Node instrumentation's "_admin" entry.
    private static void WriteData(Utf8JsonWriter w, IDictionary<string, object?> data) => SocketIOSocket.WriteData(w, data, skipKey: "_admin");

    private static string ClientId(string engineId) => engineId.Length > 12 ? engineId[..12] : engineId;

    private string Now() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    // One JSON value.
    private static byte[] Value(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    // A JSON array of the elements written: the arguments of a report.
    private static byte[] Json(Action<Utf8JsonWriter> writeElements)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writeElements(writer);
            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
