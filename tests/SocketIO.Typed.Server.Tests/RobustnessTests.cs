using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using SocketIO.Typed.Server.Engine;

namespace SocketIO.Typed.Server.Tests;

/// <summary>Bad or hostile peers cost a bounded amount and get a clear error; the server stays up.</summary>
public sealed class RobustnessTests
{
    private static async Task AssertClosedAsync(TestServer server, PollingPeer peer)
    {
        // The session is closed: a poll carries the close packet, or the session is already gone (400).
        using HttpResponseMessage poll = await server.Http.GetAsync($"/socket.io/?EIO=4&transport=polling&sid={peer.Sid}");
        string body = await poll.Content.ReadAsStringAsync();
        Assert.True(poll.StatusCode == HttpStatusCode.BadRequest || body.Split('\u001e').Contains("1"), body);
    }

    [Fact]
    public async Task A_packet_that_declares_more_attachments_than_allowed_closes_the_connection()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.MaxAttachments = 3);
        PollingPeer ok = await server.Peer().OpenAsync();
        await ok.ConnectAsync();
        await ok.PostAsync("453-[\"x\",{\"_placeholder\":true,\"num\":0}]\u001ebAQ==\u001ebAg==\u001ebAw==");

        PollingPeer peer = await server.Peer().OpenAsync();
        await peer.ConnectAsync();
        await peer.PostAsync("454-[\"x\",{\"_placeholder\":true,\"num\":0}]");
        await AssertClosedAsync(server, peer);
        Assert.Contains(server.Logs.Entries, e => e.EventId == 101 && e.Message.Contains("4 attachments declared, at most 3 allowed", StringComparison.Ordinal));

        // The other connection is untouched.
        await ok.PostAsync("42[\"still\"]");
        Assert.Single(server.Io.Sockets.Sockets);
    }

    [Fact]
    public async Task The_attachments_of_one_packet_are_bounded_in_bytes_also_before_any_namespace_connect()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.EngineIO.MaxHttpBufferSize = 1000);
        PollingPeer peer = await server.Peer().OpenAsync();

        // No CONNECT: the packet is for a namespace this client never joined, and still only 1000 bytes may wait.
        string chunk = "b" + Convert.ToBase64String(new byte[600]);
        await peer.PostAsync("452-[\"x\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        await peer.PostAsync(chunk);
        using HttpResponseMessage second = await peer.TryPostAsync(chunk);
        await AssertClosedAsync(server, peer);
        Assert.Contains(server.Logs.Entries, e => e.EventId == 101 && e.Message.Contains("exceed 1000 bytes", StringComparison.Ordinal));
    }

    // A POST whose headers promise 100 bytes and whose body then stalls after a few.
    private static async Task<Socket> StartStalledPostAsync(TestServer server, string sid)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.Url.Host, server.Url.Port);
        string head = $"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: {server.Url.Authority}\r\n" +
            "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 100\r\n\r\n42";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head));
        return socket;
    }

    private static async Task<string> ReadToEndAsync(Socket socket)
    {
        var received = new StringBuilder();
        byte[] buffer = new byte[1024];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(15))) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
        }
        catch (SocketException)
        {
            // Reset: the server aborted the request.
        }

        return received.ToString();
    }

    [Fact]
    public async Task A_polling_POST_still_reading_its_body_ends_with_its_session()
    {
        // No minimum body rate: only the session's end can stop this request.
        await using TestServer server = await TestServer.StartAsync(kestrel: k => k.Limits.MinRequestBodyDataRate = null);
        PollingPeer peer = await server.Peer().OpenAsync();
        using Socket post = await StartStalledPostAsync(server, peer.Sid);
        await Task.Delay(100);

        Assert.True(server.Io.EngineIO.TryGetSession(peer.Sid, out EngineIOSession? session));
        session.Close();
        string answer = await ReadToEndAsync(post);
        Assert.DoesNotContain("200 OK", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_too_slow_for_Kestrel_is_answered_with_an_error_status_and_closes_the_session()
    {
        await using TestServer server = await TestServer.StartAsync(
            kestrel: k => k.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 100, gracePeriod: TimeSpan.FromSeconds(2)));
        PollingPeer peer = await server.Peer().OpenAsync();
        using Socket post = await StartStalledPostAsync(server, peer.Sid);

        string answer = await ReadToEndAsync(post);
        Assert.StartsWith("HTTP/1.1 408", answer, StringComparison.Ordinal);
        Assert.False(server.Io.EngineIO.TryGetSession(peer.Sid, out _));
    }

    [Fact]
    public async Task The_json_depth_limit_is_an_option()
    {
        string deep = new string('[', 100) + new string(']', 100);
        var depths = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer roomy = await TestServer.StartAsync(o => o.MaxJsonDepth = 200, io => io.OnConnection(socket =>
            socket.On("deep", ctx =>
            {
                int depth = 0;
                for (System.Text.Json.JsonElement e = ctx.Arguments.GetElement(0); e.ValueKind == System.Text.Json.JsonValueKind.Array && e.GetArrayLength() > 0; e = e[0])
                {
                    depth++;
                }

                depths.TrySetResult(depth);
            })));
        PollingPeer peer = await roomy.Peer().OpenAsync();
        await peer.ConnectAsync();
        await peer.PostAsync($"42[\"deep\",{deep}]");
        Assert.Equal(99, await depths.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        // The default (64) refuses it as malformed.
        await using TestServer strict = await TestServer.StartAsync();
        PollingPeer other = await strict.Peer().OpenAsync();
        await other.ConnectAsync();
        await other.PostAsync($"42[\"deep\",{deep}]");
        await AssertClosedAsync(strict, other);
    }

    private static async Task<ClientWebSocket> OpenWebSocketAsync(TestServer server)
    {
        var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri($"ws://{server.Url.Authority}/socket.io/?EIO=4&transport=websocket"), CancellationToken.None);
        byte[] buffer = new byte[1024];
        WebSocketReceiveResult open = await ws.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal((byte)'0', buffer[0]);
        Assert.True(open.EndOfMessage);
        return ws;
    }

    // Receives until the server's close frame, answers it, and returns the close status: a reset would throw instead.
    private static async Task<WebSocketCloseStatus?> CloseCleanlyAsync(ClientWebSocket ws)
    {
        byte[] buffer = new byte[4096];
        while (true)
        {
            WebSocketReceiveResult result = await ws.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return result.CloseStatus;
            }
        }
    }

    [Fact]
    public async Task A_protocol_error_over_WebSocket_ends_with_a_clean_close_even_with_unread_data()
    {
        await using TestServer server = await TestServer.StartAsync();
        using ClientWebSocket ws = await OpenWebSocketAsync(server);
        await ws.SendAsync("40"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);

        // A client ping is invalid over EIO4; much more data follows before the client reads anything.
        await ws.SendAsync("2"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        byte[] filler = Encoding.ASCII.GetBytes("42[\"x\",\"" + new string('f', 8000) + "\"]");
        for (int i = 0; i < 64; i++)
        {
            await ws.SendAsync(filler, WebSocketMessageType.Text, true, CancellationToken.None);
        }

        Assert.Equal(WebSocketCloseStatus.NormalClosure, await CloseCleanlyAsync(ws));
    }

    [Fact]
    public async Task An_empty_WebSocket_text_frame_closes_the_session_as_a_parse_error()
    {
        await using TestServer server = await TestServer.StartAsync();
        using ClientWebSocket ws = await OpenWebSocketAsync(server);
        await ws.SendAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await CloseCleanlyAsync(ws));
        Assert.Contains(server.Logs.Entries, e => e.EventId == 5);
        Assert.Equal(0, server.Io.EngineIO.SessionCount);
    }

    [Fact]
    public async Task Events_waiting_for_slow_connection_handlers_are_bounded()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<int>();
        await using TestServer server = await TestServer.StartAsync(o => o.MaxEventsBeforeReady = 3, io => io.Sockets.OnConnection(async socket =>
        {
            socket.On("n", ctx => seen.Enqueue(ctx.Arguments.GetInt32(0)));
            await release.Task;
        }));
        PollingPeer peer = await server.Peer().OpenAsync();
        await peer.ConnectAsync();
        await peer.PostAsync(string.Join('\u001e', Enumerable.Range(1, 5).Select(i => $"42[\"n\",{i}]")));
        Assert.Equal(2, server.Io.ProtocolViolationCount);

        // Once the handler finished, the three that waited are handled; an event after that is handled at once.
        release.TrySetResult();
        for (int i = 0; i < 500 && seen.Count < 3; i++)
        {
            await Task.Delay(20);
        }

        await peer.PostAsync("42[\"n\",6]");
        for (int i = 0; i < 500 && seen.Count < 4; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal([1, 2, 3, 6], seen);
    }
}
