using Npgsql;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Adapters.Cluster;

namespace SocketIO.Typed.Postgres;

/// <summary>
/// A namespace's adapter on PostgreSQL LISTEN/NOTIFY, wire-compatible with Node's <c>@socket.io/postgres-adapter</c>
/// 0.5: cluster messages as JSON on the channel <c>socket.io#/ns</c>, those with binary or of 8000 bytes or more as
/// MessagePack rows of the attachments table, and the servers counted by heartbeats (a server silent for 10 s leaves the
/// count). Local delivery is the in-memory adapter's; connection state recovery, when on, stays per server (as with
/// the in-memory adapter: a client recovers on the server it was connected to).
/// </summary>
public sealed class SocketIOPostgresAdapter : SocketIOClusterAdapterWithHeartbeat
{
    private readonly PostgresListener _listener;
    private readonly string _channel;

    private SocketIOPostgresAdapter(ISocketIOAdapterHost host, PostgresListener listener)
        : base(host, listener.Options)
    {
        _listener = listener;
        _channel = PostgresWire.Channel(listener.Options, host.Name);
    }

    /// <summary>
    /// A factory for <c>SocketIOServerOptions.AdapterFactory</c>: one adapter per namespace, all on
    /// <paramref name="dataSource"/>, one connection of it listening for all of them.
    /// </summary>
    /// <param name="dataSource">The database (its pool publishes; one of its connections listens).</param>
    /// <param name="options">The options (shared).</param>
    /// <returns>The factory.</returns>
    public static Func<ISocketIOAdapterHost, SocketIOAdapter> Factory(NpgsqlDataSource dataSource, SocketIOPostgresAdapterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var listener = new PostgresListener(dataSource, options ?? new SocketIOPostgresAdapterOptions());
        return host => new SocketIOPostgresAdapter(host, listener);
    }

    /// <summary>
    /// Creates the attachments table if it is missing (Node's adapter leaves that to its users, with this schema:
    /// <c>id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea</c>). Servers that start together may
    /// all call it: the one that loses PostgreSQL's race for the table's name finds the table made by another.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="tableName">The table (<see cref="SocketIOPostgresAdapterOptions.TableName"/>).</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>A task that completes when the table exists.</returns>
    public static async Task CreateAttachmentsTableAsync(NpgsqlDataSource dataSource, string tableName = "socket_io_attachments", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        await using NpgsqlCommand create = dataSource.CreateCommand(
            $"CREATE TABLE IF NOT EXISTS {tableName} (id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)");
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PostgresException e) when (attempt < 3 && e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.DuplicateObject)
            {
                // CREATE TABLE IF NOT EXISTS is not atomic: sessions creating the same table at once all pass the check,
                // and all but one fail on a catalog entry (the table, its sequence, its row type) once the first has
                // committed. Again, the statement finds the table and does nothing.
            }
        }
    }

    /// <inheritdoc/>
    public override async ValueTask InitAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _listener.RegisterAsync(this, _channel).ConfigureAwait(false);
        }
        finally
        {
            // Heartbeats start even when PostgreSQL is not there yet: they go out once it is.
            await base.InitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        // Deaf first, then goodbye: a server that answered after its goodbye would be counted again by the others.
        await _listener.UnregisterAsync(this, _channel).ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override async ValueTask<string?> PublishMessageAsync(SocketIOClusterMessage message)
    {
        await PostgresWire.PublishAsync(_listener.DataSource, _listener.Options, _channel, message).ConfigureAwait(false);
        return null;
    }

    /// <inheritdoc/>
    protected override ValueTask PublishResponseAsync(string requesterUid, SocketIOClusterMessage response) =>
        PostgresWire.PublishAsync(_listener.DataSource, _listener.Options, _channel, response);

    internal ValueTask OnNotificationAsync(SocketIOClusterMessage message) => OnMessageAsync(message, null);

    internal void Dropped(Exception e) => CountDropped(e, "notification");

    internal void Oversized(long size, string channel) => CountOversized(size, channel);
}
