namespace SocketIO.Typed.SocketIO;

/// <summary>An entry of an ack registry: answered, or failed (timeout, disconnection, cancellation).</summary>
internal interface ISocketIOPendingAck
{
    /// <summary>The answer arrived (the arguments own their memory).</summary>
    void Complete(SocketIOArguments arguments);

    /// <summary>No answer will come.</summary>
    void Fail(Exception exception);
}

/// <summary>
/// Waits for one acknowledgement, shared by server and client sockets: completes with the answer, fails with
/// <see cref="SocketIOAckTimeoutException"/> after the timeout, or is cancelled by the token; either way it
/// removes itself from its registry.
/// </summary>
internal sealed class SocketIOAckWaiter : ISocketIOPendingAck
{
    private readonly TaskCompletionSource<SocketIOArguments> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<long> _remove;
    private readonly long _id;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly CancellationToken _cancellationToken;
    private readonly string _timeoutMessage;
    private ITimer? _timer;
    private CancellationTokenRegistration _registration;

    /// <summary>Creates the waiter; <see cref="Start"/> arms it.</summary>
    /// <param name="remove">Removes the entry from its registry (on timeout or cancellation).</param>
    /// <param name="id">The ack id.</param>
    /// <param name="timeout">How long to wait; infinite waits for the answer or the disconnection.</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="timeoutMessage">The message of the timeout exception.</param>
    public SocketIOAckWaiter(Action<long> remove, long id, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken, string timeoutMessage)
    {
        _remove = remove;
        _id = id;
        _timeout = timeout;
        _time = time;
        _cancellationToken = cancellationToken;
        _timeoutMessage = timeoutMessage;
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
                self._remove(self._id);
                self.Cleanup();
                self._tcs.TrySetCanceled(self._cancellationToken);
            }, this);
        }
    }

    private void OnTimeout()
    {
        _remove(_id);
        Cleanup();
        _tcs.TrySetException(new SocketIOAckTimeoutException(_timeoutMessage));
    }

    public void Complete(SocketIOArguments arguments)
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
