namespace SocketIO.Typed.Analyzers.Tests;

/// <summary>Each code fix turns the wrong case into the right one, and the result has no diagnostic left.</summary>
public sealed class CodeFixTests
{
    private const string Usings = """
        using System.Threading;
        using System.Threading.Tasks;
        using SocketIO.Typed;
        using SocketIO.Typed.Server;

        namespace App;

        [SocketIOContract] public interface IChatServer { Task Say(string text); }
        [SocketIOContract] public interface IChatClient { Task Said(string text); }

        """;

    private static async Task Check(string before, string after)
    {
        string fixedText = await CodeFixHarness.FixAsync(Usings + before);
        Assert.Equal((Usings + after).Replace("\r\n", "\n", StringComparison.Ordinal), fixedText);
        await AnalyzerHarness.VerifyAsync(fixedText); // nothing left to report
    }

    [Fact]
    public Task SIO0014_makes_the_hub_partial() => Check(
        "[SocketIOHub] public sealed class {|SIO0014:ChatHub|} : SocketHub<IChatClient>, IChatServer { public Task Say(string text) => Task.CompletedTask; }",
        "[SocketIOHub] public sealed partial class ChatHub : SocketHub<IChatClient>, IChatServer { public Task Say(string text) => Task.CompletedTask; }");

    [Fact]
    public Task SIO0009_moves_the_cancellation_token_last() => Check(
        "[SocketIOContract] public interface IJobs { Task<int> Run(CancellationToken {|SIO0009:token|}, string name, int tries); }",
        "[SocketIOContract] public interface IJobs { Task<int> Run(string name, int tries, CancellationToken token); }");

    [Fact]
    public Task SIO0002_void_becomes_task() => Check(
        "[SocketIOContract] public interface IJobs { void {|SIO0002:Run|}(string name); }",
        "[SocketIOContract] public interface IJobs { Task Run(string name); }");

    [Fact]
    public Task SIO0002_a_value_becomes_an_acknowledged_event() => Check(
        "[SocketIOContract] public interface IJobs { int {|SIO0002:Count|}(string name); }",
        "[SocketIOContract] public interface IJobs { Task<int> Count(string name); }");

    [Fact]
    public Task SIO0017_async_void_becomes_async_task() => Check(
        "[SocketIOHub] public sealed partial class ChatHub : SocketHub<IChatClient>, IChatServer { public Task Say(string text) => Task.CompletedTask; public async void {|SIO0017:Later|}() => await Task.Yield(); }",
        "[SocketIOHub] public sealed partial class ChatHub : SocketHub<IChatClient>, IChatServer { public Task Say(string text) => Task.CompletedTask; public async Task Later() => await Task.Yield(); }");

    [Fact]
    public Task SIO0005_names_a_duplicate_after_its_method() => Check(
        """
        [SocketIOContract] public interface IJobs
        {
            Task Run();
            [SocketIOEvent("run")] Task {|SIO0005:RunNow|}();
        }
        """,
        """
        [SocketIOContract] public interface IJobs
        {
            Task Run();
            [SocketIOEvent("runNow")] Task RunNow();
        }
        """);

    [Fact]
    public Task SIO0005_adds_the_attribute_when_the_naming_policy_collides() => Check(
        """
        [SocketIOContract(Naming = SocketIOEventNaming.SnakeCaseLower)] public interface IJobs
        {
            Task RunNow();
            Task {|SIO0005:Run_Now|}();
        }
        """,
        """
        [SocketIOContract(Naming = SocketIOEventNaming.SnakeCaseLower)] public interface IJobs
        {
            Task RunNow();
            [SocketIOEvent("run_Now")]
            Task Run_Now();
        }
        """);

    [Fact]
    public Task SIO0020_an_untyped_emit_to_a_server_socket_becomes_the_contract_proxy_call() => Check(
        "public static class Use { public static async Task Run(SocketIOSocket socket) { await socket.EmitAsync({|SIO0020:\"said\"|}, \"hi\"); } }",
        "public static class Use { public static async Task Run(SocketIOSocket socket) { await socket.As<IChatClient>().Said(\"hi\"); } }");

