// One node of a Socket.IO cluster, chosen by the environment:
//
//   PORT=3001 SIO_ADAPTER=redis SIO_ADAPTER_CONNECTION=redis://127.0.0.1:6379 dotnet run --project samples/Cluster.Server
//
// SIO_ADAPTER: redis (Node's @socket.io/redis-adapter 8.3 wire format), redis-streams (@socket.io/redis-streams-adapter
// 0.3, with connection state recovery across the cluster) or postgres (@socket.io/postgres-adapter 0.5; the connection
// is a URL, postgres://user:password@host:port/database, and the attachments table is created when missing) or rabbitmq
// (amqp://user:password@host:port/; .NET servers only: Node has no RabbitMQ adapter).
//
// Start two (or more, with Node nodes beside them: tests/SocketIO.Typed.Interop.Tests/node/cluster-node.mjs is the
// Node twin) on one Redis, and clients connected to different nodes see one server. On "/":
//
//   on connect                    emits welcome { server: "dotnet", port }
//   join(room, ack)               joins the room, acks the room
//   to-room(room, msg)            room-msg msg to the room's sockets on every node
//   fetch(room, ack)              acks the sorted ids of the room's sockets on every node
//   count-servers(ack)            acks the number of nodes
//   ask-servers(x, ack)           server-side emit ping-server x with acks; acks the answers
//   ping-server x (server-side)   answers { port, x }
//   broadcast-ack(room, x, ack)   question x to the room with a 2 s timeout; acks the answers
//   kick-room(room)               disconnects the room's sockets on every node
//
// Polling clients need sticky sessions behind a load balancer (docs/cluster.md); WebSocket-only clients do not.
using System.Globalization;
using System.Text.Json.Nodes;
using SocketIO.Typed;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server;

int port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "3000", CultureInfo.InvariantCulture);
string adapter = Environment.GetEnvironmentVariable("SIO_ADAPTER") ?? "redis";
string connection = Environment.GetEnvironmentVariable("SIO_ADAPTER_CONNECTION") ?? SampleBrokers.DefaultUrl(adapter);

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(port));
Func<ISocketIOAdapterHost, SocketIOAdapter> adapterFactory = await SampleAdapters.ConnectAsync(adapter, connection);
builder.Services.AddSocketIO(options =>
{
    options.AdapterFactory = adapterFactory;

    // The streams keep sessions and packets for the whole cluster: a client cut from this node recovers on any other.
    options.ConnectionStateRecovery = adapter == "redis-streams" ? new ConnectionStateRecoveryOptions() : null;
    options.Cors.AllowedOrigins.Add("*");
});

WebApplication app = builder.Build();
SocketIOServer io = app.MapSocketIO();
io.OnConnection(socket =>
{
    _ = socket.EmitAsync("welcome", new JsonObject { ["server"] = "dotnet", ["port"] = port });
    socket.On("join", async context =>
    {
        string room = context.Arguments.GetString(0)!;
        socket.Join(room);
        await context.AckAsync(room);
    });
    socket.On("to-room", context => io.To(context.Arguments.GetString(0)!).EmitAsync("room-msg", context.Arguments.GetElement(1)));
    socket.On("fetch", async context =>
    {
        IReadOnlyList<SocketIORemoteSocket> sockets = await io.In(context.Arguments.GetString(0)!).FetchSocketsAsync();
        await context.AckAsync(new JsonArray([.. sockets.Select(static s => s.Id).Order(StringComparer.Ordinal).Select(static id => (JsonNode?)id)]));
    });
    socket.On("count-servers", async context => await context.AckAsync(await io.Sockets.Adapter.GetServerCountAsync()));
    socket.On("ask-servers", async context =>
    {
        SocketIOBroadcastAckResult answers = await io.ServerSideEmitWithAckAsync("ping-server", TimeSpan.FromSeconds(3), context.Arguments.GetElement(0));
        await context.AckAsync(new JsonArray([.. answers.Responses.Select(static r => JsonNode.Parse(r.Arguments.GetRawJson(0).Span))]));
    });
    socket.On("broadcast-ack", async context =>
    {
        SocketIOBroadcastAckResult answers = await io.To(context.Arguments.GetString(0)!).Timeout(TimeSpan.FromSeconds(2)).EmitWithAckAsync("question", context.Arguments.GetElement(1));
        await context.AckAsync(new JsonArray([.. answers.Responses.Select(static r => JsonNode.Parse(r.Arguments.GetRawJson(0).Span))]));
    });
    socket.On("kick-room", context => io.In(context.Arguments.GetString(0)!).DisconnectSocketsAsync());
});
io.OnServerSideEvent("ping-server", context => context.AckAsync(new JsonObject { ["port"] = port, ["x"] = JsonNode.Parse(context.Arguments.GetRawJson(0).Span) }));

await app.StartAsync();
Console.WriteLine($"Cluster.Server: listening on http://127.0.0.1:{port} ({adapter} at {connection})");
await app.WaitForShutdownAsync();
