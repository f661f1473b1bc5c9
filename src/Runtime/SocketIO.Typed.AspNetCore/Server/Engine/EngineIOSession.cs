using System.Buffers;
using System.IO.Compression;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Server.Engine;

/// <summary>
/// One Engine.IO v4 session: an ordered send queue, the heartbeat, and whichever transport carries it
/// (long-polling, WebSocket, or polling upgraded to WebSocket).
/// </summary>
public sealed class EngineIOSession
{
    private const int ReceiveChunk = 4096;
    private static readonly ReadOnlyMemory<byte> s_ok = "ok"u8.ToArray();

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
    private int _getActive;
    private int _postActive;
    private CancellationTokenSource? _getCts;
    private UpgradeState _upgrade;

    // WebSocket sending: whoever queues a packet writes it inline when no one else is writing (as Node and the
    // raw Kestrel floor do); otherwise the current writer sends it after its own. _pumping says who writes.
    private WebSocket? _webSocket;
    private int _pumping;
    private int _queued;
    private int _overflowed;
    private bool _closeStarted;
    private readonly TaskCompletionSource _sendDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        _timer = _options.TimeProvider.CreateTimer(static state => ((EngineIOSession)state!).OnTimer(), this,
            Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private enum UpgradeState
    {
        None,
        Probing,
        Upgraded,
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

            return Volatile.Read(ref _webSocket) is not null
                ? Volatile.Read(ref _pumping) == 0
                : Volatile.Read(ref _getCts) is not null && _upgrade != UpgradeState.Probing;
        }
    }

    /// <summary>The handler that receives messages; set it when the server reports the new session.</summary>
    public IEngineIOSessionHandler? Handler { get; set; }

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

        int max = _options.MaxQueuedPackets;
        if (max > 0 && Interlocked.Increment(ref _queued) > max)
        {
            Interlocked.Decrement(ref _queued);
            packet.Release();
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

        Pump();
        return true;
    }

    // Every read of the queue goes through here, so the count behind MaxQueuedPackets stays right.
    private bool TryDequeue([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EncodedPacket? packet)
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
        // engine.io starts the ping timer when the open packet is sent.
        _timer.Change(_options.PingInterval, Timeout.InfiniteTimeSpan);
    }

