using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client;

/// <summary>
/// The client side of one Engine.IO v4 session: handshake over polling or WebSocket, the polling → WebSocket
/// upgrade, answering the server's pings (and closing when they stop), one ordered send queue.
/// </summary>
internal sealed class EngineIOClient
{
    private const int ReceiveChunk = 4096;
    private static readonly EncodedPacket s_upgrade = EncodedPacket.CreateText(EngineIOPacketType.Upgrade, default);
    private static readonly EncodedPacket s_probe = EncodedPacket.CreateText(EngineIOPacketType.Ping, "probe"u8);

    private readonly EngineIOClientSettings _settings;
    private readonly IEngineIOClientHandler _handler;
    private readonly ILogger _logger;
    private readonly Channel<EncodedPacket> _queue = Channel.CreateUnbounded<EncodedPacket>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _closed = new();
    private readonly ITimer _heartbeat;
    private ClientWebSocket? _webSocket;
    private Task _pollLoop = Task.CompletedTask;
    private volatile bool _pausePolling;
    private int _closing;
    private long _requestCounter;

    private EngineIOClient(EngineIOClientSettings settings, IEngineIOClientHandler handler, EngineIOHandshake handshake)
    {
        _settings = settings;
        _handler = handler;
        _logger = settings.Logger;
        Handshake = handshake;
        _heartbeat = settings.TimeProvider.CreateTimer(static s => ((EngineIOClient)s!).OnHeartbeatTimeout(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The handshake values (session id, heartbeat, max payload).</summary>
    public EngineIOHandshake Handshake { get; }

    /// <summary>The session id.</summary>
    public string Id => Handshake.Sid;

    /// <summary>The current transport: <c>polling</c> or <c>websocket</c>.</summary>
    public string Transport => Volatile.Read(ref _webSocket) is null ? "polling" : "websocket";

    /// <summary>Whether the session is open.</summary>
    public bool IsOpen => Volatile.Read(ref _closing) == 0;

    /// <summary>
    /// Whether a packet sent now would go out at once (engine.io-client's <c>transport.writable</c>): open, nothing
    /// queued and no write (WebSocket frame or polling POST) in progress. Volatile emits are dropped otherwise.
    /// </summary>
    public bool IsWritable => IsOpen && !_queue.Reader.TryPeek(out _) && _sendLock.CurrentCount == 1;

    private TimeSpan HeartbeatDeadline => TimeSpan.FromMilliseconds(Handshake.PingIntervalMs + Handshake.PingTimeoutMs);

    /// <summary>Opens a session: the handshake over polling (then an upgrade in the background) or over WebSocket.</summary>
    public static async Task<EngineIOClient> ConnectAsync(EngineIOClientSettings settings, IEngineIOClientHandler handler, CancellationToken cancellationToken)
    {
        if (settings.Polling)
        {
            using HttpRequestMessage request = EngineIOClientRequests.CreateRequest(settings, HttpMethod.Get, EngineIOClientRequests.BuildUri(settings, "polling", null, 0));
            using HttpResponseMessage response = await settings.Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new EngineIOClientException($"The handshake failed with HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
            }

            ReadOnlyMemory<byte> payload = body;
            if (!EngineIOParser.TryReadRecord(ref payload, out ReadOnlyMemory<byte> first) || !TryReadOpen(first.Span, out EngineIOHandshake? handshake))
            {
                throw new EngineIOClientException("The handshake response is not an Engine.IO open packet.");
            }

            var client = new EngineIOClient(settings, handler, handshake);
            client.Start();
            if (!client.HandlePayload(payload))
            {
                return client;
            }

            client._pollLoop = client.PollLoopAsync();
            if (settings.WebSocket && settings.Upgrade && handshake.Upgrades.Contains("websocket", StringComparer.Ordinal))
            {
                _ = client.UpgradeAsync();
            }

            return client;
        }

        var webSocket = new ClientWebSocket();
        try
        {
            EngineIOClientRequests.ConfigureWebSocket(settings, webSocket);
            await webSocket.ConnectAsync(EngineIOClientRequests.BuildUri(settings, "websocket", null, 0, webSocket: true), cancellationToken).ConfigureAwait(false);
            (byte[] buffer, int count, WebSocketMessageType type) = await ReceiveMessageAsync(webSocket, int.MaxValue, cancellationToken).ConfigureAwait(false);
            try
            {
                if (type != WebSocketMessageType.Text || !TryReadOpen(buffer.AsSpan(0, count), out EngineIOHandshake? handshake))
                {
                    throw new EngineIOClientException("The first WebSocket message is not an Engine.IO open packet.");
                }

                var client = new EngineIOClient(settings, handler, handshake) { _webSocket = webSocket };
                client.Start();
                _ = client.WebSocketReceiveLoopAsync(webSocket);
                return client;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch
        {
            webSocket.Dispose();
            throw;
        }
    }

    private static bool TryReadOpen(ReadOnlySpan<byte> packet, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EngineIOHandshake? handshake)
    {
        handshake = null;
        return !packet.IsEmpty && packet[0] == (byte)'0' && EngineIOParser.TryReadOpenPacket(packet[1..], out handshake) && handshake is not null;
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
        EngineIOClientLog.Closed(_logger, Id, "forced close");
        Notify("forced close", null);
    }

    // Ends the session from the inside (server close, transport failure, missed heartbeat, bad packet).
    private void Fail(string reason, Exception? error)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }

        _queue.Writer.TryComplete();
        _heartbeat.Dispose();
        CancelQuietly();
        Volatile.Read(ref _webSocket)?.Abort();
        while (_queue.Reader.TryRead(out EncodedPacket? packet))
        {
            packet.Release();
        }

        EngineIOClientLog.Closed(_logger, Id, reason);
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
            EngineIOClientLog.HandlerFailed(_logger, e, Id);
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
            EngineIOClientLog.HandlerFailed(_logger, e, Id);
        }
    }

    private void OnHeartbeatTimeout() => Fail("ping timeout", null);

    // ------------------------------------------------------------------ receiving

    // Handles one decoded frame; false when the session ended.
    private bool HandleFrame(ReadOnlyMemory<byte> frame, bool isBinary)
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

    private bool HandlePayload(ReadOnlyMemory<byte> payload)
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

    private async Task PollLoopAsync()
    {
        try
        {
            while (IsOpen && !_pausePolling)
            {
                using HttpRequestMessage request = EngineIOClientRequests.CreateRequest(_settings, HttpMethod.Get, NextUri("polling"));
                using HttpResponseMessage response = await _settings.Http.SendAsync(request, _closed.Token).ConfigureAwait(false);
                byte[] body = await response.Content.ReadAsByteArrayAsync(_closed.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    Fail("transport error", new EngineIOClientException($"Polling failed with HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}"));
                    return;
                }

                if (!HandlePayload(body))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
            // The session closed while a poll was pending.
        }
        catch (HttpRequestException e)
        {
            Fail("transport error", e);
        }
        catch (IOException e)
        {
            Fail("transport error", e);
        }
    }

    private async Task WebSocketReceiveLoopAsync(ClientWebSocket webSocket)
    {
        try
        {
            while (IsOpen)
            {
                (byte[] buffer, int count, WebSocketMessageType type) = await ReceiveMessageAsync(webSocket, int.MaxValue, _closed.Token).ConfigureAwait(false);
                try
                {
                    if (type == WebSocketMessageType.Close)
                    {
                        Fail("transport close", null);
                        return;
                    }

                    if (!HandleFrame(buffer.AsMemory(0, count), type == WebSocketMessageType.Binary))
                    {
                        return;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
            // Closed by us.
        }
        catch (WebSocketException e)
        {
            Fail(IsOpen ? "transport close" : "forced close", e);
        }
        catch (IOException e)
        {
            Fail("transport error", e);
        }

        // Not disposed here: after Close() the send loop still writes the last packets and the close frame on
        // this WebSocket (an upgrade can finish just as Close() runs); the send loop disposes it, Fail aborts it.
    }

    // Reads one whole message into a pooled buffer (returned by the caller).
    private static async Task<(byte[] Buffer, int Count, WebSocketMessageType Type)> ReceiveMessageAsync(WebSocket webSocket, int max, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReceiveChunk);
        int count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    if (count >= max)
                    {
                        throw new EngineIOClientException("A WebSocket message exceeds the size limit.");
                    }

                    byte[] bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, count).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                ValueWebSocketReceiveResult result = await webSocket.ReceiveAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
                count += result.Count;
                if (result.MessageType == WebSocketMessageType.Close || result.EndOfMessage)
                {
                    return (buffer, count, result.MessageType);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    // ------------------------------------------------------------------ upgrade

    // engine.io-client: probe a WebSocket with the same sid, pause polling (the server answers the pending poll
    // with noop), wait for the write in flight, send "5" and continue on the WebSocket.
    private async Task UpgradeAsync()
    {
        var webSocket = new ClientWebSocket();
        bool switched = false;
        try
        {
            EngineIOClientRequests.ConfigureWebSocket(_settings, webSocket);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token);
            timeout.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(10_000, Handshake.PingIntervalMs)));
            await webSocket.ConnectAsync(EngineIOClientRequests.BuildUri(_settings, "websocket", Id, 0, webSocket: true), timeout.Token).ConfigureAwait(false);
            await webSocket.SendAsync(s_probe.Text, WebSocketMessageType.Text, true, timeout.Token).ConfigureAwait(false);
            (byte[] buffer, int count, WebSocketMessageType type) = await ReceiveMessageAsync(webSocket, 64, timeout.Token).ConfigureAwait(false);
            bool probed = type == WebSocketMessageType.Text && buffer.AsSpan(0, count).SequenceEqual("3probe"u8);
            ArrayPool<byte>.Shared.Return(buffer);
            if (!probed || !IsOpen)
            {
                EngineIOClientLog.UpgradeFailed(_logger, Id, null);
                return;
            }

            _pausePolling = true;
            await _pollLoop.ConfigureAwait(false);
            await _sendLock.WaitAsync(_closed.Token).ConfigureAwait(false);
            try
            {
                if (!IsOpen)
                {
                    return;
                }

                await webSocket.SendAsync(s_upgrade.Text, WebSocketMessageType.Text, true, _closed.Token).ConfigureAwait(false);
                Volatile.Write(ref _webSocket, webSocket);
                switched = true;
            }
            finally
            {
                _sendLock.Release();
            }

            EngineIOClientLog.Upgraded(_logger, Id);
            await WebSocketReceiveLoopAsync(webSocket).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or EngineIOClientException)
        {
            EngineIOClientLog.UpgradeFailed(_logger, Id, e);
            if (switched)
            {
                Fail("transport error", e);
            }
        }
        finally
        {
            if (!switched)
            {
                webSocket.Abort();
                webSocket.Dispose();
                if (_pausePolling && IsOpen)
                {
                    // The probe worked but the switch did not: keep polling.
                    _pausePolling = false;
                    _pollLoop = PollLoopAsync();
                }
            }
        }
    }

    // ------------------------------------------------------------------ sending

    private async Task SendLoopAsync()
    {
        ChannelReader<EncodedPacket> reader = _queue.Reader;
        var batch = new List<EncodedPacket>();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                await _sendLock.WaitAsync().ConfigureAwait(false);
                try
                {
                    ClientWebSocket? webSocket = Volatile.Read(ref _webSocket);
                    if (webSocket is not null)
                    {
                        while (reader.TryRead(out EncodedPacket? packet))
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
                    }
                    else
                    {
                        // One POST carries as many queued packets as fit in the server's maxPayload.
                        using var payload = new PooledBufferWriter();
                        long size = 0;
                        while (reader.TryPeek(out EncodedPacket? next) && (batch.Count == 0 || size + EstimateSize(next) <= Handshake.MaxPayload) && reader.TryRead(out next))
                        {
                            size += EstimateSize(next);
                            batch.Add(next);
                        }

                        bool first = true;
                        foreach (EncodedPacket packet in batch)
                        {
                            EngineIOWriter.WritePollingPacket(payload, packet, ref first);
                        }

                        await PostAsync(payload.WrittenMemory).ConfigureAwait(false);
                    }
                }
                finally
                {
                    foreach (EncodedPacket packet in batch)
                    {
                        packet.Release();
                    }

                    batch.Clear();
                    _sendLock.Release();
                }
            }

            // Completed by Close(): everything queued went out; a WebSocket ends with its close frame.
            if (Volatile.Read(ref _webSocket) is null)
            {
                await _sendLock.WaitAsync().ConfigureAwait(false);
                try
                {
                    await PostAsync(EncodedPacket.Close.Text).ConfigureAwait(false);
                }
                finally
                {
                    _sendLock.Release();
                }
            }
            else if (Volatile.Read(ref _webSocket) is { } ws)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                try
                {
                    await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
                {
                    // The server did not answer the close handshake in time; abort below.
                    EngineIOClientLog.TransportError(_logger, e, Id);
                }

                ws.Abort();
                ws.Dispose();
            }

            CancelQuietly();
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException or IOException or OperationCanceledException or EngineIOClientException)
        {
            // After Close() this only ends the receive side; otherwise the session failed.
            Fail("transport error", e);
            CancelQuietly();
        }
    }

    private static long EstimateSize(EncodedPacket packet)
    {
        long size = packet.Text.Length + 1;
        for (int i = 0; i < packet.AttachmentCount; i++)
        {
            size += 2 + ((packet.GetAttachment(i).Length + 2) / 3 * 4);
        }

        return size;
    }

    private static async Task WriteAsync(WebSocket webSocket, EncodedPacket packet)
    {
        if (!packet.Text.IsEmpty)
        {
            await webSocket.SendAsync(packet.Text, WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
        }

        for (int i = 0; i < packet.AttachmentCount; i++)
        {
            await webSocket.SendAsync(packet.GetAttachment(i), WebSocketMessageType.Binary, true, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task PostAsync(ReadOnlyMemory<byte> payload)
    {
        using HttpRequestMessage request = EngineIOClientRequests.CreateRequest(_settings, HttpMethod.Post, NextUri("polling"));
        var content = new ReadOnlyMemoryContent(payload);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain") { CharSet = "UTF-8" };
        request.Content = content;
        using HttpResponseMessage response = await _settings.Http.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            throw new EngineIOClientException($"Sending failed with HTTP {(int)response.StatusCode}: {body}");
        }
    }

    // ------------------------------------------------------------------ requests

    private Uri NextUri(string transport) => EngineIOClientRequests.BuildUri(_settings, transport, Id, Interlocked.Increment(ref _requestCounter));

}
