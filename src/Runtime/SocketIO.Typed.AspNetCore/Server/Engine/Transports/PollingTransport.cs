using System.Buffers;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Server.Engine.Transports;

/// <summary>
/// The long-polling transport of a session (engine.io's <c>transports/polling</c>): a GET waits for queued packets and
/// takes them all as one payload; a POST brings the client's packets. At most one of each at a time.
/// </summary>
internal sealed class PollingTransport(EngineIOSession session)
{
    private const int ReceiveChunk = 4096;
    private static readonly ReadOnlyMemory<byte> s_ok = "ok"u8.ToArray();
    private readonly EngineIOSession _session = session;
    // The request holding each slot (0: free); a request frees only its own slot, so one that ends late cannot free
    // the slot its successor took.
    private int _getActive;
    private int _postActive;
    private int _tickets;
    private CancellationTokenSource? _getCts;

    /// <summary>The pending poll's wake-up, while a GET waits (read and written under the session's gate).</summary>
    public CancellationTokenSource? PendingPoll => _getCts;

    /// <summary>Whether a poll is waiting, so a packet sent now goes out at once.</summary>
    public bool HasWaitingPoll => Volatile.Read(ref _getCts) is not null;

    public async Task HandlePollAsync(HttpContext context)
    {
        int ticket = NextTicket();
        if (Interlocked.CompareExchange(ref _getActive, ticket, 0) != 0)
        {
            // A second concurrent GET: the first gets "1", this one 400, and the session ends.
            await _session.Server.WriteErrorAsync(context, EngineIOErrorCode.BadRequest, "Overlapping poll requests").ConfigureAwait(false);
            _session.CloseCore("transport error", graceful: false, EncodedPacket.Close);
            return;
        }

        CancellationTokenSource? cts = null;
        try
        {
            if (_session.Upgrade == EngineIOUpgradeState.Probing)
            {
                await WritePollResponseAsync(context, ticket, EncodedPacket.Noop).ConfigureAwait(false);
                return;
            }

            if (!_session.IsClosed && !_session.HasQueued)
            {
                cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                lock (_session.Gate)
                {
                    _getCts = cts;
                }

                try
                {
                    if (!_session.IsClosed && _session.Upgrade != EngineIOUpgradeState.Probing)
                    {
                        await _session.WaitToReadAsync(cts.Token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException)
                {
                    // Woken by close, an upgrade probe, or the client going away: handled below.
                }

                lock (_session.Gate)
                {
                    _getCts = null;
                }

                if (context.RequestAborted.IsCancellationRequested)
                {
                    return;
                }

                if (_session.Upgrade == EngineIOUpgradeState.Probing)
                {
                    await WritePollResponseAsync(context, ticket, EncodedPacket.Noop).ConfigureAwait(false);
                    return;
                }

                if (_session.IsClosed && !_session.HasQueued)
                {
                    await WritePollResponseAsync(context, ticket, _session.ReleasePendingGetWith ?? EncodedPacket.Close).ConfigureAwait(false);
                    return;
                }
            }

            await WriteQueuedAsync(context, ticket).ConfigureAwait(false);
        }
        finally
        {
            cts?.Dispose();
            Interlocked.CompareExchange(ref _getActive, 0, ticket);
            if (_session.IsClosed)
            {
                _session.FinalizeSession();
            }
        }
    }

    private async Task WriteQueuedAsync(HttpContext context, int ticket)
    {
        using var payload = new PooledBufferWriter();
        bool first = true;
        while (_session.TryDequeue(out EncodedPacket? packet))
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

        await WritePayloadAsync(context, ticket, payload.WrittenMemory).ConfigureAwait(false);
    }

    private Task WritePollResponseAsync(HttpContext context, int ticket, EncodedPacket packet) => WritePayloadAsync(context, ticket, packet.Text);

    private async Task WritePayloadAsync(HttpContext context, int ticket, ReadOnlyMemory<byte> payload)
    {
        // What this poll carries is taken: the client may send its next GET as soon as it has the answer, possibly
        // before this method returns, so the slot is free before the answer goes out (else a fast client meets 400).
        Interlocked.CompareExchange(ref _getActive, 0, ticket);
        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain; charset=UTF-8";
        string? encoding = _session.Options.HttpCompression && payload.Length >= _session.Options.HttpCompressionThreshold
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

    public async Task HandlePostAsync(HttpContext context)
    {
        int ticket = NextTicket();
        if (Interlocked.CompareExchange(ref _postActive, ticket, 0) != 0)
        {
            await _session.Server.WriteErrorAsync(context, EngineIOErrorCode.BadRequest, "Overlapping data requests").ConfigureAwait(false);
            _session.CloseCore("transport error", graceful: false, EncodedPacket.Close);
            return;
        }

        byte[]? buffer = null;
        CancellationTokenSource? reading = null;
        try
        {
            if (context.Request.ContentType?.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase) == true)
            {
                // engine.io v4 polling payloads are text; binary bodies are an EIO3 feature.
                await _session.Server.WriteErrorAsync(context, EngineIOErrorCode.BadRequest, "Binary payloads are not supported over EIO4 polling").ConfigureAwait(false);
                _session.CloseCore("transport error", graceful: false, EncodedPacket.Close);
                return;
            }

            int max = _session.Options.MaxHttpBufferSize;
            long? declared = context.Request.ContentLength;
            if (declared > max)
            {
                EngineIOServerLog.PayloadTooLarge(_session.Logger, _session.Id, declared.Value, max);
                await WriteStatusAsync(context, StatusCodes.Status413PayloadTooLarge).ConfigureAwait(false);
                _session.CloseCore("transport error", graceful: false, EncodedPacket.Close);
                return;
            }

            buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(declared ?? ReceiveChunk, max) + 1);
            reading = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _session.ClosedToken);
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
                EngineIOServerLog.PayloadTooLarge(_session.Logger, _session.Id, length, max);
                await WriteStatusAsync(context, StatusCodes.Status413PayloadTooLarge).ConfigureAwait(false);
                _session.CloseCore("transport error", graceful: false, EncodedPacket.Close);
                return;
            }

            ReadOnlyMemory<byte> payload = buffer.AsMemory(0, length);
            if (!ValidatePayload(payload))
            {
                EngineIOServerLog.MalformedPacket(_session.Logger, _session.Id);
                await _session.Server.WriteErrorAsync(context, EngineIOErrorCode.BadRequest, "Malformed payload").ConfigureAwait(false);
                _session.CloseCore("parse error", graceful: false, EncodedPacket.Close);
                return;
            }

            while (EngineIOParser.TryReadRecord(ref payload, out ReadOnlyMemory<byte> record))
            {
                EngineIOParser.TryDecodePollingRecord(record, out EngineIOPacket packet);
                if (!_session.OnPacket(packet.Type, packet.Data, packet.IsBinary))
                {
                    break;
                }
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "text/html";
            context.Response.ContentLength = 2;
            // The body is read and handled: the client may send its next POST as soon as it sees "ok", possibly before
            // this method returns, so the slot is free before the answer goes out (else a fast client meets 400).
            Interlocked.CompareExchange(ref _postActive, 0, ticket);
            await context.Response.Body.WriteAsync(s_ok, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_session.ClosedToken.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
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
            EngineIOServerLog.TransportError(_session.Logger, e, _session.Id);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = e.StatusCode;
            }

            _session.CloseCore("transport error", graceful: false, EncodedPacket.Close);
        }
        catch (IOException e)
        {
            EngineIOServerLog.TransportError(_session.Logger, e, _session.Id);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
            }

            _session.CloseCore("transport error", graceful: false, EncodedPacket.Close);
        }
        finally
        {
            reading?.Dispose();
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            Interlocked.CompareExchange(ref _postActive, 0, ticket);
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

    // Never 0 (0 marks a free slot), also after the counter wraps around.
    private int NextTicket()
    {
        int ticket;
        do
        {
            ticket = Interlocked.Increment(ref _tickets);
        }
        while (ticket == 0);

        return ticket;
    }
}
