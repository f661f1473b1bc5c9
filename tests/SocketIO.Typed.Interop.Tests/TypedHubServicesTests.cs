using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Client;
using SocketIO.Typed.Protocol;
using SocketIO.Typed.Server;
using Xunit.Abstractions;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>What the feature hub's clients send.</summary>
[SocketIOContract(Namespace = "/features")]
public interface IFeatureServer
{
    /// <summary>Waits until the handler's token is cancelled (the socket disconnects); never answers before.</summary>
    Task<string> Hold(string tag, CancellationToken cancellationToken = default);

    /// <summary>Counts this socket's calls in its typed data.</summary>
    Task<int> Count();

    /// <summary>A plain event (no answer value), handled asynchronously.</summary>
    Task Note(string text);
}

/// <summary>What the feature hub's clients handle.</summary>
[SocketIOContract(Namespace = "/features")]
public interface IFeatureClient
{
    Task Tick(int n);

    Task<string> Name();

    /// <summary>Never answers before the client's token is cancelled.</summary>
    Task<string> Wait(CancellationToken cancellationToken = default);
}

/// <summary>Server-to-server events of the feature cluster.</summary>
[SocketIOContract]
public interface IFeatureCluster
{
    Task Announce(string text, int[] values);

    Task<int> Load(string region);
}

/// <summary>Per-socket typed data of the feature hub.</summary>
public sealed class FeatureSession
{
    public int Calls { get; set; }
}

/// <summary>What the feature hub reports to the tests.</summary>
public sealed class FeatureProbe
{
    public TaskCompletionSource<string> HoldCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<string> HoldStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public System.Collections.Concurrent.ConcurrentQueue<string> Seen { get; } = new();
}

[SocketIOHub]
public sealed partial class FeatureHub(FeatureProbe probe) : SocketHub<IFeatureClient, FeatureSession>, IFeatureServer
{
    public async Task<string> Hold(string tag, CancellationToken cancellationToken = default)
    {
        probe.HoldStarted.TrySetResult(tag);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return "never";
        }
        catch (OperationCanceledException)
        {
            probe.HoldCancelled.TrySetResult(tag);
            throw;
        }
    }

    public Task<int> Count() => Task.FromResult(++Data.Calls);

    public async Task Note(string text)
    {
        await Task.Yield();
        probe.Seen.Enqueue("note:" + text);
    }

    public override ValueTask OnConnectedAsync()
    {
        // Untyped interop stays: OnAny sees every event, and an event no contract names reaches On handlers.
        Socket.OnAny((name, _) =>
        {
            probe.Seen.Enqueue(name);
            return ValueTask.CompletedTask;
        });
        Socket.On("extra", static context => context.AckAsync("untyped:" + context.Arguments.GetString(0)));
        return ValueTask.CompletedTask;
    }
}

/// <summary>A service nobody registers.</summary>
public interface IUnregisteredService;

/// <summary>A hub whose constructor asks for a service that is not registered: it cannot be created.</summary>
[SocketIOHub]
public sealed partial class UncreatableHub(IUnregisteredService service) : SocketHub<IFeatureClient>, IFeatureServer
{
    public Task<string> Hold(string tag, CancellationToken cancellationToken = default) => Task.FromResult(service.ToString() ?? tag);

    public Task<int> Count() => Task.FromResult(0);

    public Task Note(string text) => Task.CompletedTask;
}

/// <summary>A typed client handler that records ticks and answers its name.</summary>
public sealed class FeatureClientHandler(string name) : IFeatureClient
{
    public TaskCompletionSource<int> Ticks { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Tick(int n)
    {
        Ticks.TrySetResult(n);
        return Task.CompletedTask;
    }

    public Task<string> Name() => Task.FromResult(name);

    public TaskCompletionSource WaitStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource WaitCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<string> Wait(CancellationToken cancellationToken = default)
    {
        WaitStarted.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return "never";
        }
        catch (OperationCanceledException)
        {
            WaitCancelled.TrySetResult();
            throw;
        }
    }
}

/// <summary>A server's handler of the cluster contract.</summary>
public sealed class FeatureClusterHandler(int load) : IFeatureCluster
{
    public TaskCompletionSource<(string Text, int[] Values)> Announced { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Announce(string text, int[] values)
    {
        Announced.TrySetResult((text, values));
        return Task.CompletedTask;
    }

    public Task<int> Load(string region) => Task.FromResult(region == "eu" ? load : -1);
}

/// <summary>
/// The typed layer's services around hubs: handler cancellation tokens, typed per-socket data, the hub context from
/// dependency injection, the typed simple client, and server-to-server contracts over a two-server cluster.
/// </summary>
public sealed class TypedHubServicesTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(15);

