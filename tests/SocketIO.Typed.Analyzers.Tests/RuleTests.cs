namespace SocketIO.Typed.Analyzers.Tests;

/// <summary>Every rule of the catalogue: a wrong case (the marked diagnostic, nothing else) and a right one (none).</summary>
public sealed class RuleTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Builder;
        using SocketIO.Typed;
        using SocketIO.Typed.Client;
        using SocketIO.Typed.Server;

        namespace App;

        """;

    // A server contract, a client contract on /chat, and a hub: what the usage rules are checked against.
    private const string Chat = Usings + """
        [SocketIOContract(Namespace = "/chat")]
        public interface IChatServer { Task Say(string text); Task<int> Count(); }

        [SocketIOContract(Namespace = "/chat")]
        public interface IChatClient { Task Said(string text); }

        public interface INotAContract { Task Said(string text); }

        public sealed class ChatHandler : IChatClient { public Task Said(string text) => Task.CompletedTask; }

        """;

    private static Task Verify(string markup) => AnalyzerHarness.VerifyAsync(markup);

    [Theory]
    [InlineData("string {|SIO0001:Name|} { get; }")]
    [InlineData("event EventHandler {|SIO0001:Changed|};")]
    [InlineData("string {|SIO0001:this|}[int i] { get; }")]
    [InlineData("Task<string> Name();")]
    public Task SIO0001_contract_members_are_methods(string member) => Verify(Usings + "[SocketIOContract] public interface IApi { " + member + " }");

    [Theory]
    [InlineData("void {|SIO0002:Go|}();")]
    [InlineData("int {|SIO0002:Go|}();")]
    [InlineData("Task Go(); ValueTask<int> Ask();")]
    public Task SIO0002_event_methods_return_tasks(string member) => Verify(Usings + "[SocketIOContract] public interface IApi { " + member + " }");

    [Theory]
    [InlineData("Task {|SIO0003:Go|}<T>(T value);")]
    [InlineData("Task Go(int value);")]
    public Task SIO0003_event_methods_are_not_generic(string member) => Verify(Usings + "[SocketIOContract] public interface IApi { " + member + " }");

    [Theory]
    [InlineData("Task Go(ref int {|SIO0004:x|});")]
    [InlineData("Task Go(out int {|SIO0004:x|});")]
    [InlineData("Task Go(params int[] {|SIO0004:x|});")]
    [InlineData("Task Go(int x, int[] more);")]
    public Task SIO0004_event_parameters_are_plain_values(string member) => Verify(Usings + "[SocketIOContract] public interface IApi { " + member + " }");

    [Theory]
    [InlineData("Task Go(); [SocketIOEvent(\"go\")] Task {|SIO0005:Other|}();")]
    [InlineData("Task Go(); [SocketIOEvent(\"other\")] Task Other();")]
    public Task SIO0005_event_names_are_unique(string members) => Verify(Usings + "[SocketIOContract] public interface IApi { " + members + " }");

    [Fact]
    public Task SIO0005_also_through_inherited_contracts_and_naming() => Verify(Usings + """
        public interface IBase { Task {|SIO0005:SendMessage|}(); }
        [SocketIOContract(Naming = SocketIOEventNaming.SnakeCaseLower)] public interface IApi : IBase { [SocketIOEvent("send_message")] Task Send(); }
        """);

    [Theory]
    [InlineData("Task {|SIO0006:Disconnect|}();")]
    [InlineData("[SocketIOEvent(\"connect_error\")] Task {|SIO0006:Failed|}();")]
    [InlineData("[SocketIOEvent(\"leave\")] Task Disconnect();")]
    public Task SIO0006_reserved_names(string member) => Verify(Usings + "[SocketIOContract] public interface IApi { " + member + " }");

    [Theory]
    [InlineData("Task {|SIO0007:Feed|}(Animal animal);")]
    [InlineData("Task {|SIO0007:Feed|}(object animal);")]
    [InlineData("Task {|SIO0007:Feed|}(Dictionary<int, Dog> animals);")]
    [InlineData("Task Feed(Dog dog);")]
    public Task SIO0007_unsupported_payload_types(string member) => Verify(Usings + """
        public abstract class Animal { public string Name { get; set; } = ""; }
        public sealed class Dog : Animal { }
        [SocketIOContract] public interface IApi {
        """ + member + " }");

    [Theory]
    [InlineData("[SocketIOHub] public abstract partial class {|SIO0008:Hub|} : SocketHub<IChatClient>, IChatServer")]
    [InlineData("[SocketIOHub] public sealed partial class {|SIO0008:Hub|} : SocketHub<IChatClient>")]
    [InlineData("[SocketIOHub] public sealed partial class Hub : SocketHub<IChatClient>, IChatServer")]
    public Task SIO0008_hub_shape(string declaration) => Verify(Chat + declaration + """
        { public Task Say(string text) => Task.CompletedTask; public Task<int> Count() => Task.FromResult(0); }
        """);

    [Theory]
    [InlineData("Task Go(CancellationToken {|SIO0009:cancellationToken|}, int x);")]
    [InlineData("Task Go(int x, CancellationToken cancellationToken);")]
    public Task SIO0009_cancellation_token_last(string member) => Verify(Usings + "[SocketIOContract] public interface IApi { " + member + " }");

    [Theory]
    [InlineData("Task Go(); Task {|SIO0010:Go|}(int x);")]
    [InlineData("Task Go(); Task GoTo(int x);")]
    public Task SIO0010_no_overloads(string members) => Verify(Usings + "[SocketIOContract] public interface IApi { " + members + " }");

    [Theory]
    [InlineData("[SocketIOEvent(\" \")] Task {|SIO0011:Go|}();")]
    [InlineData("[SocketIOEvent(\"\")] Task {|SIO0011:Go|}();")]
    [InlineData("[SocketIOEvent(\"go\")] Task Go();")]
    public Task SIO0011_event_names_are_not_empty(string member) => Verify(Usings + "[SocketIOContract] public interface IApi { " + member + " }");

    [Theory]
    [InlineData("Task Go(Func<int> {|SIO0012:next|});")]
    [InlineData("Task Go(Action {|SIO0012:callback|});")]
    [InlineData("Task Go(int next);")]
    public Task SIO0012_no_delegate_parameters(string member) => Verify(Usings + "[SocketIOContract] public interface IApi { " + member + " }");

    [Theory]
    [InlineData("[SocketIOContract] public class {|SIO0013:Api|} { }")]
    [InlineData("[SocketIOContract] public struct {|SIO0013:Api|} { }")]
    [InlineData("[SocketIOContract] public interface IApi { }")]
    public Task SIO0013_a_contract_is_an_interface(string declaration) => Verify(Usings + declaration);

    [Theory]
    [InlineData("[SocketIOHub] public sealed class {|SIO0014:Hub|} : SocketHub<IChatClient>, IChatServer")]
    [InlineData("[SocketIOHub] public sealed partial class Hub : SocketHub<IChatClient>, IChatServer")]
    public Task SIO0014_a_hub_is_partial(string declaration) => Verify(Chat + declaration + """
        { public Task Say(string text) => Task.CompletedTask; public Task<int> Count() => Task.FromResult(0); }
        """);

    private const string ChatHub = """
        [SocketIOHub] public sealed partial class ChatHub : SocketHub<IChatClient>, IChatServer
        { public Task Say(string text) => Task.CompletedTask; public Task<int> Count() => Task.FromResult(0); }

        """;

    [Theory]
    [InlineData("{|SIO0015:app.MapSocketIO().MapNamespace<ChatHub>(\"/other\")|};")]
    [InlineData("app.MapSocketIO().MapNamespace<ChatHub>(\"/chat\");")]
    [InlineData("app.MapSocketIO().MapNamespace<ChatHub>();")]
    [InlineData("{|SIO0015:io.Of<IChatServer, IChatClient>(\"/lobby\", new ChatHandler())|};")]
    [InlineData("io.Of<IChatServer, IChatClient>(\"/chat\", new ChatHandler());")]
    public Task SIO0015_contracts_are_spoken_on_their_namespace(string statement) => Verify(Chat + ChatHub + """
        public static class Startup { public static void Run(WebApplication app, SocketIOManager io) {
        """ + statement + " } }");

    [Fact]
    public Task SIO0015_a_client_pairs_contracts_of_the_same_namespace() => Verify(Chat + """
        [SocketIOContract(Namespace = "/admin")] public interface IAdminClient { Task Kicked(); }
        public sealed class AdminHandler : IAdminClient { public Task Kicked() => Task.CompletedTask; }
        public static class Startup { public static void Run(SocketIOManager io) {
            {|SIO0015:io.Of<IChatServer, IAdminClient>(new AdminHandler())|};
        } }
        """);

    [Theory]
    [InlineData("{|SIO0016:io.Of<IChatServer, INotAContract>(new NotAContractHandler())|};")]
    [InlineData("{|SIO0016:io.Of<IChatServer, NotAContractHandler>(new NotAContractHandler())|};")]
    [InlineData("{|SIO0016:server.Sockets.Clients<INotAContract>()|};")]
    [InlineData("io.Of<IChatServer, IChatClient>(new ChatHandler()); server.Sockets.Clients<IChatClient>();")]
    public Task SIO0016_typed_apis_take_contracts(string statement) => Verify(Chat + """
        public sealed class NotAContractHandler : INotAContract { public Task Said(string text) => Task.CompletedTask; }
        public static class Startup { public static void Run(SocketIOManager io, SocketIOServer server) {
        """ + statement + " } }");

    [Fact]
    public Task SIO0016_a_hub_client_contract() => Verify(Chat + """
        [SocketIOHub] public sealed partial class {|SIO0016:Hub|} : SocketHub<INotAContract>, IChatServer
        { public Task Say(string text) => Task.CompletedTask; public Task<int> Count() => Task.FromResult(0); }
        """);

    [Theory]
    [InlineData("public async void {|SIO0017:Later|}() => await Task.Yield();")]
    [InlineData("public async Task Later() => await Task.Yield();")]
    public Task SIO0017_no_async_void_in_handlers(string member) => Verify(Chat + """
        [SocketIOHub] public sealed partial class Hub : SocketHub<IChatClient>, IChatServer
        { public Task Say(string text) => Task.CompletedTask; public Task<int> Count() => Task.FromResult(0);
        """ + member + " }");

    [Theory]
    [InlineData("{|SIO0017:async _ => await Task.Yield()|}")]
    [InlineData("_ => { }")]
    public Task SIO0017_no_async_void_lambdas_as_handlers(string lambda) => Verify(Chat + """
        public static class Startup { public static void Run(SocketIOServer io) {
            io.OnConnection(socket => socket.On("hello", (Action<SocketIO.Typed.Server.SocketIOEventContext>)(
        """ + lambda + "))); } }");

    [Theory]
    [InlineData("public Task<int> Count() => Task.FromResult({|SIO0018:Load().Result|});")]
    [InlineData("public Task<int> Count() { {|SIO0018:Load().Wait()|}; return Task.FromResult(1); }")]
    [InlineData("public Task<int> Count() => Task.FromResult({|SIO0018:Load().GetAwaiter().GetResult()|});")]
    [InlineData("public async Task<int> Count() => await Load();")]
    public Task SIO0018_handlers_do_not_block(string member) => Verify(Chat + """
        [SocketIOHub] public sealed partial class Hub : SocketHub<IChatClient>, IChatServer
        { public Task Say(string text) => Task.CompletedTask; private static Task<int> Load() => Task.FromResult(1);
        """ + member + " }");

    [Theory]
    [InlineData("await {|SIO0019:io.To(\"room\").EmitWithAckAsync(\"ready\")|};")]
    [InlineData("await {|SIO0019:socket.Broadcast.EmitWithAckAsync(\"ready\")|};")]
    [InlineData("await io.To(\"room\").Timeout(TimeSpan.FromSeconds(2)).EmitWithAckAsync(\"ready\");")]
    [InlineData("await io.Timeout(TimeSpan.FromSeconds(2)).To(\"room\").EmitWithAckAsync(\"ready\");")]
    public Task SIO0019_broadcast_acks_need_a_timeout(string statement) => Verify(Usings + """
        public static class Startup { public static async Task Run(SocketIONamespace io, SocketIOSocket socket) {
        """ + statement + " } }");

    [Theory]
    [InlineData("await socket.EmitAsync({|SIO0020:\"said\"|}, \"hi\");")]
    [InlineData("await client.EmitAsync({|SIO0020:\"say\"|}, \"hi\");")]
    [InlineData("await socket.EmitAsync(\"unrelated\", \"hi\");")]
    public Task SIO0020_use_the_typed_call_for_contract_events(string statement) => Verify(Chat + """
        public static class Startup { public static async Task Run(SocketIOSocket socket, SocketIOClientSocket client) {
        """ + statement + " } }");

    [Theory]
    [InlineData("await socket.EmitAsync({|SIO0021:\"disconnect\"|});")]
    [InlineData("socket.On({|SIO0021:\"connect\"|}, _ => { });")]
    [InlineData("await socket.EmitAsync(\"bye\"); socket.On(\"hello\", _ => { });")]
    public Task SIO0021_reserved_names_in_untyped_calls(string statement) => Verify(Usings + """
        public static class Startup { public static async Task Run(SocketIOSocket socket) {
        """ + statement + " } }");

    [Theory]
    [InlineData("io.Of({|SIO0022:\"chat\"|});")]
    [InlineData("manager.Of({|SIO0022:\"chat\"|});")]
    [InlineData("io.Of(\"/chat\"); manager.Of(\"/chat\");")]
    public Task SIO0022_namespaces_start_with_a_slash(string statement) => Verify(Usings + """
        public static class Startup { public static void Run(SocketIOServer io, SocketIOManager manager) {
        """ + statement + " } }");

    [Fact]
    public Task SIO0022_in_attributes() => Verify(Chat + """
        [{|SIO0022:SocketIOContract(Namespace = "lobby")|}] public interface ILobby { Task Enter(); }
        [SocketIOContract(Namespace = "/lobby")] public interface IOther { Task Enter(); }
        [{|SIO0022:SocketIOHub("chat")|}] public sealed partial class Hub : SocketHub<IChatClient>, IChatServer
        { public Task Say(string text) => Task.CompletedTask; public Task<int> Count() => Task.FromResult(0); }
        """);
}
