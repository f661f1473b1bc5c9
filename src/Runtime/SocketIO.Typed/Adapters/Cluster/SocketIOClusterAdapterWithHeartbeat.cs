using System.Collections.Concurrent;

namespace SocketIO.Typed.Adapters.Cluster;

/// <summary>Settings of a cluster adapter whose servers know each other by heartbeats.</summary>
public class SocketIOClusterAdapterWithHeartbeatOptions : SocketIOClusterAdapterOptions
{
    /// <summary>How often this server says it is alive (default 5 s, as Node's).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a silent server is still counted (default 10 s, as Node's): after it, it leaves the count and requests stop waiting for it.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// A cluster adapter whose servers count each other by heartbeats (socket.io-adapter's
/// <c>ClusterAdapterWithHeartbeat</c>, which Node's PostgreSQL adapter uses): a server announces itself when it starts
/// (<see cref="SocketIOClusterMessageType.InitialHeartbeat"/>, answered by the others' heartbeats), says it is alive
/// every <see cref="SocketIOClusterAdapterWithHeartbeatOptions.HeartbeatInterval"/>, and says goodbye when it stops
/// (<see cref="SocketIOClusterMessageType.AdapterClose"/>). A server silent for longer than
/// <see cref="SocketIOClusterAdapterWithHeartbeatOptions.HeartbeatTimeout"/> leaves the count, and requests waiting
/// for its answer stop waiting.
/// </summary>
public abstract class SocketIOClusterAdapterWithHeartbeat : SocketIOClusterAdapter
{
    private const string EmitterUid = "emitter";
    private readonly ConcurrentDictionary<string, DateTimeOffset> _nodes = new(StringComparer.Ordinal);
    private readonly SocketIOClusterAdapterWithHeartbeatOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private Task? _timers;
    private int _disposed;

    /// <summary>Creates the adapter of a namespace.</summary>
    /// <param name="host">The namespace.</param>
    /// <param name="options">The settings.</param>
    protected SocketIOClusterAdapterWithHeartbeat(ISocketIOAdapterHost host, SocketIOClusterAdapterWithHeartbeatOptions? options)
        : base(host, options ??= new SocketIOClusterAdapterWithHeartbeatOptions(), storesSessions: false)
    {
        _options = options;
    }

    /// <summary>The uids of the other servers heard from within the heartbeat timeout.</summary>
    public IReadOnlyCollection<string> KnownServers => [.. _nodes.Keys];

    /// <summary>
    /// Announces this server and starts its heartbeats; a transport calls it once it receives the others' messages.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the announcement is published.</returns>
    public override async ValueTask InitAsync(CancellationToken cancellationToken = default)
    {
        await TryPublishAsync(Heartbeat(SocketIOClusterMessageType.InitialHeartbeat), "initial heartbeat").ConfigureAwait(false);
        _timers ??= Task.WhenAll(BeatAsync(_stop.Token), ForgetSilentAsync(_stop.Token));
    }

    /// <inheritdoc/>
    public override ValueTask<int> GetServerCountAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(1 + _nodes.Count);

    /// <inheritdoc/>
    protected override ValueTask<(int Count, IReadOnlyCollection<string>? Uids)> GetRespondersAsync(CancellationToken cancellationToken)
    {
        string[] uids = [.. _nodes.Keys];
        return ValueTask.FromResult<(int, IReadOnlyCollection<string>?)>((uids.Length, uids));
    }

    /// <inheritdoc/>
    protected override void OnMessageFrom(string uid)
    {
        if (uid != EmitterUid)
        {
            _nodes[uid] = Host.TimeProvider.GetUtcNow();
        }
    }

    /// <inheritdoc/>
    protected override async ValueTask OnHeartbeatMessageAsync(SocketIOClusterMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        switch (message.Type)
        {
            case SocketIOClusterMessageType.InitialHeartbeat:
                // A server started: it learns of this one at once.
                await TryPublishAsync(Heartbeat(SocketIOClusterMessageType.Heartbeat), "heartbeat").ConfigureAwait(false);
                break;
            case SocketIOClusterMessageType.AdapterClose:
                if (_nodes.TryRemove(message.Uid, out _))
                {
                    OnServerGone(message.Uid);
                }

                break;
        }
    }

    /// <summary>Says goodbye (<see cref="SocketIOClusterMessageType.AdapterClose"/>) and stops the heartbeats.</summary>
    /// <returns>A task that completes when stopped.</returns>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        StopReceiving();
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_timers is not null)
        {
            await _timers.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await TryPublishAsync(Heartbeat(SocketIOClusterMessageType.AdapterClose), "close").ConfigureAwait(false);
        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private SocketIOClusterMessage Heartbeat(SocketIOClusterMessageType type) => new(type, Uid, Host.Name, ReadOnlyMemory<byte>.Empty);

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.HeartbeatInterval, Host.TimeProvider, cancellationToken).ConfigureAwait(false);
                await TryPublishAsync(Heartbeat(SocketIOClusterMessageType.Heartbeat), "heartbeat").ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ForgetSilentAsync(CancellationToken cancellationToken)
    {
        // As Node's: a check every second.
        TimeSpan every = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, Math.Max(_options.HeartbeatTimeout.Ticks / 2, TimeSpan.TicksPerMillisecond)));
        try
        {
            while (true)
            {
                await Task.Delay(every, Host.TimeProvider, cancellationToken).ConfigureAwait(false);
                DateTimeOffset now = Host.TimeProvider.GetUtcNow();
                foreach (KeyValuePair<string, DateTimeOffset> node in _nodes)
                {
                    if (now - node.Value > _options.HeartbeatTimeout && _nodes.TryRemove(node))
                    {
                        OnServerGone(node.Key);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