    internal void CloseCore(string reason, bool graceful, EncodedPacket? releasePendingGetWith)
    {
        CancellationTokenSource? pendingGet;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _releasePendingGetWith = releasePendingGetWith;
            pendingGet = _getCts;
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

        Pump();

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

        CancelQuietly(pendingGet);
        CancelQuietly(_sessionClosed);
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

    private void FinalizeSession()
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

    private void DrainAndRelease()
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
    private bool OnPacket(EngineIOPacketType type, ReadOnlyMemory<byte> data, bool isBinary)
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

    // ---------------------------------------------------------------- long-polling

    internal async Task HandlePollAsync(HttpContext context)
    {
        if (Interlocked.Exchange(ref _getActive, 1) == 1)
        {
            // A second concurrent GET: the first gets "1", this one 400, and the session ends.
            await _server.WriteErrorAsync(context, EngineIOErrorCode.BadRequest, "Overlapping poll requests").ConfigureAwait(false);
            CloseCore("transport error", graceful: false, EncodedPacket.Close);
            return;
        }

        CancellationTokenSource? cts = null;
        try
        {
            if (_upgrade == UpgradeState.Probing)
            {
                await WritePollResponseAsync(context, EncodedPacket.Noop).ConfigureAwait(false);
                return;
            }

            if (!Volatile.Read(ref _closed) && !_queue.Reader.TryPeek(out _))
            {
                cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                lock (_gate)
                {
                    _getCts = cts;
                }

                try
                {
                    if (!_closed && _upgrade != UpgradeState.Probing)
                    {
                        await _queue.Reader.WaitToReadAsync(cts.Token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException)
                {
                    // Woken by close, an upgrade probe, or the client going away: handled below.
                }

                lock (_gate)
                {
                    _getCts = null;
                }

                if (context.RequestAborted.IsCancellationRequested)
                {
                    return;
                }

                if (_upgrade == UpgradeState.Probing)
                {
                    await WritePollResponseAsync(context, EncodedPacket.Noop).ConfigureAwait(false);
                    return;
                }

                if (_closed && !_queue.Reader.TryPeek(out _))
                {
                    await WritePollResponseAsync(context, _releasePendingGetWith ?? EncodedPacket.Close).ConfigureAwait(false);
                    return;
                }
            }

            await WriteQueuedAsync(context).ConfigureAwait(false);
        }
        finally
        {
            cts?.Dispose();
            Volatile.Write(ref _getActive, 0);
            if (_closed)
            {
                FinalizeSession();
            }
        }
    }

    private async Task WriteQueuedAsync(HttpContext context)
    {
        using var payload = new PooledBufferWriter();
        bool first = true;
        while (TryDequeue(out EncodedPacket? packet))
        {
            try
            {
                EngineIOWriter.WritePollingPacket(payload, packet, ref first);
            }
            finally
            {
                packet.Release();
            }
        }

        await WritePayloadAsync(context, payload.WrittenMemory).ConfigureAwait(false);
    }

    private Task WritePollResponseAsync(HttpContext context, EncodedPacket packet) => WritePayloadAsync(context, packet.Text);

    private async Task WritePayloadAsync(HttpContext context, ReadOnlyMemory<byte> payload)
    {
        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain; charset=UTF-8";
        string? encoding = _options.HttpCompression && payload.Length >= _options.HttpCompressionThreshold
            ? SelectEncoding(context.Request.Headers.AcceptEncoding)
            : null;
        try
        {
            if (encoding is null)
            {
                response.ContentLength = payload.Length;
                await response.Body.WriteAsync(payload, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            response.Headers.ContentEncoding = encoding;
            Stream body = response.Body;
            Stream compressor = encoding == "gzip"
                ? new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true)
                : new DeflateStream(body, CompressionLevel.Fastest, leaveOpen: true);
            await using (compressor.ConfigureAwait(false))
            {
                await compressor.WriteAsync(payload, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away mid-response; the heartbeat will notice if it does not come back.
        }
    }

    private static string? SelectEncoding(string? acceptEncoding)
    {
        if (string.IsNullOrEmpty(acceptEncoding))
        {
            return null;
        }

        if (acceptEncoding.Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            return "gzip";
        }

        return acceptEncoding.Contains("deflate", StringComparison.OrdinalIgnoreCase) ? "deflate" : null;
    }

    internal async Task HandlePostAsync(HttpContext context)
    {
        if (Interlocked.Exchange(ref _postActive, 1) == 1)
        {
            await _server.WriteErrorAsync(context, EngineIOErrorCode.BadRequest, "Overlapping data requests").ConfigureAwait(false);
            CloseCore("transport error", graceful: false, EncodedPacket.Close);
            return;
        }

        byte[]? buffer = null;
        CancellationTokenSource? reading = null;
        try
        {
            if (context.Request.ContentType?.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase) == true)
            {
                // engine.io v4 polling payloads are text; binary bodies are an EIO3 feature.
                await _server.WriteErrorAsync(context, EngineIOErrorCode.BadRequest, "Binary payloads are not supported over EIO4 polling").ConfigureAwait(false);
                CloseCore("transport error", graceful: false, EncodedPacket.Close);
                return;
            }

            int max = _options.MaxHttpBufferSize;
            long? declared = context.Request.ContentLength;
            if (declared > max)
            {
                EngineIOServerLog.PayloadTooLarge(_logger, Id, declared.Value, max);
                await WriteStatusAsync(context, StatusCodes.Status413PayloadTooLarge).ConfigureAwait(false);
                CloseCore("transport error", graceful: false, EncodedPacket.Close);
                return;
            }

            buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(declared ?? ReceiveChunk, max) + 1);
            reading = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _sessionClosed.Token);
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > max)
                    {
                        break;
                    }

                    byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, max + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                int read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), reading.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            if (length > max)
            {
                EngineIOServerLog.PayloadTooLarge(_logger, Id, length, max);
                await WriteStatusAsync(context, StatusCodes.Status413PayloadTooLarge).ConfigureAwait(false);
                CloseCore("transport error", graceful: false, EncodedPacket.Close);
                return;
            }

            ReadOnlyMemory<byte> payload = buffer.AsMemory(0, length);
            if (!ValidatePayload(payload))
            {
                EngineIOServerLog.MalformedPacket(_logger, Id);
                await _server.WriteErrorAsync(context, EngineIOErrorCode.BadRequest, "Malformed payload").ConfigureAwait(false);
                CloseCore("parse error", graceful: false, EncodedPacket.Close);
                return;
            }

            while (EngineIOParser.TryReadRecord(ref payload, out ReadOnlyMemory<byte> record))
            {
                EngineIOParser.TryDecodePollingRecord(record, out EngineIOPacket packet);
                if (!OnPacket(packet.Type, packet.Data, packet.IsBinary))
                {
                    break;
                }
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "text/html";
            context.Response.ContentLength = 2;
            await context.Response.Body.WriteAsync(s_ok, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_sessionClosed.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            // The session closed while the body was still arriving: the request ends with it (engine.io destroys it).
            context.Abort();
        }
        catch (OperationCanceledException)
        {
            // The client aborted its POST; what was not fully received is not processed.
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e)
        {
            // Kestrel cut the body (too slow, too large): the client gets that status, not a 200, and the session,
            // which lost data, closes.
            EngineIOServerLog.TransportError(_logger, e, Id);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = e.StatusCode;
            }

            CloseCore("transport error", graceful: false, EncodedPacket.Close);
        }
        catch (IOException e)
        {
            EngineIOServerLog.TransportError(_logger, e, Id);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
            }

            CloseCore("transport error", graceful: false, EncodedPacket.Close);
        }
        finally
        {
            reading?.Dispose();
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            Volatile.Write(ref _postActive, 0);
        }
    }

    // Every record of a POST is checked before any is delivered, so a malformed payload changes nothing.
    private static bool ValidatePayload(ReadOnlyMemory<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return false;
        }

        while (EngineIOParser.TryReadRecord(ref payload, out ReadOnlyMemory<byte> record))
        {
            // Checked without decoding: the records are decoded once, when delivered.
            if (!EngineIOParser.IsValidPollingRecord(record.Span))
            {
                return false;
            }
        }

        return true;
    }

