using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SocketIO.Typed;

/// <summary>
/// A value paired with the source-generated <see cref="JsonTypeInfo{T}"/> that writes it, so the untyped API can
/// send any type without reflection: <c>socket.EmitAsync("msg", SocketIOJsonValue.Create(m, AppJson.Default.Message))</c>.
/// </summary>
public sealed class SocketIOJsonValue
{
    private readonly Action<Utf8JsonWriter> _write;

    private SocketIOJsonValue(Action<Utf8JsonWriter> write)
    {
        _write = write;
    }

    /// <summary>Pairs <paramref name="value"/> with its metadata.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="jsonTypeInfo">Its metadata, from a <c>JsonSerializerContext</c>.</param>
    /// <returns>The pair.</returns>
    public static SocketIOJsonValue Create<T>(T value, JsonTypeInfo<T> jsonTypeInfo)
    {
        ArgumentNullException.ThrowIfNull(jsonTypeInfo);
        return new SocketIOJsonValue(writer => JsonSerializer.Serialize(writer, value, jsonTypeInfo));
    }

    /// <summary>Writes the value.</summary>
    /// <param name="writer">The JSON writer.</param>
    public void WriteTo(Utf8JsonWriter writer) => _write(writer);
}
