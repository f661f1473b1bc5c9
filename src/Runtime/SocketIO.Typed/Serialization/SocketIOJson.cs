using System.Buffers;
using System.Buffers.Text;
using System.ComponentModel;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Serialization;

/// <summary>
/// Reading and writing helpers for generated serializers: values as <c>System.Text.Json</c> with
/// <c>JsonSerializerDefaults.Web</c> writes them (numbers also read from strings, as Web defaults allow), binary as
/// Socket.IO attachments. Every reader is called with the reader on the value's first token and leaves it on the
/// value's last token; a value of the wrong kind throws <see cref="SocketIOBindingException"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SocketIOJson
{
    /// <summary>Pre-encodes a property name as the packet writer escapes strings.</summary>
    /// <param name="name">The JSON property name.</param>
    /// <returns>The encoded name.</returns>
    public static JsonEncodedText EncodeName(string name) => JsonEncodedText.Encode(name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);

    /// <summary>The binding failure for a token of the wrong kind.</summary>
    /// <param name="reader">The reader, on the token.</param>
    /// <param name="expected">What was expected (<c>a string</c>).</param>
    /// <returns>The exception to throw.</returns>
    public static SocketIOBindingException Unexpected(ref Utf8JsonReader reader, string expected) =>
        new($"Expected {expected}, found {Describe(reader.TokenType)}.");

    /// <summary>The binding failure for a missing argument.</summary>
    /// <param name="index">The argument's position.</param>
    /// <param name="name">The parameter's name.</param>
    /// <returns>The exception to throw.</returns>
    public static SocketIOBindingException MissingArgument(int index, string name) =>
        new($"Argument {index} ('{name}') is missing.");

    /// <summary>The binding failure for a missing required property.</summary>
    /// <param name="property">The JSON property name.</param>
    /// <param name="type">The type being read.</param>
    /// <returns>The exception to throw.</returns>
    public static SocketIOBindingException MissingProperty(string property, string type) =>
        new($"'{type}' requires the property '{property}'.");

    /// <summary>Adds the argument's position and name to a failure's message.</summary>
    /// <param name="index">The argument's position.</param>
    /// <param name="name">The parameter's name.</param>
    /// <param name="inner">The failure.</param>
    /// <returns>The exception to throw.</returns>
    public static SocketIOBindingException InArgument(int index, string name, Exception inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return new SocketIOBindingException($"Argument {index} ('{name}'): {inner.Message}", inner);
    }

    /// <summary>Moves to the next argument; <see langword="false"/> when there is none (the array ended).</summary>
    /// <param name="reader">A reader from <see cref="SocketIOArguments.CreateReader"/>.</param>
    /// <returns>Whether an argument follows.</returns>
    public static bool NextArgument(ref Utf8JsonReader reader) => reader.Read() && reader.TokenType != JsonTokenType.EndArray;

    /// <summary>Whether the current property's name equals <paramref name="name"/> ignoring case (Web defaults read names case-insensitively).</summary>
    /// <param name="reader">The reader, on a property name.</param>
    /// <param name="name">The expected name.</param>
    /// <returns>Whether they match.</returns>
    public static bool NameEqualsIgnoreCase(ref Utf8JsonReader reader, string name) =>
        string.Equals(reader.GetString(), name, StringComparison.OrdinalIgnoreCase);

    /// <summary>Skips the current property's value.</summary>
    /// <param name="reader">The reader, on a property name.</param>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    /// <summary>Expects the start of an object.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="type">The type being read, for the message.</param>
    public static void ExpectObject(ref Utf8JsonReader reader, string type)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new SocketIOBindingException($"Expected an object for '{type}', found {Describe(reader.TokenType)}.");
        }
    }

    /// <summary>Expects the start of an array.</summary>
    /// <param name="reader">The reader.</param>
    public static void ExpectArray(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Unexpected(ref reader, "an array");
        }
    }

    // ------------------------------------------------------------------ reading primitives

    /// <summary>Reads a string or null.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static string? ReadString(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw Unexpected(ref reader, "a string"),
    };

    /// <summary>Reads a boolean.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static bool ReadBoolean(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Unexpected(ref reader, "a boolean"),
    };

    /// <summary>Reads a one-character string.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static char ReadChar(ref Utf8JsonReader reader)
    {
        string? text = ReadString(ref reader);
        return text is { Length: 1 } ? text[0] : throw new SocketIOBindingException("Expected a one-character string.");
    }

    /// <summary>Reads a 32-bit integer (a number, or a string holding one).</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static int ReadInt32(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int value) ? value : Parse<int>(ref reader, "a 32-bit integer");

    /// <summary>Reads a 64-bit integer.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static long ReadInt64(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value) ? value : Parse<long>(ref reader, "a 64-bit integer");

    /// <summary>Reads a 16-bit integer.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static short ReadInt16(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt16(out short value) ? value : Parse<short>(ref reader, "a 16-bit integer");

    /// <summary>Reads a signed byte.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static sbyte ReadSByte(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetSByte(out sbyte value) ? value : Parse<sbyte>(ref reader, "a signed byte");

    /// <summary>Reads a byte (a number, not binary).</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static byte ReadByte(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetByte(out byte value) ? value : Parse<byte>(ref reader, "a byte");

    /// <summary>Reads an unsigned 16-bit integer.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static ushort ReadUInt16(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetUInt16(out ushort value) ? value : Parse<ushort>(ref reader, "an unsigned 16-bit integer");

    /// <summary>Reads an unsigned 32-bit integer.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static uint ReadUInt32(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetUInt32(out uint value) ? value : Parse<uint>(ref reader, "an unsigned 32-bit integer");

    /// <summary>Reads an unsigned 64-bit integer.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static ulong ReadUInt64(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out ulong value) ? value : Parse<ulong>(ref reader, "an unsigned 64-bit integer");

    /// <summary>Reads a double.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static double ReadDouble(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out double value) ? value : Parse<double>(ref reader, "a number");

    /// <summary>Reads a float.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static float ReadSingle(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetSingle(out float value) ? value : Parse<float>(ref reader, "a number");

    /// <summary>Reads a decimal.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static decimal ReadDecimal(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out decimal value) ? value : Parse<decimal>(ref reader, "a decimal number");

    /// <summary>Reads a GUID string.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static Guid ReadGuid(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && reader.TryGetGuid(out Guid value) ? value : throw Unexpected(ref reader, "a GUID string");

    /// <summary>Reads an ISO 8601 date and time.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static DateTime ReadDateTime(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && reader.TryGetDateTime(out DateTime value) ? value : throw Unexpected(ref reader, "an ISO 8601 date string");

    /// <summary>Reads an ISO 8601 date and time with offset.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static DateTimeOffset ReadDateTimeOffset(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out DateTimeOffset value) ? value : throw Unexpected(ref reader, "an ISO 8601 date string");

    /// <summary>Reads a time span in the constant format (<c>[-][d.]hh:mm:ss[.fffffff]</c>).</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static TimeSpan ReadTimeSpan(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && TimeSpan.TryParseExact(reader.GetString(), "c", CultureInfo.InvariantCulture, out TimeSpan value)
            ? value
            : throw Unexpected(ref reader, "a time span string (d.hh:mm:ss)");

    /// <summary>Reads a URI string or null.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static Uri? ReadUri(ref Utf8JsonReader reader)
    {
        string? text = ReadString(ref reader);
        if (text is null)
        {
            return null;
        }

        return Uri.TryCreate(text, UriKind.RelativeOrAbsolute, out Uri? uri) ? uri : throw new SocketIOBindingException("Expected a URI string.");
    }

    /// <summary>Reads binary: a Socket.IO attachment placeholder (or a base64 string, as other serializers send bytes), or null.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="arguments">The arguments the reader reads (they hold the attachments).</param>
    /// <returns>The bytes, or null.</returns>
    public static byte[]? ReadBytes(ref Utf8JsonReader reader, in SocketIOArguments arguments)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return reader.TryGetBytesFromBase64(out byte[]? decoded) ? decoded : throw new SocketIOBindingException("Expected binary data, found a string that is not base64.");
            case JsonTokenType.StartObject when arguments.TryReadBytes(ref reader, out ReadOnlyMemory<byte> bytes):
                return bytes.ToArray();
            default:
                throw Unexpected(ref reader, "binary data (an attachment placeholder)");
        }
    }

    /// <summary>Reads binary without copying when it is an attachment (the memory stays valid as long as the arguments).</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="arguments">The arguments the reader reads.</param>
    /// <returns>The bytes (empty for null).</returns>
    public static ReadOnlyMemory<byte> ReadMemory(ref Utf8JsonReader reader, in SocketIOArguments arguments)
    {
        if (reader.TokenType == JsonTokenType.StartObject && arguments.TryReadBytes(ref reader, out ReadOnlyMemory<byte> bytes))
        {
            return bytes;
        }

        return ReadBytes(ref reader, arguments);
    }

    /// <summary>Reads any JSON value as an element (copied: it outlives the arguments).</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The value.</returns>
    public static JsonElement ReadElement(ref Utf8JsonReader reader) => JsonElement.ParseValue(ref reader);

    /// <summary>
    /// Answers a plain event (one whose contract method returns no value) with an empty acknowledgement when the peer
    /// asked for one (<c>emitWithAck</c>): the answer says the handler completed, instead of leaving the peer to time out.
    /// </summary>
    /// <typeparam name="TContext">The event context.</typeparam>
    /// <param name="context">The event.</param>
    public static void AnswerEmpty<TContext>(TContext context)
        where TContext : ISocketIOEventContext => SocketIOAckAnswers.AnswerEmpty(context);

    private static T Parse<T>(ref Utf8JsonReader reader, string expected)
        where T : ISpanParsable<T>
    {
        // Web defaults (JsonNumberHandling.AllowReadingFromString): a number may come as a string.
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            ReadOnlySpan<byte> span = reader.ValueSpan;
            Span<char> chars = stackalloc char[64];
            if (span.Length <= chars.Length)
            {
                for (int i = 0; i < span.Length; i++)
                {
                    chars[i] = (char)span[i];
                }

                if (T.TryParse(chars[..span.Length], NumberFormatInfo.InvariantInfo, out T? parsed))
                {
                    return parsed;
                }
            }
        }

        throw Unexpected(ref reader, expected);
    }

    // ------------------------------------------------------------------ writing primitives

    /// <summary>Writes a character as a one-character string.</summary>
    /// <param name="json">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteChar(Utf8JsonWriter json, char value)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStringValue([value]);
    }

    /// <summary>Writes a time span in the constant format, as <c>System.Text.Json</c> does.</summary>
    /// <param name="json">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteTimeSpan(Utf8JsonWriter json, TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(json);
        Span<byte> buffer = stackalloc byte[32];
        if (Utf8Formatter.TryFormat(value, buffer, out int written, 'c'))
        {
            json.WriteStringValue(buffer[..written]);
        }
        else
        {
            json.WriteStringValue(value.ToString("c", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Writes a URI (its original string) or null.</summary>
    /// <param name="json">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteUri(Utf8JsonWriter json, Uri? value)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (value is null)
        {
            json.WriteNullValue();
        }
        else
        {
            json.WriteStringValue(value.OriginalString);
        }
    }

    /// <summary>Writes a string or null.</summary>
    /// <param name="json">The writer.</param>
    /// <param name="value">The value.</param>
    public static void WriteString(Utf8JsonWriter json, string? value)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (value is null)
        {
            json.WriteNullValue();
        }
        else
        {
            json.WriteStringValue(value);
        }
    }

    /// <summary>Writes binary as an attachment placeholder, or null.</summary>
    /// <param name="writer">The packet writer.</param>
    /// <param name="value">The bytes.</param>
    public static void WriteBytes(SocketIOPacketWriter writer, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null)
        {
            writer.Json.WriteNullValue();
        }
        else
        {
            writer.WriteBinary(value);
        }
    }

    private static string Describe(JsonTokenType type) => SocketIOArguments.Describe(type);
}
