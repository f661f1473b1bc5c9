using System.Text.Json.Serialization;

namespace SocketIO.Typed.Serialization.Tests;

public enum Plain
{
    Zero,
    One,
    Five = 5,
}

[JsonConverter(typeof(JsonStringEnumConverter<Named>))]
public enum Named
{
    First,
    Second,
    [JsonStringEnumMemberName("the-third")]
    Third,
}

[Flags]
[JsonConverter(typeof(JsonStringEnumConverter<Access>))]
public enum Access
{
    None = 0,
    Read = 1,
    Write = 2,
    Execute = 4,
    All = 7,
    Audit = 16,
}

/// <summary>Flags written as names (combinations too) and as numbers.</summary>
public sealed record Permissions(Access Access, Access[] History, [property: JsonConverter(typeof(JsonStringEnumConverter))] Plain Mode);

/// <summary>Init-only members with initializers: one missing from the JSON keeps its initializer, as System.Text.Json leaves it.</summary>
public sealed record Defaults(string Name)
{
    public string Note { get; init; } = "none";

    public int Level { get; init; } = 3;
}

public sealed record Leaf(string Text, int Number);

/// <summary>Every kind of member the generator serializes, except binary (an attachment here, base64 in STJ).</summary>
public sealed record Everything(
    string Text,
    string? MaybeText,
    bool Flag,
    int Int,
    long Long,
    short Short,
    byte Byte,
    uint UInt,
    ulong ULong,
    double Double,
    float Single,
    decimal Decimal,
    char Char,
    Guid Id,
    DateTime When,
    DateTimeOffset At,
    TimeSpan Span,
    Uri? Link,
    Plain Plain,
    Named Named,
    int? MaybeInt,
    Plain? MaybePlain,
    IReadOnlyList<string> Strings,
    List<Leaf> Leaves,
    Leaf[] LeafArray,
    Dictionary<string, int> Counts,
    IReadOnlyDictionary<string, Leaf?> LeafMap,
    HashSet<int> Set,
    Leaf? Child,
    [property: JsonPropertyName("renamed_value")] int Renamed,
    [property: JsonConverter(typeof(JsonStringEnumConverter))] Plain PlainAsName,
    Everything? Next)
{
    [JsonIgnore]
    public string Ignored { get; init; } = "ignored";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OnlyWhenSet { get; set; }

    public int Settable { get; set; }

    public string InitOnly { get; init; } = "";

    public int Computed => Int + 1;
}

public sealed class Mutable
{
    public string URLValue { get; set; } = "";

    public int IOStream { get; set; }

    public List<string> Items { get; set; } = [];
}

[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)]
public struct Point
{
    public int X { get; set; }

    public int Y { get; set; }
}

public sealed record Generic<T>(T Value, List<T> Values);

[SocketIOContract]
public interface IConformance
{
    Task All(Everything everything, Mutable mutable, Point point, Generic<Leaf> generic, Generic<int?> numbers);

    Task Rights(Permissions permissions);

    Task Defaults(Defaults defaults);
}
