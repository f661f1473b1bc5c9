using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client;

/// <summary>
/// socket.io-client's <c>retries</c>: at-least-once emits, one in flight, in order. Every try sends the same encoded
/// packet with the same ack id; a timeout counts as a try, a disconnection does not (the packet goes again, first,
/// when the socket reconnects). The next emit goes when the head is acknowledged or given up.
/// </summary>
internal sealed class SocketIOClientRetryQueue(SocketIOClientSocket socket)
{
    private readonly SocketIOClientSocket _socket = socket;
    private readonly object _gate = new();
    private readonly Queue<Entry> _queue = new();

    private SocketIOClientOptions Options => _socket.Client.Options;

    /// <summary>Queues a packet written with <paramref name="ackId"/> whose answer nobody awaits; takes over the reference.</summary>
    public void Enqueue(EncodedPacket packet, long ackId, string? eventName) => Add(new Entry(packet, ackId, eventName, null, null));

    /// <summary>Queues a packet written with <paramref name="ackId"/>; takes over the reference.</summary>
    /// <returns>The acknowledgement's arguments, or a timeout after the last try.</returns>
    public Task<SocketIOArguments> EnqueueAwaited(EncodedPacket packet, long ackId, string? eventName, TimeSpan? timeout)
    {
        var completion = new TaskCompletionSource<SocketIOArguments>(TaskCreationOptions.RunContinuationsAsynchronously);
        Add(new Entry(packet, ackId, eventName, timeout, completion));
        return completion.Task;
    }

    private void Add(Entry entry)
    {
        lock (_gate)
        {
            _queue.Enqueue(entry);
        }

        Drain();
    }

    /// <summary>Sends the head of the queue if the socket is connected and the head is not in flight.</summary>
    public void Drain()
    {
        Entry? head;
        lock (_gate)
        {
            if (!_socket.IsConnected || !_queue.TryPeek(out head) || head.InFlight)
            {
                return;
            }

            head.InFlight = true;
            var ack = new RetryAck(this, head);
            _socket.Acks.Add(head.AckId, ack);
            ack.Start(head.Timeout ?? Options.AckTimeout);
            head.Packet.AddRef();
        }

        _socket.Outbox.Send(head.Packet, isVolatile: false);
    }

    private void OnAnswered(Entry entry, SocketIOArguments arguments)
    {
        lock (_gate)
        {
            if (_queue.TryPeek(out Entry? head) && head == entry)
            {
                _queue.Dequeue();
            }
        }

        entry.Packet.Release();
        entry.Completion?.TrySetResult(arguments);
        Drain();
    }

    private void OnTimeout(Entry entry, RetryAck ack)
    {
        _socket.Acks.Remove(entry.AckId, ack);
        bool giveUp;
        lock (_gate)
        {
            entry.InFlight = false;
            entry.Tries++;
            giveUp = entry.Tries > Options.Retries;
            if (giveUp && _queue.TryPeek(out Entry? head) && head == entry)
            {
                _queue.Dequeue();
            }
        }

        if (giveUp)
        {
            string name = entry.EventName ?? "the event";
            SocketIOClientLog.RetriesExhausted(_socket.Logger, name, _socket.Namespace, entry.Tries);
            entry.Packet.Release();
            entry.Completion?.TrySetException(new SocketIOAckTimeoutException(
                $"'{name}' was not acknowledged by the server ({_socket.Namespace}) after {entry.Tries} tries."));
        }

        Drain();
    }

    private void OnDisconnected(Entry entry)
    {
        // Not a try: the packet goes again, first, when the socket reconnects.
        lock (_gate)
        {
            entry.InFlight = false;
        }
    }

    // One emit of the queue: the encoded packet (one reference held until answered or given up) and its ack id.
    private sealed class Entry(EncodedPacket packet, long ackId, string? eventName, TimeSpan? timeout, TaskCompletionSource<SocketIOArguments>? completion)
    {
        public EncodedPacket Packet { get; } = packet;

        public long AckId { get; } = ackId;

        public string? EventName { get; } = eventName;

        public TimeSpan? Timeout { get; } = timeout;

        public TaskCompletionSource<SocketIOArguments>? Completion { get; } = completion;

        public int Tries { get; set; }

        public bool InFlight { get; set; }
    }

    // The pending ack of one try.
    private sealed class RetryAck(SocketIOClientRetryQueue queue, Entry entry) : ISocketIOPendingAck
    {
        private ITimer? _timer;
        private int _done;

        public void Start(TimeSpan timeout) =>
            _timer = queue.Options.TimeProvider.CreateTimer(
                static s => ((RetryAck)s!).OnTimeout(), this, timeout, System.Threading.Timeout.InfiniteTimeSpan);

        private void OnTimeout()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                queue.OnTimeout(entry, this);
            }
        }

        public void Complete(string? socketId, SocketIOArguments arguments)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                _timer?.Dispose();
                queue.OnAnswered(entry, arguments);
            }
        }

        public void Fail(Exception exception)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                _timer?.Dispose();
                queue.OnDisconnected(entry);
            }
        }
    }
}
