using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using SocketIO.Typed.Generator.Model;
using SocketIO.Typed.SourceGeneration;

namespace SocketIO.Typed.Generator.Parsing;

/// <summary>
/// Walks the payload types a contract reaches and records each once as a <see cref="TypeSpec"/>, following what
/// <c>System.Text.Json</c> with <c>JsonSerializerDefaults.Web</c> serializes (public properties, camelCase names,
/// the <c>JsonPropertyName</c>/<c>JsonIgnore</c>/string-enum attributes, constructors with parameters).
/// </summary>
internal sealed class TypeModelBuilder(Compilation compilation, INamedTypeSymbol? jsonContext = null)
{
    /// <summary>Fully qualified, with nullable annotations: how generated code declares a parameter or a local.</summary>
    public static readonly SymbolDisplayFormat DeclarationFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private readonly Dictionary<string, TypeSpec> _specs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inProgress = new(StringComparer.Ordinal);
    private readonly INamedTypeSymbol? _jsonElement = compilation.GetTypeByMetadataName(KnownNames.JsonElement);

    public IEnumerable<TypeSpec> Specs => _specs.Values;

    /// <summary>A value of type <paramref name="type"/> named <paramref name="name"/>, its types recorded.</summary>
    public ValueSpec? AddValue(ITypeSymbol type, string name, out string? error)
    {
        string? key = Add(type, stringEnum: false, out error);
        if (key is null)
        {
            return null;
        }

        bool nullable = type.NullableAnnotation == NullableAnnotation.Annotated
            || (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T });
        return new ValueSpec(name, key, type.ToDisplayString(DeclarationFormat), nullable);
    }

    /// <summary>Records a type (and what it reaches); returns its key, or null with the reason it cannot be serialized.</summary>
    public string? Add(ITypeSymbol type, bool stringEnum, out string? error)
    {
        error = null;
        ITypeSymbol plain = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        // With the nullable annotations of type arguments (List<string?> is another signature than List<string>).
        string syntax = plain.ToDisplayString(DeclarationFormat);
        // An enum written as names through a property's converter is another type on the wire than the same enum as a
        // number (also inside Nullable<T>), so it gets its own key.
        ITypeSymbol underlying = plain is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } wrapped ? wrapped.TypeArguments[0] : plain;
        string key = stringEnum && underlying.TypeKind == TypeKind.Enum ? syntax + "|string" : syntax;
        if (_specs.ContainsKey(key) || _inProgress.Contains(key))
        {
            return key;
        }

        _inProgress.Add(key);
        try
        {
            TypeSpec? spec = Build(plain, key, syntax, stringEnum, out error);
            if (spec is null)
            {
                // The contract's JsonSerializerContext takes what the generator cannot, when it lists the type.
                spec = stringEnum ? null : External(plain, key, syntax, ref error);
                if (spec is null)
                {
                    return null;
                }
            }

            _specs[key] = spec;
            return key;
        }
        finally
        {
            _inProgress.Remove(key);
        }
    }

    private TypeSpec? External(ITypeSymbol type, string key, string syntax, ref string? error)
    {
        if (jsonContext is null)
        {
            return null;
        }

        string contextSyntax = jsonContext.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        bool listed = jsonContext.GetAttributes().Any(a =>
            a.AttributeClass is { } attribute
            && attribute.ToDisplayString() == KnownNames.JsonSerializableAttribute
            && a.ConstructorArguments.Length == 1
            && a.ConstructorArguments[0].Value is ITypeSymbol listedType
            && SymbolEqualityComparer.Default.Equals(listedType.WithNullableAnnotation(NullableAnnotation.NotAnnotated), type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)));
        if (!listed)
        {
            error += $"; and {jsonContext.Name} has no [JsonSerializable(typeof({type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}))]";
            return null;
        }

        error = null;
        return new TypeSpec(key, syntax, TypeSpecKind.External, type.IsValueType, External: contextSyntax);
    }

    private TypeSpec? Build(ITypeSymbol type, string key, string syntax, bool stringEnum, out string? error)
    {
        error = null;
        string? primitive = PrimitiveName(type);
        if (primitive is not null)
        {
            return new TypeSpec(key, syntax, TypeSpecKind.Primitive, type.IsValueType, Primitive: primitive);
        }

        if (IsBytes(type))
        {
            return new TypeSpec(key, syntax, TypeSpecKind.Bytes, type.IsValueType, Primitive: type is IArrayTypeSymbol ? "Array" : "Memory");
        }

        if (_jsonElement is not null && SymbolEqualityComparer.Default.Equals(type, _jsonElement))
        {
            return new TypeSpec(key, syntax, TypeSpecKind.JsonElement, IsValueType: true);
        }

        switch (type)
        {
            case INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable:
            {
                ITypeSymbol inner = nullable.TypeArguments[0];
                string? element = Add(inner, stringEnum, out error);
                return element is null ? null : new TypeSpec(key, syntax, TypeSpecKind.Nullable, IsValueType: true, ElementKey: element, ElementSyntax: inner.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
            }

            case INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType:
                return BuildEnum(enumType, key, syntax, stringEnum);

            case IArrayTypeSymbol array:
            {
                if (array.Rank != 1)
                {
                    error = "only one-dimensional arrays are supported";
                    return null;
                }

                string? element = Add(array.ElementType, stringEnum: false, out error);
                return element is null ? null : new TypeSpec(key, syntax, TypeSpecKind.Array, IsValueType: false, ElementKey: element, ElementSyntax: array.ElementType.ToDisplayString(DeclarationFormat));
            }

            case INamedTypeSymbol { IsTupleType: true }:
                error = "tuples are only supported as the result of an acknowledged event";
                return null;

            case INamedTypeSymbol named when TryCollection(named, out string? construct, out ITypeSymbol? element, out bool dictionary, out error):
            {
                if (construct is null || element is null)
                {
                    return null;
                }

                string? elementKey = Add(element, stringEnum: false, out error);
                if (elementKey is null)
                {
                    return null;
                }

                return new TypeSpec(
                    key,
                    syntax,
                    dictionary ? TypeSpecKind.Dictionary : TypeSpecKind.Collection,
                    named.IsValueType,
                    ElementKey: elementKey,
                    ElementSyntax: element.ToDisplayString(DeclarationFormat),
                    ConstructSyntax: construct,
                    AddMethod: "Add");
            }

            case INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct } named:
                return BuildObject(named, key, syntax, out error);

            default:
                error = type.TypeKind == TypeKind.Interface
                    ? "an interface has no shape to read into (use a concrete type, or a collection interface)"
                    : $"a {type.TypeKind.ToString().ToLowerInvariant()} has no JSON shape";
                return null;
        }
    }

    private static string? PrimitiveName(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_String: return "String";
            case SpecialType.System_Boolean: return "Boolean";
            case SpecialType.System_Char: return "Char";
            case SpecialType.System_SByte: return "SByte";
            case SpecialType.System_Byte: return "Byte";
            case SpecialType.System_Int16: return "Int16";
            case SpecialType.System_UInt16: return "UInt16";
            case SpecialType.System_Int32: return "Int32";
            case SpecialType.System_UInt32: return "UInt32";
            case SpecialType.System_Int64: return "Int64";
            case SpecialType.System_UInt64: return "UInt64";
            case SpecialType.System_Single: return "Single";
            case SpecialType.System_Double: return "Double";
            case SpecialType.System_Decimal: return "Decimal";
            case SpecialType.System_DateTime: return "DateTime";
        }

        return type.ToDisplayString() switch
        {
            "System.Guid" => "Guid",
            "System.DateTimeOffset" => "DateTimeOffset",
            "System.TimeSpan" => "TimeSpan",
            "System.Uri" => "Uri",
            _ => null,
        };
    }

    private static bool IsBytes(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte } => true,
        INamedTypeSymbol { Name: "ReadOnlyMemory" or "Memory", ContainingNamespace.Name: "System", TypeArguments.Length: 1 } named => named.TypeArguments[0].SpecialType == SpecialType.System_Byte,
        _ => false,
    };

    private static bool TryCollection(INamedTypeSymbol type, out string? construct, out ITypeSymbol? element, out bool dictionary, out string? error)
    {
        construct = null;
        element = null;
        dictionary = false;
        error = null;
        if (!type.IsGenericType || type.ContainingNamespace?.ToDisplayString() != "System.Collections.Generic")
        {
            return false;
        }

        string name = type.MetadataName;
        switch (name)
        {
            case "List`1" or "IList`1" or "ICollection`1" or "IEnumerable`1" or "IReadOnlyList`1" or "IReadOnlyCollection`1":
                element = type.TypeArguments[0];
                construct = "global::System.Collections.Generic.List<" + element.ToDisplayString(DeclarationFormat) + ">";
                return true;
            case "HashSet`1" or "ISet`1" or "IReadOnlySet`1":
                element = type.TypeArguments[0];
                construct = "global::System.Collections.Generic.HashSet<" + element.ToDisplayString(DeclarationFormat) + ">";
                return true;
            case "Dictionary`2" or "IDictionary`2" or "IReadOnlyDictionary`2":
                dictionary = true;
                if (type.TypeArguments[0].SpecialType != SpecialType.System_String)
                {
                    error = "dictionary keys must be strings (JSON object keys)";
                    return true;
                }

                element = type.TypeArguments[1];
                construct = "global::System.Collections.Generic.Dictionary<string, " + element.ToDisplayString(DeclarationFormat) + ">";
                return true;
            default:
                error = $"'{type.ToDisplayString()}' is not a supported collection (use an array, a List, a HashSet, a Dictionary with string keys or their interfaces)";
                return true;
        }
    }

    private static TypeSpec BuildEnum(INamedTypeSymbol type, string key, string syntax, bool stringEnum)
    {
        bool asString = stringEnum || HasStringEnumConverter(type.GetAttributes());
        var members = new List<EnumMemberSpec>();
        foreach (IFieldSymbol field in type.GetMembers().OfType<IFieldSymbol>())
        {
            if (!field.HasConstantValue)
            {
                continue;
            }

            string jsonName = field.Name;
            foreach (AttributeData attribute in field.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == KnownNames.JsonStringEnumMemberNameAttribute && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string n)
                {
                    jsonName = n;
                }
            }

            string value = Convert.ToString(field.ConstantValue, CultureInfo.InvariantCulture) ?? "0";
            members.Add(new EnumMemberSpec(field.Name, jsonName, value));
        }

        bool flags = type.GetAttributes().Any(static a => a.AttributeClass?.ToDisplayString() == "System.FlagsAttribute");
        string underlying = type.EnumUnderlyingType?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) ?? "int";
        return new TypeSpec(key, syntax, TypeSpecKind.Enum, IsValueType: true, Enum: new EnumSpec(underlying, asString, flags, members.ToEquatableArray()));
    }

    private static bool HasStringEnumConverter(IEnumerable<AttributeData> attributes)
    {
        foreach (AttributeData attribute in attributes)
        {
            if (attribute.AttributeClass?.ToDisplayString() != KnownNames.JsonConverterAttribute || attribute.ConstructorArguments.Length != 1)
            {
                continue;
            }

            if (attribute.ConstructorArguments[0].Value is INamedTypeSymbol converter)
            {
                string name = converter.OriginalDefinition.ToDisplayString();
                if (name is "System.Text.Json.Serialization.JsonStringEnumConverter" or "System.Text.Json.Serialization.JsonStringEnumConverter<TEnum>")
                {
                    return true;
                }
            }
        }

        return false;
    }

    private TypeSpec? BuildObject(INamedTypeSymbol type, string key, string syntax, out string? error)
    {
        error = null;
        if (type.IsAbstract)
        {
            error = "an abstract type cannot be created when reading (polymorphic payloads are not supported)";
            return null;
        }

        if (type.SpecialType == SpecialType.System_Object || type.ContainingNamespace?.ToDisplayString().StartsWith("System", StringComparison.Ordinal) == true && type.ContainingNamespace.ToDisplayString() != "System.Text.Json")
        {
            error = "this framework type has no JSON shape the generator knows";
            return null;
        }

        // System.Text.Json's order: the type's own properties first, then each base type's, in declaration order.
        var properties = new List<(IPropertySymbol Symbol, PropertySpec? Spec)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (INamedTypeSymbol? current = type; current is not null && current.SpecialType != SpecialType.System_Object && current.SpecialType != SpecialType.System_ValueType; current = current.BaseType)
        {
            foreach (IPropertySymbol property in current.GetMembers().OfType<IPropertySymbol>())
            {
                if (property.IsStatic || property.IsIndexer || property.DeclaredAccessibility != Accessibility.Public || property.GetMethod is null || property.GetMethod.DeclaredAccessibility != Accessibility.Public || !seen.Add(property.Name))
                {
                    continue;
                }

                if (property.Name == "EqualityContract" && type.IsRecord)
                {
                    continue;
                }

                properties.Add((property, null));
            }
        }

        IMethodSymbol? constructor = ChooseConstructor(type, out error);
        if (constructor is null && error is not null)
        {
            return null;
        }

        var specs = new List<PropertySpec>();
        var parameters = new List<ConstructorParameterSpec>();
        foreach ((IPropertySymbol property, _) in properties)
        {
            IgnoreCondition ignore = IgnoreCondition.Never;
            string jsonName = Naming.CamelCase(property.Name);
            bool skip = false;
            bool stringEnum = false;
            bool required = property.IsRequired;
            foreach (AttributeData attribute in property.GetAttributes())
            {
                string? name = attribute.AttributeClass?.ToDisplayString();
                if (name == KnownNames.JsonIgnoreAttribute)
                {
                    int condition = 1; // JsonIgnoreCondition.Always
                    foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
                    {
                        if (named.Key == "Condition" && named.Value.Value is int c)
                        {
                            condition = c;
                        }
                    }

                    switch (condition)
                    {
                        case 1:
                            skip = true;
                            break;
                        case 2:
                            ignore = IgnoreCondition.WhenWritingDefault;
                            break;
                        case 3:
                            ignore = IgnoreCondition.WhenWritingNull;
                            break;
                    }
                }
                else if (name == KnownNames.JsonPropertyNameAttribute && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string n)
                {
                    jsonName = n;
                }
                else if (name == KnownNames.JsonRequiredAttribute)
                {
                    required = true;
                }
            }

            stringEnum = HasStringEnumConverter(property.GetAttributes());
            if (skip)
            {
                continue;
            }

            ITypeSymbol propertyType = property.Type;
            ITypeSymbol enumCandidate = propertyType is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nt ? nt.TypeArguments[0] : propertyType;
            string? typeKey = Add(propertyType, stringEnum && enumCandidate.TypeKind == TypeKind.Enum, out error);
            if (typeKey is null)
            {
                error = $"property '{property.Name}' of '{type.ToDisplayString()}': {error}";
                return null;
            }

            IParameterSymbol? parameter = constructor?.Parameters.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
            PropertySetter setter;
            if (parameter is not null)
            {
                setter = PropertySetter.Constructor;
            }
            else if (property.SetMethod is { DeclaredAccessibility: Accessibility.Public } set)
            {
                setter = set.IsInitOnly || required ? PropertySetter.Init : PropertySetter.Set;
            }
            else
            {
                setter = PropertySetter.None;
            }

            bool isNullable = !propertyType.IsValueType || propertyType is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T };
            specs.Add(new PropertySpec(property.Name, jsonName, typeKey, propertyType.ToDisplayString(DeclarationFormat), isNullable, CanWrite: true, setter, required, ignore));
        }

        if (constructor is not null)
        {
            foreach (IParameterSymbol parameter in constructor.Parameters)
            {
                PropertySpec? property = specs.FirstOrDefault(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
                if (property is null)
                {
                    error = $"constructor parameter '{parameter.Name}' of '{type.ToDisplayString()}' matches no serialized property";
                    return null;
                }

                parameters.Add(new ConstructorParameterSpec(parameter.Name, property.Name, parameter.Type.ToDisplayString(DeclarationFormat), parameter.HasExplicitDefaultValue ? Literal(parameter) : null));
            }
        }

        return new TypeSpec(key, syntax, TypeSpecKind.Object, type.IsValueType, Object: new ObjectSpec(specs.ToEquatableArray(), parameters.ToEquatableArray(), SupportsWith: type.IsRecord || type.IsValueType));
    }

    // System.Text.Json's choice: [JsonConstructor], else the public parameterless one, else the only public one.
    private static IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, out string? error)
    {
        error = null;
        IMethodSymbol[] constructors = type.InstanceConstructors.Where(static c => c.DeclaredAccessibility == Accessibility.Public).ToArray();
        IMethodSymbol? marked = constructors.FirstOrDefault(static c => c.GetAttributes().Any(static a => a.AttributeClass?.ToDisplayString() == KnownNames.JsonConstructorAttribute));
        if (marked is not null)
        {
            return marked.Parameters.Length == 0 ? null : marked;
        }

        if (constructors.Any(static c => c.Parameters.Length == 0))
        {
            return null;
        }

        IMethodSymbol[] withParameters = constructors.Where(static c => !(c.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(c.Parameters[0].Type, c.ContainingType))).ToArray();
        if (withParameters.Length == 1)
        {
            return withParameters[0];
        }

        error = $"'{type.ToDisplayString()}' has no public constructor to read it with (add a parameterless one, or mark one [JsonConstructor])";
        return null;
    }

    private static string Literal(IParameterSymbol parameter)
    {
        object? value = parameter.ExplicitDefaultValue;
        string type = parameter.Type.ToDisplayString(DeclarationFormat);
        return value switch
        {
            null => "default(" + type + ")",
            string s => SourceLiterals.String(s),
            bool b => b ? "true" : "false",
            char c => SourceLiterals.Char(c),
            _ => "(" + type + ")(" + Convert.ToString(value, CultureInfo.InvariantCulture) + ")",
        };
    }
}
