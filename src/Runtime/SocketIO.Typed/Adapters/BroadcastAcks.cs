using SocketIO.Typed;

namespace SocketIO.Typed.Adapters;

/// <summary>Receives the acknowledgements of a broadcast with ack (socket.io's client-count and ack callbacks).</summary>
public interface IBroadcastAckCollector
{
    /// <summary>
    /// One server reports how many of its sockets the packet was sent to: called once per server that received the
    /// broadcast (the local one included), so the broadcast is complete when every server reported and every
    /// expected answer arrived.
    /// </summary>
    /// <param name="count">That server's recipient count.</param>
    void AddExpected(int count);

    /// <summary>One socket's acknowledgement (its arguments own their memory).</summary>
    /// <param name="socketId">The socket that answered, when known (a remote answer may come without it).</param>
    /// <param name="arguments">The ack arguments.</param>
    void OnAck(string? socketId, SocketIOArguments arguments);
}

/// <summary>One socket's answer to a broadcast with acknowledgement (or one server's answer to a server-side emit).</summary>
/// <param name="SocketId">The socket that answered (null for an answer relayed by a cluster peer that does not say, and for server-side emits).</param>
/// <param name="Arguments">The ack arguments; they own their memory.</param>
public sealed record SocketIOBroadcastAck(string? SocketId, SocketIOArguments Arguments);

/// <summary>The answers to a broadcast with acknowledgement.</summary>
/// <param name="Responses">One entry per socket that answered, in arrival order.</param>
/// <param name="Expected">How many answers were expected (over every server that reported).</param>
/// <param name="AllResponded">Whether every server reported and every expected answer arrived before the timeout.</param>
public sealed record SocketIOBroadcastAckResult(IReadOnlyList<SocketIOBroadcastAck> Responses, int Expected, bool AllResponded);

/// <summary>
/// Collects the answers of one broadcast with acknowledgement: the recipient count of every server, then each answer,
/// until every expected answer arrived or the timeout passed (socket.io's <c>emitWithAck</c> on a broadcast). Used by
/// the broadcast operator and by generated broadcast views; a cluster adapter feeds remote counts and answers. A
/// server-side emit with acks uses it too: each other server reports one expected answer.
/// </summary>
public sealed class SocketIOBroadcastAckCollector : IBroadcastAckCollector
{
    private readonly object _gate = new();
    private readonly List<SocketIOBroadcastAck> _responses = [];
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _expected;
    private int _reports;
    private int _servers = -1;

    /// <summary>Sets how many servers will report (see <see cref="SocketIOAdapter.GetServerCountAsync"/>).</summary>
    /// <param name="servers">The server count.</param>
    public void SetServerCount(int servers)
    {
        lock (_gate)
        {
            _servers = servers;
            CheckDone();
        }
    }

    /// <inheritdoc/>
    public void AddExpected(int count)
    {
        lock (_gate)
        {
            _expected += count;
            _reports++;
            CheckDone();
        }
    }

    /// <inheritdoc/>
    public void OnAck(string? socketId, SocketIOArguments arguments)
    {
        lock (_gate)
        {
            _responses.Add(new SocketIOBroadcastAck(socketId, arguments));
            CheckDone();
        }
    }

    private bool IsComplete => _servers >= 0 && _reports >= _servers && _responses.Count >= _expected;

    private void CheckDone()
    {
        if (IsComplete)
        {
            _done.TrySetResult();
        }
    }

    /// <summary>Waits until every answer arrived or <paramref name="timeout"/> passed; partial results then.</summary>
    /// <param name="timeout">The timeout.</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Stops waiting (the answers so far are returned).</param>
    /// <returns>The answers.</returns>
    public async Task<SocketIOBroadcastAckResult> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken = default)
    {
        try
        {
            await _done.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Partial results: the caller sees AllResponded == false.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped waiting: partial results.
        }

        lock (_gate)
        {
            return new SocketIOBroadcastAckResult([.. _responses], _expected, IsComplete);
        }
    }
}
