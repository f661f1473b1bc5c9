using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using SocketIO.Typed.Generator;

namespace SocketIO.Typed.Analyzers.Tests;

/// <summary>
/// Runs the generator and the analyzers over a source with markup and compares what they report with what the
/// markup expects: <c>{|SIO0016:text|}</c> is one diagnostic of that id on exactly that text. Only SIO diagnostics
/// count; the source must otherwise compile (any compiler error fails the test, so a "right" case is really right).
/// </summary>
internal static partial class AnalyzerHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return [.. trusted.Split(Path.PathSeparator)
            .Where(static p => p.EndsWith(".dll", StringComparison.Ordinal))
            .Select(static p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    });

    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.Preview);

    public static CSharpParseOptions ParseOptions => s_parseOptions;

    public static ImmutableArray<MetadataReference> References => s_references.Value;

    [GeneratedRegex(@"\{\|(?<id>SIO\d{4}):(?<text>.*?)\|\}", RegexOptions.Singleline)]
    private static partial Regex Markup();

    /// <summary>Asserts the SIO diagnostics of <paramref name="markup"/> are exactly the marked ones.</summary>
    public static async Task VerifyAsync(string markup)
    {
        (string source, List<(string Id, TextSpan Span)> expected) = Parse(markup);
        ImmutableArray<Diagnostic> all = await DiagnoseAsync(source);
        string[] errors = [.. all.Where(static d => d.Severity == DiagnosticSeverity.Error && !d.Id.StartsWith("SIO", StringComparison.Ordinal)).Select(static d => d.ToString())];
        Assert.True(errors.Length == 0, "The test source does not compile:\n" + string.Join("\n", errors));
        string[] actual = [.. all.Where(static d => d.Id.StartsWith("SIO", StringComparison.Ordinal))
            .Select(d => Describe(d.Id, d.Location.SourceSpan, source)).Order(StringComparer.Ordinal)];
        string[] wanted = [.. expected.Select(e => Describe(e.Id, e.Span, source)).Order(StringComparer.Ordinal)];
        Assert.Equal(wanted, actual);
    }

    /// <summary>Every diagnostic of the compiler, the generator and the analyzers for a source.</summary>
    public static async Task<ImmutableArray<Diagnostic>> DiagnoseAsync(string source)
    {
        CSharpCompilation input = CSharpCompilation.Create(
            "Test",
            [CSharpSyntaxTree.ParseText(source, s_parseOptions, path: "Test.cs")],
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new ContractGenerator().AsSourceGenerator()], parseOptions: s_parseOptions)
            .RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        _ = driver;
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new SocketIOAnalyzer());
        ImmutableArray<Diagnostic> analyzerDiagnostics = await output.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();
        return [.. output.GetDiagnostics(), .. generatorDiagnostics, .. analyzerDiagnostics];
    }

    public static (string Source, List<(string Id, TextSpan Span)> Expected) Parse(string markup)
    {
        var expected = new List<(string, TextSpan)>();
        var builder = new System.Text.StringBuilder();
        int last = 0;
        foreach (Match match in Markup().Matches(markup))
        {
            builder.Append(markup, last, match.Index - last);
            string text = match.Groups["text"].Value;
            expected.Add((match.Groups["id"].Value, new TextSpan(builder.Length, text.Length)));
            builder.Append(text);
            last = match.Index + match.Length;
        }

        builder.Append(markup, last, markup.Length - last);
        return (builder.ToString(), expected);
    }

    private static string Describe(string id, TextSpan span, string source) => $"{id} at '{source.Substring(span.Start, span.Length)}' ({span.Start})";
}
