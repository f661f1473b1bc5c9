namespace SocketIO.Typed;

/// <summary>An entry of an ack registry: answered, or failed (timeout, disconnection, cancellation).</summary>
internal interface ISocketIOPendingAck
{
    /// <summary>The answer arrived (the arguments own their memory).</summary>
    /// <param name="socketId">The socket that answered (server side), or null.</param>
    /// <param name="arguments">The ack arguments.</param>
    void Complete(string? socketId, SocketIOArguments arguments);

    /// <summary>No answer will come.</summary>
    void Fail(Exception exception);
}

/// <summary>
/// The acknowledgements a socket waits for, by ack id: one registry per server socket and per client socket, so
/// both sides hand out, time out, complete and fail acks the same way.
/// </summary>
internal sealed class SocketIOAckRegistry
{
    private readonly object _gate = new();
    private Dictionary<long, ISocketIOPendingAck>? _pending;

    /// <summary>The number of acks waited for.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _pending?.Count ?? 0;
            }
        }
    }

    /// <summary>Registers an entry.</summary>
    public void Add(long id, ISocketIOPendingAck entry)
    {
        lock (_gate)
        {
            (_pending ??= [])[id] = entry;
        }
    }

    /// <summary>
    /// Registers a waiter for <paramref name="id"/> and starts its timer: the task completes with the answer, fails
    /// with <see cref="SocketIOAckTimeoutException"/> after <paramref name="timeout"/>, is cancelled by the token, or
    /// fails through <see cref="FailAll"/>.
    /// </summary>
    /// <param name="id">The ack id.</param>
    /// <param name="timeout">How long to wait; infinite waits for the answer or the disconnection.</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="eventName">The event, for the timeout message (may be null).</param>
    /// <param name="target">Who should answer, for the timeout message.</param>
    /// <returns>The answer.</returns>
    public Task<SocketIOArguments> Wait(long id, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken, string? eventName, string target)
    {
        var waiter = new SocketIOAckWaiter(this, id, timeout, time, cancellationToken, eventName, target);
        Add(id, waiter);
        waiter.Start();
        return waiter.Task;
    }

    /// <summary>Removes and returns the entry of <paramref name="id"/>.</summary>
    public bool TryTake(long id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ISocketIOPendingAck? entry)
    {
        lock (_gate)
        {
            entry = null;
            return _pending is not null && _pending.Remove(id, out entry);
        }
    }

    /// <summary>Forgets the entry of <paramref name="id"/>, if it is still <paramref name="entry"/>.</summary>
    public void Remove(long id, ISocketIOPendingAck entry)
    {
        lock (_gate)
        {
            if (_pending is not null && _pending.TryGetValue(id, out ISocketIOPendingAck? current) && ReferenceEquals(current, entry))
            {
                _pending.Remove(id);
            }
        }
    }

    /// <summary>Fails every entry (the socket disconnected) and empties the registry.</summary>
    /// <param name="reason">The disconnect reason.</param>
    public void FailAll(string reason)
    {
        ISocketIOPendingAck[] pending;
        lock (_gate)
        {
            if (_pending is null || _pending.Count == 0)
            {
                return;
            }

            pending = [.. _pending.Values];
            _pending.Clear();
        }

        foreach (ISocketIOPendingAck ack in pending)
        {
            ack.Fail(new SocketIODisconnectedException($"The socket disconnected ({reason}) before the acknowledgement arrived."));
        }
    }
}

/// <summary>
/// Waits for one acknowledgement: completes with the answer, fails with <see cref="SocketIOAckTimeoutException"/>
/// after the timeout, or is cancelled by the token; either way it leaves its registry.
/// </summary>
internal sealed class SocketIOAckWaiter : ISocketIOPendingAck
{
    private readonly TaskCompletionSource<SocketIOArguments> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SocketIOAckRegistry _registry;
    private readonly long _id;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly CancellationToken _cancellationToken;
    private readonly string? _eventName;
    private readonly string _target;
    private ITimer? _timer;
    private CancellationTokenRegistration _registration;

    public SocketIOAckWaiter(SocketIOAckRegistry registry, long id, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken, string? eventName, string target)
    {
        _registry = registry;
        _id = id;
        _timeout = timeout;
        _time = time;
        _cancellationToken = cancellationToken;
        _eventName = eventName;
        _target = target;
    }

    public Task<SocketIOArguments> Task => _tcs.Task;

    /// <summary>Starts the timer and watches the token; call after the entry is in the registry.</summary>
    public void Start()
    {
        if (_timeout != Timeout.InfiniteTimeSpan)
        {
            _timer = _time.CreateTimer(static s => ((SocketIOAckWaiter)s!).OnTimeout(), this, _timeout, Timeout.InfiniteTimeSpan);
        }

        if (_cancellationToken.CanBeCanceled)
        {
            _registration = _cancellationToken.Register(static s =>
            {
                var self = (SocketIOAckWaiter)s!;
                self._registry.Remove(self._id, self);
                self.Cleanup();
                self._tcs.TrySetCanceled(self._cancellationToken);
            }, this);
        }
    }

    private void OnTimeout()
    {
        _registry.Remove(_id, this);
        Cleanup();
        string what = _eventName is null ? "the event" : $"'{_eventName}'";
        _tcs.TrySetException(new SocketIOAckTimeoutException(
            $"No acknowledgement of {what} from {_target} within {_timeout.TotalMilliseconds} ms."));
    }

    public void Complete(string? socketId, SocketIOArguments arguments)
    {
        Cleanup();
        _tcs.TrySetResult(arguments);
    }

    public void Fail(Exception exception)
    {
        Cleanup();
        _tcs.TrySetException(exception);
    }

    private void Cleanup()
    {
        _timer?.Dispose();
        _registration.Dispose();
    }
}
