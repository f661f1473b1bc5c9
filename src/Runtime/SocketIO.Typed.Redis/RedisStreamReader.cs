using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace SocketIO.Typed.Redis;

/// <summary>
/// Reads the stream for every namespace of one server (Node's redis-streams-adapter has one reading loop per stream):
/// blocking reads on a connection of its own (a blocking command would hold up every other command of a shared
/// connection), each entry handed to its namespace's adapter in stream order. Started by the first adapter, stopped
/// with the last.
/// </summary>
internal sealed partial class RedisStreamReader
{
    private readonly IConnectionMultiplexer _redis;
    private readonly ConcurrentDictionary<string, SocketIORedisStreamsAdapter> _adapters = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private CancellationTokenSource? _stop;
    private Task? _loop;
    private Task<string>? _start;
    private string _position = "0-0";
    private ILogger? _logger;

    public RedisStreamReader(IConnectionMultiplexer redis, SocketIORedisStreamsAdapterOptions options)
    {
        _redis = redis;
        Options = options;
    }

    public SocketIORedisStreamsAdapterOptions Options { get; }

    /// <summary>The id of the last entry read (or the stream's last entry when reading started): entries up to it were handed over.</summary>
    public string Position => Volatile.Read(ref _position);

    /// <summary>
    /// Adds a namespace's adapter; the first one starts reading (from the stream's current end). Waits for the start
    /// at most the requests timeout: when Redis cannot be reached, reading starts as soon as it can.
    /// </summary>
    public async ValueTask RegisterAsync(SocketIORedisStreamsAdapter adapter)
    {
        Task<string> start;
        lock (_gate)
        {
            // Added under the lock, before the reading is (re)started: an adapter leaving at the same time cannot
            // stop a reader this one counts on.
            _adapters[adapter.Host.Name] = adapter;
            _logger ??= adapter.Host.Logger;
            if (_start is null)
            {
                _stop = new CancellationTokenSource();
                _start = FindEndAsync(_stop.Token);
                _loop = RunAsync(_start, _stop.Token);
            }

            start = _start;
        }

        try
        {
            await start.WaitAsync(Options.RequestsTimeout, adapter.Host.TimeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new SocketIOClusterException($"The stream {Options.StreamName} could not be read yet (Redis unreachable); reading starts as soon as it can.", e);
        }

        adapter.AdvanceReadUpTo(Position);
    }

    /// <summary>Removes an adapter; the last one stops the reading.</summary>
    public async ValueTask UnregisterAsync(SocketIORedisStreamsAdapter adapter)
    {
        Task? loop = null;
        CancellationTokenSource? stop = null;
        lock (_gate)
        {
            _adapters.TryRemove(new KeyValuePair<string, SocketIORedisStreamsAdapter>(adapter.Host.Name, adapter));
            if (_adapters.IsEmpty && _stop is not null)
            {
                stop = _stop;
                stop.Cancel();
                loop = _loop;
                _stop = null;
                _start = null;
                _loop = null;
            }
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        stop?.Dispose();
    }

    // The stream's last entry: reading starts after it. While Redis cannot be reached, asked again with backoff (a
    // start at "$" would skip what is added between two reads, and recovery would not know what was read).
    private async Task<string> FindEndAsync(CancellationToken cancellationToken)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(100);
        bool failing = false;
        while (true)
        {
            try
            {
                StreamEntry[] last = await _redis.GetDatabase().StreamRangeAsync(Options.StreamName, "-", "+", 1, Order.Descending).WaitAsync(cancellationToken).ConfigureAwait(false);
                string end = last.Length > 0 ? last[0].Id.ToString() : "0-0";
                Volatile.Write(ref _position, end);
                foreach (SocketIORedisStreamsAdapter adapter in _adapters.Values)
                {
                    adapter.AdvanceReadUpTo(end);
                }

                return end;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                if (!failing)
                {
                    failing = true;
                    LogReadFailed(_logger!, e, Options.StreamName);
                }

                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    private async Task RunAsync(Task<string> start, CancellationToken cancellationToken)
    {
        ConnectionMultiplexer? reader = null;
        try
        {
            string from = await start.ConfigureAwait(false);
            ConfigurationOptions configuration = ConfigurationOptions.Parse(_redis.Configuration);
            configuration.AbortOnConnectFail = false;
            int blockMs = (int)Math.Clamp(Options.BlockTime.TotalMilliseconds, 10, 60_000);
            configuration.AsyncTimeout = Math.Max(configuration.AsyncTimeout, blockMs * 2 + 5_000);
            configuration.SyncTimeout = Math.Max(configuration.SyncTimeout, blockMs * 2 + 5_000);
            TimeSpan backoff = TimeSpan.FromMilliseconds(100);
            bool failing = false;
            while (!cancellationToken.IsCancellationRequested)
            {
                RedisResult result;
                try
                {
                    reader ??= await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
                    result = await reader.GetDatabase().ExecuteAsync("XREAD", "COUNT", Options.ReadCount, "BLOCK", blockMs, "STREAMS", Options.StreamName, from).WaitAsync(cancellationToken).ConfigureAwait(false);
                    if (failing)
                    {
                        failing = false;
                        LogReadResumed(_logger!, Options.StreamName);
                    }

                    backoff = TimeSpan.FromMilliseconds(100);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
#pragma warning disable CA1031 // whatever fails (Redis gone, a connection that cannot be made), the loop goes on after a pause
                catch (Exception e)
#pragma warning restore CA1031
                {
                    if (!failing)
                    {
                        failing = true;
                        LogReadFailed(_logger!, e, Options.StreamName);
                    }

                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
                    continue;
                }

                List<(string Id, RedisResult[] Fields)> entries;
                try
                {
                    entries = [.. Entries(result)];
                }
                catch (InvalidCastException e)
                {
                    // Not the shape XREAD answers with: skipped, and the next read asks again from the same place.
                    LogReadFailed(_logger!, e, Options.StreamName);
                    continue;
                }

                foreach ((string id, RedisResult[] fields) in entries)
                {
                    from = id;
                    string? nsp = Field(fields, "nsp");
                    if (nsp is not null && _adapters.TryGetValue(nsp, out SocketIORedisStreamsAdapter? adapter))
                    {
                        // The adapter counts, logs and drops what it cannot read; this guards against the unforeseen.
                        try
                        {
                            await adapter.OnStreamEntryAsync(id, fields).ConfigureAwait(false);
                        }
#pragma warning disable CA1031 // one entry must not stop the reading of the others
                        catch (Exception e)
#pragma warning restore CA1031
                        {
                            LogReadFailed(_logger!, e, Options.StreamName);
                        }
                    }

                    Volatile.Write(ref _position, id);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (reader is not null)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // XREAD's answer: [[stream, [[id, [field, value, ...]], ...]]] (RESP2), or the same as a map (RESP3).
    private static IEnumerable<(string Id, RedisResult[] Fields)> Entries(RedisResult result)
    {
        if (result.IsNull || result.Length == 0)
        {
            yield break;
        }

        RedisResult[] top = (RedisResult[])result!;
        IEnumerable<RedisResult> perStream = top[0].Resp2Type == ResultType.Array
            ? top.Select(static pair => ((RedisResult[])pair!)[1])
            : top.Where(static (_, i) => i % 2 == 1);
        foreach (RedisResult stream in perStream)
        {
            foreach (RedisResult entry in (RedisResult[])stream!)
            {
                RedisResult[] parts = (RedisResult[])entry!;
                if (parts.Length >= 2 && !parts[1].IsNull)
                {
                    yield return (parts[0].ToString(), (RedisResult[])parts[1]!);
                }
            }
        }
    }

    /// <summary>A field of a stream entry (<c>[name, value, ...]</c>), or null.</summary>
    internal static string? Field(RedisResult[] fields, string name)
    {
        for (int i = 0; i + 1 < fields.Length; i += 2)
        {
            if (fields[i].ToString() == name)
            {
                return fields[i + 1].ToString();
            }
        }

        return null;
    }

    [LoggerMessage(420, LogLevel.Warning, "Redis Streams adapter: reading the stream {Stream} failed; retrying with backoff (local sockets are still served)")]
    private static partial void LogReadFailed(ILogger logger, Exception exception, string stream);

    [LoggerMessage(421, LogLevel.Information, "Redis Streams adapter: reading the stream {Stream} resumed")]
    private static partial void LogReadResumed(ILogger logger, string stream);
}
