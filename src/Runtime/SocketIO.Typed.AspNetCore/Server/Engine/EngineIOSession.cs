using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Protocol;
using SocketIO.Typed.Server.Engine.Transports;

namespace SocketIO.Typed.Server.Engine;

/// <summary>
/// One Engine.IO v4 session (engine.io's <c>Socket</c>): an ordered send queue, the heartbeat, the upgrade state, and
/// whichever transport carries it (<see cref="PollingTransport"/>, <see cref="WebSocketTransport"/>, or polling
/// upgraded to WebSocket). The transports move frames; the session decides what they mean.
/// </summary>
public sealed class EngineIOSession
{
    private readonly EngineIOServer _server;
    private readonly EngineIOServerOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<EncodedPacket> _queue = Channel.CreateUnbounded<EncodedPacket>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false, AllowSynchronousContinuations = false });
    private readonly object _gate = new();
    private readonly ITimer _timer;

    private bool _awaitingPong;
    private bool _closed;
    private bool _finalized;
    private EncodedPacket? _releasePendingGetWith;
    private WebSocketTransport? _webSocket;
    private int _queued;
    private int _overflowed;
    private bool _started;
    private long _startedAt;

    // Cancelled when the session closes: a polling POST still reading its body is cut with it (as engine.io does).
    private readonly CancellationTokenSource _sessionClosed = new();

    internal EngineIOSession(EngineIOServer server, string id, bool webSocket, EngineIORequestInfo request)
    {
        _server = server;
        _options = server.Options;
        _logger = server.Logger;
        Id = id;
        IsWebSocket = webSocket;
        Request = request;
        Polling = new PollingTransport(this);
        _timer = _options.TimeProvider.CreateTimer(static state => ((EngineIOSession)state!).OnTimer(), this,
            Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The session id.</summary>
    public string Id { get; }

    /// <summary>The name of the current transport: <c>polling</c> or <c>websocket</c>.</summary>
    public string Transport => IsWebSocket ? "websocket" : "polling";

    /// <summary>Whether the session currently runs over WebSocket.</summary>
    public bool IsWebSocket { get; private set; }

    /// <summary>The handshake request.</summary>
    public EngineIORequestInfo Request { get; }

    /// <summary>Whether the session is open.</summary>
    public bool IsOpen => !Volatile.Read(ref _closed);

    /// <summary>
    /// Whether a packet sent now would be written at once rather than wait (engine.io's <c>transport.writable</c>):
    /// over WebSocket nothing is being written or queued; over polling a poll request is waiting and nothing is
    /// queued. Volatile packets are dropped when this is false.
    /// </summary>
    public bool IsWritable
    {
        get
        {
            if (Volatile.Read(ref _closed) || _queue.Reader.TryPeek(out _))
            {
                return false;
            }

            return Volatile.Read(ref _webSocket) is { } webSocket
                ? webSocket.IsIdle
                : Polling.HasWaitingPoll && Upgrade != EngineIOUpgradeState.Probing;
        }
    }

    /// <summary>The handler that receives messages; set it when the server reports the new session.</summary>
    public IEngineIOSessionHandler? Handler { get; set; }

    /// <summary>Raised once when the session moved from HTTP long-polling to WebSocket (engine.io's <c>upgrade</c>).</summary>
    public event Action<EngineIOSession>? Upgraded;

    /// <summary>Raised once when the session closed (engine.io's <c>close</c>), with the reason ("transport close", "ping timeout", ...).</summary>
    public event Action<EngineIOSession, string>? Closed;

    internal void RaiseUpgraded()
    {
        try
        {
            Upgraded?.Invoke(this);
        }
#pragma warning disable CA1031 // an observer's failure must not break the upgrade
        catch (Exception e)
#pragma warning restore CA1031
        {
            EngineIOServerLog.HandlerFailed(_logger, e, Id);
        }
    }

    /// <summary>Queues a packet; takes over the caller's reference (see <see cref="EncodedPacket"/>).</summary>
    /// <param name="packet">The packet.</param>
    /// <returns><see langword="false"/> when the session is closed or full and the packet was dropped.</returns>
    public bool Send(EncodedPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (Volatile.Read(ref _closed))
        {
            packet.Release();
            return false;
        }

        // Measured before the queue takes the packet: from then on a transport may send and release it.
        IEngineIOTrafficObserver? traffic = _server.Traffic;
        long size = traffic is not null || _server.Metrics.BytesSent.Enabled ? SizeOf(packet) : 0;
        bool message = traffic is not null && packet.Text.Length > 0 && packet.Text.Span[0] == (byte)'4';
        int attachments = message ? packet.AttachmentCount : 0;
        int max = _options.MaxQueuedPackets;
        if (max > 0 && Interlocked.Increment(ref _queued) > max)
        {
            Interlocked.Decrement(ref _queued);
            packet.Release();
            _server.Metrics.Dropped("queue_full");
            if (Interlocked.Exchange(ref _overflowed, 1) == 0)
            {
                // Closed from the thread pool: this may run inside a broadcast that holds the adapter's lock.
                EngineIOServerLog.QueueFull(_logger, Id, max);
                ThreadPool.UnsafeQueueUserWorkItem(static self => self.CloseCore("transport error", graceful: false, EncodedPacket.Close), this, preferLocal: false);
            }

            return false;
        }

        if (!_queue.Writer.TryWrite(packet))
        {
            if (max > 0)
            {
                Interlocked.Decrement(ref _queued);
            }

            packet.Release();
            return false;
        }

        if (_server.Metrics.BytesSent.Enabled)
        {
            _server.Metrics.BytesSent.Add(size);
        }

        if (message)
        {
            // As engine.io counts them: each binary attachment is a packet of its own; the type byte is not data.
            traffic!.PacketSent(1 + attachments, size - 1);
        }

        Volatile.Read(ref _webSocket)?.Pump();
        return true;
    }

    private static long SizeOf(EncodedPacket packet)
    {
        long size = packet.Text.Length;
        for (int i = 0; i < packet.AttachmentCount; i++)
        {
            size += packet.GetAttachment(i).Length;
        }

        return size;
    }

    // ---------------------------------------------------------------- what the transports use

    internal EngineIOServer Server => _server;

    internal EngineIOServerOptions Options => _options;

    internal ILogger Logger => _logger;

    internal object Gate => _gate;

    internal bool IsClosed => Volatile.Read(ref _closed);

    internal EncodedPacket? ReleasePendingGetWith => _releasePendingGetWith;

    /// <summary>Cancelled when the session closes: a polling POST still reading its body is cut with it.</summary>
    internal CancellationToken ClosedToken => _sessionClosed.Token;

    internal PollingTransport Polling { get; }

    /// <summary>Where the upgrade from polling to WebSocket stands (changed by the WebSocket transport under <see cref="Gate"/>).</summary>
    internal EngineIOUpgradeState Upgrade { get; set; }

    internal bool HasQueued => _queue.Reader.TryPeek(out _);

    /// <summary>Whether the queue is completed (the session closed): what is left is the close frame or the close packet.</summary>
    internal bool QueueCompleted => _queue.Reader.Completion.IsCompleted;

    internal ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _queue.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>From now on <paramref name="transport"/> carries the session (a WebSocket session, or the upgrade's "5").</summary>
    internal void OnWebSocketActive(WebSocketTransport transport)
    {
        IsWebSocket = true;
        Volatile.Write(ref _webSocket, transport);
    }

    // Every read of the queue goes through here, so the count behind MaxQueuedPackets stays right.
    internal bool TryDequeue([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EncodedPacket? packet)
    {
        if (!_queue.Reader.TryRead(out packet))
        {
            return false;
        }

        if (_options.MaxQueuedPackets > 0 && !ReferenceEquals(packet, EncodedPacket.Close))
        {
            Interlocked.Decrement(ref _queued);
        }

        return true;
    }

    /// <summary>Sends a text message.</summary>
    /// <param name="text">The message.</param>
    /// <returns><see langword="false"/> when the session is closed.</returns>
    public bool Send(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Send(EncodedPacket.CreateText(EngineIOPacketType.Message, Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Sends a binary message.</summary>
    /// <param name="data">The bytes; they must not change until sent.</param>
    /// <returns><see langword="false"/> when the session is closed.</returns>
    public bool SendBinary(ReadOnlyMemory<byte> data)
    {
        return Send(EncodedPacket.CreateBinary(data));
    }

    /// <summary>Closes the session after the queued packets are sent (reason <c>forced close</c>).</summary>
    public void Close() => CloseCore("forced close", graceful: true, EncodedPacket.Close);

    internal void Start()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            // Counted open from here (the open packet went out) until CloseCore.
            _started = true;
            _startedAt = Stopwatch.GetTimestamp();
        }

        _server.Metrics.ActiveConnections.Add(1);

        // engine.io starts the ping timer when the open packet is sent.
        _timer.Change(_options.PingInterval, Timeout.InfiniteTimeSpan);
    }

    internal void CloseCore(string reason, bool graceful, EncodedPacket? releasePendingGetWith)
    {
        CancellationTokenSource? pendingGet;
        bool started;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _releasePendingGetWith = releasePendingGetWith;
            pendingGet = Polling.PendingPoll;
            started = _started;
        }

        if (started)
        {
            // The duration first: whoever sees the connection count drop also sees how long the connection lasted.
            SocketIOMetrics metrics = _server.Metrics;
            if (metrics.ConnectionDuration.Enabled)
            {
                metrics.ConnectionDuration.Record(
                    Stopwatch.GetElapsedTime(_startedAt).TotalSeconds,
                    new KeyValuePair<string, object?>(SocketIOMetrics.TransportTag, Transport),
                    new KeyValuePair<string, object?>(SocketIOMetrics.CloseReasonTag, reason));
            }

            metrics.ActiveConnections.Add(-1);
        }

        if (graceful && !IsWebSocket)
        {
            // The next (or pending) poll receives what is still queued, then the close packet.
            _queue.Writer.TryWrite(EncodedPacket.Close);
        }

        _queue.Writer.TryComplete();
        if (!graceful)
        {
            DrainAndRelease();
        }

        Volatile.Read(ref _webSocket)?.Pump();

        EngineIOServerLog.SessionClosed(_logger, Id, reason);
        try
        {
            Handler?.OnClose(this, reason);
        }
#pragma warning disable CA1031 // a handler failure must not stop the session from closing
        catch (Exception e)
#pragma warning restore CA1031
        {
            EngineIOServerLog.HandlerFailed(_logger, e, Id);
        }

        if (started)
        {
            _server.Traffic?.Disconnected(reason);
        }

        try
        {
            Closed?.Invoke(this, reason);
        }
#pragma warning disable CA1031 // an observer's failure must not stop the session from closing
        catch (Exception e)
#pragma warning restore CA1031
        {
            EngineIOServerLog.HandlerFailed(_logger, e, Id);
        }

        WebSocketTransport.CancelQuietly(pendingGet);
        WebSocketTransport.CancelQuietly(_sessionClosed);
        if (IsWebSocket || !graceful)
        {
            FinalizeSession();
        }
        else
        {
            // Keep the session findable so the client's next poll gets the queued packets and the close packet.
            _timer.Change(_options.PingTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    internal void FinalizeSession()
    {
        lock (_gate)
        {
            if (_finalized)
            {
                return;
            }

            _finalized = true;
        }

        _timer.Dispose();
        _server.Remove(this);
        DrainAndRelease();
    }

    internal void DrainAndRelease()
    {
        while (TryDequeue(out EncodedPacket? packet))
        {
            packet.Release();
        }
    }

    private void OnTimer()
    {
        if (Volatile.Read(ref _closed))
        {
            FinalizeSession();
            return;
        }

        if (_awaitingPong)
        {
            CloseCore("ping timeout", graceful: false, EncodedPacket.Close);
            return;
        }

        // engine.io v4: the server sends ping, the client answers pong within pingTimeout.
        _awaitingPong = true;
        _timer.Change(_options.PingTimeout, Timeout.InfiniteTimeSpan);
        Send(EncodedPacket.Ping);
    }

    // ---------------------------------------------------------------- receiving

    /// <summary>Handles one decoded packet from the client. Returns false on a protocol error (the session is closed).</summary>
    internal bool OnPacket(EngineIOPacketType type, ReadOnlyMemory<byte> data, bool isBinary)
    {
        switch (type)
        {
            case EngineIOPacketType.Pong:
                if (_awaitingPong)
                {
                    _awaitingPong = false;
                    _timer.Change(_options.PingInterval, Timeout.InfiniteTimeSpan);
                }

                return true;
            case EngineIOPacketType.Message:
                if (_server.Metrics.BytesReceived.Enabled)
                {
                    _server.Metrics.BytesReceived.Add(data.Length);
                }

                _server.Traffic?.PacketReceived(data.Length);

                lock (_gate)
                {
                    if (_closed)
                    {
                        return true;
                    }

                    try
                    {
                        Handler?.OnMessage(this, data, isBinary);
                    }
#pragma warning disable CA1031 // a handler failure is logged; it must not break the transport loop
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        EngineIOServerLog.HandlerFailed(_logger, e, Id);
                    }
                }

                return true;
            case EngineIOPacketType.Close:
                // The client closes: a pending poll is released with noop (engine.io behaviour).
                CloseCore("transport close", graceful: false, EncodedPacket.Noop);
                return true;
            case EngineIOPacketType.Noop:
                return true;
            default:
                // A client ping over EIO4 ("invalid heartbeat direction"), open or a stray upgrade packet.
                CloseCore("parse error", graceful: false, EncodedPacket.Close);
                return false;
        }
    }


    /// <summary>Whether a polling request may still be served (it may not after an upgrade).</summary>
    internal bool AcceptsPolling => Upgrade != EngineIOUpgradeState.Upgraded && !IsWebSocket;

    /// <summary>Whether an upgrade may start now.</summary>
    internal bool CanUpgrade => Upgrade == EngineIOUpgradeState.None && !IsWebSocket && !_closed;

}

/// <summary>Where the upgrade of a polling session to WebSocket stands.</summary>
internal enum EngineIOUpgradeState
{
    /// <summary>No upgrade started.</summary>
    None,

    /// <summary>The probe was answered; polling is paused until the client's <c>upgrade</c> packet.</summary>
    Probing,

    /// <summary>The WebSocket carries the session.</summary>
    Upgraded,
}
