// Sends to the sockets of a cluster from a console app (a worker, a scheduled job): no server, no ASP.NET Core, only
// the broker. The cluster's servers may be .NET or Node ones.
//
//   SIO_ADAPTER=redis SIO_ADAPTER_CONNECTION=redis://127.0.0.1:6379 dotnet run --project samples/Cluster.Emitter -- lobby "maintenance at noon"
//
// SIO_ADAPTER: redis, redis-streams, postgres or rabbitmq, as the servers use (samples/Cluster.Server). To the room's
// sockets it sends the chat's notice(text) typed through the chat contract (IChatClient), then room-msg text untyped;
// and to every server's handlers the server-side event note(text).
using Chat.Contracts;
using Npgsql;
using RabbitMQ.Client;
using SocketIO.Typed;
using SocketIO.Typed.Adapters.Cluster;
using SocketIO.Typed.Postgres;
using SocketIO.Typed.RabbitMQ;
using SocketIO.Typed.Redis;
using StackExchange.Redis;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Cluster.Emitter <room> <text>   (SIO_ADAPTER, SIO_ADAPTER_CONNECTION as for samples/Cluster.Server)");
    return 2;
}

string room = args[0];
string text = args[1];
string adapter = Environment.GetEnvironmentVariable("SIO_ADAPTER") ?? "redis";
string connection = Environment.GetEnvironmentVariable("SIO_ADAPTER_CONNECTION") ?? SampleBrokers.DefaultUrl(adapter);

switch (adapter)
{
    case "redis":
    {
        // The classic adapter's emitter (Node's @socket.io/redis-emitter format).
        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(SampleBrokers.RedisConfiguration(connection));
        var emitter = new SocketIORedisEmitter(redis);
        await emitter.To(room).As<IChatClient>().Notice(text);
        await emitter.To(room).EmitAsync("room-msg", text);
        await emitter.ServerSideEmitAsync("note", text);
        break;
    }

    case "redis-streams":
    {
        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(SampleBrokers.RedisConfiguration(connection));
        await SendAsync(SocketIORedisStreamsEmitter.Create(redis));
        break;
    }

    case "postgres":
    {
        await using NpgsqlDataSource db = NpgsqlDataSource.Create(SampleBrokers.PostgresConnectionString(connection));
        await SendAsync(SocketIOPostgresEmitter.Create(db));
        break;
    }

    case "rabbitmq":
    {
        await using IConnection rabbit = await new ConnectionFactory { Uri = new Uri(connection) }.CreateConnectionAsync();
        await SendAsync(SocketIORabbitMQEmitter.Create(rabbit));
        break;
    }

    default:
        Console.Error.WriteLine($"SIO_ADAPTER={adapter} is not one of redis, redis-streams, postgres, rabbitmq.");
        return 2;
}

Console.WriteLine($"Cluster.Emitter: sent to {room} through {adapter}");
return 0;

// The emitters of the cluster message model (Redis Streams, PostgreSQL, RabbitMQ) share one type.
async Task SendAsync(SocketIOClusterEmitter emitter)
{
    await emitter.To(room).As<IChatClient>().Notice(text);
    await emitter.To(room).EmitAsync("room-msg", text);
    await emitter.ServerSideEmitAsync("note", text);
}
