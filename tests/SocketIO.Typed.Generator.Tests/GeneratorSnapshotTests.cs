using Microsoft.CodeAnalysis;

namespace SocketIO.Typed.Generator.Tests;

/// <summary>What the generator writes for a corpus of contracts, compared with checked-in verified files.</summary>
public sealed class GeneratorSnapshotTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json.Serialization;
        using System.Threading;
        using System.Threading.Tasks;
        using SocketIO.Typed;

        """;

    private static void Check(string source, [System.Runtime.CompilerServices.CallerMemberName] string testName = "")
    {
        var (output, diagnostics, run) = GeneratorHarness.Run(Usings + source);
        Assert.Empty(diagnostics);
        string[] problems = GeneratorHarness.Problems(output);
        Assert.True(problems.Length == 0, string.Join("\n", problems));
        Snapshot.Verify(run, nameof(GeneratorSnapshotTests), testName);
    }

    [Fact]
    public void Simple_events() => Check("""
        namespace App;
        [SocketIOContract] public interface IChat { Task Say(string text); ValueTask Ping(); }
        """);

    [Fact]
    public void Acks_and_tuples() => Check("""
        namespace App;
        [SocketIOContract] public interface IMath
        {
            Task<int> Add(int a, int b);
            ValueTask<(int Quotient, int Remainder)> Divide(long a, long b, CancellationToken cancellationToken);
            [SocketIOEvent("math:nothing")] Task<bool?> Nothing();
        }
        """);

    [Fact]
    public void Binary_at_depth_collections_dictionaries_and_nested_records() => Check("""
        namespace App;
        public sealed record Attachment(string Name, byte[] Data, ReadOnlyMemory<byte> Thumbnail);
        public sealed record Post(string Title, List<Attachment> Files, Dictionary<string, int[]> Counts, HashSet<string> Tags);
        [SocketIOContract] public interface IBlog { Task Publish(Post post); Task<IReadOnlyList<Post>> Recent(int count); }
        """);

    [Fact]
    public void Enums_with_and_without_string_conversion_and_nullable_values() => Check("""
        namespace App;
        public enum Color { Red, Green = 5 }
        [JsonConverter(typeof(JsonStringEnumConverter))] public enum Size { Small, [JsonStringEnumMember("XL")] Large }
        public sealed class Item { public Color Color { get; set; } [JsonConverter(typeof(JsonStringEnumConverter))] public Color? Tint { get; set; } public Size Size { get; init; } public int? Count { get; set; } [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Note { get; set; } }
        [SocketIOContract] public interface IShop { Task Add(Item item, Color? filter); }
        """.Replace("JsonStringEnumMember(", "JsonStringEnumMemberName(", StringComparison.Ordinal));

    [Fact]
    public void Inherited_contracts_generic_payloads_and_recursive_types() => Check("""
        namespace App;
        public sealed class Page<T> { public List<T> Items { get; set; } = []; public int Total { get; set; } }
        public sealed class TreeNode { public string Name { get; set; } = ""; public List<TreeNode>? Children { get; set; } }
        public interface IBase { Task Hello(string who); }
        [SocketIOContract(Naming = SocketIOEventNaming.SnakeCaseLower, Namespace = "/tree")] public interface ITree : IBase
        {
            Task<Page<TreeNode>> GetPage(int index);
        }
        """);

    [Fact]
    public void Two_contracts_with_the_same_method_names_in_different_namespaces() => Check("""
        namespace One { [SocketIOContract] public interface IApi { Task<string> Get(string key); } }
        namespace Two { [SocketIOContract] internal interface IApi { Task<int> Get(int key); } }
        """);

    [Fact]
    public void TypeScript_declarations_of_a_contract_pair() => Check("""
        [assembly: SocketIOTypeScript(typeof(App.IGameServer), typeof(App.IGameClient))]
        namespace App;
        public enum Team { Red, Blue = 5 }
        [JsonConverter(typeof(JsonStringEnumConverter))] public enum Mood { Happy, [JsonStringEnumMemberName("so-so")] SoSo }
        [Flags] public enum Perms { None = 0, Read = 1, Write = 2 }
        public sealed record Player(string Name, Team Team, Mood? Mood, [property: JsonPropertyName("hit-points")] int HitPoints, byte[] Avatar, Dictionary<string, double> Scores, IReadOnlyList<Player>? Friends, Guid Id, DateTimeOffset Seen);
        public sealed class Page<T> { public List<T> Items { get; set; } = []; [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Next { get; set; } }
        [SocketIOContract(Namespace = "/game")] public interface IGameServer
        {
            Task<Page<Player>> List(int page);
            Task<(bool Ok, string? Reason)> Join(string name, Team team, CancellationToken cancellationToken);
            Task Move(double x, double? y);
            [SocketIOEvent("game:delete")] Task Delete(string @default, long[] ids);
        }
        [SocketIOContract(Namespace = "/game")] public interface IGameClient { Task Moved(Player player, Perms perms); Task<Mood> HowAreYou(); }
        """);

    [Fact]
    public void TypeScript_declarations_name_only_contracts()
    {
        var (_, diagnostics, run) = GeneratorHarness.Run(Usings + """
            [assembly: SocketIOTypeScript(typeof(App.IServer), typeof(App.NotAContract))]
            namespace App;
            [SocketIOContract] public interface IServer { Task Hello(); }
            public interface NotAContract { Task Hello(); }
            """);
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SIO0016", diagnostic.Id);
        Assert.Contains("NotAContract", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.DoesNotContain(run.GeneratedTrees, static t => t.FilePath.EndsWith("SocketIOTypeScript.g.cs", StringComparison.Ordinal));
    }
}
