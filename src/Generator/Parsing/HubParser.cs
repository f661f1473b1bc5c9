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
            new HubSpec(hubNamespace, hub.Name, hub.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), defaultNamespace, parameters, dispatchers.ToEquatableArray()),
            ImmutableArray<Diagnostic>.Empty);
    }
}
