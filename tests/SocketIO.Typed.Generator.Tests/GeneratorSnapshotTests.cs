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
}
