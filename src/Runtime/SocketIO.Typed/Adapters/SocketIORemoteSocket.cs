using System.Globalization;
using System.Text.Json;
using SocketIO.Typed;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Adapters;

/// <summary>
/// What the handshake of a socket looked like, in a form that crosses servers (socket.io's <c>Handshake</c> in a
/// <c>SocketDetails</c>): written and read as the same JSON object the Node adapters send.
/// </summary>
/// <param name="Headers">The request headers (several values joined with <c>", "</c>).</param>
/// <param name="Time">When the connection was made.</param>
/// <param name="Address">The client's address.</param>
/// <param name="CrossDomain">Whether the request carried an <c>Origin</c> header (<c>xdomain</c>).</param>
/// <param name="Secure">Whether the connection is over TLS.</param>
/// <param name="Url">The request path and query.</param>
/// <param name="Query">The query parameters.</param>
/// <param name="Auth">The CONNECT packet's auth payload.</param>
public sealed record SocketIOHandshakeRecord(
    IReadOnlyDictionary<string, string> Headers,
    DateTimeOffset Time,
    string? Address,
    bool CrossDomain,
    bool Secure,
    string Url,
    IReadOnlyDictionary<string, string> Query,
    JsonElement Auth)
{
    /// <summary>Writes the record as socket.io's handshake object.</summary>
    /// <param name="writer">The writer.</param>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WritePropertyName("headers"u8);
        WriteMap(writer, Headers);
        writer.WriteString("time"u8, Time.ToString("R", CultureInfo.InvariantCulture));
        writer.WriteString("address"u8, Address);
        writer.WriteBoolean("xdomain"u8, CrossDomain);
        writer.WriteBoolean("secure"u8, Secure);
        writer.WriteNumber("issued"u8, Time.ToUnixTimeMilliseconds());
        writer.WriteString("url"u8, Url);
        writer.WritePropertyName("query"u8);
        WriteMap(writer, Query);
        writer.WritePropertyName("auth"u8);
        if (Auth.ValueKind == JsonValueKind.Undefined)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            Auth.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    /// <summary>Reads a handshake object written by <see cref="WriteTo"/> or by a Node server.</summary>
    /// <param name="element">The JSON object.</param>
    /// <returns>The record; missing members take empty values.</returns>
    public static SocketIOHandshakeRecord Read(JsonElement element)
    {
        DateTimeOffset time = element.TryGetProperty("issued"u8, out JsonElement issued) && issued.TryGetInt64(out long ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : default;
        return new SocketIOHandshakeRecord(
            ReadMap(element, "headers"u8),
            time,
            element.TryGetProperty("address"u8, out JsonElement address) && address.ValueKind == JsonValueKind.String ? address.GetString() : null,
            element.TryGetProperty("xdomain"u8, out JsonElement xdomain) && xdomain.ValueKind == JsonValueKind.True,
            element.TryGetProperty("secure"u8, out JsonElement secure) && secure.ValueKind == JsonValueKind.True,
            element.TryGetProperty("url"u8, out JsonElement url) && url.ValueKind == JsonValueKind.String ? url.GetString()! : string.Empty,
            ReadMap(element, "query"u8),
            element.TryGetProperty("auth"u8, out JsonElement auth) ? auth.Clone() : default);
    }

    private static void WriteMap(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> map)
    {
        writer.WriteStartObject();
        foreach (KeyValuePair<string, string> pair in map)
        {
            writer.WriteString(pair.Key, pair.Value);
        }

        writer.WriteEndObject();
    }

    private static Dictionary<string, string> ReadMap(JsonElement element, ReadOnlySpan<byte> name)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (element.TryGetProperty(name, out JsonElement obj) && obj.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in obj.EnumerateObject())
            {
                map[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            }
        }

        return map;
    }
}

