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
}
