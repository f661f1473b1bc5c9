using SocketIO.Typed.SourceGeneration;

namespace SocketIO.Typed.Generator.Model;

/// <summary>What kind of JSON a type maps to.</summary>
internal enum TypeSpecKind
{
    /// <summary>A value a runtime helper reads and writes (string, numbers, bool, Guid, dates, ...).</summary>
    Primitive,

    /// <summary><c>byte[]</c> or <c>ReadOnlyMemory&lt;byte&gt;</c>: a binary attachment.</summary>
    Bytes,

    /// <summary><c>Nullable&lt;T&gt;</c>.</summary>
    Nullable,

    /// <summary>An enum, as a number or (with a string converter) a name.</summary>
    Enum,

    /// <summary><c>T[]</c>.</summary>
    Array,

    /// <summary>A list, set or other enumerable, read into <see cref="TypeSpec.ConstructSyntax"/>.</summary>
    Collection,

    /// <summary>A dictionary with string keys.</summary>
    Dictionary,

    /// <summary>A class, struct or record: a JSON object of its public properties.</summary>
    Object,

    /// <summary><c>System.Text.Json.JsonElement</c>: any JSON, as is.</summary>
    JsonElement,

    /// <summary>A type the user's <c>JsonSerializerContext</c> handles.</summary>
    External,
}

/// <summary>One payload type. The types of a contract form a flat list that refers to entries by <see cref="Key"/>, so recursive types never nest.</summary>
/// <param name="Key">A unique key: the fully qualified name (with <c>|string</c> for an enum written as names through a property converter).</param>
/// <param name="Syntax">The C# type (<c>global::App.Shape</c>), without a nullable annotation.</param>
/// <param name="Kind">The JSON it maps to.</param>
/// <param name="IsValueType">Whether it is a struct.</param>
/// <param name="Primitive">For <see cref="TypeSpecKind.Primitive"/>: the helper name (<c>String</c>, <c>Int32</c>, ...).</param>
/// <param name="ElementKey">The element (array, collection, nullable) or value (dictionary) type's key.</param>
/// <param name="ElementSyntax">The element or value type's C# syntax.</param>
/// <param name="ConstructSyntax">For collections and dictionaries: the concrete type created when reading.</param>
/// <param name="AddMethod">For collections: <c>Add</c>, or null when the result is an array copy.</param>
/// <param name="Enum">For enums.</param>
/// <param name="Object">For objects.</param>
/// <param name="External">For external types: the user's context (<c>global::App.AppJson</c>).</param>
internal sealed record TypeSpec(
    string Key,
    string Syntax,
    TypeSpecKind Kind,
    bool IsValueType,
    string? Primitive = null,
    string? ElementKey = null,
    string? ElementSyntax = null,
    string? ConstructSyntax = null,
    string? AddMethod = null,
    EnumSpec? Enum = null,
    ObjectSpec? Object = null,
    string? External = null);

/// <summary>An enum.</summary>
internal sealed record EnumSpec(string UnderlyingSyntax, bool AsString, bool IsFlags, EquatableArray<EnumMemberSpec> Members);

/// <summary>One enum member: its C# name, its name in JSON, its value as a C# literal.</summary>
internal sealed record EnumMemberSpec(string Name, string JsonName, string Value);

/// <summary>A class, struct or record.</summary>
/// <param name="Properties">The serialized members, in JSON order.</param>
/// <param name="ConstructorParameters">The parameters of the constructor used when reading, each naming a property by C# name.</param>
internal sealed record ObjectSpec(EquatableArray<PropertySpec> Properties, EquatableArray<ConstructorParameterSpec> ConstructorParameters, bool SupportsWith = false);

/// <summary>How a property is set when reading.</summary>
internal enum PropertySetter
{
    /// <summary>Not read (no setter, not a constructor parameter): written only.</summary>
    None,

    /// <summary>Through a constructor parameter.</summary>
    Constructor,

    /// <summary>A public <c>set</c> accessor, after construction.</summary>
    Set,

    /// <summary>A public <c>init</c> accessor (or a required member), in the object initializer.</summary>
    Init,
}

/// <summary>When a property is left out of the JSON (<c>JsonIgnoreCondition</c>).</summary>
internal enum IgnoreCondition
{
    Never,
    WhenWritingNull,
    WhenWritingDefault,
}

/// <summary>One serialized property.</summary>
internal sealed record PropertySpec(
    string Name,
    string JsonName,
    string TypeKey,
    string TypeSyntax,
    bool IsNullable,
    bool CanWrite,
    PropertySetter Setter,
    bool IsRequired,
    IgnoreCondition Ignore);

/// <summary>A constructor parameter and the property it fills.</summary>
internal sealed record ConstructorParameterSpec(string Name, string PropertyName, string TypeSyntax, string? DefaultValue);