/// <summary>
/// A socket found by <c>FetchSocketsAsync</c>, on this server or another (socket.io's <c>RemoteSocket</c>): its id,
/// rooms, data and handshake, and the operations socket.io allows on it (emit, join, leave, disconnect), which go
/// through the adapter so they reach the socket wherever it lives.
/// </summary>
/// <remarks>
/// What crosses servers is JSON: <see cref="Data"/> is the socket's data as a JSON value (a local socket's
/// <c>Data</c> dictionary is written with the same rules as event arguments, so its values must be JSON-writable to be
/// seen from another server). <see cref="Local"/> gives the live socket when it is on this server.
/// </remarks>
public sealed class SocketIORemoteSocket
{
    private readonly SocketIOAdapter? _adapter;
    private readonly Func<JsonElement>? _data;
    private JsonElement? _dataValue;

    /// <summary>Creates the view of a socket.</summary>
    /// <param name="adapter">The adapter its operations go through (null for a detached description).</param>
    /// <param name="id">The socket id.</param>
    /// <param name="rooms">Its rooms (its own id included).</param>
    /// <param name="data">Its data as JSON.</param>
    /// <param name="handshake">Its handshake.</param>
    /// <param name="local">The live socket when it is on this server.</param>
    public SocketIORemoteSocket(SocketIOAdapter? adapter, string id, IReadOnlyCollection<string> rooms, JsonElement data, SocketIOHandshakeRecord handshake, ISocketIOLocalSocket? local = null)
    {
        _adapter = adapter;
        Id = id;
        Rooms = rooms;
        _dataValue = data;
        Handshake = handshake;
        Local = local;
    }

    /// <summary>Creates the view of a local socket whose data is written to JSON only when asked for.</summary>
    /// <param name="adapter">The adapter its operations go through.</param>
    /// <param name="local">The socket.</param>
    /// <param name="rooms">Its rooms.</param>
    /// <param name="data">Writes its data as JSON.</param>
    /// <param name="handshake">Its handshake.</param>
    public SocketIORemoteSocket(SocketIOAdapter? adapter, ISocketIOLocalSocket local, IReadOnlyCollection<string> rooms, Func<JsonElement> data, SocketIOHandshakeRecord handshake)
    {
        ArgumentNullException.ThrowIfNull(local);
        _adapter = adapter;
        Id = local.Id;
        Rooms = rooms;
        _data = data;
        Handshake = handshake;
        Local = local;
    }

    /// <summary>The socket id.</summary>
    public string Id { get; }

    /// <summary>The rooms it is in (its own id included), when it was fetched.</summary>
    public IReadOnlyCollection<string> Rooms { get; }

    /// <summary>Its data (socket.io's <c>socket.data</c>) as JSON.</summary>
    public JsonElement Data => _dataValue ??= _data!();

    /// <summary>Its handshake.</summary>
    public SocketIOHandshakeRecord Handshake { get; }

    /// <summary>The live socket when it is connected to this server, otherwise null.</summary>
    public ISocketIOLocalSocket? Local { get; }

    /// <summary>Sends it an event (through the adapter: it arrives wherever the socket is connected).</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>A task that completes when the event is published.</returns>
    public ValueTask EmitAsync(string eventName, params object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        SocketIOAdapter adapter = Adapter;
        return adapter.BroadcastAsync(SocketIOEventEncoder.Encode(eventName, args, adapter.Host.Name, -1), new BroadcastOptions([Id], [], BroadcastFlags.None));
    }

    /// <summary>Makes it join rooms.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A task that completes when done.</returns>
    public ValueTask JoinAsync(params string[] rooms) => Adapter.AddSocketsAsync(new BroadcastOptions([Id], [], BroadcastFlags.None), rooms);

    /// <summary>Makes it leave rooms.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A task that completes when done.</returns>
    public ValueTask LeaveAsync(params string[] rooms) => Adapter.DeleteSocketsAsync(new BroadcastOptions([Id], [], BroadcastFlags.None), rooms);

    /// <summary>Disconnects it.</summary>
    /// <param name="close">Also close its whole connection.</param>
    /// <returns>A task that completes when done.</returns>
    public ValueTask DisconnectAsync(bool close = false) => Adapter.DisconnectSocketsAsync(new BroadcastOptions([Id], [], BroadcastFlags.None), close);

    private SocketIOAdapter Adapter => _adapter ?? throw new InvalidOperationException("This socket description is detached from any adapter.");
}
