// The server the official protocol test suites (socketio/engine.io-protocol and socketio/socket.io-protocol,
// test-suite/) run against: a raw Engine.IO echo endpoint at /engine.io/ and Socket.IO at /socket.io/.
using System.Globalization;
using SocketIO.Typed.Server.Engine;
using SocketIO.Typed.Server;

int port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "3000", CultureInfo.InvariantCulture);

WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port));
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSocketIO(o =>
{
    ConfigureEngine(o.EngineIO);
    o.ConnectTimeout = TimeSpan.FromMilliseconds(1000);
});

WebApplication app = builder.Build();

var engineOptions = new EngineIOServerOptions();
ConfigureEngine(engineOptions);
var engine = new EngineIOServer(engineOptions, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EngineIO.Echo"));
engine.Connection += socket => socket.Handler = new EchoHandler();
app.MapEngineIO("/engine.io", engine);

SocketIOServer io = app.MapSocketIO("/socket.io");
io.OnConnection(socket =>
{
    _ = socket.EmitAsync("auth", socket.Handshake.Auth);
    socket.On("message", context => socket.EmitAsync("message-back", context.Arguments));
    socket.On("message-with-ack", context => context.AckAsync(context.Arguments));
});
io.Of("/custom").OnConnection(socket => _ = socket.EmitAsync("auth", socket.Handshake.Auth));

Console.WriteLine($"Conformance server listening on http://localhost:{port} (/engine.io/ and /socket.io/)");
app.Run();

static void ConfigureEngine(EngineIOServerOptions options)
{
    options.PingInterval = TimeSpan.FromMilliseconds(300);
    options.PingTimeout = TimeSpan.FromMilliseconds(200);
    options.MaxHttpBufferSize = 1_000_000;
    options.Cors.AllowedOrigins.Add("*");
}

internal sealed class EchoHandler : IEngineIOSessionHandler
{
    public void OnMessage(EngineIOSession socket, ReadOnlyMemory<byte> data, bool isBinary)
    {
        if (isBinary)
        {
            socket.SendBinary(data.ToArray());
        }
        else
        {
            socket.Send(System.Text.Encoding.UTF8.GetString(data.Span));
        }
    }

    public void OnClose(EngineIOSession socket, string reason)
    {
    }
}
