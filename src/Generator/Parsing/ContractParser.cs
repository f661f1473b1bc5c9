using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using SocketIO.Typed.Generator.Model;
using SocketIO.Typed.SourceGeneration;

namespace SocketIO.Typed.Generator.Parsing;

/// <summary>The result of parsing one contract: its spec (null when it cannot be generated) and what to report.</summary>
internal sealed record ContractParseResult(ContractSpec? Spec, ImmutableArray<Diagnostic> Diagnostics);

/// <summary>Turns a <c>[SocketIOContract]</c> interface symbol into a <see cref="ContractSpec"/>.</summary>
internal static class ContractParser
{
    public static ContractParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Parse((INamedTypeSymbol)context.TargetSymbol, context.Attributes[0], context.SemanticModel.Compilation, cancellationToken);

    /// <summary>Parses a contract (the generator and the analyzers share this one reading of a contract).</summary>
    public static ContractParseResult Parse(INamedTypeSymbol contract, AttributeData attribute, Compilation compilation, CancellationToken cancellationToken)
    {
        var diagnostics = new List<Diagnostic>();
        Location location = contract.Locations.FirstOrDefault() ?? Location.None;
        if (contract.IsGenericType)
        {
            diagnostics.Add(Diagnostic.Create(SocketIODescriptors.GenericMember, location, contract.Name));
            return new ContractParseResult(null, diagnostics.ToImmutableArray());
        }

        int naming = 0;
        string? defaultNamespace = null;
        INamedTypeSymbol? jsonContextType = null;
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Key == "Naming" && argument.Value.Value is int value)
            {
                naming = value;
            }
            else if (argument.Key == "Namespace" && argument.Value.Value is string declared)
            {
                defaultNamespace = declared;
            }
            else if (argument.Key == "JsonContext" && argument.Value.Value is INamedTypeSymbol jsonContext)
            {
                jsonContextType = jsonContext;
            }
        }

        var types = new TypeModelBuilder(compilation, jsonContextType);
        var events = new List<EventSpec>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var methodNames = new HashSet<string>(StringComparer.Ordinal);
        IEnumerable<INamedTypeSymbol> declaring = new[] { contract }.Concat(contract.AllInterfaces);
        foreach (INamedTypeSymbol type in declaring)
        {
            foreach (ISymbol member in type.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (member.IsStatic || member is INamedTypeSymbol || member is IMethodSymbol { MethodKind: not MethodKind.Ordinary })
                {
                    // Static members, nested types and accessors are not events (a property is reported once, below).
                    continue;
                }

                Location memberLocation = member.Locations.FirstOrDefault() ?? location;
                if (member is not IMethodSymbol method)
                {
                    diagnostics.Add(Diagnostic.Create(SocketIODescriptors.UnsupportedMember, memberLocation, member.Name));
                    continue;
                }

                if (!methodNames.Add(method.Name))
                {
                    diagnostics.Add(Diagnostic.Create(SocketIODescriptors.Overload, memberLocation, method.Name));
                    continue;
                }

                EventSpec? spec = ParseEvent(method, naming, types, diagnostics, memberLocation);
                if (spec is null)
                {
                    continue;
                }

                if (names.TryGetValue(spec.EventName, out string? other))
                {
                    diagnostics.Add(Diagnostic.Create(SocketIODescriptors.DuplicateEventName, memberLocation, spec.EventName, method.Name, other));
                    continue;
                }

                names.Add(spec.EventName, method.Name);
                events.Add(spec);
            }
        }

        if (diagnostics.Count > 0)
        {
            return new ContractParseResult(null, diagnostics.ToImmutableArray());
        }

        string ns = contract.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : string.Empty;
        var spec2 = new ContractSpec(
            ns,
            contract.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            GeneratedName(contract),
            IsPublic(contract),
            defaultNamespace,
            events.ToEquatableArray(),
            types.Specs.OrderBy(static t => t.Key, StringComparer.Ordinal).ToEquatableArray());
        return new ContractParseResult(spec2, ImmutableArray<Diagnostic>.Empty);
    }

    /// <summary>The contract's naming (the value of <c>SocketIOEventNaming</c>) from its attribute.</summary>
    public static int NamingOf(AttributeData attribute)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Key == "Naming" && argument.Value.Value is int value)
            {
                return value;
            }
        }

        return 0;
    }

    /// <summary>A contract method's event name: its <c>[SocketIOEvent]</c>, else its name under the contract's naming.</summary>
    public static string EventNameOf(IMethodSymbol method, int naming)
    {
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == KnownNames.SocketIOEventAttribute
                && attribute.ConstructorArguments.Length == 1
                && attribute.ConstructorArguments[0].Value is string name)
            {
                return name;
            }
        }

        return Naming.EventName(method.Name, naming);
    }

    private static EventSpec? ParseEvent(IMethodSymbol method, int naming, TypeModelBuilder types, List<Diagnostic> diagnostics, Location location)
    {
        if (method.IsGenericMethod)
        {
            diagnostics.Add(Diagnostic.Create(SocketIODescriptors.GenericMember, location, method.Name));
            return null;
        }

        string eventName = EventNameOf(method, naming);

        if (string.IsNullOrWhiteSpace(eventName))
        {
            diagnostics.Add(Diagnostic.Create(SocketIODescriptors.EmptyEventName, location, method.Name));
            return null;
        }

        if (Array.IndexOf(KnownNames.ReservedEventNames, eventName) >= 0)
        {
            diagnostics.Add(Diagnostic.Create(SocketIODescriptors.ReservedEventName, location, eventName, method.Name));
            return null;
        }

        if (!TryReadReturn(method.ReturnType, out ReturnKind kind, out ITypeSymbol? ackType))
        {
            diagnostics.Add(Diagnostic.Create(SocketIODescriptors.UnsupportedReturnType, location, method.Name, method.ReturnType.ToDisplayString()));
            return null;
        }

        var parameters = new List<ValueSpec>();
        string? cancellationName = null;
        bool failed = false;
        for (int i = 0; i < method.Parameters.Length; i++)
        {
            IParameterSymbol parameter = method.Parameters[i];
            if (parameter.RefKind != RefKind.None || parameter.IsParams || parameter.Type.TypeKind == TypeKind.Pointer || parameter.Type.IsRefLikeType)
            {
                string what = parameter.IsParams ? "params"
                    : parameter.RefKind != RefKind.None ? "passed by reference"
                    : parameter.Type.TypeKind == TypeKind.Pointer ? "a pointer"
                    : "a ref struct";
                diagnostics.Add(Diagnostic.Create(SocketIODescriptors.UnsupportedParameter, parameter.Locations.FirstOrDefault() ?? location, parameter.Name, method.Name, what));
                failed = true;
                continue;
            }

            if (parameter.Type.ToDisplayString() == "System.Threading.CancellationToken")
            {
                if (i != method.Parameters.Length - 1)
                {
                    diagnostics.Add(Diagnostic.Create(SocketIODescriptors.CancellationTokenNotLast, parameter.Locations.FirstOrDefault() ?? location, parameter.Name, method.Name));
                    failed = true;
                }

                cancellationName = parameter.Name;
                continue;
            }

            if (parameter.Type.TypeKind == TypeKind.Delegate)
            {
                diagnostics.Add(Diagnostic.Create(SocketIODescriptors.DelegateParameter, parameter.Locations.FirstOrDefault() ?? location, parameter.Name, method.Name));
                failed = true;
                continue;
            }

            ValueSpec? value = types.AddValue(parameter.Type, parameter.Name, out string? error);
            if (value is null)
            {
                diagnostics.Add(Diagnostic.Create(SocketIODescriptors.UnsupportedType, location, parameter.Type.ToDisplayString(), method.Name, error));
                failed = true;
                continue;
            }

            parameters.Add(value);
        }

        var ackValues = new List<ValueSpec>();
        bool tuple = false;
        if (ackType is not null)
        {
            if (ackType is INamedTypeSymbol { IsTupleType: true } tupleType)
            {
                tuple = true;
                foreach (IFieldSymbol element in tupleType.TupleElements)
                {
                    ValueSpec? value = types.AddValue(element.Type, element.Name, out string? error);
                    if (value is null)
                    {
                        diagnostics.Add(Diagnostic.Create(SocketIODescriptors.UnsupportedType, location, element.Type.ToDisplayString(), method.Name, error));
                        failed = true;
                        continue;
                    }

                    ackValues.Add(value);
                }
            }
            else
            {
                ValueSpec? value = types.AddValue(ackType, "result", out string? error);
                if (value is null)
                {
                    diagnostics.Add(Diagnostic.Create(SocketIODescriptors.UnsupportedType, location, ackType.ToDisplayString(), method.Name, error));
                    failed = true;
                }
                else
                {
                    ackValues.Add(value);
                }
            }
        }

        if (failed)
        {
            return null;
        }

        return new EventSpec(
            eventName,
            method.Name,
            parameters.ToEquatableArray(),
            cancellationName,
            kind,
            method.ReturnType.ToDisplayString(TypeModelBuilder.DeclarationFormat),
            ackType?.ToDisplayString(TypeModelBuilder.DeclarationFormat),
            ackValues.ToEquatableArray(),
            tuple);
    }

    private static bool TryReadReturn(ITypeSymbol type, out ReturnKind kind, out ITypeSymbol? ack)
    {
        kind = ReturnKind.Task;
        ack = null;
        if (type is not INamedTypeSymbol named || named.ContainingNamespace?.ToDisplayString() != "System.Threading.Tasks")
        {
            return false;
        }

        switch (named.MetadataName)
        {
            case "Task":
                kind = ReturnKind.Task;
                return true;
            case "ValueTask":
                kind = ReturnKind.ValueTask;
                return true;
            case "Task`1":
                kind = ReturnKind.TaskOfT;
                ack = named.TypeArguments[0];
                return true;
            case "ValueTask`1":
                kind = ReturnKind.ValueTaskOfT;
                ack = named.TypeArguments[0];
                return true;
            default:
                return false;
        }
    }

    // IChatServer -> ChatServer; a nested contract gets its containing types' names in front.
    internal static string GeneratedName(INamedTypeSymbol contract)
    {
        string name = contract.Name;
        if (name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]))
        {
            name = name.Substring(1);
        }

        for (INamedTypeSymbol? outer = contract.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            name = outer.Name + name;
        }

        return name;
    }

    private static bool IsPublic(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.DeclaredAccessibility != Accessibility.Public)
            {
                return false;
            }
        }

        return true;
    }
}