    private async Task<WebApplication> StartAsync(LocalCluster? cluster = null, Action<WebApplication>? map = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
        builder.Services.AddSingleton<FeatureProbe>();
        builder.Services.AddSocketIO(o =>
        {
            if (cluster is not null)
            {
                o.AdapterFactory = cluster.Join;
            }
        });
        WebApplication app = builder.Build();
        if (map is null)
        {
            app.MapSocketIO().MapNamespace<FeatureHub>();
        }
        else
        {
            map(app);
        }

        await app.StartAsync();
        return app;
    }

    private static SocketIOManager Client(WebApplication app) => new(new Uri(app.Urls.Single()), new SocketIOClientOptions { AckTimeout = TimeSpan.FromSeconds(10) });

    [Fact]
    public async Task A_handler_cancellation_token_is_cancelled_when_the_socket_disconnects()
    {
        await using WebApplication app = await StartAsync();
        FeatureProbe probe = app.Services.GetRequiredService<FeatureProbe>();
        await using SocketIOManager io = Client(app);
        SocketIOClientSocket<IFeatureServer, IFeatureClient> socket = io.Of<IFeatureServer, IFeatureClient>(new FeatureClientHandler("a"));
        await socket.ConnectAsync().WaitAsync(s_wait);

        Task<string> held = socket.Server.Hold("t1");
        Assert.Equal("t1", await probe.HoldStarted.Task.WaitAsync(s_wait));
        Assert.False(probe.HoldCancelled.Task.IsCompleted);

        await socket.DisconnectAsync();
        Assert.Equal("t1", await probe.HoldCancelled.Task.WaitAsync(s_wait));
        await Assert.ThrowsAsync<SocketIODisconnectedException>(() => held.WaitAsync(s_wait));
    }

    [Fact]
    public async Task A_client_handler_cancellation_token_is_cancelled_when_the_client_disconnects()
    {
        await using WebApplication app = await StartAsync();
        ISocketIOHubContext<FeatureHub, IFeatureClient> context = app.Services.GetRequiredService<ISocketIOHubContext<FeatureHub, IFeatureClient>>();
        await using SocketIOManager io = Client(app);
        var handler = new FeatureClientHandler("w");
        SocketIOClientSocket<IFeatureServer, IFeatureClient> socket = io.Of<IFeatureServer, IFeatureClient>(handler);
        await socket.ConnectAsync().WaitAsync(s_wait);

        Task<string> asked = context.Clients.Socket(socket.Id!).Wait();
        await handler.WaitStarted.Task.WaitAsync(s_wait);
        Assert.False(handler.WaitCancelled.Task.IsCompleted);
        await socket.DisconnectAsync();
        await handler.WaitCancelled.Task.WaitAsync(s_wait);
        await Assert.ThrowsAsync<SocketIODisconnectedException>(() => asked.WaitAsync(s_wait));
    }

    [Fact]
    public async Task Disposing_a_client_does_not_wait_for_a_handler_that_ignores_its_token()
    {
        await using WebApplication app = await StartAsync();
        ISocketIOHubContext<FeatureHub, IFeatureClient> context = app.Services.GetRequiredService<ISocketIOHubContext<FeatureHub, IFeatureClient>>();
        SocketIOManager io = Client(app);
        SocketIOClientSocket socket = io.Of("/features");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.On("stuck", _ =>
        {
            started.TrySetResult();
            return new ValueTask(Task.Delay(Timeout.Infinite, CancellationToken.None));
        });
        await socket.ConnectAsync().WaitAsync(s_wait);
        await context.Namespace.EmitAsync("stuck");
        await context.Namespace.EmitAsync("queued behind it");
        await started.Task.WaitAsync(s_wait);

        await io.DisposeAsync().AsTask().WaitAsync(s_wait);
        Assert.False(socket.IsConnected);
    }

