using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client.Transports;

/// <summary>
/// The client side of one Engine.IO v4 session, above its transport: the handshake values, answering the server's
/// pings (and closing when they stop), one ordered send queue written by whichever transport is current, the close
/// reasons, and the polling → WebSocket upgrade (engine.io-client's <c>Socket</c>). The transports
/// (<see cref="PollingClientTransport"/>, <see cref="WebSocketClientTransport"/>) move bytes and hand every decoded
/// frame back to <see cref="HandleFrame"/>.
/// </summary>
internal sealed class EngineIOClientSession
{
    private readonly IEngineIOClientHandler _handler;
    private readonly Channel<EncodedPacket> _queue = Channel.CreateUnbounded<EncodedPacket>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _closed = new();
    private readonly ITimer _heartbeat;
    private EngineIOClientTransport _transport;
    private int _closing;

    private EngineIOClientSession(
        EngineIOClientSettings settings,
        IEngineIOClientHandler handler,
        EngineIOHandshake handshake,
        Func<EngineIOClientSession, EngineIOClientTransport> createTransport)
    {
        Settings = settings;
        _handler = handler;
        Logger = settings.Logger;
        Handshake = handshake;
        _heartbeat = settings.TimeProvider.CreateTimer(static s => ((EngineIOClientSession)s!).OnHeartbeatTimeout(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _transport = createTransport(this);
    }

    /// <summary>The handshake values (session id, heartbeat, max payload).</summary>
    public EngineIOHandshake Handshake { get; }

    /// <summary>The session id.</summary>
    public string Id => Handshake.Sid;

    /// <summary>The current transport: <c>polling</c> or <c>websocket</c>.</summary>
    public string Transport => Volatile.Read(ref _transport).Name;

    /// <summary>Whether the session is open.</summary>
    public bool IsOpen => Volatile.Read(ref _closing) == 0;

    /// <summary>
    /// Whether a packet sent now would go out at once (engine.io-client's <c>transport.writable</c>): open, nothing
    /// queued and no write (WebSocket frame or polling POST) in progress. Volatile emits are dropped otherwise.
    /// </summary>
    public bool IsWritable => IsOpen && !_queue.Reader.TryPeek(out _) && _sendLock.CurrentCount == 1;

    /// <summary>Where and how the session connects.</summary>
    internal EngineIOClientSettings Settings { get; }

    internal ILogger Logger { get; }

    /// <summary>Cancelled when the session is over: pending polls and receives end with it.</summary>
    internal CancellationToken Closed => _closed.Token;

    private TimeSpan HeartbeatDeadline => TimeSpan.FromMilliseconds(Handshake.PingIntervalMs + Handshake.PingTimeoutMs);

    /// <summary>Opens a session: the handshake over polling (then an upgrade in the background) or over WebSocket.</summary>
    public static async Task<EngineIOClientSession> ConnectAsync(EngineIOClientSettings settings, IEngineIOClientHandler handler, CancellationToken cancellationToken)
    {
        if (settings.Polling)
        {
            (EngineIOHandshake handshake, ReadOnlyMemory<byte> rest) = await PollingClientTransport.HandshakeAsync(settings, cancellationToken).ConfigureAwait(false);
            var session = new EngineIOClientSession(settings, handler, handshake, static s => new PollingClientTransport(s));
            var polling = (PollingClientTransport)session._transport;
            session.Start();

            // Packets that came with the open packet (a server may send its first message in the same response).
            if (!session.HandlePayload(rest))
            {
                return session;
            }

            polling.StartPolling();
            if (settings.WebSocket && settings.Upgrade && handshake.Upgrades.Contains("websocket", StringComparer.Ordinal))
            {
                _ = session.UpgradeAsync(polling);
            }

            return session;
        }

        (System.Net.WebSockets.ClientWebSocket webSocket, EngineIOHandshake opened) = await WebSocketClientTransport.HandshakeAsync(settings, cancellationToken).ConfigureAwait(false);
        var direct = new EngineIOClientSession(settings, handler, opened, s => new WebSocketClientTransport(s, webSocket));
        var transport = (WebSocketClientTransport)direct._transport;
        direct.Start();
        _ = transport.ReceiveLoopAsync();
        return direct;
    }

    private void Start()
    {
        _heartbeat.Change(HeartbeatDeadline, Timeout.InfiniteTimeSpan);
        _ = SendLoopAsync();
    }

    /// <summary>Queues a packet; takes over the caller's reference (see <see cref="EncodedPacket"/>).</summary>
    /// <returns><see langword="false"/> when the session is closed and the packet was dropped.</returns>
    public bool Send(EncodedPacket packet)
    {
        if (!IsOpen)
        {
            packet.Release();
            return false;
        }

        if (!_queue.Writer.TryWrite(packet))
        {
            packet.Release();
            return false;
        }

        return true;
    }

    /// <summary>Closes the session from the client side after sending what is queued (reason <c>forced close</c>).</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }

        // The send loop writes what is queued, then tells the server: a close packet of its own over polling
        // (after the last POST, as engine.io-client waits for "drain"), the close frame over WebSocket.
        _queue.Writer.TryComplete();
        _heartbeat.Dispose();
        EngineIOClientLog.Closed(Logger, Id, "forced close");
        Notify("forced close", null);
    }

    /// <summary>Ends the session from the inside (server close, transport failure, missed heartbeat, bad packet).</summary>
    internal void Fail(string reason, Exception? error)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }

