using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Client;
using SocketIO.Typed.Server;
using Xunit.Abstractions;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>A polymorphic payload: the generator has no shape for an abstract type, the context does.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(Circle), "circle")]
[JsonDerivedType(typeof(Square), "square")]
public abstract record Figure(string Label);

public sealed record Circle(string Label, double Radius) : Figure(Label);

public sealed record Square(string Label, int Side) : Figure(Label);

/// <summary>Carries a figure among types the generator handles itself.</summary>
public sealed record Drawing(string Title, Figure Main, List<Figure> Others, Dictionary<int, string> Layers);

/// <summary>The STJ source-generated context the contract names for what the generator cannot serialize.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Figure))]
[JsonSerializable(typeof(Dictionary<int, string>))]
[JsonSerializable(typeof(Drawing))]
public sealed partial class DrawingJson : JsonSerializerContext;

[SocketIOContract(Namespace = "/drawing", JsonContext = typeof(DrawingJson))]
public interface IDrawingServer
{
    Task<Drawing> Mirror(Drawing drawing);

    Task<Figure> Largest(Figure[] figures);
}

[SocketIOContract(Namespace = "/drawing")]
public interface IDrawingClient;

[SocketIOHub]
public sealed partial class DrawingHub : SocketHub<IDrawingClient>, IDrawingServer
{
    public Task<Drawing> Mirror(Drawing drawing) => Task.FromResult(drawing with { Title = drawing.Title + "!" });

    public Task<Figure> Largest(Figure[] figures) => Task.FromResult(figures.MaxBy(static f => f switch
    {
        Circle c => Math.PI * c.Radius * c.Radius,
        Square s => s.Side * (double)s.Side,
        _ => 0,
    })!);
}

/// <summary>Types the generator cannot handle go through the contract's <c>JsonSerializerContext</c>, with its wire format.</summary>
public sealed class TypedJsonContextTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(15);

    private async Task<WebApplication> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
        builder.Services.AddSocketIO(o => o.BindingFailureAck = SocketIOBindingFailureAck.Error);
        WebApplication app = builder.Build();
        app.MapSocketIO().MapNamespace<DrawingHub>();
        await app.StartAsync();
        return app;
    }

    private static Drawing Sample() => new(
        "plan",
        new Circle("sun", 2.5),
        [new Square("box", 3), new Circle("dot", 0.5)],
        new Dictionary<int, string> { [1] = "ground", [2] = "sky" });

    [Fact]
    public async Task Polymorphic_payloads_and_integer_keyed_dictionaries_round_trip_through_the_named_context()
    {
        await using WebApplication app = await StartAsync();
        await using var io = new SocketIOManager(new Uri(app.Urls.Single()));
        SocketIOClientSocket<IDrawingServer, IDrawingClient> socket = io.Of<IDrawingServer, IDrawingClient>(new NoDrawingEvents());
        await socket.ConnectAsync().WaitAsync(s_wait);

        Drawing sent = Sample();
        Drawing back = await socket.Server.Mirror(sent).WaitAsync(s_wait);
        Assert.Equal("plan!", back.Title);
        Assert.Equal(sent.Main, back.Main);
        Assert.Equal(sent.Others, back.Others);
        Assert.Equal(sent.Layers, back.Layers);

        Figure largest = await socket.Server.Largest([new Circle("a", 1), new Square("b", 3), new Square("c", 1)]).WaitAsync(s_wait);
        Assert.Equal(new Square("b", 3), largest);
    }

    [Fact]
    public async Task The_wire_format_is_what_the_context_writes_and_an_untyped_peer_can_send_it()
    {
        await using WebApplication app = await StartAsync();
        await using var io = new SocketIOManager(new Uri(app.Urls.Single()));
        SocketIOClientSocket untyped = io.Of("/drawing");
        await untyped.ConnectAsync().WaitAsync(s_wait);

        // What System.Text.Json writes with the context is what the typed hub reads and answers.
        string json = JsonSerializer.Serialize(Sample(), DrawingJson.Default.Drawing);
        using JsonDocument sent = JsonDocument.Parse(json);
        SocketIOArguments answer = await untyped.EmitWithAckAsync("mirror", sent.RootElement).WaitAsync(s_wait);
        JsonElement back = answer.GetElement(0);
        Assert.Equal("plan!", back.GetProperty("title").GetString());
        Assert.Equal("circle", back.GetProperty("main").GetProperty("kind").GetString());
        Assert.Equal(2.5, back.GetProperty("main").GetProperty("radius").GetDouble());
        Assert.Equal("square", back.GetProperty("others")[0].GetProperty("kind").GetString());
        Assert.Equal("sky", back.GetProperty("layers").GetProperty("2").GetString());

        // A figure of an unknown kind is a binding failure answered with an error; the connection stays.
        SocketIOArguments error = await untyped.EmitWithAckAsync("largest", JsonDocument.Parse("""[{"kind":"hexagon","label":"x"}]""").RootElement).WaitAsync(s_wait);
        Assert.Equal("binding", error.GetElement(0).GetProperty("error").GetString());
        Assert.True(untyped.IsConnected);
    }

    private sealed class NoDrawingEvents : IDrawingClient;
}
