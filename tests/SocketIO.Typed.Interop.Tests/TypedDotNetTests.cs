using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Client;
using SocketIO.Typed.Server;
using Typed.Probe.Contracts;
using Xunit.Abstractions;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>The probe hub the typed tests serve (its dispatch and creation are generated in this assembly).</summary>
[SocketIOHub]
public sealed partial class ProbeHub(ILogger<ProbeHub> logger) : SocketHub<IProbeClient>, IProbeServer
{
    public Task<Shape> Echo(Shape shape) => Task.FromResult(shape);

    public Task<(int Sum, string Joined)> Combine(int[] numbers, string[] words) => Task.FromResult((numbers.Sum(), string.Join(",", words)));

    public Task<string> Join(string room)
    {
        Socket.Join(room);
        return Task.FromResult(room);
    }

    public Task Relay(string room, Shape shape) => Clients.To(room).Except(Socket.Id).Relayed(shape).AsTask();

    public async Task<int[]> AskRoom(string room, int x)
    {
        SocketIOBroadcastAnswers<int> answers = await Clients.To(room).Timeout(TimeSpan.FromSeconds(2)).Question(x);
        logger.LogInformation("AskRoom {Room}: {Count} of {Expected} answered", room, answers.Answers.Count, answers.Expected);
        return [.. answers.Answers.Select(static a => a.Value).Order()];
    }
}

/// <summary>A probe client's handler: answers questions with x * its factor, collects relayed shapes.</summary>
public sealed class ProbeClientHandler(int factor) : IProbeClient
{
    public TaskCompletionSource<Shape> Relays { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Relayed(Shape shape)
    {
        Relays.TrySetResult(shape);
        return Task.CompletedTask;
    }

    public Task<int> Question(int x) => Task.FromResult(x * factor);
}

/// <summary>Typed C# client against the typed C# server (the hub), over every transport.</summary>
public sealed class TypedDotNetTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(15);

    public static TheoryData<string> Transports { get; } = new() { "polling", "websocket", "upgrade" };

    /// <summary>The typed hub, and the official Node server with the contract written by hand (node/server.mjs "/probe").</summary>
    public static TheoryData<string, string> ServersAndTransports { get; } = new()
    {
        { "typed", "polling" }, { "typed", "websocket" }, { "typed", "upgrade" },
        { "node", "polling" }, { "node", "websocket" }, { "node", "upgrade" },
    };

    // A server that speaks the probe contract on /probe: the typed hub, or the official socket.io server.
    private async Task<(Uri Url, IAsyncDisposable Server)> StartProbeServerAsync(string kind)
    {
        if (kind == "typed")
        {
            WebApplication app = await StartServerAsync();
            return (new Uri(app.Urls.Single()), app);
        }

        ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        return (server.Url, server);
    }

    private static Shape SampleShape() => new(
        Guid.NewGuid(),
        "circle",
        new DateTimeOffset(2026, 11, 30, 1, 2, 3, TimeSpan.FromHours(1)),
        Mood.Busy,
        Level.High,
        null,
        ["a", "b"],
        new Dictionary<string, double> { ["w"] = 0.5 },
        new Inner("deep", [1, 2, 3, 255]),
        "Circle One") { Secret = "not sent" };