    [Fact]
    public async Task Typed_socket_data_lives_per_socket_and_is_readable_from_outside_the_hub()
    {
        await using WebApplication app = await StartAsync();
        await using SocketIOManager first = Client(app);
        await using SocketIOManager second = Client(app);
        SocketIOClientSocket<IFeatureServer, IFeatureClient> a = first.Of<IFeatureServer, IFeatureClient>(new FeatureClientHandler("a"));
        SocketIOClientSocket<IFeatureServer, IFeatureClient> b = second.Of<IFeatureServer, IFeatureClient>(new FeatureClientHandler("b"));
        await a.ConnectAsync().WaitAsync(s_wait);
        await b.ConnectAsync().WaitAsync(s_wait);

        Assert.Equal(1, await a.Server.Count().WaitAsync(s_wait));
        Assert.Equal(2, await a.Server.Count().WaitAsync(s_wait));
        Assert.Equal(1, await b.Server.Count().WaitAsync(s_wait));

        SocketIONamespace ns = app.Services.GetRequiredService<SocketIOServer>().Of("/features");
        Assert.True(ns.TryGetSocket(a.Id!, out SocketIOSocket? serverSide));
        Assert.Equal(2, serverSide.GetData<FeatureSession>().Calls);
        Assert.Throws<InvalidOperationException>(() => serverSide.GetData<FeatureProbe>());
    }

    [Fact]
    public async Task A_background_service_reaches_the_hub_clients_through_the_hub_context()
    {
        await using WebApplication app = await StartAsync();
        ISocketIOHubContext<FeatureHub, IFeatureClient> context = app.Services.GetRequiredService<ISocketIOHubContext<FeatureHub, IFeatureClient>>();
        Assert.Equal("/features", context.Namespace.Name);

        await using SocketIOManager io = Client(app);
        var handler = new FeatureClientHandler("ada");
        SocketIOClientSocket<IFeatureServer, IFeatureClient> socket = io.Of<IFeatureServer, IFeatureClient>(handler);
        await socket.ConnectAsync().WaitAsync(s_wait);

        await context.Clients.All.Tick(41);
        Assert.Equal(41, await handler.Ticks.Task.WaitAsync(s_wait));

        // One socket by id awaits its answer; a room target needs the timeout operator and returns answers with ids.
        Assert.Equal("ada", await context.Clients.Socket(socket.Id!).Name().WaitAsync(s_wait));
        SocketIOBroadcastAnswers<string> answers = await context.Clients.All.Timeout(TimeSpan.FromSeconds(5)).Name().WaitAsync(s_wait);
        Assert.True(answers.AllResponded);
        Assert.Equal([new SocketIOBroadcastAnswer<string>(socket.Id!, "ada")], answers.Answers);
    }

    [Fact]
    public async Task A_typed_hub_still_sees_every_event_with_OnAny_and_handles_events_no_contract_names_with_On()
    {
        await using WebApplication app = await StartAsync();
        FeatureProbe probe = app.Services.GetRequiredService<FeatureProbe>();
        await using SocketIOManager io = Client(app);
        SocketIOClientSocket socket = io.Of("/features");
        await socket.ConnectAsync().WaitAsync(s_wait);

        SocketIOArguments answer = await socket.EmitWithAckAsync("extra", "x").WaitAsync(s_wait);
        Assert.Equal("untyped:x", answer.GetString(0));
        Assert.Equal(1, (await socket.EmitWithAckAsync("count").WaitAsync(s_wait)).GetInt32(0));
        Assert.Equal(["extra", "count"], probe.Seen);
    }

    [Fact]
    public async Task As_gives_the_contract_proxy_of_an_untyped_socket_and_the_broadcast_target_of_an_operator()
    {
        SocketIONamespace? features = null;
        var noted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using WebApplication app = await StartAsync(map: app =>
        {
            features = app.MapSocketIO().Of("/features");
            features.OnConnection(socket =>
            {
                socket.Join("r");
                socket.On("note", context =>
                {
                    noted.TrySetResult(context.Arguments.GetString(0)!);
                    return ValueTask.CompletedTask;
                });
                socket.On("go", async context =>
                {
                    // The untyped server socket through the contract: a plain event, then an acknowledged one.
                    await socket.As<IFeatureClient>().Tick(1);
                    string name = await socket.As<IFeatureClient>().Name();
                    await features!.To("r").As<IFeatureClient>().Tick(2);
                    await context.AckAsync(name);
                });
                return ValueTask.CompletedTask;
            });
        });
        await using SocketIOManager io = Client(app);
        SocketIOClientSocket socket = io.Of("/features");
        var ticks = new List<int>();
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.On("tick", context =>
        {
            lock (ticks)
            {
                ticks.Add(context.Arguments.GetInt32(0));
                if (ticks.Count == 2)
                {
                    second.TrySetResult();
                }
            }

            return ValueTask.CompletedTask;
        });
        socket.On("name", static context => context.AckAsync("ada"));
        await socket.ConnectAsync().WaitAsync(s_wait);

        // The client socket through the server's contract; "go" is untyped.
        await socket.As<IFeatureServer>().Note("hello");
        Assert.Equal("hello", await noted.Task.WaitAsync(s_wait));
        SocketIOArguments answer = await socket.EmitWithAckAsync("go").WaitAsync(s_wait);
        Assert.Equal("ada", answer.GetString(0));
        await second.Task.WaitAsync(s_wait);
        Assert.Equal([1, 2], ticks);
    }

