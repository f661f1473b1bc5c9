using Microsoft.CodeAnalysis;

namespace SocketIO.Typed.Generator.Tests;

/// <summary>The generated code of a corpus of contracts compiles without a warning against the runtime.</summary>
public sealed class GeneratedCodeCompilesTests
{
    [Fact]
    public void A_chat_contract_set_compiles_cleanly()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Text.Json.Serialization;
            using System.Threading;
            using System.Threading.Tasks;
            using SocketIO.Typed;

            namespace Chat;

            public enum Mood { Calm, Busy }
            [JsonConverter(typeof(JsonStringEnumConverter<Level>))] public enum Level { Low, High }
            public sealed record Inner(string Note, byte[] Data);
            public sealed record Shape(Guid Id, string Name, DateTimeOffset At, Mood Mood, Level Level, int? Score,
                IReadOnlyList<string> Tags, Dictionary<string, double> Weights, Inner? Inner,
                [property: JsonPropertyName("display_name")] string DisplayName)
            { [JsonIgnore] public string Secret { get; init; } = "hidden"; }

            public sealed class Node { public string Name { get; set; } = ""; public List<Node> Children { get; set; } = []; public Node? Parent { get; set; } }
            public record struct Point(int X, int Y);

            [SocketIOContract]
            public interface IProbeServer
            {
                Task<Shape> Echo(Shape shape);
                Task<(int Sum, string Joined)> Combine(int[] numbers, string[] words);
                Task<string> Join(string room);
                Task Relay(string room, Shape shape);
                Task<int[]> AskRoom(string room, int x);
                ValueTask Tree(Node root, Point at, CancellationToken cancellationToken);
                [SocketIOEvent("raw:bytes")] ValueTask<ReadOnlyMemory<byte>> Bytes(ReadOnlyMemory<byte> data, TimeSpan span, Uri? where, char c, decimal d);
            }

            [SocketIOContract(Namespace = "/probe")]
            public interface IProbeClient
            {
                Task Relayed(Shape shape);
                Task<int> Question(int x);
            }
            """;

        (Compilation output, var diagnostics, var run) = GeneratorHarness.Run(source);
        Assert.Empty(diagnostics);
        Assert.Equal(3, run.GeneratedTrees.Length);
        string[] problems = GeneratorHarness.Problems(output);
        Assert.True(problems.Length == 0, string.Join("\n", problems));
    }
    [Fact]
    public void Types_whose_names_only_differ_in_punctuation_get_their_own_serializers_in_every_contract()
    {
        // "A.B_C" and "A_B.C" once mapped to the same method name and were told apart by an order-based suffix
        // computed over one contract's types in the proxy and over all types in the serializer class.
        const string source = """
            using System.Threading.Tasks;
            using SocketIO.Typed;

            namespace A { public sealed record B_C(int Left); }
            namespace A_B { public sealed record C(string Right); }

            namespace App
            {
                [SocketIOContract] public interface IFirst { Task Send(A.B_C value); }
                [SocketIOContract] public interface ISecond { Task Send(A_B.C value); Task<A_B.C> Ask(A_B.C? value); }
            }
            """;

        (Compilation output, var diagnostics, var run) = GeneratorHarness.Run(source);
        Assert.Empty(diagnostics);
        Assert.Equal(3, run.GeneratedTrees.Length);
        string[] problems = GeneratorHarness.Problems(output);
        Assert.True(problems.Length == 0, string.Join("\n", problems));
    }
    [Fact]
    public void A_type_the_named_json_context_does_not_list_is_reported_with_what_to_add()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Text.Json.Serialization;
            using System.Threading.Tasks;
            using SocketIO.Typed;

            namespace App;

            public abstract class Animal { public string Name { get; set; } = ""; }

            [JsonSerializable(typeof(Dictionary<int, string>))]
            public partial class AppJson : JsonSerializerContext;

            [SocketIOContract(JsonContext = typeof(AppJson))]
            public interface IZoo { Task Feed(Animal animal); Task Index(Dictionary<int, string> names); }
            """;

        (_, var diagnostics, _) = GeneratorHarness.Run(source);
        Diagnostic single = Assert.Single(diagnostics);
        Assert.Equal("SIO0007", single.Id);
        string message = single.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("Animal", message, System.StringComparison.Ordinal);
        Assert.Contains("AppJson has no [JsonSerializable(typeof(Animal))]", message, System.StringComparison.Ordinal);
    }

    [Fact]
    public void Event_parameters_named_like_the_generated_locals_compile()
    {
        // A parameter called "values" once collided with a local of the generated broadcast code (CS0136); the
        // generated locals are prefixed now. Every name the generated bodies use, as plain and acknowledged events.
        const string source = """
            using System.Threading.Tasks;
            using SocketIO.Typed;

            namespace App;

            [SocketIOContract]
            public interface INames
            {
                Task Plain(int packet, int writer, int ackId, int answer, int target, int broadcaster, int result, int values, int unreadable, int response, int exception, int handler, int context, int emitter);
                Task<int> Asked(int packet, int writer, int ackId, int answer, int target, int broadcaster, int result, int values, int unreadable, int response, int exception, int handler, int context, int emitter);
                Task<int> Tokened(string cancellationToken);   // the broadcast-with-ack method adds a token of its own
            }
            """;

        (Compilation output, var diagnostics, var run) = GeneratorHarness.Run(source);
        Assert.Empty(diagnostics);
        string[] problems = GeneratorHarness.Problems(output);
        Assert.True(problems.Length == 0, string.Join("\n", problems));
    }
}