    [Fact]
    public Task SIO0020_an_untyped_broadcast_becomes_the_typed_broadcast_target() => Check(
        "public static class Use { public static async Task Run(SocketIOSocket socket, string text) { await socket.To(\"room\").Except(socket.Id).EmitAsync({|SIO0020:\"said\"|}, text); } }",
        "public static class Use { public static async Task Run(SocketIOSocket socket, string text) { await socket.To(\"room\").Except(socket.Id).As<IChatClient>().Said(text); } }");

    [Fact]
    public Task SIO0020_an_untyped_emit_to_a_namespace_becomes_its_typed_clients() => Check(
        "public static class Use { public static void Run(SocketIONamespace ns) { _ = ns.EmitAsync({|SIO0020:\"said\"|}, \"hi\"); } }",
        "public static class Use { public static void Run(SocketIONamespace ns) { _ = ns.Clients<IChatClient>().All.Said(\"hi\"); } }");

    [Fact]
    public Task SIO0020_an_acknowledged_emit_whose_answer_is_unused_becomes_the_typed_call() => Check(
        """
        [SocketIOContract] public interface IRooms { Task<int> Count(string room, CancellationToken token = default); }
        public static class Use { public static async Task Run(SocketIO.Typed.Client.SocketIOClientSocket client) { await client.EmitWithAckAsync({|SIO0020:"count"|}, "lobby"); } }
        """,
        """
        [SocketIOContract] public interface IRooms { Task<int> Count(string room, CancellationToken token = default); }
        public static class Use { public static async Task Run(SocketIO.Typed.Client.SocketIOClientSocket client) { await client.As<IRooms>().Count("lobby"); } }
        """);

    [Fact]
    public async Task SIO0020_adds_the_usings_the_typed_call_needs()
    {
        string fixedText = await CodeFixHarness.FixAsync("""
            using System.Threading.Tasks;
            using SocketIO.Typed.Server;

            namespace Contracts
            {
                [SocketIO.Typed.SocketIOContract] public interface IFeed { Task Posted(string text); }
            }

            namespace App
            {
                public static class Use { public static async Task Run(BroadcastOperator everyone) { await everyone.EmitAsync({|SIO0020:"posted"|}, "hi"); } }
            }
            """);
        Assert.Equal(
            """
            using System.Threading.Tasks;
            using SocketIO.Typed.Server;
            using SocketIO.Typed;
            using Contracts;

            namespace Contracts
            {
                [SocketIO.Typed.SocketIOContract] public interface IFeed { Task Posted(string text); }
            }

            namespace App
            {
                public static class Use { public static async Task Run(BroadcastOperator everyone) { await everyone.As<Contracts.IFeed>().Posted("hi"); } }
            }
            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            fixedText);
        await AnalyzerHarness.VerifyAsync(fixedText);
    }

    [Theory]
    [InlineData("await socket.EmitAsync({|SIO0020:\"said\"|}, 42);")]                                 // 42 is not a string
    [InlineData("await socket.EmitAsync({|SIO0020:\"said\"|}, \"hi\", \"extra\");")]              // one value too many
    [InlineData("await socket.EmitAsync({|SIO0020:\"said\"|}, values);")]                             // the values as an array
    [InlineData("ValueTask pending = socket.EmitAsync({|SIO0020:\"said\"|}, \"hi\"); await pending;")] // a ValueTask is kept
    [InlineData("SocketIOArguments answer = await socket.EmitWithAckAsync({|SIO0020:\"said\"|}, \"hi\");")] // Said has no answer
    public async Task SIO0020_offers_no_fix_where_the_typed_call_would_mean_something_else(string statement)
    {
        string markup = Usings + "public static class Use { public static async Task Run(SocketIO.Typed.Client.SocketIOClientSocket socket, object?[] values) { " + statement + " } }";
        Assert.Equal(0, await CodeFixHarness.CountFixesAsync(markup));
    }
}
