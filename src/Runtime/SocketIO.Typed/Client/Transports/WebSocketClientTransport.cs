using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client.Transports;

/// <summary>
/// WebSocket (engine.io-client's <c>WS</c>): one frame per packet, binary attachments as binary frames. Opened
/// directly (the handshake arrives as the first message) or as an upgrade probe of a polling session.
/// </summary>
internal sealed class WebSocketClientTransport(EngineIOClientSession session, ClientWebSocket webSocket) : EngineIOClientTransport(session)
{
    private const int ReceiveChunk = 4096;
    private static readonly EncodedPacket s_upgrade = EncodedPacket.CreateText(EngineIOPacketType.Upgrade, default);
    private static readonly EncodedPacket s_probe = EncodedPacket.CreateText(EngineIOPacketType.Ping, "probe"u8);

    /// <inheritdoc/>
    public override string Name => "websocket";

    /// <summary>Opens a WebSocket without a session id and reads the open packet from its first message.</summary>
    public static async Task<(ClientWebSocket WebSocket, EngineIOHandshake Handshake)> HandshakeAsync(EngineIOClientSettings settings, CancellationToken cancellationToken)
    {
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

                return (webSocket, handshake);
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

    /// <summary>The upgrade probe: connects with the session id, sends <c>2probe</c> and expects <c>3probe</c>.</summary>
    public async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        EngineIOClientRequests.ConfigureWebSocket(Session.Settings, webSocket);
        await webSocket.ConnectAsync(EngineIOClientRequests.BuildUri(Session.Settings, "websocket", Session.Id, 0, webSocket: true), cancellationToken).ConfigureAwait(false);
        await webSocket.SendAsync(s_probe.Text, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
        (byte[] buffer, int count, WebSocketMessageType type) = await ReceiveMessageAsync(webSocket, 64, cancellationToken).ConfigureAwait(false);
        bool probed = type == WebSocketMessageType.Text && buffer.AsSpan(0, count).SequenceEqual("3probe"u8);
        ArrayPool<byte>.Shared.Return(buffer);
        return probed;
    }

    /// <summary>Completes the upgrade: the <c>5</c> packet, after which the server writes on this WebSocket only.</summary>
    public Task SendUpgradeAsync(CancellationToken cancellationToken) =>
        webSocket.SendAsync(s_upgrade.Text, WebSocketMessageType.Text, true, cancellationToken).AsTask();

    /// <summary>Reads messages until the session or the connection ends.</summary>
    public async Task ReceiveLoopAsync()
    {
        EngineIOClientSession owner = Session;
        try
        {
            while (owner.IsOpen)
            {
                (byte[] buffer, int count, WebSocketMessageType type) = await ReceiveMessageAsync(webSocket, int.MaxValue, owner.Closed).ConfigureAwait(false);
                try
                {
                    if (type == WebSocketMessageType.Close)
                    {
                        owner.Fail("transport close", null);
                        return;
                    }

                    if (!owner.HandleFrame(buffer.AsMemory(0, count), type == WebSocketMessageType.Binary))
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
        catch (OperationCanceledException) when (owner.Closed.IsCancellationRequested)
        {
            // Closed by us.
        }
        catch (WebSocketException e)
        {
            owner.Fail(owner.IsOpen ? "transport close" : "forced close", e);
        }
        catch (IOException e)
        {
            owner.Fail("transport error", e);
        }

        // Not disposed here: after Close() the send loop still writes the last packets and the close frame on
        // this WebSocket (an upgrade can finish just as Close() runs); CloseAsync disposes it, Abort aborts it
        // (without disposing: a write may still be running and must end with a WebSocketException).
    }

    /// <inheritdoc/>
    public override async Task WriteAsync(ChannelReader<EncodedPacket> queue)
    {
        while (queue.TryRead(out EncodedPacket? packet))
        {
            try
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
            finally
            {
                packet.Release();
            }
        }
    }

    /// <inheritdoc/>
    public override async Task CloseAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await webSocket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The server did not answer the close handshake in time; abort below.
            EngineIOClientLog.TransportError(Session.Logger, e, Session.Id);
        }

        webSocket.Abort();
        webSocket.Dispose();
    }

    /// <inheritdoc/>
    public override void Abort() => webSocket.Abort();

    /// <summary>Drops a probe that did not become the transport.</summary>
    public void Discard()
    {
        webSocket.Abort();
        webSocket.Dispose();
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
}
