using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using SocketIO.Typed.Generator.Emitting;
using SocketIO.Typed.Generator.Model;
using SocketIO.Typed.Generator.Parsing;
using SocketIO.Typed.SourceGeneration;

namespace SocketIO.Typed.Generator;

/// <summary>
/// Turns every <c>[SocketIOContract]</c> interface into a proxy, a dispatcher, a broadcast view and a registration,
/// and every payload type they reach into a serializer.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ContractGenerator : IIncrementalGenerator
{
    private static readonly string s_version = typeof(ContractGenerator).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>Lets tests see the specs the generator emits from.</summary>
    internal static Action<ContractSpec>? OnSpecEmitting { get; set; }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ContractParseResult> parsed = context.SyntaxProvider.ForAttributeWithMetadataName(
                KnownNames.SocketIOContractAttribute,
                predicate: static (node, _) => node is InterfaceDeclarationSyntax,
                transform: static (ctx, ct) => ContractParser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<ContractSpec> specs = parsed
            .Where(static r => r.Spec is not null)
            .Select(static (r, _) => r.Spec!)
            .WithTrackingName(TrackingNames.Spec);

        context.RegisterSourceOutput(specs, static (spc, spec) =>
        {
            OnSpecEmitting?.Invoke(spec);
            spc.AddSource(HintName(spec.InterfaceFullName) + ".Contract.g.cs", SourceText.From(ContractEmitter.Emit(spec, s_version), Encoding.UTF8));
        });

        // One serializer class for the payload types of every contract of the compilation.
        IncrementalValueProvider<EquatableArray<TypeSpec>> types = specs
            .Select(static (spec, _) => spec.Types)
            .Collect()
            .Select(static (all, _) => Union(all))
            .WithTrackingName(TrackingNames.Types);
        context.RegisterSourceOutput(types, static (spc, all) =>
        {
            if (all.Count > 0)
            {
                spc.AddSource("SocketIOTypedJson.g.cs", SourceText.From(SerializerEmitter.Emit(all.ToList(), s_version), Encoding.UTF8));
            }
        });

        context.RegisterSourceOutput(parsed.Select(static (r, _) => r.Diagnostics), static (spc, diagnostics) => Report(spc, diagnostics));

        // [assembly: SocketIOTypeScript(...)]: the TypeScript declarations of contract pairs, as a constant the build
        // writes to a .d.ts (a generator cannot write files). The contracts may come from referenced assemblies.
        IncrementalValueProvider<TypeScriptResult> typescript = context.CompilationProvider
            .Select(static (compilation, ct) => TypeScriptResult.From(compilation, ct))
            .WithTrackingName(TrackingNames.TypeScript);
        context.RegisterSourceOutput(typescript, static (spc, result) =>
        {
            Report(spc, result.Diagnostics);
            if (result.Text is not null)
            {
                spc.AddSource("SocketIOTypeScript.g.cs", SourceText.From(TypeScriptResult.EmitConstant(result.Text, s_version), Encoding.UTF8));
            }
        });

        // Hubs: their creation through dependency injection and their dispatch.
        IncrementalValuesProvider<HubParseResult> hubs = context.SyntaxProvider.ForAttributeWithMetadataName(
                KnownNames.SocketIOHubAttribute,
                predicate: static (node, _) => node is ClassDeclarationSyntax,
                transform: static (ctx, ct) => HubParser.Parse(ctx, ct))
            .WithTrackingName(TrackingNames.Hub);
        context.RegisterSourceOutput(
            hubs.Where(static r => r.Spec is not null).Select(static (r, _) => r.Spec!).WithTrackingName(TrackingNames.HubSpec),
            static (spc, spec) => spc.AddSource(HintName(spec.FullName) + ".Hub.g.cs", SourceText.From(HubEmitter.Emit(spec, s_version), Encoding.UTF8)));
        context.RegisterSourceOutput(hubs.Select(static (r, _) => r.Diagnostics), static (spc, diagnostics) => Report(spc, diagnostics));

        // Typed hubs' ISocketIOHubContext<THub, TClient>: registered by a module initializer, the compilation's own
        // hubs and the public ones of referenced libraries (AddSocketIO adds what was registered; no open generic).
        IncrementalValueProvider<EquatableArray<HubContextSpec>> ownContexts = hubs
            .Where(static r => r.Spec?.ClientContract is not null)
            .Select(static (r, _) => new HubContextSpec(r.Spec!.FullName, r.Spec.ClientContract!))
            .Collect()
            .Select(static (all, _) => all.ToEquatableArray());
        IncrementalValueProvider<EquatableArray<HubContextSpec>> referencedContexts = context.CompilationProvider
            .Select(static (compilation, ct) => HubParser.ReferencedHubContexts(compilation, ct))
            .WithTrackingName(TrackingNames.HubContexts);
        context.RegisterSourceOutput(ownContexts.Combine(referencedContexts), static (spc, pair) =>
        {
            var all = pair.Left.Concat(pair.Right).Distinct().OrderBy(static h => h.Hub, StringComparer.Ordinal).ToList();
            if (all.Count > 0)
            {
                spc.AddSource("SocketIOHubContexts.g.cs", SourceText.From(HubEmitter.EmitContextRegistrations(all, s_version), Encoding.UTF8));
            }
        });
    }

    private static void Report(SourceProductionContext context, ImmutableArray<Diagnostic> diagnostics)
    {
        foreach (Diagnostic diagnostic in diagnostics)
        {
            context.ReportDiagnostic(diagnostic);
        }
    }

    private static EquatableArray<TypeSpec> Union(ImmutableArray<EquatableArray<TypeSpec>> all)
    {
        var byKey = new SortedDictionary<string, TypeSpec>(StringComparer.Ordinal);
        foreach (EquatableArray<TypeSpec> types in all)
        {
            foreach (TypeSpec type in types)
            {
                byKey[type.Key] = type;
            }
        }

        return byKey.Values.ToEquatableArray();
    }

    private static string HintName(string fullName)
    {
        var builder = new StringBuilder(fullName.Length);
        foreach (char c in fullName.Replace("global::", string.Empty))
        {
            builder.Append(char.IsLetterOrDigit(c) || c == '.' ? c : '_');
        }

        return builder.ToString();
    }
}

