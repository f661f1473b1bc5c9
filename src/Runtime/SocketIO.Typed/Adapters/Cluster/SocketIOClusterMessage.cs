using System.Buffers;
using System.Text.Json;

namespace SocketIO.Typed.Adapters.Cluster;

/// <summary>The kinds of message of socket.io-adapter's <c>ClusterAdapter</c> (its <c>MessageType</c>, same numbers).</summary>
public enum SocketIOClusterMessageType
{
    /// <summary>A server starts (adapters with heartbeats): the others answer with a heartbeat.</summary>
    InitialHeartbeat = 1,

    /// <summary>A server is alive (adapters with heartbeats).</summary>
    Heartbeat = 2,

    /// <summary>A broadcast, with a request id when it waits for acknowledgements.</summary>
    Broadcast = 3,

    /// <summary>Matching sockets join rooms.</summary>
    SocketsJoin = 4,

    /// <summary>Matching sockets leave rooms.</summary>
    SocketsLeave = 5,

    /// <summary>Matching sockets are disconnected.</summary>
    DisconnectSockets = 6,

    /// <summary>A request for the matching sockets.</summary>
    FetchSockets = 7,

    /// <summary>The answer to <see cref="FetchSockets"/>.</summary>
    FetchSocketsResponse = 8,

    /// <summary>An event for the other servers, with a request id when it waits for their answers.</summary>
    ServerSideEmit = 9,

    /// <summary>A server's answer to <see cref="ServerSideEmit"/>.</summary>
    ServerSideEmitResponse = 10,

    /// <summary>How many sockets of a server received a broadcast waiting for acknowledgements.</summary>
    BroadcastClientCount = 11,

    /// <summary>One socket's acknowledgement of such a broadcast.</summary>
    BroadcastAck = 12,

    /// <summary>A server stops (adapters with heartbeats).</summary>
    AdapterClose = 13,
}

/// <summary>
/// One message of socket.io-adapter's cluster model, <c>{type, data, uid, nsp}</c>, with its <c>data</c> kept as
/// MessagePack (binary inline). Each transport writes it its own way: the whole message as MessagePack (Redis
/// Streams' pub/sub, PostgreSQL attachments, RabbitMQ) or as JSON (PostgreSQL's NOTIFY), or its parts as stream
/// fields (Redis Streams).
/// </summary>
public sealed class SocketIOClusterMessage
{
    private static readonly JsonWriterOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Creates a message.</summary>
    /// <param name="type">The kind.</param>
    /// <param name="uid">The sending adapter's id.</param>
    /// <param name="namespace">The namespace (<c>nsp</c>); null when the sender left it out.</param>
    /// <param name="data">The <c>data</c> value as MessagePack; empty when the message has none.</param>
    public SocketIOClusterMessage(SocketIOClusterMessageType type, string uid, string? @namespace, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(uid);
        Type = type;
        Uid = uid;
        Namespace = @namespace;
        Data = data;
    }

    /// <summary>The kind.</summary>
    public SocketIOClusterMessageType Type { get; }

    /// <summary>The sending adapter's id (<c>emitter</c> for an emitter).</summary>
    public string Uid { get; }

    /// <summary>The namespace, or null when the sender left it out.</summary>
    public string? Namespace { get; }

    /// <summary>The <c>data</c> value as MessagePack; empty when the message has none.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Whether this is an answer to a request (types 8, 10, 11, 12).</summary>
    public bool IsResponse => Type is SocketIOClusterMessageType.FetchSocketsResponse or SocketIOClusterMessageType.ServerSideEmitResponse
        or SocketIOClusterMessageType.BroadcastClientCount or SocketIOClusterMessageType.BroadcastAck;

    /// <summary>Whether <see cref="Data"/> holds binary anywhere (Node's <c>hasBinary</c>).</summary>
    /// <returns>Whether it does.</returns>
    public bool DataHasBinary()
    {
        if (Data.IsEmpty)
        {
            return false;
        }

        var reader = new SocketIOMsgPackReader(Data.Span);
        return reader.SkipFindingBinary();
    }

