using System.Buffers;
using System.Net.WebSockets;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Server.Engine.Transports;

/// <summary>
/// The WebSocket transport of a session (engine.io's <c>transports/websocket</c>), opened directly or by the upgrade
/// from polling: one frame per packet (and one per attachment), written inline by whoever queues a packet when nobody
/// else is writing; a receive loop that hands messages to the session.
/// </summary>
internal sealed class WebSocketTransport(EngineIOSession session, WebSocket socket)
{
    private const int ReceiveChunk = 4096;
    private readonly EngineIOSession _session = session;
    private readonly WebSocket _socket = socket;
    private readonly TaskCompletionSource _sendDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Whoever queues a packet writes it inline when no one else is writing (as Node and the raw Kestrel floor do);
    // otherwise the current writer sends it after its own. _pumping says who writes.
    private int _pumping;
    private bool _closeStarted;
    private bool _started;

    /// <summary>Whether nothing is being written now (engine.io's <c>writable</c>, with the queue empty).</summary>
    public bool IsIdle => Volatile.Read(ref _pumping) == 0;

    /// <summary>Runs a session that was opened over WebSocket: the open packet (whose reference this takes over) goes first, then the queue.</summary>
    public async Task RunAsync(WebSocket webSocket, EncodedPacket openPacket)
    {
        _session.OnWebSocketActive(this);
        _session.Send(openPacket);
        Task sending = StartSending(webSocket);
        await ReceiveLoopAsync(webSocket).ConfigureAwait(false);
        await sending.ConfigureAwait(false);
    }

