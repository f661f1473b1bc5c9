using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SocketIO.Typed.Generator.Model;
using SocketIO.Typed.SourceGeneration;

namespace SocketIO.Typed.Generator.Parsing;

/// <summary>The result of parsing one hub.</summary>
internal sealed record HubParseResult(HubSpec? Spec, ImmutableArray<Diagnostic> Diagnostics);

/// <summary>Turns a <c>[SocketIOHub]</c> class into a <see cref="HubSpec"/>.</summary>
internal static class HubParser
{
    public static HubParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var hub = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (ClassDeclarationSyntax)context.TargetNode;
        Location location = declaration.Identifier.GetLocation();
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            return new HubParseResult(null, ImmutableArray.Create(Diagnostic.Create(SocketIODescriptors.HubNotPartial, location, hub.Name)));
        }

        if (hub.IsGenericType || hub.ContainingType is not null || hub.IsAbstract)
        {
            return new HubParseResult(null, ImmutableArray.Create(Diagnostic.Create(SocketIODescriptors.HubShape, location, hub.Name)));
        }

        string? defaultNamespace = null;
        if (context.Attributes[0].ConstructorArguments.Length == 1 && context.Attributes[0].ConstructorArguments[0].Value is string declared)
        {
            defaultNamespace = declared;
        }

        var dispatchers = new List<string>();
        foreach (INamedTypeSymbol contract in hub.AllInterfaces)
        {
            cancellationToken.ThrowIfCancellationRequested();
            AttributeData? attribute = contract.GetAttributes().FirstOrDefault(static a => a.AttributeClass?.ToDisplayString() == KnownNames.SocketIOContractAttribute);
            if (attribute is null)
            {
                continue;
            }

            string ns = contract.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() + "." : string.Empty;
            dispatchers.Add("global::" + ns + ContractParser.GeneratedName(contract) + "Dispatcher");
            if (defaultNamespace is null)
            {
                foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
                {
                    if (argument.Key == "Namespace" && argument.Value.Value is string fromContract)
                    {
                        defaultNamespace = fromContract;
                    }
                }
            }
        }

        IMethodSymbol? constructor = hub.InstanceConstructors
            .Where(static c => c.DeclaredAccessibility == Accessibility.Public)
            .OrderByDescending(static c => c.Parameters.Length)
            .FirstOrDefault();
        if (constructor is null || dispatchers.Count == 0)
        {
            return new HubParseResult(null, ImmutableArray.Create(Diagnostic.Create(SocketIODescriptors.HubShape, location, hub.Name)));
        }

        var parameters = constructor.Parameters.Select(static p => new HubParameterSpec(
            p.Type.ToDisplayString(TypeModelBuilder.DeclarationFormat),
            p.Type.ToDisplayString() == "System.IServiceProvider",
            p.IsOptional || p.Type.NullableAnnotation == NullableAnnotation.Annotated,
            DefaultValue: null)).ToEquatableArray();

        string hubNamespace = hub.ContainingNamespace is { IsGlobalNamespace: false } hn ? hn.ToDisplayString() : string.Empty;
        return new HubParseResult(
            new HubSpec(hubNamespace, hub.Name, hub.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), defaultNamespace, parameters, dispatchers.ToEquatableArray(), ClientContract(hub)),
            ImmutableArray<Diagnostic>.Empty);
    }

    /// <summary>The <c>TClient</c> of a hub deriving from <c>SocketHub&lt;TClient&gt;</c> (fully qualified), else null.</summary>
    public static string? ClientContract(INamedTypeSymbol hub) =>
        ClientContractSymbol(hub)?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    private static ITypeSymbol? ClientContractSymbol(INamedTypeSymbol hub)
    {
        for (INamedTypeSymbol? type = hub.BaseType; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.TypeArguments.Length == 1
                && type.OriginalDefinition.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) == "global::SocketIO.Typed.Server.SocketHub<TClient>")
            {
                return type.TypeArguments[0];
            }
        }

        return null;
    }

    /// <summary>
    /// The public typed hubs of referenced assemblies that use the server package: their hub contexts are registered
    /// by the consuming assembly too, since a library's own registration runs only once something touches it.
    /// </summary>
    public static EquatableArray<HubContextSpec> ReferencedHubContexts(Compilation compilation, CancellationToken cancellationToken)
    {
        var found = new List<HubContextSpec>();
        foreach (IAssemblySymbol assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!assembly.Modules.Any(static m => m.ReferencedAssemblies.Any(static r => r.Name == "SocketIO.Typed.AspNetCore")))
            {
                continue;
            }

            Collect(assembly.GlobalNamespace, compilation, found, cancellationToken);
        }

        return found.OrderBy(static h => h.Hub, System.StringComparer.Ordinal).ToEquatableArray();
    }

    private static void Collect(INamespaceSymbol ns, Compilation compilation, List<HubContextSpec> found, CancellationToken cancellationToken)
    {
        foreach (INamespaceSymbol child in ns.GetNamespaceMembers())
        {
            Collect(child, compilation, found, cancellationToken);
        }

        foreach (INamedTypeSymbol type in ns.GetTypeMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (type.TypeKind != TypeKind.Class || type.IsAbstract || type.IsGenericType
                || !type.GetAttributes().Any(static a => a.AttributeClass?.ToDisplayString() == KnownNames.SocketIOHubAttribute)
                || !compilation.IsSymbolAccessibleWithin(type, compilation.Assembly)
                || ClientContractSymbol(type) is not { } client
                || !compilation.IsSymbolAccessibleWithin(client, compilation.Assembly))
            {
                continue;
            }

            found.Add(new HubContextSpec(
                type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                client.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)));
        }
    }
}