        _queue.Writer.TryComplete();
        _heartbeat.Dispose();
        CancelQuietly();
        Volatile.Read(ref _transport).Abort();
        while (_queue.Reader.TryRead(out EncodedPacket? packet))
        {
            packet.Release();
        }

        EngineIOClientLog.Closed(Logger, Id, reason);
        Notify(reason, error);
    }

    private void Notify(string reason, Exception? error)
    {
        try
        {
            _handler.OnClose(reason, error);
        }
#pragma warning disable CA1031 // the session is over whatever the handler does
        catch (Exception e)
#pragma warning restore CA1031
        {
            EngineIOClientLog.HandlerFailed(Logger, e, Id);
        }
    }

    private void CancelQuietly()
    {
        try
        {
            _closed.Cancel();
        }
        catch (AggregateException e)
        {
            // A cancellation callback threw; the session is closing anyway.
            EngineIOClientLog.HandlerFailed(Logger, e, Id);
        }
    }

    private void OnHeartbeatTimeout() => Fail("ping timeout", null);

    // ------------------------------------------------------------------ receiving

    /// <summary>Handles one decoded frame from the current transport; <see langword="false"/> when the session ended.</summary>
    internal bool HandleFrame(ReadOnlyMemory<byte> frame, bool isBinary)
    {
        if (isBinary)
        {
            _handler.OnMessage(frame, isBinary: true);
            return true;
        }

        if (!EngineIOParser.TryReadTextPacketType(frame.Span, out EngineIOPacketType type))
        {
            Fail("parse error", null);
            return false;
        }

        switch (type)
        {
            case EngineIOPacketType.Message:
                _handler.OnMessage(frame[1..], isBinary: false);
                return true;
            case EngineIOPacketType.Ping:
                // engine.io v4: the server pings, the client answers pong; a missing ping means the server is gone.
                _heartbeat.Change(HeartbeatDeadline, Timeout.InfiniteTimeSpan);
                Send(EncodedPacket.Pong);
                return true;
            case EngineIOPacketType.Close:
                Fail("transport close", null);
                return false;
            case EngineIOPacketType.Noop or EngineIOPacketType.Pong:
                return true;
            default:
                Fail("parse error", null);
                return false;
        }
    }

    /// <summary>Handles a polling payload (records separated by <c>0x1e</c>); <see langword="false"/> when the session ended.</summary>
    internal bool HandlePayload(ReadOnlyMemory<byte> payload)
    {
        while (EngineIOParser.TryReadRecord(ref payload, out ReadOnlyMemory<byte> record))
        {
            if (!EngineIOParser.TryDecodePollingRecord(record, out EngineIOPacket packet))
            {
                Fail("parse error", null);
                return false;
            }

            bool open = packet.IsBinary ? HandleFrame(packet.Data, isBinary: true) : HandleFrame(record, isBinary: false);
            if (!open)
            {
                return false;
            }
        }

        return IsOpen;
    }

    // ------------------------------------------------------------------ upgrade

    // engine.io-client: probe a WebSocket with the same sid, pause polling (the server answers the pending poll
    // with noop), wait for the write in flight, send "5" and continue on the WebSocket.
    private async Task UpgradeAsync(PollingClientTransport polling)
    {
        var probe = new WebSocketClientTransport(this, new System.Net.WebSockets.ClientWebSocket());
        bool switched = false;
        bool paused = false;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token);
            timeout.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(10_000, Handshake.PingIntervalMs)));
            if (!await probe.ProbeAsync(timeout.Token).ConfigureAwait(false) || !IsOpen)
            {
                EngineIOClientLog.UpgradeFailed(Logger, Id, null);
                return;
            }

            paused = true;
            await polling.PauseAsync().ConfigureAwait(false);
            await _sendLock.WaitAsync(_closed.Token).ConfigureAwait(false);
            try
            {
                if (!IsOpen)
                {
                    return;
                }

                await probe.SendUpgradeAsync(_closed.Token).ConfigureAwait(false);
                Volatile.Write(ref _transport, probe);
                switched = true;
            }
            finally
            {
                _sendLock.Release();
            }

            EngineIOClientLog.Upgraded(Logger, Id);
            await probe.ReceiveLoopAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or OperationCanceledException or IOException or EngineIOClientException)
        {
            EngineIOClientLog.UpgradeFailed(Logger, Id, e);
            if (switched)
            {
                Fail("transport error", e);
            }
        }
        finally
        {
            if (!switched)
            {
                probe.Discard();
                if (paused && IsOpen)
                {
                    // The probe worked but the switch did not: keep polling.
                    polling.StartPolling();
                }
            }
        }
    }

    // ------------------------------------------------------------------ sending

    private async Task SendLoopAsync()
    {
        ChannelReader<EncodedPacket> reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                await _sendLock.WaitAsync().ConfigureAwait(false);
                try
                {
                    await Volatile.Read(ref _transport).WriteAsync(reader).ConfigureAwait(false);
                }
                finally
                {
                    _sendLock.Release();
                }
            }

            // Completed by Close(): everything queued went out; the transport tells the server.
            await _sendLock.WaitAsync().ConfigureAwait(false);
            try
            {
                await Volatile.Read(ref _transport).CloseAsync().ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }

            CancelQuietly();
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or HttpRequestException or IOException or OperationCanceledException or EngineIOClientException)
        {
            // After Close() this only ends the receive side; otherwise the session failed.
            Fail("transport error", e);
            CancelQuietly();
        }
    }
}
