using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using SocketIO.Typed.Adapters.Cluster;

namespace SocketIO.Typed.Postgres;

/// <summary>
/// Listens for every namespace of one server on one connection of its own (as Node's adapter, one pooled client that
/// LISTENs to every namespace's channel): notifications are handled one at a time in the order PostgreSQL sent them.
/// When the connection breaks it reconnects with backoff and listens again (what was notified meanwhile is lost, as
/// with Node's). It also deletes old attachments.
/// </summary>
internal sealed partial class PostgresListener
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ConcurrentDictionary<string, SocketIOPostgresAdapter> _adapters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _listening = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private CancellationTokenSource? _stop;
    private Task? _loops;
    private ILogger? _logger;

    public PostgresListener(NpgsqlDataSource dataSource, SocketIOPostgresAdapterOptions options)
    {
        _dataSource = dataSource;
        Options = options;
    }

    public SocketIOPostgresAdapterOptions Options { get; }

    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Adds a namespace's adapter and waits until its channel is listened to (at most the requests timeout).</summary>
    public async ValueTask RegisterAsync(SocketIOPostgresAdapter adapter, string channel)
    {
        TaskCompletionSource listening;
        lock (_gate)
        {
            // Added under the lock, before listening is (re)started: an adapter leaving at the same time cannot stop
            // the listening this one counts on.
            listening = _listening.GetOrAdd(channel, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            _adapters[channel] = adapter;
            _logger ??= adapter.Host.Logger;
            if (_stop is null)
            {
                // A queue of its own per start: what a stopped listener left behind is not replayed.
                var notifications = Channel.CreateUnbounded<(string Channel, string Payload)>(new UnboundedChannelOptions { SingleReader = true });
                _stop = new CancellationTokenSource();
                _loops = Task.WhenAll(ListenAsync(notifications.Writer, _stop.Token), HandleAsync(notifications.Reader, _stop.Token), CleanUpAsync(adapter.Host.TimeProvider, _stop.Token));
            }
        }

        try
        {
            await listening.Task.WaitAsync(Options.RequestsTimeout, adapter.Host.TimeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new SocketIOClusterException($"PostgreSQL did not take LISTEN \"{channel}\" within {Options.RequestsTimeout.TotalSeconds:0.#} s; the adapter listens as soon as it can (see the log).", e);
        }
    }

    /// <summary>Removes an adapter; the last one stops listening.</summary>
    public async ValueTask UnregisterAsync(SocketIOPostgresAdapter adapter, string channel)
    {
        Task? loops = null;
        CancellationTokenSource? stop = null;
        lock (_gate)
        {
            _adapters.TryRemove(new KeyValuePair<string, SocketIOPostgresAdapter>(channel, adapter));
            _listening.TryRemove(channel, out _);
            if (_adapters.IsEmpty && _stop is not null)
            {
                stop = _stop;
                stop.Cancel();
                loops = _loops;
                _stop = null;
                _loops = null;
            }
        }

        if (loops is not null)
        {
            await loops.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        stop?.Dispose();
    }

    private async Task ListenAsync(ChannelWriter<(string Channel, string Payload)> notifications, CancellationToken cancellationToken)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(200);
        bool failing = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                connection.Notification += (_, e) => notifications.TryWrite((e.Channel, e.Payload));
                var listened = new HashSet<string>(StringComparer.Ordinal);
                while (!cancellationToken.IsCancellationRequested)
                {
                    foreach (string channel in _adapters.Keys)
                    {
                        if (listened.Add(channel))
                        {
                            await using NpgsqlCommand listen = new("LISTEN \"" + channel.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"", connection);
                            await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        }

                        if (_listening.TryGetValue(channel, out TaskCompletionSource? done))
                        {
                            done.TrySetResult();
                        }
                    }

                    if (failing)
                    {
                        failing = false;
                        LogResumed(_logger!);
                    }

                    backoff = TimeSpan.FromMilliseconds(200);

                    // Short waits, so a namespace created meanwhile is listened to soon.
                    await connection.WaitAsync(250, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // the database is unreachable: logged once, retried with backoff; local sockets are still served
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (!failing)
                {
                    failing = true;
                    LogListenFailed(_logger!, e);
                }

                try
                {
                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task HandleAsync(ChannelReader<(string Channel, string Payload)> notifications, CancellationToken cancellationToken)
    {
        try
        {
            await foreach ((string channel, string payload) in notifications.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!_adapters.TryGetValue(channel, out SocketIOPostgresAdapter? adapter))
                {
                    continue;
                }

                if (payload.Length > Options.MaxMessageBytes)
                {
                    adapter.Oversized(payload.Length, channel);
                    continue;
                }

                SocketIOClusterMessage? message;
                try
                {
                    message = await PostgresWire.ReadAsync(_dataSource, Options, payload, adapter.Uid).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // whatever another process notifies, this server goes on
                catch (Exception e)
#pragma warning restore CA1031
                {
                    adapter.Dropped(e);
                    continue;
                }

                if (message is not null)
                {
                    try
                    {
                        await adapter.OnNotificationAsync(message).ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // the adapter counts and drops what it cannot read; one notification must not stop the others
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        adapter.Dropped(e);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task CleanUpAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        bool failing = false;
        try
        {
            while (true)
            {
                await Task.Delay(Options.CleanupInterval, time, cancellationToken).ConfigureAwait(false);
                try
                {
                    await using NpgsqlCommand delete = _dataSource.CreateCommand(
                        $"DELETE FROM {Options.TableName} WHERE created_at < now() - interval '{(long)Options.CleanupInterval.TotalMilliseconds} milliseconds'");
                    await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    failing = false;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    if (!failing)
                    {
                        failing = true;
                        LogCleanupFailed(_logger!, e, Options.TableName);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(430, LogLevel.Warning, "PostgreSQL adapter: listening failed; reconnecting with backoff (local sockets are still served; notifications meanwhile are lost)")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);

    [LoggerMessage(431, LogLevel.Information, "PostgreSQL adapter: listening again")]
    private static partial void LogResumed(ILogger logger);

    [LoggerMessage(432, LogLevel.Warning, "PostgreSQL adapter: old attachments could not be deleted from {Table}")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, string table);
}
