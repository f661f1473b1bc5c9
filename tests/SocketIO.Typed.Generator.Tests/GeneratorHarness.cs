using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SocketIO.Typed.Generator;

namespace SocketIO.Typed.Generator.Tests;

/// <summary>Runs the generator over source text in memory and compiles the result against the runtime.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var references = trusted.Split(Path.PathSeparator)
            .Where(static p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll" or "Microsoft.Extensions.Logging.Abstractions.dll")
            .Select(static p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(SocketIOContractAttribute).Assembly.Location));
        return [.. references];
    });

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Preview);

    public static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create(
        "Contracts",
        sources.Select(static s => CSharpSyntaxTree.ParseText(s, ParseOptions)),
        s_references.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        [new ContractGenerator().AsSourceGenerator()],
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns the output compilation, the generator's diagnostics and the generated files.</summary>
    public static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics, GeneratorDriverRunResult Run) Run(params string[] sources)
    {
        CSharpCompilation input = Compile(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        if (Environment.GetEnvironmentVariable("SIO_DUMP_GENERATED") is { Length: > 0 } dump)
        {
            Directory.CreateDirectory(dump);
            foreach (SyntaxTree tree in driver.GetRunResult().GeneratedTrees)
            {
                File.WriteAllText(Path.Combine(dump, Path.GetFileName(tree.FilePath)), tree.ToString());
            }
        }

        return (output, diagnostics, driver.GetRunResult());
    }

    /// <summary>Every warning and error of a compilation, as text (empty when clean).</summary>
    public static string[] Problems(Compilation compilation) => compilation.GetDiagnostics()
        .Where(static d => d.Severity >= DiagnosticSeverity.Warning)
        .Select(static d => d.ToString())
        .ToArray();

    public static string ProjectDirectory => typeof(GeneratorHarness).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(static a => a.Key == "ProjectDir").Value!;
}
