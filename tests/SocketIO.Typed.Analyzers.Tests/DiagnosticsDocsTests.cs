using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SocketIO.Typed.Analyzers.Tests;

/// <summary>
/// docs/diagnostics.md shows each rule with a wrong and a fixed example in one block. Both halves compile with the
/// generator and the analyzers: the wrong half reports its section's rule, the fixed half compiles cleanly with no
/// SIO diagnostic at any level. The fixed half sees the wrong half's types it does not declare again (so a fix can be
/// one changed line), and both see <c>io</c>, <c>socket</c>, <c>app</c> and the page's compile context.
/// </summary>
public sealed partial class DiagnosticsDocsTests
{
    private const string Page = "docs/diagnostics.md";

    [GeneratedRegex(@"^## (?<id>SIO\d{4})\s*$(?<section>.*?)(?=^## |\z)", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Section();

    [GeneratedRegex(@"^```csharp\s*$(?<code>.*?)^```\s*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    public static TheoryData<string> Rules()
    {
        var data = new TheoryData<string>();
        foreach (Match section in Section().Matches(Text()))
        {
            data.Add(section.Groups["id"].Value);
        }

        return data;
    }

    [Fact]
    public void Every_rule_of_the_catalogue_has_a_section()
    {
        string releases = File.ReadAllText(Path.Combine(DocsCompileTests.RepoRoot, "src", "Shared", "AnalyzerReleases.Unshipped.md"));
        string[] catalogue = [.. Regex.Matches(releases, @"^(?<id>SIO\d{4}) \|", RegexOptions.Multiline).Select(static m => m.Groups["id"].Value).Order(StringComparer.Ordinal)];
        string[] documented = [.. Section().Matches(Text()).Select(static m => m.Groups["id"].Value).Order(StringComparer.Ordinal)];
        Assert.Equal(catalogue, documented);
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task The_wrong_example_reports_the_rule_and_the_fixed_one_compiles_cleanly(string id)
    {
        Match section = Section().Matches(Text()).Single(m => m.Groups["id"].Value == id);
        string code = CSharpBlock().Match(section.Groups["section"].Value).Groups["code"].Value;
        int split = code.IndexOf("// fixed", StringComparison.Ordinal);
        Assert.True(code.Contains("// wrong", StringComparison.Ordinal) && split > 0, $"{id}: the block has no // wrong and // fixed parts");
        string wrong = code[..split];
        string fixedPart = code[split..];

        ImmutableArray<Diagnostic> wrongDiagnostics = await DiagnoseAsync(DocsCompileTests.AsFile(wrong, "Wrong"));
        Assert.True(wrongDiagnostics.Any(d => d.Id == id), $"{id}: the wrong example does not report it; it reports:\n{Describe(wrongDiagnostics)}");

        // The fixed half, with the wrong half's types it does not declare itself.
        var fixedUnit = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(fixedPart, AnalyzerHarness.ParseOptions).GetRoot();
        var wrongUnit = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(wrong, AnalyzerHarness.ParseOptions).GetRoot();
        var redeclared = new HashSet<string>(fixedUnit.Members.OfType<BaseTypeDeclarationSyntax>().Select(static t => t.Identifier.ValueText), StringComparer.Ordinal);
        string kept = string.Concat(wrongUnit.Members.OfType<BaseTypeDeclarationSyntax>().Where(t => !redeclared.Contains(t.Identifier.ValueText)).Select(static t => t.ToFullString() + "\n"));
        ImmutableArray<Diagnostic> fixedDiagnostics = await DiagnoseAsync(DocsCompileTests.AsFile(fixedPart, "Fixed"), kept);
        Diagnostic[] problems = [.. fixedDiagnostics.Where(static d => d.Severity == DiagnosticSeverity.Error || d.Id.StartsWith("SIO", StringComparison.Ordinal))];
        Assert.True(problems.Length == 0, $"{id}: the fixed example is not clean:\n{Describe(problems)}");
    }

    private static string Text() => File.ReadAllText(Path.Combine(DocsCompileTests.RepoRoot, Page)).Replace("\r\n", "\n", StringComparison.Ordinal);

    private static async Task<ImmutableArray<Diagnostic>> DiagnoseAsync(params string[] files)
    {
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(DocsCompileTests.AmbientSource, AnalyzerHarness.ParseOptions, path: "Ambient.cs"),
            CSharpSyntaxTree.ParseText(DocsCompileTests.Context(Page), AnalyzerHarness.ParseOptions, path: "Context.cs"),
        };
        trees.AddRange(files.Select((f, i) => CSharpSyntaxTree.ParseText(f, AnalyzerHarness.ParseOptions, path: $"Example{i}.cs")));
        Compilation output = DocsCompileTests.Compile(trees, out ImmutableArray<Diagnostic> generatorDiagnostics);
        ImmutableArray<Diagnostic> analyzerDiagnostics = await output.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new SocketIOAnalyzer())).GetAnalyzerDiagnosticsAsync();
        return [.. output.GetDiagnostics().Where(static d => d.Severity == DiagnosticSeverity.Error), .. generatorDiagnostics, .. analyzerDiagnostics];
    }

    private static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(static d => $"{d.Id} {d.Severity} {d.Location.GetLineSpan().Path}+{d.Location.GetLineSpan().StartLinePosition.Line}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));
}