    /// <summary>The whole message as MessagePack, <c>{type, data, uid, nsp}</c> in that order (<c>data</c> left out when empty).</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToMsgPack()
    {
        var buffer = new ArrayBufferWriter<byte>(Data.Length + 64);
        var w = new SocketIOMsgPackWriter(buffer);
        w.WriteMapHeader(2 + (Data.IsEmpty ? 0 : 1) + (Namespace is null ? 0 : 1));
        w.WriteString("type"u8);
        w.WriteInt64((long)Type);
        if (!Data.IsEmpty)
        {
            w.WriteString("data"u8);
            w.WriteRaw(Data.Span);
        }

        w.WriteString("uid"u8);
        w.WriteString(Uid);
        if (Namespace is not null)
        {
            w.WriteString("nsp"u8);
            w.WriteString(Namespace);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The whole message as JSON, <c>{"type":..,"data":..,"uid":..,"nsp":..}</c> (binary as Node's JSON writes a Buffer,
    /// so a transport sends a message with binary some other way).
    /// </summary>
    /// <returns>The UTF-8 bytes.</returns>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(Data.Length * 2 + 64);
        using (var w = new Utf8JsonWriter(buffer, s_json))
        {
            w.WriteStartObject();
            w.WriteNumber("type"u8, (int)Type);
            if (!Data.IsEmpty)
            {
                w.WritePropertyName("data"u8);
                var reader = new SocketIOMsgPackReader(Data.Span);
                SocketIOMsgPackJson.ReadToJson(ref reader, w);
            }

            w.WriteString("uid"u8, Uid);
            if (Namespace is not null)
            {
                w.WriteString("nsp"u8, Namespace);
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The <c>data</c> value as JSON text (binary as Node's JSON of a Buffer); empty when there is none.</summary>
    /// <returns>The JSON.</returns>
    public string DataToJson()
    {
        if (Data.IsEmpty)
        {
            return string.Empty;
        }

        var buffer = new ArrayBufferWriter<byte>(Data.Length * 2 + 16);
        using (var w = new Utf8JsonWriter(buffer, s_json))
        {
            var reader = new SocketIOMsgPackReader(Data.Span);
            SocketIOMsgPackJson.ReadToJson(ref reader, w);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Turns a JSON value into the MessagePack form <see cref="Data"/> keeps.</summary>
    /// <param name="utf8Json">One JSON value.</param>
    /// <returns>The MessagePack bytes.</returns>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static byte[] DataFromJson(ReadOnlySpan<byte> utf8Json)
    {
        var buffer = new ArrayBufferWriter<byte>(utf8Json.Length + 16);
        var w = new SocketIOMsgPackWriter(buffer);
        SocketIOMsgPackJson.WriteJson(ref w, utf8Json, []);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a whole message written as MessagePack (by <see cref="ToMsgPack"/> or a Node adapter).</summary>
    /// <param name="bytes">The message.</param>
    /// <returns>The message.</returns>
    /// <exception cref="FormatException">It is not a cluster message.</exception>
    public static SocketIOClusterMessage ReadMsgPack(ReadOnlySpan<byte> bytes)
    {
        var reader = new SocketIOMsgPackReader(bytes);
        long type = -1;
        string? uid = null;
        string? nsp = null;
        byte[] data = [];
        for (int entries = reader.ReadMapHeader(); entries > 0; entries--)
        {
            string? key = reader.NextType == SocketIOMsgPackType.String ? reader.ReadString() : null;
            switch (key)
            {
                case "type" when reader.NextType == SocketIOMsgPackType.Integer:
                    type = reader.ReadInt64();
                    break;
                case "uid" when reader.NextType == SocketIOMsgPackType.String:
                    uid = reader.ReadString();
                    break;
                case "nsp" when reader.NextType == SocketIOMsgPackType.String:
                    nsp = reader.ReadString();
                    break;
                case "data":
                    int start = reader.Position;
                    reader.Skip();
                    data = bytes[start..reader.Position].ToArray();
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

        return Create(type, uid, nsp, data);
    }

    /// <summary>Reads a whole message written as JSON (by <see cref="ToJson"/> or a Node adapter).</summary>
    /// <param name="utf8Json">The message.</param>
    /// <returns>The message.</returns>
    /// <exception cref="FormatException">It is not a cluster message.</exception>
    /// <exception cref="JsonException">It is not JSON.</exception>
    public static SocketIOClusterMessage ReadJson(ReadOnlySpan<byte> utf8Json)
    {
        var json = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = SocketIOMsgPackReader.MaxDepth });
        if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("A cluster message is a JSON object.");
        }

        long type = -1;
        string? uid = null;
        string? nsp = null;
        byte[] data = [];
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            string key = json.GetString()!;
            json.Read();
            switch (key)
            {
                case "type" when json.TokenType == JsonTokenType.Number && json.TryGetInt64(out long t):
                    type = t;
                    break;
                case "uid" when json.TokenType == JsonTokenType.String:
                    uid = json.GetString();
                    break;
                case "nsp" when json.TokenType == JsonTokenType.String:
                    nsp = json.GetString();
                    break;
                case "data":
                    var buffer = new ArrayBufferWriter<byte>(256);
                    var w = new SocketIOMsgPackWriter(buffer);
                    SocketIOMsgPackJson.WriteJson(ref w, ref json, []);
                    data = buffer.WrittenSpan.ToArray();
                    break;
                default:
                    json.Skip();
                    break;
            }
        }

        return Create(type, uid, nsp, data);
    }

    /// <summary>Creates a message from its parts as a transport read them.</summary>
    /// <param name="type">The kind, as a number.</param>
    /// <param name="uid">The sender's id.</param>
    /// <param name="namespace">The namespace, or null.</param>
    /// <param name="data">The data as MessagePack (may be empty).</param>
    /// <returns>The message.</returns>
    /// <exception cref="FormatException">The type is unknown or the uid missing.</exception>
    public static SocketIOClusterMessage Create(long type, string? uid, string? @namespace, ReadOnlyMemory<byte> data)
    {
        if (type is < 1 or > 13)
        {
            throw new FormatException($"Not a cluster message: type {type} is not one of socket.io-adapter's (1 to 13).");
        }

        if (string.IsNullOrEmpty(uid))
        {
            throw new FormatException("Not a cluster message: it has no uid.");
        }

        return new SocketIOClusterMessage((SocketIOClusterMessageType)type, uid, @namespace, data);
    }
}