    /// <summary>Runs an upgrade attempt: probe, then the <c>upgrade</c> packet, then this WebSocket carries the session.</summary>
    public async Task RunUpgradeAsync(WebSocket webSocket)
    {
        using var timeout = new CancellationTokenSource(_session.Options.UpgradeTimeout, _session.Options.TimeProvider);
        Task? sending = null;
        try
        {
            sending = await ReceiveUpgradeAsync(webSocket, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The upgrade timed out: the session stays on polling.
        }
        catch (WebSocketException e)
        {
            EngineIOServerLog.TransportError(_session.Logger, e, _session.Id);
        }

        if (sending is null)
        {
            if (_session.Upgrade == EngineIOUpgradeState.Probing)
            {
                _session.Upgrade = EngineIOUpgradeState.None;
            }

            webSocket.Abort();
            return;
        }

        await ReceiveLoopAsync(webSocket).ConfigureAwait(false);
        await sending.ConfigureAwait(false);
    }

    private async Task<Task?> ReceiveUpgradeAsync(WebSocket webSocket, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64);
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult result = await webSocket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (result.MessageType != WebSocketMessageType.Text || !result.EndOfMessage || _session.IsClosed)
                {
                    return null;
                }

                ReadOnlySpan<byte> text = buffer.AsSpan(0, result.Count);
                if (text.SequenceEqual("2probe"u8) && _session.Upgrade == EngineIOUpgradeState.None)
                {
                    await webSocket.SendAsync(EncodedPacket.PongProbe.Text, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
                    CancellationTokenSource? pending;
                    lock (_session.Gate)
                    {
                        _session.Upgrade = EngineIOUpgradeState.Probing;
                        pending = _session.Polling.PendingPoll;
                    }

                    // engine.io: release the pending poll with noop so the client can finish the upgrade.
                    CancelQuietly(pending);
                }
                else if (text.SequenceEqual("5"u8) && _session.Upgrade == EngineIOUpgradeState.Probing)
                {
                    lock (_session.Gate)
                    {
                        if (_session.IsClosed)
                        {
                            return null;
                        }

                        _session.Upgrade = EngineIOUpgradeState.Upgraded;
                        _session.OnWebSocketActive(this);
                    }

                    EngineIOServerLog.Upgraded(_session.Logger, _session.Id);
                    _session.RaiseUpgraded();
                    return StartSending(webSocket);
                }
                else
                {
                    return null;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }


    private async Task ReceiveLoopAsync(WebSocket webSocket)
    {
        int max = _session.Options.MaxHttpBufferSize;
        string reason = "transport close";
        try
        {
            while (!_session.IsClosed)
            {
                // Zero-byte read while idle: an idle session holds no receive buffer.
                ValueWebSocketReceiveResult result = await webSocket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                if (result.EndOfMessage)
                {
                    // An empty message: the zero-byte read consumed it whole. An empty text frame is no Engine.IO
                    // packet (engine.io closes the session); an empty binary message is an empty attachment.
                    if (result.MessageType == WebSocketMessageType.Text)
                    {
                        EngineIOServerLog.MalformedPacket(_session.Logger, _session.Id);
                        reason = "parse error";
                        break;
                    }

                    _session.OnPacket(EngineIOPacketType.Message, ReadOnlyMemory<byte>.Empty, isBinary: true);
                    continue;
                }

                byte[] buffer = ArrayPool<byte>.Shared.Rent(ReceiveChunk);
                try
                {
                    int count = 0;
                    bool tooLarge = false;
                    do
                    {
                        if (count == buffer.Length)
                        {
                            if (count > max)
                            {
                                tooLarge = true;
                                break;
                            }

                            byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                            buffer.AsSpan(0, count).CopyTo(bigger);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = bigger;
                        }

                        result = await webSocket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None).ConfigureAwait(false);
                        count += result.Count;
                    }
                    while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    if (tooLarge || count > max)
                    {
                        EngineIOServerLog.PayloadTooLarge(_session.Logger, _session.Id, count, max);
                        await webSocket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", CancellationToken.None).ConfigureAwait(false);
                        reason = "transport error";
                        break;
                    }

                    ReadOnlyMemory<byte> message = buffer.AsMemory(0, count);
                    if (result.MessageType == WebSocketMessageType.Binary)
                    {
                        _session.OnPacket(EngineIOPacketType.Message, message, isBinary: true);
                    }
                    else if (!EngineIOParser.TryReadTextPacketType(message.Span, out EngineIOPacketType type))
                    {
                        EngineIOServerLog.MalformedPacket(_session.Logger, _session.Id);
                        reason = "parse error";
                        break;
                    }
                    else if (!_session.OnPacket(type, message[1..], isBinary: false))
                    {
                        reason = "parse error";
                        break;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (WebSocketException e)
        {
            EngineIOServerLog.TransportError(_session.Logger, e, _session.Id);
            reason = "transport error";
        }
        catch (IOException e)
        {
            EngineIOServerLog.TransportError(_session.Logger, e, _session.Id);
            reason = "transport error";
        }

        _session.CloseCore(reason, graceful: false, null);
        if (reason is "parse error" || (reason is "transport error" && webSocket.State == WebSocketState.CloseSent))
        {
            // The session ended on the peer's fault with data of the peer maybe still unread: read (and drop) until the
            // peer answers the close frame, so the connection ends with a clean close instead of a TCP reset.
            await DrainUntilClosedAsync(webSocket).ConfigureAwait(false);
        }
    }

    private async Task DrainUntilClosedAsync(WebSocket webSocket)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(ReceiveChunk);
        using var limit = new CancellationTokenSource(_session.Options.PingTimeout, _session.Options.TimeProvider);
        try
        {
            while (webSocket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                ValueWebSocketReceiveResult result = await webSocket.ReceiveAsync(scratch.AsMemory(), limit.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            // The peer went away or did not close in time (the socket is aborted then): nothing more to read.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>From now on the queue goes out over <paramref name="webSocket"/>; the task ends after the close frame.</summary>
    private Task StartSending(WebSocket webSocket)
    {
        Volatile.Write(ref _started, true);
        Pump();
        return _sendDone.Task;
    }

    // Writes what is queued if no one else is writing. Called after every enqueue and on close.
    public void Pump()
    {
        if (!Volatile.Read(ref _started))
        {
            return;
        }

        WebSocket webSocket = _socket;

        while (Interlocked.CompareExchange(ref _pumping, 1, 0) == 0)
        {
            if (!DrainSync(webSocket))
            {
                // The rest continues asynchronously and gives the pump back itself (or keeps it after a failure).
                return;
            }

            Volatile.Write(ref _pumping, 0);
            if (!HasWork())
            {
                return;
            }
        }
    }

    private bool HasWork() => _session.HasQueued || (_session.QueueCompleted && !_closeStarted);

    // With the pump owned: sends while writes complete synchronously. Returns false when a write went
    // asynchronous (or failed, or the close started): the pump then stays owned by that continuation.
    private bool DrainSync(WebSocket webSocket)
    {
        while (_session.TryDequeue(out EncodedPacket? packet))
        {
            ValueTask write;
            try
            {
                write = WriteAsync(webSocket, packet);
            }
#pragma warning disable CA1031 // any failed write ends the transport, whatever the exception
            catch (Exception e)
#pragma warning restore CA1031
            {
                packet.Release();
                OnSendFailed(webSocket, e);
                return false;
            }

            if (!write.IsCompletedSuccessfully)
            {
                _ = ContinueSendingAsync(webSocket, write, packet);
                return false;
            }

            // Consume the result: the ValueTask may be backed by a pooled source.
            write.GetAwaiter().GetResult();
            packet.Release();
        }

        if (_session.QueueCompleted && !_closeStarted)
        {
            _closeStarted = true;
            _ = SendCloseAsync(webSocket);
            return false;
        }

        return true;
    }

    private async Task ContinueSendingAsync(WebSocket webSocket, ValueTask pending, EncodedPacket pendingPacket)
    {
        try
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
            finally
            {
                pendingPacket.Release();
            }

            while (true)
            {
                while (_session.TryDequeue(out EncodedPacket? packet))
                {
                    try
                    {
                        await WriteAsync(webSocket, packet).ConfigureAwait(false);
                    }
                    finally
                    {
                        packet.Release();
                    }
                }

                if (_session.QueueCompleted && !_closeStarted)
                {
                    _closeStarted = true;
                    await SendCloseAsync(webSocket).ConfigureAwait(false);
                    return;
                }

                Volatile.Write(ref _pumping, 0);
                if (!HasWork() || Interlocked.CompareExchange(ref _pumping, 1, 0) != 0)
                {
                    return;
                }
            }
        }
#pragma warning disable CA1031 // see DrainSync
        catch (Exception e)
#pragma warning restore CA1031
        {
            OnSendFailed(webSocket, e);
        }
    }

    private static ValueTask WriteAsync(WebSocket webSocket, EncodedPacket packet)
    {
        WebSocketMessageFlags flags = packet.Compress
            ? WebSocketMessageFlags.EndOfMessage
            : WebSocketMessageFlags.EndOfMessage | WebSocketMessageFlags.DisableCompression;
        if (packet.AttachmentCount == 0)
        {
            return webSocket.SendAsync(packet.Text, WebSocketMessageType.Text, flags, CancellationToken.None);
        }

        return WriteWithAttachmentsAsync(webSocket, packet, flags);
    }

    private static async ValueTask WriteWithAttachmentsAsync(WebSocket webSocket, EncodedPacket packet, WebSocketMessageFlags flags)
    {
        if (!packet.Text.IsEmpty)
        {
            await webSocket.SendAsync(packet.Text, WebSocketMessageType.Text, flags, CancellationToken.None).ConfigureAwait(false);
        }

        for (int i = 0; i < packet.AttachmentCount; i++)
        {
            await webSocket.SendAsync(packet.GetAttachment(i), WebSocketMessageType.Binary, flags, CancellationToken.None).ConfigureAwait(false);
        }
    }

    // The queue was completed and everything queued before has been written: only the close frame is left
    // (the receive loop reads the peer's answer; two readers are not allowed).
    private async Task SendCloseAsync(WebSocket webSocket)
    {
        try
        {
            if (webSocket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);

                // A peer that never answers the close frame must not keep the request (and a host shutdown) waiting.
                _ = AbortUnlessClosedAsync(webSocket, _session.Options.PingTimeout);
            }
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            EngineIOServerLog.TransportError(_session.Logger, e, _session.Id);
            webSocket.Abort();
        }
        finally
        {
            _session.DrainAndRelease();
            _sendDone.TrySetResult();
        }
    }

    private async Task AbortUnlessClosedAsync(WebSocket webSocket, TimeSpan wait)
    {
        await Task.Delay(wait, _session.Options.TimeProvider).ConfigureAwait(false);
        if (webSocket.State != WebSocketState.Closed)
        {
            webSocket.Abort();
        }
    }

    private static bool IsTransportFailure(Exception e) =>
        e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException;

    // A write failed: the pump stays owned (nothing more is written), the socket is aborted, and the session is
    // closed from the thread pool, because this may run inline in a broadcaster that holds an adapter lock.
    private void OnSendFailed(WebSocket webSocket, Exception e)
    {
        EngineIOServerLog.TransportError(_session.Logger, e, _session.Id);
        webSocket.Abort();
        ThreadPool.UnsafeQueueUserWorkItem(
            static self =>
            {
                self._session.CloseCore("transport error", graceful: false, null);
                self._session.DrainAndRelease();
                self._sendDone.TrySetResult();
            },
            this,
            preferLocal: false);
    }

    internal static void CancelQuietly(CancellationTokenSource? cts)
    {
        try
        {
            cts?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The request finished on its own in the meantime: nothing to wake.
        }
    }
}
