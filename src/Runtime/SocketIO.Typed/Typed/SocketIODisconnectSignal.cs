namespace SocketIO.Typed;

/// <summary>
/// The token a socket's handlers get (<see cref="ISocketIOEventContext.CancellationToken"/>): cancelled when the socket
/// disconnects. Its source is created on first use only, so sockets whose handlers never ask for it pay nothing.
/// </summary>
internal sealed class SocketIODisconnectSignal
{
    private readonly object _gate = new();
    private CancellationTokenSource? _source;
    private bool _closed;

    /// <summary>The token of the current connection; already cancelled once the socket disconnected.</summary>
    public CancellationToken Token
    {
        get
        {
            lock (_gate)
            {
                if (_closed)
                {
                    return new CancellationToken(canceled: true);
                }

                _source ??= new CancellationTokenSource();
                return _source.Token;
            }
        }
    }

    /// <summary>The socket disconnected: cancels the token handed out, if any.</summary>
    public void Close()
    {
        CancellationTokenSource? source;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            source = _source;
            _source = null;
        }

        if (source is not null)
        {
            try
            {
                source.Cancel();
            }
            catch (AggregateException)
            {
                // A callback registered by user code threw; the token is cancelled all the same and the socket is gone.
            }

            source.Dispose();
        }
    }

    /// <summary>The socket connected again (a client's reconnection): a fresh token for the new connection.</summary>
    public void Open()
    {
        lock (_gate)
        {
            _closed = false;
        }
    }
}