/// <summary>The TypeScript declarations of a compilation's <c>[assembly: SocketIOTypeScript]</c> pairs, or null without one.</summary>
internal sealed record TypeScriptResult(string? Text, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool Equals(TypeScriptResult? other) =>
        other is not null && Text == other.Text && Diagnostics.SequenceEqual(other.Diagnostics);

    public override int GetHashCode() => Text is null ? 0 : StringComparer.Ordinal.GetHashCode(Text);

    public static TypeScriptResult From(Compilation compilation, System.Threading.CancellationToken cancellationToken)
    {
        INamedTypeSymbol? marker = compilation.GetTypeByMetadataName(KnownNames.SocketIOTypeScriptAttribute);
        INamedTypeSymbol? contractAttribute = compilation.GetTypeByMetadataName(KnownNames.SocketIOContractAttribute);
        if (marker is null || contractAttribute is null)
        {
            return new TypeScriptResult(null, ImmutableArray<Diagnostic>.Empty);
        }

        var pairs = new List<TypeScriptPair>();
        var diagnostics = new List<Diagnostic>();
        foreach (AttributeData attribute in compilation.Assembly.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, marker) || attribute.ConstructorArguments.Length != 2)
            {
                continue;
            }

            Location location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? Location.None;
            string prefix = attribute.NamedArguments.FirstOrDefault(static a => a.Key == "Prefix").Value.Value as string ?? string.Empty;
            ContractSpec? clientToServer = Contract(attribute.ConstructorArguments[0], contractAttribute, compilation, location, diagnostics, cancellationToken);
            ContractSpec? serverToClient = Contract(attribute.ConstructorArguments[1], contractAttribute, compilation, location, diagnostics, cancellationToken);
            if (clientToServer is not null && serverToClient is not null)
            {
                pairs.Add(new TypeScriptPair(prefix, clientToServer, serverToClient));
            }
        }

        return new TypeScriptResult(pairs.Count > 0 ? TypeScriptEmitter.Emit(pairs) : null, diagnostics.ToImmutableArray());
    }

    // A contract the attribute names, parsed as the generator parses every contract; not a contract is SIO0016.
    private static ContractSpec? Contract(TypedConstant argument, INamedTypeSymbol contractAttribute, Compilation compilation, Location location, List<Diagnostic> diagnostics, System.Threading.CancellationToken cancellationToken)
    {
        if (argument.Value is not INamedTypeSymbol type)
        {
            return null;
        }

        AttributeData? attribute = type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, contractAttribute));
        if (attribute is null || type.TypeKind != TypeKind.Interface)
        {
            diagnostics.Add(Diagnostic.Create(SocketIODescriptors.NotAContract, location, type.Name, "SocketIOTypeScript"));
            return null;
        }

        // The contract's own problems are reported where it is declared; here it is only left out.
        return ContractParser.Parse(type, attribute, compilation, cancellationToken).Spec;
    }

    public static string EmitConstant(string text, string version)
    {
        var w = new StringBuilder();
        w.Append("// <auto-generated/>\n#nullable enable\n\nnamespace SocketIO.Typed.Generated\n{\n");
        w.Append("    /// <summary>The TypeScript declarations of this assembly's [assembly: SocketIOTypeScript] pairs; the build writes <see cref=\"Text\"/> to $(SocketIOTypeScriptOutput).</summary>\n");
        w.Append("    [global::System.CodeDom.Compiler.GeneratedCode(\"SocketIO.Typed.Generator\", \"").Append(version).Append("\")]\n");
        w.Append("    internal static class SocketIOTypeScriptDefinitions\n    {\n");
        w.Append("        /// <summary>The .d.ts text.</summary>\n");
        // Between marker lines, which the build's SocketIOWriteTypeScript task finds in the assembly's metadata.
        w.Append("        public const string Text = @\"// socketio-typed:typescript:begin\n").Append(text.Replace("\"", "\"\"")).Append("// socketio-typed:typescript:end\n\";\n");
        w.Append("    }\n}\n");
        return w.ToString();
    }
}