    [Fact]
    public async Task A_plain_event_sent_with_an_ack_request_is_answered_empty_once_handled()
    {
        await using WebApplication app = await StartAsync();
        FeatureProbe probe = app.Services.GetRequiredService<FeatureProbe>();
        await using SocketIOManager io = Client(app);
        SocketIOClientSocket socket = io.Of("/features");
        await socket.ConnectAsync().WaitAsync(s_wait);

        SocketIOArguments answer = await socket.EmitWithAckAsync("note", "n1").WaitAsync(s_wait);
        Assert.Equal(0, answer.Count);
        Assert.Contains("note:n1", probe.Seen); // answered after the handler ran
    }

    [Fact]
    public async Task A_hub_that_cannot_be_created_refuses_the_connection_and_leaves_nothing_registered()
    {
        await using WebApplication app = await StartAsync(map: a => a.MapSocketIO().MapNamespace<UncreatableHub>("/broken").MapNamespace<FeatureHub>());
        await using SocketIOManager io = Client(app);
        SocketIOClientSocket socket = io.Of("/broken");
        SocketIOConnectException refused = await Assert.ThrowsAsync<SocketIOConnectException>(() => socket.ConnectAsync().WaitAsync(s_wait));
        Assert.Contains("could not create its handler", refused.Message, StringComparison.Ordinal);
        Assert.Empty(app.Services.GetRequiredService<SocketIOServer>().Of("/broken").Sockets);

        // The same connection still serves the other namespace.
        SocketIOClientSocket<IFeatureServer, IFeatureClient> works = io.Of<IFeatureServer, IFeatureClient>(new FeatureClientHandler("ok"));
        await works.ConnectAsync().WaitAsync(s_wait);
        Assert.Equal(1, await works.Server.Count().WaitAsync(s_wait));
    }