    private static Task WriteStatusAsync(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    // ---------------------------------------------------------------- WebSocket

    /// <summary>Runs a session that was opened over WebSocket: the open packet (whose reference this takes over) goes first, then the queue.</summary>
    internal async Task RunWebSocketAsync(WebSocket webSocket, EncodedPacket openPacket)
    {
        IsWebSocket = true;
        Send(openPacket);
        Task sending = StartSending(webSocket);
        await ReceiveLoopAsync(webSocket).ConfigureAwait(false);
        await sending.ConfigureAwait(false);
    }

    /// <summary>Runs an upgrade attempt: probe, then the <c>upgrade</c> packet, then this WebSocket carries the session.</summary>
    internal async Task RunUpgradeAsync(WebSocket webSocket)
    {
        using var timeout = new CancellationTokenSource(_options.UpgradeTimeout, _options.TimeProvider);
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
            EngineIOServerLog.TransportError(_logger, e, Id);
        }

        if (sending is null)
        {
            if (_upgrade == UpgradeState.Probing)
            {
                _upgrade = UpgradeState.None;
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
                if (result.MessageType != WebSocketMessageType.Text || !result.EndOfMessage || _closed)
                {
                    return null;
                }

                ReadOnlySpan<byte> text = buffer.AsSpan(0, result.Count);
                if (text.SequenceEqual("2probe"u8) && _upgrade == UpgradeState.None)
                {
                    await webSocket.SendAsync(EncodedPacket.PongProbe.Text, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
                    CancellationTokenSource? pending;
                    lock (_gate)
                    {
                        _upgrade = UpgradeState.Probing;
                        pending = _getCts;
                    }

                    // engine.io: release the pending poll with noop so the client can finish the upgrade.
                    CancelQuietly(pending);
                }
                else if (text.SequenceEqual("5"u8) && _upgrade == UpgradeState.Probing)
                {
                    lock (_gate)
                    {
                        if (_closed)
                        {
                            return null;
                        }

                        _upgrade = UpgradeState.Upgraded;
                        IsWebSocket = true;
                    }

                    EngineIOServerLog.Upgraded(_logger, Id);
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

    /// <summary>Whether a polling request may still be served (it may not after an upgrade).</summary>
    internal bool AcceptsPolling => _upgrade != UpgradeState.Upgraded && !IsWebSocket;

    /// <summary>Whether an upgrade may start now.</summary>
    internal bool CanUpgrade => _upgrade == UpgradeState.None && !IsWebSocket && !_closed;

    private async Task ReceiveLoopAsync(WebSocket webSocket)
    {
        int max = _options.MaxHttpBufferSize;
        string reason = "transport close";
        try
        {
            while (!_closed)
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
                        EngineIOServerLog.MalformedPacket(_logger, Id);
                        reason = "parse error";
                        break;
                    }

                    OnPacket(EngineIOPacketType.Message, ReadOnlyMemory<byte>.Empty, isBinary: true);
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
                        EngineIOServerLog.PayloadTooLarge(_logger, Id, count, max);
                        await webSocket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", CancellationToken.None).ConfigureAwait(false);
                        reason = "transport error";
                        break;
                    }

                    ReadOnlyMemory<byte> message = buffer.AsMemory(0, count);
                    if (result.MessageType == WebSocketMessageType.Binary)
                    {
                        OnPacket(EngineIOPacketType.Message, message, isBinary: true);
                    }
                    else if (!EngineIOParser.TryReadTextPacketType(message.Span, out EngineIOPacketType type))
                    {
                        EngineIOServerLog.MalformedPacket(_logger, Id);
                        reason = "parse error";
                        break;
                    }
                    else if (!OnPacket(type, message[1..], isBinary: false))
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
            EngineIOServerLog.TransportError(_logger, e, Id);
            reason = "transport error";
        }
        catch (IOException e)
        {
            EngineIOServerLog.TransportError(_logger, e, Id);
            reason = "transport error";
        }

        CloseCore(reason, graceful: false, null);
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
        using var limit = new CancellationTokenSource(_options.PingTimeout, _options.TimeProvider);
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
        Volatile.Write(ref _webSocket, webSocket);
        Pump();
        return _sendDone.Task;
    }

    // Writes what is queued if no one else is writing. Called after every enqueue and on close.
    private void Pump()
    {
        WebSocket? webSocket = Volatile.Read(ref _webSocket);
        if (webSocket is null)
        {
            return;
        }

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

    private bool HasWork() => _queue.Reader.TryPeek(out _) || (_queue.Reader.Completion.IsCompleted && !_closeStarted);

    // With the pump owned: sends while writes complete synchronously. Returns false when a write went
    // asynchronous (or failed, or the close started): the pump then stays owned by that continuation.
    private bool DrainSync(WebSocket webSocket)
    {
        while (TryDequeue(out EncodedPacket? packet))
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

        if (_queue.Reader.Completion.IsCompleted && !_closeStarted)
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
                while (TryDequeue(out EncodedPacket? packet))
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

                if (_queue.Reader.Completion.IsCompleted && !_closeStarted)
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
                _ = AbortUnlessClosedAsync(webSocket, _options.PingTimeout);
            }
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            EngineIOServerLog.TransportError(_logger, e, Id);
            webSocket.Abort();
        }
        finally
        {
            DrainAndRelease();
            _sendDone.TrySetResult();
        }
    }

    private async Task AbortUnlessClosedAsync(WebSocket webSocket, TimeSpan wait)
    {
        await Task.Delay(wait, _options.TimeProvider).ConfigureAwait(false);
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
        EngineIOServerLog.TransportError(_logger, e, Id);
        webSocket.Abort();
        ThreadPool.UnsafeQueueUserWorkItem(
            static self =>
            {
                self.CloseCore("transport error", graceful: false, null);
                self.DrainAndRelease();
                self._sendDone.TrySetResult();
            },
            this,
            preferLocal: false);
    }

    private static void CancelQuietly(CancellationTokenSource? cts)
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
