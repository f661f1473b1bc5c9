// The server the load harness (shared/bench) drives: exactly the contract of BENCH-CONTRACT.md.
// Start it with `dotnet Benchmark.Server.dll` (not `dotnet run`); HOST and PORT come from the environment.
// BENCH_API=typed (the default) serves the events with the generated hub (BenchHub, contracts in BenchContracts.cs);
// BENCH_API=untyped with socket.On handlers that pass the raw arguments through, to measure the two paths side by side.
using System.Globalization;
using Benchmark.Server;
using SocketIO.Typed.Server;

string host = Environment.GetEnvironmentVariable("HOST") ?? "127.0.0.1";
int port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "3000", CultureInfo.InvariantCulture);
string api = Environment.GetEnvironmentVariable("BENCH_API") is { Length: > 0 } chosen ? chosen : "typed";
if (api is not ("typed" or "untyped"))
{
    Console.Error.WriteLine($"BENCH_API must be 'typed' or 'untyped', not '{api}'.");
    return 2;
}

WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls($"http://{host}:{port}");
builder.Logging.ClearProviders();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(3));
// socket.io defaults, as the reference Node server runs: pingInterval 25 s, pingTimeout 20 s, maxHttpBufferSize 1e6,
// polling + websocket, no permessage-deflate, HTTP compression threshold 1024, no CORS, no cookie, connectTimeout 45 s,
// no connection state recovery, in-memory adapter.
builder.Services.AddSocketIO();

WebApplication app = builder.Build();
SocketIOServer io = app.MapSocketIO("/socket.io");
if (api == "typed")
{
    io.MapNamespace<BenchHub>("/");
}
else
{
    io.OnConnection(socket =>
    {
        // socket.on('echo', (...a) => ack(...a)): the arguments go back byte for byte.
        socket.On("echo", static context => context.AckAsync(context.Arguments));

        // socket.on('broadcast', p => io.emit('tick', p)): encoded once, queued to every socket of '/'.
        socket.On("broadcast", context =>
        {
            // Deliberately untyped (this path measures the untyped API against the typed one), so SIO0020's
            // suggestion of the contract's typed call does not apply here.
#pragma warning disable SIO0020
            ValueTask sent = context.Socket.Namespace.EmitAsync("tick", context.Arguments);
#pragma warning restore SIO0020
            return context.HasAck ? AckAfter(sent, context) : sent;
        });
    });
}

var options = io.Options.EngineIO;
Console.WriteLine(
    $"{{\"server\":\"SocketIO.Typed\",\"api\":\"{api}\",\"host\":\"{host}\",\"port\":{port},\"pingInterval\":{options.PingInterval.TotalMilliseconds}," +
    $"\"pingTimeout\":{options.PingTimeout.TotalMilliseconds},\"maxHttpBufferSize\":{options.MaxHttpBufferSize},\"perMessageDeflate\":{(options.PerMessageDeflate ? "true" : "false")}," +
    $"\"gc\":\"workstation,non-concurrent\",\"runtime\":\"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}\"}}");
app.Run();
return 0;

static async ValueTask AckAfter(ValueTask sent, SocketIOEventContext context)
{
    await sent.ConfigureAwait(false);
    await context.AckAsync().ConfigureAwait(false);
}
