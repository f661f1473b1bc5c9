using Npgsql;
using SocketIO.Typed.Adapters.Cluster;

namespace SocketIO.Typed.Postgres;

/// <summary>
/// Emitters for a cluster on the PostgreSQL adapter, as Node's <c>@socket.io/postgres-emitter</c> (but with the
/// namespace in every message, which Node's 0.5 servers need to accept it): notifications on the namespace's channel,
/// binary and large messages through the attachments table.
/// </summary>
/// <example>
/// <code>
/// await using NpgsqlDataSource db = NpgsqlDataSource.Create("Host=localhost;Username=postgres;Database=app");
/// SocketIOClusterEmitter emitter = SocketIOPostgresEmitter.Create(db);
/// await emitter.To("lobby").EmitAsync("notice", "maintenance at noon");
/// </code>
/// </example>
public static class SocketIOPostgresEmitter
{
    /// <summary>Creates an emitter for the main namespace (<see cref="SocketIOClusterEmitter.Of"/> for the others).</summary>
    /// <param name="dataSource">The cluster's database.</param>
    /// <param name="options">The channel prefix, table and threshold the servers use.</param>
    /// <returns>The emitter.</returns>
    public static SocketIOClusterEmitter Create(NpgsqlDataSource dataSource, SocketIOPostgresAdapterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return new SocketIOClusterEmitter(new Publisher(dataSource, options ?? new SocketIOPostgresAdapterOptions()));
    }

    private sealed class Publisher(NpgsqlDataSource dataSource, SocketIOPostgresAdapterOptions options) : ISocketIOClusterPublisher
    {
        public ValueTask PublishAsync(SocketIOClusterMessage message)
        {
            ArgumentNullException.ThrowIfNull(message);
            return PostgresWire.PublishAsync(dataSource, options, PostgresWire.Channel(options, message.Namespace ?? "/"), message);
        }
    }
}
