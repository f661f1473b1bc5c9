using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Protocol;

/// <summary>
/// Builds one Socket.IO packet as bytes: a JSON array of arguments written through <see cref="Json"/> (binary
/// values become placeholders and attachments), then the header (type, attachment count, namespace, ack id) in
/// front. Generated proxies drive it directly; the untyped API writes through <see cref="WriteValue(object?)"/>.
/// </summary>
/// <remarks>
/// Instances are reusable and cached per thread (<see cref="Rent"/>/<see cref="Return"/>), so encoding a packet
/// allocates nothing but the pooled <see cref="EncodedPacket"/>.
/// </remarks>
public sealed class SocketIOPacketWriter
{
    [ThreadStatic]
    private static SocketIOPacketWriter? t_cached;

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        // Keep text as JSON.stringify writes it: only quotes, backslashes and control characters are escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    // Room left in front of the body for the header (type, attachment count, namespace, ack id), so finishing a
    // packet writes the header in place and hands the buffer over instead of copying the body.
    private const int HeaderReserve = 64;

    private readonly PooledBufferWriter _body = new(HeaderReserve + 256);
    private readonly Utf8JsonWriter _json;
    private readonly List<ReadOnlyMemory<byte>> _attachments = [];
    private bool _ack;

    /// <summary>Creates a writer; prefer <see cref="Rent"/>.</summary>
    public SocketIOPacketWriter()
    {
        _body.Reset(HeaderReserve);
        _json = new Utf8JsonWriter(_body, s_writerOptions);
    }

    /// <summary>The JSON writer positioned inside the arguments array.</summary>
    public Utf8JsonWriter Json => _json;

    /// <summary>The JSON options used by <see cref="WriteValue(object?)"/>.</summary>
    public static JsonWriterOptions WriterOptions => s_writerOptions;

    /// <summary>Takes the calling thread's cached writer, or a new one.</summary>
    /// <returns>A writer; give it back with <see cref="Return"/>.</returns>
    public static SocketIOPacketWriter Rent()
    {
        SocketIOPacketWriter? writer = t_cached;
        if (writer is null)
        {
            return new SocketIOPacketWriter();
        }

        t_cached = null;
        return writer;
    }

    /// <summary>Gives a writer back to the calling thread's cache.</summary>
    /// <param name="writer">The writer.</param>
    public static void Return(SocketIOPacketWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Reset();
        t_cached = writer;
    }

