using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SocketIO.Typed.Generator;

namespace SocketIO.Typed.Analyzers.Tests;

/// <summary>
/// Every C# block of the README and docs/ compiles, with the generator (so contracts and hubs in the docs get their
/// code) and against the real packages. A page's blocks are read as one program, the way a reader reads them: each
/// block is a file; its type declarations stay types, its statements become the body of a method that sees a few
/// names every page uses (<c>builder</c>, <c>app</c>, <c>io</c>, <c>socket</c>, <c>args</c>, <c>ct</c>; a page may
/// say otherwise in a <c>&lt;!-- compile-context: SocketIOManager io; SocketIOClientSocket socket --&gt;</c> comment);
/// a block may declare its own. docs/diagnostics.md is checked by DiagnosticsDocsTests (its blocks show wrong code on purpose).
/// </summary>
public sealed partial class DocsCompileTests
{
    internal static readonly string RepoRoot = typeof(DocsCompileTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(static a => a.Key == "RepoRoot").Value!;

    // What an ASP.NET Core project's implicit usings give, and the SocketIO.Typed namespaces the pages name at their top.
    internal const string AmbientSource = """
        global using System;
        global using System.IO;
        global using System.Net.Http;
        global using Microsoft.AspNetCore.Hosting;
        global using Microsoft.AspNetCore.Routing;
        global using Microsoft.Extensions.Configuration;
        global using System.Collections.Generic;
        global using System.Linq;
        global using System.Text.Json;
        global using System.Text.Json.Serialization;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using Microsoft.AspNetCore.Builder;
        global using Microsoft.AspNetCore.Http;
        global using Microsoft.Extensions.DependencyInjection;
        global using Microsoft.Extensions.Hosting;
        global using Microsoft.Extensions.Logging;
        global using SocketIO.Typed;
        global using SocketIO.Typed.Adapters;
        global using SocketIO.Typed.Client;
        global using SocketIO.Typed.Server;

        """;

    private const string DefaultContext = "WebApplicationBuilder builder; WebApplication app; SocketIOServer io; SocketIOSocket socket; string[] args; CancellationToken ct";

    [GeneratedRegex(@"^```csharp\s*$(?<code>.*?)^```\s*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"<!--\s*compile-context:(?<fields>.*?)-->", RegexOptions.Singleline)]
    private static partial Regex CompileContext();

    /// <summary>The names a page's statement blocks see, as static fields of <c>DocsBlocks</c>.</summary>
    internal static string Context(string page)
    {
        string text = File.ReadAllText(Path.Combine(RepoRoot, page));
        Match custom = CompileContext().Match(text);
        string fields = custom.Success ? custom.Groups["fields"].Value : DefaultContext;
        var context = new StringBuilder("internal static partial class DocsBlocks\n{\n#pragma warning disable CS0169, CS0414, CS0649\n");
        foreach (string field in fields.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            context.Append("    private static ").Append(field).Append(" = default!;\n");
        }

        return context.Append("#pragma warning restore CS0169, CS0414, CS0649\n}\n").ToString();
    }

    public static TheoryData<string> Pages()
    {
        var data = new TheoryData<string>();
        foreach (string page in new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(RepoRoot, "docs"), "*.md").Select(p => Path.GetRelativePath(RepoRoot, p))).Order(StringComparer.Ordinal))
        {
            if (page != Path.Combine("docs", "diagnostics.md") && Blocks(page).Count > 0)
            {
                data.Add(page);
            }
        }

        return data;
    }

    /// <summary>The C# blocks of a page, each with the line it starts on.</summary>
    internal static List<(int Line, string Code)> Blocks(string page)
    {
        string text = File.ReadAllText(Path.Combine(RepoRoot, page)).Replace("\r\n", "\n", StringComparison.Ordinal);
        return [.. CSharpBlock().Matches(text).Select(m => (text[..m.Index].Count(static c => c == '\n') + 2, m.Groups["code"].Value.Trim('\n')))];
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_csharp_block_of_the_page_compiles(string page)
    {
        List<(int Line, string Code)> blocks = Blocks(page);
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(AmbientSource, AnalyzerHarness.ParseOptions, path: "Ambient.cs"),
            CSharpSyntaxTree.ParseText(Context(page), AnalyzerHarness.ParseOptions, path: "Context.cs"),
        };
        foreach ((int line, string code) in blocks)
        {
            trees.Add(CSharpSyntaxTree.ParseText(AsFile(code, $"Block_{line}"), AnalyzerHarness.ParseOptions, path: $"{page}:{line}"));
        }

        string[] errors = Errors(trees);
        Assert.True(errors.Length == 0, $"{page}: {errors.Length} error(s) in its C# blocks (path:line is the block's first line):\n" + string.Join("\n", errors));
    }

    // System.Text.Json's source generator, from the targeting pack the SDK compiles with (docs declare JsonSerializerContexts).
    private static readonly Lazy<ISourceGenerator[]> s_jsonGenerators = new(static () =>
    {
        string dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        string? analyzer = Directory.Exists(Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref"))
            ? Directory.GetFiles(Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref"), "System.Text.Json.SourceGeneration.dll", SearchOption.AllDirectories)
                .Where(static f => f.Replace('\\', '/').Contains("/analyzers/dotnet/cs/", StringComparison.Ordinal))
                .OrderByDescending(static f => f, StringComparer.Ordinal)
                .FirstOrDefault()
            : null;
        Assert.True(analyzer is not null, $"System.Text.Json's source generator was not found under {dotnetRoot}/packs");
        var reference = new Microsoft.CodeAnalysis.Diagnostics.AnalyzerFileReference(analyzer!, new GeneratorLoader());
        return [.. reference.GetGeneratorsForAllLanguages()];
    });

    private sealed class GeneratorLoader : Microsoft.CodeAnalysis.IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }

    /// <summary>Compiles with our generator and System.Text.Json's; the generated code included.</summary>
    internal static Compilation Compile(IEnumerable<SyntaxTree> trees, out ImmutableArray<Diagnostic> generatorDiagnostics)
    {
        CSharpCompilation input = CSharpCompilation.Create(
            "Docs",
            trees,
            AnalyzerHarness.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create([new ContractGenerator().AsSourceGenerator(), .. s_jsonGenerators.Value], parseOptions: AnalyzerHarness.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(input, out Compilation output, out generatorDiagnostics);
        return output;
    }

    /// <summary>The errors of the compiler and the generator (SIO errors included), described.</summary>
    internal static string[] Errors(IEnumerable<SyntaxTree> trees)
    {
        Compilation output = Compile(trees, out ImmutableArray<Diagnostic> generatorDiagnostics);
        return [.. output.GetDiagnostics().Concat(generatorDiagnostics)
            .Where(static d => d.Severity == DiagnosticSeverity.Error)
            .Select(static d => $"{d.Location.GetLineSpan().Path} (+{d.Location.GetLineSpan().StartLinePosition.Line}): {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")];
    }

    /// <summary>A block as a file: its usings and types as they are, its statements in a method of <c>DocsBlocks</c>.</summary>
    internal static string AsFile(string code, string method)
    {
        var unit = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(code, AnalyzerHarness.ParseOptions).GetRoot();
        var file = new StringBuilder();
        foreach (UsingDirectiveSyntax directive in unit.Usings)
        {
            file.Append(directive.ToFullString());
        }

        file.Append(string.Concat(unit.AttributeLists.Select(static a => a.ToFullString())));
        string statements = string.Concat(unit.Members.OfType<GlobalStatementSyntax>().Select(static s => s.ToFullString()));
        foreach (MemberDeclarationSyntax member in unit.Members.Where(static m => m is not GlobalStatementSyntax))
        {
            file.Append(member.ToFullString()).Append('\n');
        }

        if (statements.Length > 0)
        {
            file.Append("internal static partial class DocsBlocks\n{\n    internal static async Task ").Append(method).Append("()\n    {\n")
                .Append(statements)
                .Append("\n        await Task.CompletedTask;\n    }\n}\n");
        }

        return file.ToString();
    }
}