    private async Task<WebApplication> StartServerAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        // A client that does not follow the contract gets an error answer (the default is no answer, as socket.io).
        builder.Services.AddSocketIO(o => o.BindingFailureAck = SocketIOBindingFailureAck.Error);
        WebApplication app = builder.Build();
        app.MapSocketIO().MapNamespace<ProbeHub>("/probe");
        await app.StartAsync();
        return app;
    }

    private SocketIOManager Client(WebApplication app, string transport) => Client(new Uri(app.Urls.Single()), transport);

    private SocketIOManager Client(Uri url, string transport) => new(url, new SocketIOClientOptions
    {
        Transports = transport switch
        {
            "polling" => SocketIOClientTransports.Polling,
            "websocket" => SocketIOClientTransports.WebSocket,
            _ => SocketIOClientTransports.All,
        },
        AckTimeout = TimeSpan.FromSeconds(10),
        LoggerFactory = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)).SetMinimumLevel(LogLevel.Information)),
    });

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task Acknowledged_events_round_trip_records_tuples_and_binary_at_depth(string kind, string transport)
    {
        (Uri url, IAsyncDisposable server) = await StartProbeServerAsync(kind);
        await using IAsyncDisposable _ = server;
        await using SocketIOManager io = Client(url, transport);
        SocketIOClientSocket<IProbeServer, IProbeClient> probe = io.Of<IProbeServer, IProbeClient>("/probe", new ProbeClientHandler(1));
        await probe.ConnectAsync().WaitAsync(s_wait);

        Shape sent = SampleShape();
        Shape echoed = await probe.Server.Echo(sent).WaitAsync(s_wait);
        Assert.Equal(sent.Id, echoed.Id);
        Assert.Equal(sent.At, echoed.At);
        Assert.Equal(sent.Tags, echoed.Tags);
        Assert.Equal(sent.Weights, echoed.Weights);
        Assert.Equal(sent.Inner!.Data, echoed.Inner!.Data);
        Assert.Equal(sent.DisplayName, echoed.DisplayName);
        Assert.Equal(Level.High, echoed.Level);
        Assert.Null(echoed.Score);
        Assert.Equal("hidden", echoed.Secret);

        (int sum, string joined) = await probe.Server.Combine([1, 2, 3], ["x", "y"]).WaitAsync(s_wait);
        Assert.Equal(6, sum);
        Assert.Equal("x,y", joined);
        Assert.Equal("lobby", await probe.Server.Join("lobby").WaitAsync(s_wait));
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task Rooms_relay_to_others_and_broadcast_acks_collect_typed_answers_from_client_handlers(string kind, string transport)
    {
        (Uri url, IAsyncDisposable server) = await StartProbeServerAsync(kind);
        await using IAsyncDisposable _ = server;
        await using SocketIOManager asker = Client(url, transport);
        await using SocketIOManager first = Client(url, transport);
        await using SocketIOManager second = Client(url, transport);
        SocketIOClientSocket<IProbeServer, IProbeClient> a = asker.Of<IProbeServer, IProbeClient>("/probe", new ProbeClientHandler(1));
        var firstHandler = new ProbeClientHandler(10);
        SocketIOClientSocket<IProbeServer, IProbeClient> b = first.Of<IProbeServer, IProbeClient>("/probe", firstHandler);
        SocketIOClientSocket<IProbeServer, IProbeClient> c = second.Of<IProbeServer, IProbeClient>("/probe", new ProbeClientHandler(100));
        foreach (SocketIOClientSocket<IProbeServer, IProbeClient> socket in new[] { a, b, c })
        {
            await socket.ConnectAsync().WaitAsync(s_wait);
            await socket.Server.Join("room").WaitAsync(s_wait);
        }

        int[] answers = await a.Server.AskRoom("room", 7).WaitAsync(s_wait);
        Assert.Equal([7, 70, 700], answers);

        Shape shape = SampleShape();
        await a.Server.Relay("room", shape).WaitAsync(s_wait);
        Shape relayed = await firstHandler.Relays.Task.WaitAsync(s_wait);
        Assert.Equal(shape.Id, relayed.Id);
        Assert.Equal(shape.Inner!.Data, relayed.Inner!.Data);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task The_official_javascript_client_speaks_the_contract_wire_format_with_the_typed_hub(string transport)
    {
        // node/client.mjs "probe": camelCase events and properties, display_name, Mood as a number, Level as a name,
        // binary at depth as an attachment, the tuple as two ack arguments, broadcast acks answered by JS handlers,
        // binding errors for a wrong shape with the connection kept.
        await using WebApplication app = await StartServerAsync();
        JsonElement result = await NodeClient.RunAsync("probe", app.Urls.Single(), transport, output);
        Assert.Equal("[7,70,700]", result.GetProperty("answers").GetRawText());
    }

    [Fact]
    public async Task A_client_that_sends_the_wrong_shape_gets_a_binding_error_and_keeps_its_connection()
    {
        await using WebApplication app = await StartServerAsync();
        await using SocketIOManager io = Client(app, "websocket");
        SocketIOClientSocket socket = io.Of("/probe");
        await socket.ConnectAsync().WaitAsync(s_wait);

        // combine expects (int[], string[]): an untyped peer sends a string and an object.
        SocketIOArguments error = await socket.EmitWithAckAsync("combine", "not numbers", new Dictionary<string, object?> { ["x"] = 1 }).WaitAsync(s_wait);
        JsonElement answer = error.GetElement(0);
        Assert.Equal("binding", answer.GetProperty("error").GetString());
        Assert.Contains("Argument 0 ('numbers')", answer.GetProperty("message").GetString(), StringComparison.Ordinal);

        // The connection is kept: a well-formed call still works.
        SocketIOArguments joined = await socket.EmitWithAckAsync("join", "after").WaitAsync(s_wait);
        Assert.Equal("after", joined.GetString(0));
        Assert.True(socket.IsConnected);
    }
}
