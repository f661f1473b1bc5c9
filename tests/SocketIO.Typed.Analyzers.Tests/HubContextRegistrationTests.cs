using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SocketIO.Typed.Generator;

namespace SocketIO.Typed.Analyzers.Tests;

/// <summary>
/// ISocketIOHubContext is a closed registration per typed hub, recorded by a generated module initializer: the hub's
/// own assembly records its hubs, and an assembly that references a library of hubs records the library's public
/// ones too (the library's initializer runs only once something touches the library, maybe after AddSocketIO).
/// </summary>
public sealed class HubContextRegistrationTests
{
    private const string Library = """
        using SocketIO.Typed;
        using SocketIO.Typed.Server;

        namespace Lib;

        [SocketIOContract]
        public interface IRoomServer { System.Threading.Tasks.Task Say(string text); }

        [SocketIOContract]
        public interface IRoomClient { System.Threading.Tasks.Task Said(string text); }

        [SocketIOHub("/rooms")]
        public sealed partial class RoomHub : SocketHub<IRoomClient>, IRoomServer
        {
            public async System.Threading.Tasks.Task Say(string text) => await Clients.All.Said(text);
        }

        [SocketIOHub("/hidden")]
        internal sealed partial class HiddenHub : SocketHub<IRoomClient>, IRoomServer
        {
            public System.Threading.Tasks.Task Say(string text) => System.Threading.Tasks.Task.CompletedTask;
        }

        [SocketIOHub("/plain")]
        public sealed partial class PlainHub : SocketHub, IRoomServer
        {
            public System.Threading.Tasks.Task Say(string text) => System.Threading.Tasks.Task.CompletedTask;
        }
        """;

    private const string App = """
        using Lib;
        using SocketIO.Typed.Server;

        namespace App;

        public sealed class Ticker(ISocketIOHubContext<RoomHub, IRoomClient> rooms)
        {
            public async System.Threading.Tasks.Task TickAsync() => await rooms.Clients.All.Said("tick");
        }
        """;

    [Fact]
    public void A_library_registers_its_typed_hubs_public_or_not_and_skips_untyped_ones()
    {
        (Compilation library, string? registrations) = Generate("Lib", Library, []);
        Assert.Empty(Errors(library));
        Assert.NotNull(registrations);
        Assert.Contains("SocketIOHubContexts.Register<global::Lib.RoomHub, global::Lib.IRoomClient>();", registrations, StringComparison.Ordinal);
        Assert.Contains("SocketIOHubContexts.Register<global::Lib.HiddenHub, global::Lib.IRoomClient>();", registrations, StringComparison.Ordinal);
        Assert.DoesNotContain("PlainHub", registrations, StringComparison.Ordinal);
        Assert.Contains("[global::System.Runtime.CompilerServices.ModuleInitializer]", registrations, StringComparison.Ordinal);
    }

    [Fact]
    public void An_app_that_references_a_library_of_hubs_registers_its_public_typed_hubs()
    {
        (Compilation library, _) = Generate("Lib", Library, []);
        MetadataReference image = Image(library);

        (Compilation app, string? registrations) = Generate("App", App, [image]);
        Assert.Empty(Errors(app));
        Assert.NotNull(registrations);
        Assert.Contains("SocketIOHubContexts.Register<global::Lib.RoomHub, global::Lib.IRoomClient>();", registrations, StringComparison.Ordinal);
        Assert.DoesNotContain("HiddenHub", registrations, StringComparison.Ordinal);
        Assert.DoesNotContain("PlainHub", registrations, StringComparison.Ordinal);
    }

    [Fact]
    public void A_project_without_typed_hubs_registers_nothing()
    {
        (Compilation app, string? registrations) = Generate("Plain", "namespace Plain; public static class Nothing { }", []);
        Assert.Empty(Errors(app));
        Assert.Null(registrations);
    }

    private static (Compilation Output, string? Registrations) Generate(string name, string source, MetadataReference[] extra)
    {
        CSharpCompilation input = CSharpCompilation.Create(
            name,
            [CSharpSyntaxTree.ParseText(source, AnalyzerHarness.ParseOptions)],
            [.. AnalyzerHarness.References, .. extra],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new ContractGenerator().AsSourceGenerator()], parseOptions: AnalyzerHarness.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        Assert.Empty(diagnostics.Where(static d => d.Severity == DiagnosticSeverity.Error));
        SyntaxTree? tree = driver.GetRunResult().GeneratedTrees.SingleOrDefault(static t => t.FilePath.EndsWith("SocketIOHubContexts.g.cs", StringComparison.Ordinal));
        return (output, tree?.ToString());
    }

    private static MetadataReference Image(Compilation compilation)
    {
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        return MetadataReference.CreateFromImage(stream.ToArray());
    }

    private static string[] Errors(Compilation compilation) =>
        [.. compilation.GetDiagnostics().Where(static d => d.Severity == DiagnosticSeverity.Error).Select(static d => d.ToString())];
}
