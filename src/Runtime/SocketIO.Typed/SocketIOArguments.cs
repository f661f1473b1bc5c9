using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SocketIO.Typed;

/// <summary>
/// The arguments of an event or an acknowledgement, kept as the JSON text they arrived in plus their binary
/// attachments. Reading an argument parses only what is asked for; nothing uses reflection.
/// </summary>
/// <remarks>
/// Arguments handed to a handler point into a pooled buffer that is valid until the handler's task completes;
/// call <see cref="ToOwned"/> to keep them longer. Binary values appear in the JSON as
/// <c>{"_placeholder":true,"num":n}</c>; <see cref="GetBytes"/> and <see cref="ToObject"/> resolve them.
/// </remarks>
public readonly struct SocketIOArguments
{
    private static readonly IReadOnlyList<ReadOnlyMemory<byte>> s_noAttachments = [];
    private readonly ReadOnlyMemory<byte> _array;
    private readonly int _skip;
    private readonly int _innerStart;
    private readonly int _innerEnd;
    private readonly IReadOnlyList<ReadOnlyMemory<byte>>? _attachments;
    private readonly int _maxDepth;

    /// <summary>Creates arguments over a JSON array of which the first <paramref name="skip"/> elements are not arguments.</summary>
    /// <param name="array">A JSON array, validated by the caller.</param>
    /// <param name="skip">Leading elements to skip (1 for an event: its name).</param>
    /// <param name="innerStart">Offset of the first argument (or of the closing bracket when there is none).</param>
    /// <param name="attachments">The binary attachments, in placeholder order.</param>
    /// <param name="maxDepth">The deepest JSON nesting readers accept (0: System.Text.Json's default, 64).</param>
    internal SocketIOArguments(ReadOnlyMemory<byte> array, int skip, int innerStart, IReadOnlyList<ReadOnlyMemory<byte>>? attachments, int maxDepth = 0)
    {
        _array = array;
        _skip = skip;
        _innerStart = innerStart;
        _innerEnd = array.Span.LastIndexOf((byte)']');
        _attachments = attachments;
        _maxDepth = maxDepth;
    }

    /// <summary>Empty arguments.</summary>
    public static SocketIOArguments Empty { get; } = FromJsonArray("[]"u8.ToArray());

    /// <summary>Creates arguments from a UTF-8 JSON array, for example one read from a file or a test.</summary>
    /// <param name="jsonArray">A JSON array: each element is one argument.</param>
    /// <param name="attachments">Binary attachments referred to by placeholders in the JSON.</param>
    /// <returns>The arguments.</returns>
    /// <exception cref="ArgumentException">The text is not a JSON array.</exception>
    public static SocketIOArguments FromJsonArray(ReadOnlyMemory<byte> jsonArray, IReadOnlyList<ReadOnlyMemory<byte>>? attachments = null)
    {
        var reader = new Utf8JsonReader(jsonArray.Span);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw new ArgumentException("The arguments must be a JSON array.", nameof(jsonArray));
            }

            int start = (int)reader.BytesConsumed;
            reader.Skip();
            while (start < jsonArray.Length && jsonArray.Span[start] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
            {
                start++;
            }

            return new SocketIOArguments(jsonArray, 0, start, attachments);
        }
        catch (JsonException e)
        {
            throw new ArgumentException("The arguments are not valid JSON: " + e.Message, nameof(jsonArray), e);
        }
    }

    /// <summary>The number of arguments.</summary>
    public int Count
    {
        get
        {
            if (_array.IsEmpty)
            {
                return 0;
            }

            Utf8JsonReader reader = CreateReader();
            int count = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                reader.Skip();
                count++;
            }

            return count;
        }
    }

    /// <summary>The whole JSON array the arguments were read from (an event's name included).</summary>
    internal ReadOnlyMemory<byte> Array => _array;

    /// <summary>The binary attachments, in placeholder order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Attachments => _attachments ?? s_noAttachments;

    /// <summary>The arguments' JSON without the surrounding brackets (for example <c>"a",1</c>), as received.</summary>
    public ReadOnlyMemory<byte> RawList => _array.IsEmpty ? default : _array[_innerStart.._innerEnd];

    /// <summary>
    /// A reader positioned just before the first argument: each <see cref="Utf8JsonReader.Read"/> then moves to the
    /// next argument's first token, and <see cref="JsonTokenType.EndArray"/> marks the end. Generated dispatchers
    /// bind typed parameters from it.
    /// </summary>
    /// <returns>The reader.</returns>
    public Utf8JsonReader CreateReader()
    {
        var reader = new Utf8JsonReader(_array.Span, new JsonReaderOptions { MaxDepth = _maxDepth });
        reader.Read(); // StartArray
        for (int i = 0; i < _skip; i++)
        {
            reader.Read();
            reader.Skip();
        }

        return reader;
    }

    /// <summary>The JSON text of the argument at <paramref name="index"/>, as received.</summary>
    /// <param name="index">0-based argument index.</param>
    /// <returns>The raw UTF-8 JSON value.</returns>
    public ReadOnlyMemory<byte> GetRawJson(int index)
    {
        Utf8JsonReader reader = MoveTo(index);
        int start = (int)reader.TokenStartIndex;
        reader.Skip();
        int end = (int)reader.BytesConsumed;
        return _array[start..end];
    }

    /// <summary>The argument at <paramref name="index"/> as a <see cref="JsonElement"/> (placeholders stay as they are).</summary>
    /// <param name="index">0-based argument index.</param>
    /// <returns>A self-contained element.</returns>
    public JsonElement GetElement(int index)
    {
        Utf8JsonReader reader = MoveTo(index);
        return JsonElement.ParseValue(ref reader);
    }

    /// <summary>Deserializes the argument at <paramref name="index"/> with a source-generated <see cref="JsonTypeInfo{T}"/>.</summary>
    /// <typeparam name="T">The argument type.</typeparam>
    /// <param name="index">0-based argument index.</param>
    /// <param name="jsonTypeInfo">The metadata, for example <c>MyJsonContext.Default.ChatMessage</c>.</param>
    /// <returns>The value.</returns>
    public T? GetValue<T>(int index, JsonTypeInfo<T> jsonTypeInfo)
    {
        Utf8JsonReader reader = MoveTo(index);
        try
        {
            return JsonSerializer.Deserialize(ref reader, jsonTypeInfo);
        }
        catch (JsonException e)
        {
            throw new SocketIOBindingException($"Argument {index} is not a valid {typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>The argument at <paramref name="index"/> as a string (<see langword="null"/> for JSON null).</summary>
    /// <param name="index">0-based argument index.</param>
    /// <returns>The string.</returns>
    /// <exception cref="SocketIOBindingException">The argument is missing or not a string or null.</exception>
    public string? GetString(int index) => Read(index, "a string or null", static (ref Utf8JsonReader r) => r.GetString());

    /// <summary>The argument at <paramref name="index"/> as a 32-bit integer.</summary>
    /// <param name="index">0-based argument index.</param>
    /// <returns>The number.</returns>
    public int GetInt32(int index) => Read(index, "a 32-bit integer", static (ref Utf8JsonReader r) => r.GetInt32());

    /// <summary>The argument at <paramref name="index"/> as a 64-bit integer.</summary>
    /// <param name="index">0-based argument index.</param>
    /// <returns>The number.</returns>
    public long GetInt64(int index) => Read(index, "a 64-bit integer", static (ref Utf8JsonReader r) => r.GetInt64());

    /// <summary>The argument at <paramref name="index"/> as a double.</summary>
    /// <param name="index">0-based argument index.</param>
    /// <returns>The number.</returns>
    public double GetDouble(int index) => Read(index, "a number", static (ref Utf8JsonReader r) => r.GetDouble());

    /// <summary>The argument at <paramref name="index"/> as a boolean.</summary>
    /// <param name="index">0-based argument index.</param>
    /// <returns>The value.</returns>
    public bool GetBoolean(int index) => Read(index, "a boolean", static (ref Utf8JsonReader r) => r.GetBoolean());

    /// <summary>The binary attachment that the argument at <paramref name="index"/> stands for.</summary>
    /// <param name="index">0-based argument index.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="SocketIOBindingException">The argument is not a binary placeholder.</exception>
    public ReadOnlyMemory<byte> GetBytes(int index)
    {
        Utf8JsonReader reader = MoveTo(index);
        if (!TryReadBytes(ref reader, out ReadOnlyMemory<byte> bytes))
        {
            throw new SocketIOBindingException($"Argument {index} is not a binary attachment (it is {Describe(reader.TokenType)}).");
        }

        return bytes;
    }

    /// <summary>
    /// Reads a binary placeholder (<c>{"_placeholder":true,"num":n}</c>) at the reader's position, wherever it sits in
    /// an argument's JSON, and gives the attachment it stands for; generated readers call it for <c>byte[]</c> and
    /// <c>ReadOnlyMemory&lt;byte&gt;</c> members. On success the reader is left on the placeholder's closing brace.
    /// </summary>
    /// <param name="reader">A reader over these arguments (from <see cref="CreateReader"/>), on a <see cref="JsonTokenType.StartObject"/>.</param>
    /// <param name="bytes">The attachment.</param>
    /// <returns><see langword="false"/> (reader unmoved) when the token is not a placeholder of one of these arguments' attachments.</returns>
    public bool TryReadBytes(ref Utf8JsonReader reader, out ReadOnlyMemory<byte> bytes)
    {
        Utf8JsonReader copy = reader;
        if (TryReadPlaceholder(ref copy, out int num) && num < Attachments.Count)
        {
            reader = copy;
            bytes = Attachments[num];
            return true;
        }

        bytes = default;
        return false;
    }

    /// <summary>
    /// The argument at <paramref name="index"/> as plain .NET values, python-socketio style: objects become
    /// <see cref="Dictionary{TKey, TValue}"/> of string to object, arrays <see cref="List{T}"/> of object, strings
    /// <see cref="string"/>, integers <see cref="long"/>, other numbers <see cref="double"/>, booleans
    /// <see cref="bool"/>, binary placeholders <see cref="byte"/> arrays, and null <see langword="null"/>.
    /// </summary>
    /// <param name="index">0-based argument index.</param>
    /// <returns>The value.</returns>
    public object? ToObject(int index)
    {
        Utf8JsonReader reader = MoveTo(index);
        return ReadObject(ref reader);
    }

    /// <summary>All arguments as plain .NET values (see <see cref="ToObject"/>).</summary>
    /// <returns>One value per argument.</returns>
    public object?[] ToObjectArray()
    {
        var list = new List<object?>();
        Utf8JsonReader reader = CreateReader();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(ReadObject(ref reader));
        }

        return [.. list];
    }

    /// <summary>A copy that owns its memory, safe to keep after the handler returned.</summary>
    /// <returns>The copy.</returns>
    public SocketIOArguments ToOwned()
    {
        ReadOnlyMemory<byte>[]? attachments = null;
        if (_attachments is { Count: > 0 })
        {
            attachments = new ReadOnlyMemory<byte>[_attachments.Count];
            for (int i = 0; i < attachments.Length; i++)
            {
                attachments[i] = _attachments[i].ToArray();
            }
        }

        return new SocketIOArguments(_array.ToArray(), _skip, _innerStart, attachments, _maxDepth);
    }

    /// <summary>The arguments as a JSON array text (placeholders included), for logs and tests.</summary>
    /// <returns>The JSON.</returns>
    public override string ToString() => "[" + System.Text.Encoding.UTF8.GetString(RawList.Span) + "]";

    private Utf8JsonReader MoveTo(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        Utf8JsonReader reader = CreateReader();
        for (int i = 0; ; i++)
        {
            if (!reader.Read() || reader.TokenType == JsonTokenType.EndArray)
            {
                throw new SocketIOBindingException($"Argument {index} is missing: there are {i} argument(s).");
            }

            if (i == index)
            {
                return reader;
            }

            reader.Skip();
        }
    }

    /// <summary>
    /// Recognises a binary placeholder <c>{"_placeholder":true,"num":n}</c> at the reader's position (a
    /// <see cref="JsonTokenType.StartObject"/>) and reads it, leaving the reader on its closing brace.
    /// </summary>
    /// <param name="reader">The reader.</param>
    /// <param name="num">The attachment index.</param>
    /// <returns><see langword="false"/> (reader unmoved) when the object is not exactly a placeholder.</returns>
    public static bool TryReadPlaceholder(ref Utf8JsonReader reader, out int num)
    {
        num = -1;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        Utf8JsonReader copy = reader;
        bool placeholder = false;
        int properties = 0;
        while (copy.Read() && copy.TokenType == JsonTokenType.PropertyName)
        {
            properties++;
            if (copy.ValueTextEquals("_placeholder"u8))
            {
                copy.Read();
                placeholder = copy.TokenType == JsonTokenType.True;
            }
            else if (copy.ValueTextEquals("num"u8))
            {
                copy.Read();
                if (copy.TokenType != JsonTokenType.Number || !copy.TryGetInt32(out num))
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        if (!placeholder || num < 0 || properties != 2)
        {
            return false;
        }

        reader = copy;
        return true;
    }

    private delegate T ReaderFunc<T>(ref Utf8JsonReader reader);

    // Moves to the argument and reads it; a value of another kind is a binding failure naming both kinds.
    private T Read<T>(int index, string expected, ReaderFunc<T> read)
    {
        Utf8JsonReader reader = MoveTo(index);
        try
        {
            return read(ref reader);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw Mismatch(index, reader.TokenType, expected, e);
        }
    }

    private static SocketIOBindingException Mismatch(int index, JsonTokenType token, string expected, Exception inner) =>
        new($"Argument {index} is {Describe(token)}, not {expected}.", inner);

    /// <summary>A token kind in words, for binding failures (shared with the generated readers' helpers).</summary>
    internal static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.EndArray => "the end of the arguments",
        _ => token.ToString(),
    };

    private object? ReadObject(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                if (TryReadPlaceholder(ref reader, out int num) && num < Attachments.Count)
                {
                    return Attachments[num].ToArray();
                }

                var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    string name = reader.GetString()!;
                    reader.Read();
                    dictionary[name] = ReadObject(ref reader);
                }

                return dictionary;
            case JsonTokenType.StartArray:
                var list = new List<object?>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    list.Add(ReadObject(ref reader));
                }

                return list;
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                // Two returns, not a conditional: "? long : double" would widen every integer to double.
                if (reader.TryGetInt64(out long l))
                {
                    return l;
                }

                return reader.GetDouble();
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            default:
                return null;
        }
    }
}
