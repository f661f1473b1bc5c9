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
