using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Client;
using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Client;

// Retries (socket.io-client's retries option): at-least-once emits, one in flight, in order.
public sealed partial class SocketIOClientSocket
{
    // ------------------------------------------------------------------ retries (at-least-once, one in flight)

    private void Enqueue(RetryEntry entry)
    {
        lock (_gate)
        {
            _retryQueue.Enqueue(entry);
        }

        DrainRetries();
    }

    // Sends the head of the queue if it is not in flight; the next one goes when the head is acknowledged or given
    // up. Every try sends the same encoded packet with the same ack id.
    private void DrainRetries()
    {
        RetryEntry? head;
        lock (_gate)
        {
            if (!_connected || !_retryQueue.TryPeek(out head) || head.InFlight)
            {
                return;
            }

            head.InFlight = true;
            var ack = new RetryAck(this, head);
            _acks.Add(head.AckId, ack);
            ack.Start(head.Timeout ?? _client.Options.AckTimeout);
            head.Packet.AddRef();
        }

        SendCore(head.Packet, isVolatile: false);
    }

    private void OnRetryAnswered(RetryEntry entry, SocketIOArguments arguments)
    {
        lock (_gate)
        {
            if (_retryQueue.TryPeek(out RetryEntry? head) && head == entry)
            {
                _retryQueue.Dequeue();
            }
        }

        entry.Packet.Release();
        entry.Completion?.TrySetResult(arguments);
        DrainRetries();
    }

    private void OnRetryTimeout(RetryEntry entry, RetryAck ack)
    {
        _acks.Remove(entry.AckId, ack);
        bool giveUp;
        lock (_gate)
        {
            entry.InFlight = false;
            entry.Tries++;
            giveUp = entry.Tries > _client.Options.Retries;
            if (giveUp && _retryQueue.TryPeek(out RetryEntry? head) && head == entry)
            {
                _retryQueue.Dequeue();
            }
        }

        if (giveUp)
        {
            string name = entry.EventName ?? "the event";
            SocketIOClientLog.RetriesExhausted(_logger, name, Namespace, entry.Tries);
            entry.Packet.Release();
            entry.Completion?.TrySetException(new SocketIOAckTimeoutException(
                $"'{name}' was not acknowledged by the server ({Namespace}) after {entry.Tries} tries."));
        }

        DrainRetries();
    }

    private void OnRetryDisconnected(RetryEntry entry)
    {
        // Not a try: the packet goes again, first, when the socket reconnects.
        lock (_gate)
        {
            entry.InFlight = false;
        }
    }

    // One emit of the retry queue: the encoded packet (one reference held until answered or given up) and its ack id.
    private sealed class RetryEntry(EncodedPacket packet, long ackId, string? eventName, TimeSpan? timeout, TaskCompletionSource<SocketIOArguments>? completion)
    {
        public EncodedPacket Packet { get; } = packet;

        public long AckId { get; } = ackId;

        public string? EventName { get; } = eventName;

        public TimeSpan? Timeout { get; } = timeout;

        public TaskCompletionSource<SocketIOArguments>? Completion { get; } = completion;

        public int Tries { get; set; }

        public bool InFlight { get; set; }
    }

    // ------------------------------------------------------------------ pending acknowledgements

    // The ack of a retried emit: a timeout counts as a try, a disconnection does not.
    private sealed class RetryAck(SocketIOClientSocket socket, RetryEntry entry) : ISocketIOPendingAck
    {
        private ITimer? _timer;
        private int _done;

        public void Start(TimeSpan timeout) =>
            _timer = socket._client.Options.TimeProvider.CreateTimer(
                static s => ((RetryAck)s!).OnTimeout(), this, timeout, System.Threading.Timeout.InfiniteTimeSpan);

        private void OnTimeout()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                socket.OnRetryTimeout(entry, this);
            }
        }

        public void Complete(string? socketId, SocketIOArguments arguments)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                _timer?.Dispose();
                socket.OnRetryAnswered(entry, arguments);
            }
        }

        public void Fail(Exception exception)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                _timer?.Dispose();
                socket.OnRetryDisconnected(entry);
            }
        }
    }
}