    [Fact]
    public async Task A_hub_context_of_a_hub_that_is_not_mapped_says_so()
    {
        await using WebApplication app = await StartAsync(map: a => a.MapSocketIO());
        ISocketIOHubContext<FeatureHub, IFeatureClient> context = app.Services.GetRequiredService<ISocketIOHubContext<FeatureHub, IFeatureClient>>();
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => context.Clients);
        Assert.Contains("MapNamespace<FeatureHub>()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_typed_simple_client_calls_the_contract_and_dispatches_received_events_to_a_handler()
    {
        await using WebApplication app = await StartAsync();
        await using SocketIOSimpleClient<IFeatureServer> client = await SocketIOSimpleClient.ConnectAsync<IFeatureServer>(new Uri(app.Urls.Single())).WaitAsync(s_wait);
        Assert.Equal("/features", client.Untyped.Socket.Namespace);
        Assert.Equal(1, await client.Server.Count().WaitAsync(s_wait));

        ISocketIOHubContext<FeatureHub, IFeatureClient> context = app.Services.GetRequiredService<ISocketIOHubContext<FeatureHub, IFeatureClient>>();
        await context.Clients.All.Tick(7);
        var handler = new FeatureClientHandler("s");
        SocketIODispatchResult result = await client.ReceiveAsync<IFeatureClient>(handler).WaitAsync(s_wait);
        Assert.Equal(SocketIODispatchStatus.Handled, result.Status);
        Assert.Equal(7, await handler.Ticks.Task.WaitAsync(s_wait));

        // An event that does not fit the contract is reported, not thrown.
        await context.Namespace.EmitAsync("tick", "not a number");
        SocketIODispatchResult wrong = await client.ReceiveAsync<IFeatureClient>(handler).WaitAsync(s_wait);
        Assert.Equal(SocketIODispatchStatus.BindingFailed, wrong.Status);
        await context.Namespace.EmitAsync("unknown", 1);
        Assert.Equal(SocketIODispatchStatus.NoHandler, (await client.ReceiveAsync<IFeatureClient>(handler).WaitAsync(s_wait)).Status);
    }

    [Fact]
    public async Task Server_to_server_contract_events_and_their_answers_cross_a_two_server_cluster()
    {
        var cluster = new LocalCluster();
        var handlerA = new FeatureClusterHandler(load: 10);
        var handlerB = new FeatureClusterHandler(load: 20);
        await using WebApplication a = await StartAsync(cluster, app => app.MapSocketIO().Sockets.OnServerSideEvents<IFeatureCluster>(handlerA));
        await using WebApplication b = await StartAsync(cluster, app => app.MapSocketIO().Sockets.OnServerSideEvents<IFeatureCluster>(handlerB));
        SocketIONamespace nsA = a.Services.GetRequiredService<SocketIOServer>().Sockets;

        await nsA.ServerSide<IFeatureCluster>().Announce("hello", [1, 2, 3]);
        (string text, int[] values) = await handlerB.Announced.Task.WaitAsync(s_wait);
        Assert.Equal("hello", text);
        Assert.Equal([1, 2, 3], values);
        Assert.False(handlerA.Announced.Task.IsCompleted); // not to itself

        SocketIOBroadcastAnswers<int> loads = await nsA.ServerSide<IFeatureCluster>().Timeout(TimeSpan.FromSeconds(5)).Load("eu").WaitAsync(s_wait);
        Assert.True(loads.AllResponded);
        Assert.Equal(1, loads.Expected);
        Assert.Equal([20], loads.Answers.Select(x => x.Value));

        // A peer that sends arguments of the wrong shape: counted as a binding failure on the receiver, never thrown.
        SocketIOServer serverB = b.Services.GetRequiredService<SocketIOServer>();
        // (the local cluster hands the event over before ServerSideEmitAsync completes)
        await nsA.ServerSideEmitAsync("announce", "text", "not an array");
        Assert.Equal(1, serverB.BindingFailureCount);
    }

    /// <summary>A cluster in one process: each server's adapter hands server-side emits to the other servers' namespaces.</summary>
    private sealed class LocalCluster
    {
        private readonly List<ISocketIOAdapterHost> _hosts = [];

        public SocketIOAdapter Join(ISocketIOAdapterHost host)
        {
            lock (_hosts)
            {
                _hosts.Add(host);
            }

            return new LocalClusterAdapter(host, this);
        }

        public ISocketIOAdapterHost[] Others(ISocketIOAdapterHost self)
        {
            lock (_hosts)
            {
                return [.. _hosts.Where(h => h != self && h.Name == self.Name)];
            }
        }

        public int Count(ISocketIOAdapterHost self) => Others(self).Length + 1;
    }

    private sealed class LocalClusterAdapter(ISocketIOAdapterHost host, LocalCluster cluster) : InMemoryAdapter(host)
    {
        public override ValueTask<int> GetServerCountAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(cluster.Count(Host));

        public override async ValueTask ServerSideEmitAsync(EncodedPacket packet)
        {
            (string name, byte[] args) = Read(packet);
            foreach (ISocketIOAdapterHost other in cluster.Others(Host))
            {
                await other.OnServerSideEventAsync(name, SocketIOArguments.FromJsonArray(args), null);
            }
        }

        public override async ValueTask ServerSideEmitWithAckAsync(EncodedPacket packet, IBroadcastAckCollector collector)
        {
            (string name, byte[] args) = Read(packet);
            foreach (ISocketIOAdapterHost other in cluster.Others(Host))
            {
                collector.AddExpected(1);
                await other.OnServerSideEventAsync(name, SocketIOArguments.FromJsonArray(args), answer =>
                {
                    ReadOnlyMemory<byte> text = answer.Text[1..];
                    Assert.Equal(SocketIOParseError.None, SocketIOParser.TryParse(text.Span, out SocketIOPacketHeader header));
                    collector.OnAck(null, SocketIOArguments.FromJsonArray(header.GetPayload(text).ToArray()));
                    answer.Release();
                });
            }
        }

        // The event name and the arguments after it, as a JSON array (what a broker would carry).
        private static (string Name, byte[] Args) Read(EncodedPacket packet)
        {
            try
            {
                ReadOnlyMemory<byte> text = packet.Text[1..];
                Assert.Equal(SocketIOParseError.None, SocketIOParser.TryParse(text.Span, out SocketIOPacketHeader header));
                using JsonDocument doc = JsonDocument.Parse(header.GetPayload(text));
                string rest = "[" + string.Join(',', doc.RootElement.EnumerateArray().Skip(1).Select(e => e.GetRawText())) + "]";
                return (doc.RootElement[0].GetString()!, System.Text.Encoding.UTF8.GetBytes(rest));
            }
            finally
            {
                packet.Release();
            }
        }
    }
}
