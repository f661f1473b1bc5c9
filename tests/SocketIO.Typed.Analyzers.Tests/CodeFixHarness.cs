using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using SocketIO.Typed.Analyzers.CodeFixes;
using SocketIO.Typed.Generator;

namespace SocketIO.Typed.Analyzers.Tests;

/// <summary>
/// Applies the code fix for the one marked diagnostic of a source (in a Roslyn workspace, with the generator and the
/// analyzers run as in a build) and returns the fixed text, after the fix's simplification and formatting.
/// </summary>
internal static class CodeFixHarness
{
    public static async Task<string> FixAsync(string markup)
    {
        (Document document, List<CodeAction> actions) = await FixesAsync(markup);
        CodeAction fix = Assert.Single(actions);
        ImmutableArray<CodeActionOperation> operations = await fix.GetOperationsAsync(CancellationToken.None);
        Solution changed = Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
        SourceText text = await changed.GetDocument(document.Id)!.GetTextAsync();
        return text.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>How many fixes are offered for the one marked diagnostic (which must be reported).</summary>
    public static async Task<int> CountFixesAsync(string markup) => (await FixesAsync(markup)).Actions.Count;

    private static async Task<(Document Document, List<CodeAction> Actions)> FixesAsync(string markup)
    {
        (string source, List<(string Id, TextSpan Span)> expected) = AnalyzerHarness.Parse(markup);
        (string id, TextSpan span) = Assert.Single(expected);
        using var workspace = new AdhocWorkspace();
        ProjectInfo info = ProjectInfo.Create(
            ProjectId.CreateNewId(),
            VersionStamp.Create(),
            "Test",
            "Test",
            LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: AnalyzerHarness.ParseOptions,
            metadataReferences: AnalyzerHarness.References);
        Project project = workspace.AddProject(info);
        Document document = workspace.AddDocument(project.Id, "Test.cs", SourceText.From(source));

        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        CSharpGeneratorDriver.Create([new ContractGenerator().AsSourceGenerator()], parseOptions: AnalyzerHarness.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        ImmutableArray<Diagnostic> analyzerDiagnostics = await output.WithAnalyzers([new SocketIOAnalyzer()]).GetAnalyzerDiagnosticsAsync();
        Diagnostic diagnostic = generatorDiagnostics.Concat(analyzerDiagnostics).Single(d => d.Id == id && d.Location.SourceSpan == span);

        var provider = new SocketIOCodeFixProvider();
        Assert.Contains(id, provider.FixableDiagnosticIds);
        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        return (document, actions);
    }
}
