using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client.Transports;

/// <summary>
/// HTTP long-polling (engine.io-client's <c>Polling</c>): one GET at a time that the server holds until it has
/// packets, and POSTs that carry as many queued packets as fit in the server's <c>maxPayload</c>.
/// </summary>
internal sealed class PollingClientTransport(EngineIOClientSession session) : EngineIOClientTransport(session)
{
    private readonly List<EncodedPacket> _batch = [];
    private Task _pollLoop = Task.CompletedTask;
    private volatile bool _paused;
    private long _requestCounter;

    /// <inheritdoc/>
    public override string Name => "polling";

    /// <summary>The handshake GET: the open packet and whatever else the response carried.</summary>
    public static async Task<(EngineIOHandshake Handshake, ReadOnlyMemory<byte> Remainder)> HandshakeAsync(EngineIOClientSettings settings, CancellationToken cancellationToken)
    {
        using HttpRequestMessage request = EngineIOClientRequests.CreateRequest(settings, HttpMethod.Get, EngineIOClientRequests.BuildUri(settings, "polling", null, 0));
        using HttpResponseMessage response = await settings.Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new EngineIOClientException(
                $"Nothing answers at {request.RequestUri?.GetLeftPart(UriPartial.Path)} (HTTP 404): check the server URL and the path (SocketIOClientOptions.Path; socket.io's default is /socket.io/), and that the server is a Socket.IO server.");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new EngineIOClientException($"The handshake failed with HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
        }

        ReadOnlyMemory<byte> payload = body;
        if (!EngineIOParser.TryReadRecord(ref payload, out ReadOnlyMemory<byte> first) || !TryReadOpen(first.Span, out EngineIOHandshake? handshake))
        {
            throw new EngineIOClientException("The handshake response is not an Engine.IO open packet.");
        }

        return (handshake, payload);
    }

    /// <summary>Starts (or resumes) the GET loop.</summary>
    public void StartPolling()
    {
        _paused = false;
        _pollLoop = PollLoopAsync();
    }

    /// <summary>Stops polling for an upgrade: completes when the pending GET has been answered (the server sends noop).</summary>
    public Task PauseAsync()
    {
        _paused = true;
        return _pollLoop;
    }

    private async Task PollLoopAsync()
    {
        EngineIOClientSession owner = Session;
        try
        {
            while (owner.IsOpen && !_paused)
            {
                using HttpRequestMessage request = EngineIOClientRequests.CreateRequest(owner.Settings, HttpMethod.Get, NextUri());
                using HttpResponseMessage response = await owner.Settings.Http.SendAsync(request, owner.Closed).ConfigureAwait(false);
                byte[] body = await response.Content.ReadAsByteArrayAsync(owner.Closed).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    owner.Fail("transport error", new EngineIOClientException($"Polling failed with HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}"));
                    return;
                }

                if (!owner.HandlePayload(body))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (owner.Closed.IsCancellationRequested)
        {
            // The session closed while a poll was pending.
        }
        catch (HttpRequestException e)
        {
            owner.Fail("transport error", e);
        }
        catch (IOException e)
        {
            owner.Fail("transport error", e);
        }
    }

    /// <inheritdoc/>
    public override async Task WriteAsync(ChannelReader<EncodedPacket> queue)
    {
        try
        {
            // One POST carries as many queued packets as fit in the server's maxPayload (at least one).
            using var payload = new PooledBufferWriter();
            long size = 0;
            long max = Session.Handshake.MaxPayload;
            while (queue.TryPeek(out EncodedPacket? next) && (_batch.Count == 0 || size + EstimateSize(next) <= max) && queue.TryRead(out next))
            {
                size += EstimateSize(next);
                _batch.Add(next);
            }

            bool first = true;
            foreach (EncodedPacket packet in _batch)
            {
                EngineIOWriter.WritePollingPacket(payload, packet, ref first);
            }

            await PostAsync(payload.WrittenMemory).ConfigureAwait(false);
        }
        finally
        {
            foreach (EncodedPacket packet in _batch)
            {
                packet.Release();
            }

            _batch.Clear();
        }
    }

    /// <inheritdoc/>
    public override Task CloseAsync() => PostAsync(EncodedPacket.Close.Text);

    /// <inheritdoc/>
    public override void Abort()
    {
        // Nothing to drop: the pending GET ends with the session's cancellation, a POST in flight with its response.
    }

    // The size of a packet in a polling payload: text as is, each attachment as "b" + base64, plus a separator.
    private static long EstimateSize(EncodedPacket packet)
    {
        long size = packet.Text.Length + 1;
        for (int i = 0; i < packet.AttachmentCount; i++)
        {
            size += 2 + ((packet.GetAttachment(i).Length + 2) / 3 * 4);
        }

        return size;
    }

    private async Task PostAsync(ReadOnlyMemory<byte> payload)
    {
        EngineIOClientSettings settings = Session.Settings;
        using HttpRequestMessage request = EngineIOClientRequests.CreateRequest(settings, HttpMethod.Post, NextUri());
        var content = new ReadOnlyMemoryContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "UTF-8" };
        request.Content = content;
        using HttpResponseMessage response = await settings.Http.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            throw new EngineIOClientException($"Sending failed with HTTP {(int)response.StatusCode}: {body}");
        }
    }

    private Uri NextUri() => EngineIOClientRequests.BuildUri(Session.Settings, "polling", Session.Id, Interlocked.Increment(ref _requestCounter));
}