    /// <summary>Starts an event: <c>["name"</c>.</summary>
    /// <param name="eventName">The event name.</param>
    public void BeginEvent(string eventName)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        Reset();
        _json.WriteStartArray();
        _json.WriteStringValue(eventName);
    }

    /// <summary>Starts an event whose name is already UTF-8 (generated proxies keep pre-encoded names).</summary>
    /// <param name="utf8EventName">The event name as UTF-8.</param>
    public void BeginEvent(ReadOnlySpan<byte> utf8EventName)
    {
        Reset();
        _json.WriteStartArray();
        _json.WriteStringValue(utf8EventName);
    }

    /// <summary>
    /// Starts an event whose name was encoded once, for example by a generated proxy:
    /// <c>static readonly JsonEncodedText s_join = JsonEncodedText.Encode("join")</c>. Nothing is escaped per call.
    /// </summary>
    /// <param name="eventName">The pre-encoded event name.</param>
    public void BeginEvent(JsonEncodedText eventName)
    {
        Reset();
        _json.WriteStartArray();
        _json.WriteStringValue(eventName);
    }

    /// <summary>Encodes an event name once, escaped as this writer escapes strings (as <c>JSON.stringify</c> would).</summary>
    /// <param name="eventName">The event name.</param>
    /// <returns>The encoded name, for <see cref="BeginEvent(JsonEncodedText)"/>.</returns>
    /// <exception cref="ArgumentException">The name is one socket.io reserves.</exception>
    public static JsonEncodedText EncodeEventName(string eventName)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        return JsonEncodedText.Encode(eventName, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
    }

    /// <summary>Starts an acknowledgement: <c>[</c>.</summary>
    public void BeginAck()
    {
        Reset();
        _ack = true;
        _json.WriteStartArray();
    }

    /// <summary>Starts a packet whose payload is one JSON value written by the caller (CONNECT, CONNECT_ERROR).</summary>
    public void BeginRaw()
    {
        Reset();
    }

    /// <summary>Writes a binary value as a placeholder and records it as the next attachment.</summary>
    /// <param name="data">The bytes; they must not change until the packet is sent.</param>
    public void WriteBinary(ReadOnlyMemory<byte> data)
    {
        _json.WriteStartObject();
        _json.WriteBoolean("_placeholder"u8, true);
        _json.WriteNumber("num"u8, _attachments.Count);
        _json.WriteEndObject();
        _attachments.Add(data);
    }

    /// <summary>Writes received arguments back unchanged (their JSON text and their attachments, renumbered).</summary>
    /// <param name="arguments">The arguments.</param>
    public void WriteArguments(SocketIOArguments arguments)
    {
        if (arguments.Attachments.Count == 0)
        {
            ReadOnlySpan<byte> raw = arguments.RawList.Span;
            if (!raw.IsEmpty)
            {
                // Raw bytes keep numbers, key order and escapes exactly as the peer wrote them.
                _json.WriteRawValue(raw, skipInputValidation: true);
            }

            return;
        }

        Utf8JsonReader reader = arguments.CreateReader();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            WriteWithAttachments(ref reader, arguments);
        }
    }

    private void WriteWithAttachments(ref Utf8JsonReader reader, SocketIOArguments arguments)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                if (SocketIOArguments.TryReadPlaceholder(ref reader, out int num) && num < arguments.Attachments.Count)
                {
                    WriteBinary(arguments.Attachments[num]);
                    return;
                }

                _json.WriteStartObject();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueIsEscaped)
                    {
                        _json.WritePropertyName(reader.GetString()!);
                    }
                    else
                    {
                        _json.WritePropertyName(reader.ValueSpan);
                    }

                    reader.Read();
                    WriteWithAttachments(ref reader, arguments);
                }

                _json.WriteEndObject();
                return;
            case JsonTokenType.StartArray:
                _json.WriteStartArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    WriteWithAttachments(ref reader, arguments);
                }

                _json.WriteEndArray();
                return;
            default:
                // A primitive token: its bytes as received, between the token start and what the reader consumed.
                ReadOnlySpan<byte> token = arguments.Array.Span[(int)reader.TokenStartIndex..(int)reader.BytesConsumed];
                _json.WriteRawValue(token, skipInputValidation: true);
                return;
        }
    }

    /// <summary>
    /// Writes a plain .NET value without reflection: null, strings, booleans, numbers, <see cref="Guid"/>,
    /// dates, enums are not supported (convert them first), <see cref="byte"/> arrays and memory (as binary
    /// attachments), <see cref="JsonElement"/>, <see cref="JsonDocument"/>, <see cref="JsonNode"/>,
    /// <see cref="SocketIOArguments"/> (spread), <see cref="SocketIOJsonValue"/> (a value with its
    /// <see cref="JsonTypeInfo"/>), string-keyed dictionaries and enumerables of these (recursively).
    /// </summary>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentException">The type is none of the above.</exception>
    public void WriteValue(object? value)
    {
        switch (value)
        {
            case null:
                _json.WriteNullValue();
                break;
            case string s:
                _json.WriteStringValue(s);
                break;
            case bool b:
                _json.WriteBooleanValue(b);
                break;
            case int i:
                _json.WriteNumberValue(i);
                break;
            case long l:
                _json.WriteNumberValue(l);
                break;
            case double d:
                WriteDouble(d);
                break;
            case float f:
                WriteDouble(f);
                break;
            case decimal m:
                _json.WriteNumberValue(m);
                break;
            case short or byte or sbyte or ushort:
                _json.WriteNumberValue(Convert.ToInt32(value, CultureInfo.InvariantCulture));
                break;
            case uint ui:
                _json.WriteNumberValue(ui);
                break;
            case ulong ul:
                _json.WriteNumberValue(ul);
                break;
            case byte[] bytes:
                WriteBinary(bytes);
                break;
            case ReadOnlyMemory<byte> rom:
                WriteBinary(rom);
                break;
            case Memory<byte> mem:
                WriteBinary(mem);
                break;
            case ArraySegment<byte> segment:
                WriteBinary(segment);
                break;
            case Guid g:
                _json.WriteStringValue(g);
                break;
            case DateTime dt:
                _json.WriteStringValue(dt);
                break;
            case DateTimeOffset dto:
                _json.WriteStringValue(dto);
                break;
            case JsonElement element:
                element.WriteTo(_json);
                break;
            case JsonDocument document:
                document.WriteTo(_json);
                break;
            case JsonNode node:
                node.WriteTo(_json);
                break;
            case SocketIOJsonValue typed:
                typed.WriteTo(_json);
                break;
            case SocketIOArguments arguments:
                WriteArguments(arguments);
                break;
            case IDictionary<string, object?> dictionary:
                _json.WriteStartObject();
                foreach (KeyValuePair<string, object?> pair in dictionary)
                {
                    _json.WritePropertyName(pair.Key);
                    WriteValue(pair.Value);
                }

                _json.WriteEndObject();
                break;
            case IEnumerable enumerable:
                _json.WriteStartArray();
                foreach (object? item in enumerable)
                {
                    WriteValue(item);
                }

                _json.WriteEndArray();
                break;
            case TimeSpan or CancellationToken:
                // The usual slip: a timeout or token meant for EmitWithAckAsync that fell into its params arguments.
                throw new ArgumentException(
                    $"A {value.GetType().Name} is not an event argument: pass it to the EmitWithAckAsync overload that takes it " +
                    "(EmitWithAckAsync(name, timeout, …) or EmitWithAckAsync(name, cancellationToken, …)).",
                    nameof(value));
            default:
                throw new ArgumentException(
                    $"Cannot write a value of type '{value.GetType().FullName}' without reflection. Pass it as " +
                    "SocketIOJsonValue.Create(value, MyJsonContext.Default.MyType), a JsonElement or a JsonNode.",
                    nameof(value));
        }
    }

    /// <summary>Renders a plain value (see <see cref="WriteValue(object?)"/>) as a JSON document, binary values as placeholders.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The document.</returns>
    internal static JsonDocument RenderValue(object? value)
    {
        var writer = new SocketIOPacketWriter();
        writer.BeginRaw();
        writer.WriteValue(value);
        writer._json.Flush();
        return JsonDocument.Parse(writer._body.WrittenMemory.ToArray());
    }

    /// <summary>Writes a string (or null) without boxing.</summary>
    /// <param name="value">The value.</param>
    public void WriteValue(string? value)
    {
        if (value is null)
        {
            _json.WriteNullValue();
        }
        else
        {
            _json.WriteStringValue(value);
        }
    }

    /// <summary>Writes a number without boxing.</summary>
    /// <param name="value">The value.</param>
    public void WriteValue(int value) => _json.WriteNumberValue(value);

    /// <summary>Writes a number without boxing.</summary>
    /// <param name="value">The value.</param>
    public void WriteValue(long value) => _json.WriteNumberValue(value);

    /// <summary>Writes a number as <c>JSON.stringify</c> does (integral values without a fraction, non-finite as null).</summary>
    /// <param name="value">The value.</param>
    public void WriteValue(double value) => WriteDouble(value);

    /// <summary>Writes a boolean without boxing.</summary>
    /// <param name="value">The value.</param>
    public void WriteValue(bool value) => _json.WriteBooleanValue(value);

    private void WriteDouble(double d)
    {
        // JSON.stringify writes non-finite numbers as null; integral doubles without ".0".
        if (!double.IsFinite(d))
        {
            _json.WriteNullValue();
        }
        else if (d == Math.Floor(d) && Math.Abs(d) < 9007199254740992d)
        {
            _json.WriteNumberValue((long)d);
        }
        else
        {
            _json.WriteNumberValue(d);
        }
    }

    /// <summary>
    /// Finishes a list of values written after <see cref="BeginAck"/> as owned arguments (JSON array and attachments
    /// copied), instead of a packet: a cluster adapter turns an answer from another server into arguments this way.
    /// </summary>
    /// <returns>The arguments.</returns>
    public SocketIOArguments ToArguments()
    {
        _json.WriteEndArray();
        _json.Flush();
        byte[] json = _body.WrittenSpan.ToArray();
        ReadOnlyMemory<byte>[] attachments = [.. _attachments];
        Reset();
        return SocketIOArguments.FromJsonArray(json, attachments);
    }

    /// <summary>Finishes the packet and encodes it with its header.</summary>
    /// <param name="namespace">The namespace (<c>/</c> is omitted from the header).</param>
    /// <param name="ackId">The ack id to put in the header, or -1.</param>
    /// <returns>The encoded packet holding one reference.</returns>
    public EncodedPacket ToPacket(string @namespace, long ackId = -1)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        _json.WriteEndArray();
        SocketIOPacketType type = _ack
            ? (_attachments.Count > 0 ? SocketIOPacketType.BinaryAck : SocketIOPacketType.Ack)
            : (_attachments.Count > 0 ? SocketIOPacketType.BinaryEvent : SocketIOPacketType.Event);
        return Finish(type, @namespace, ackId);
    }

    /// <summary>Encodes a packet whose payload (possibly empty) was written with <see cref="BeginRaw"/>.</summary>
    /// <param name="type">The packet type.</param>
    /// <param name="namespace">The namespace.</param>
    /// <returns>The encoded packet holding one reference.</returns>
    public EncodedPacket ToRawPacket(SocketIOPacketType type, string @namespace)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        return Finish(type, @namespace, -1);
    }

    private EncodedPacket Finish(SocketIOPacketType type, string @namespace, long ackId)
    {
        _json.Flush();
        bool hasNamespace = @namespace != "/";
        int headerMax = 2 + 11 + (hasNamespace ? Encoding.UTF8.GetMaxByteCount(@namespace.Length) + 1 : 0) + 20;
        Span<byte> header = headerMax <= 512 ? stackalloc byte[headerMax] : new byte[headerMax];
        int n = 0;
        header[n++] = (byte)'0' + (byte)EngineIOPacketType.Message;
        header[n++] = (byte)('0' + (byte)type);
        if (_attachments.Count > 0)
        {
            _attachments.Count.TryFormat(header[n..], out int written, default, CultureInfo.InvariantCulture);
            n += written;
            header[n++] = (byte)'-';
        }

        if (hasNamespace)
        {
            // socket.io-parser always ends the namespace with a comma, even without a payload ("1/admin,").
            n += Encoding.UTF8.GetBytes(@namespace, header[n..]);
            header[n++] = (byte)',';
        }

        if (ackId >= 0)
        {
            ackId.TryFormat(header[n..], out int written, default, CultureInfo.InvariantCulture);
            n += written;
        }

        EncodedPacket packet;
        Span<byte> prefix = _body.Prefix;
        if (n <= prefix.Length)
        {
            // The usual case: the header goes right in front of the body and the packet adopts the buffer.
            header[..n].CopyTo(prefix[^n..]);
            int length = n + _body.WrittenCount;
            packet = EncodedPacket.Adopt(_body.DetachBuffer(), prefix.Length - n, length);
        }
        else
        {
            // A namespace too long for the reserved room: one copy.
            packet = EncodedPacket.Create(header[..n], _body.WrittenSpan);
        }

        foreach (ReadOnlyMemory<byte> attachment in _attachments)
        {
            packet.AddAttachment(attachment);
        }

        Reset();
        return packet;
    }

    private void Reset()
    {
        _body.Reset(HeaderReserve);
        _json.Reset(_body);
        _attachments.Clear();
        _ack = false;
    }
}
