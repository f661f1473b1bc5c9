// Chooses a server's cluster adapter from SIO_ADAPTER and SIO_ADAPTER_CONNECTION (shared by the servers that can run
// in a cluster: linked into Chat and Cluster.Server).
using Npgsql;
using RabbitMQ.Client;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Postgres;
using SocketIO.Typed.RabbitMQ;
using SocketIO.Typed.Redis;
using StackExchange.Redis;

internal static class SampleAdapters
{
    /// <summary>The names SIO_ADAPTER takes.</summary>
    public const string Names = "redis, redis-streams, postgres, rabbitmq";

    /// <summary>
    /// Connects to the broker and returns the adapter factory for <c>SocketIOServerOptions.AdapterFactory</c>:
    /// <c>redis</c> (Node's @socket.io/redis-adapter 8.3 wire format), <c>redis-streams</c> (@socket.io/redis-streams-adapter
    /// 0.3), <c>postgres</c> (@socket.io/postgres-adapter 0.5; the attachments table is created when missing, as Node's
    /// README tells users to) or <c>rabbitmq</c> (.NET servers only). <paramref name="url"/> is the broker's URL:
    /// <c>redis://host:port</c>, <c>postgres://user@host:port/database</c>, <c>amqp://user:password@host:port/</c>.
    /// </summary>
    public static async Task<Func<ISocketIOAdapterHost, SocketIOAdapter>> ConnectAsync(string adapter, string url) => adapter switch
    {
        "redis" => SocketIORedisAdapter.Factory(await ConnectionMultiplexer.ConnectAsync(SampleBrokers.RedisConfiguration(url))),
        "redis-streams" => SocketIORedisStreamsAdapter.Factory(await ConnectionMultiplexer.ConnectAsync(SampleBrokers.RedisConfiguration(url))),
        "postgres" => await PostgresAsync(url),
        "rabbitmq" => SocketIORabbitMQAdapter.Factory(await new ConnectionFactory { Uri = new Uri(url) }.CreateConnectionAsync()),
        _ => throw new InvalidOperationException($"SIO_ADAPTER={adapter} is not one of {Names}."),
    };

    // An Npgsql data source, with the attachments table Node's adapter needs.
    private static async Task<Func<ISocketIOAdapterHost, SocketIOAdapter>> PostgresAsync(string url)
    {
        NpgsqlDataSource db = NpgsqlDataSource.Create(SampleBrokers.PostgresConnectionString(url));
        await SocketIOPostgresAdapter.CreateAttachmentsTableAsync(db);
        return SocketIOPostgresAdapter.Factory(db);
    }
}
