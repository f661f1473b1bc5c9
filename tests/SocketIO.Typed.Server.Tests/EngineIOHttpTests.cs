using System.IO.Compression;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using SocketIO.Typed.Server;
using SocketIO.Typed;

namespace SocketIO.Typed.Server.Tests;

/// <summary>
/// Engine.IO and Socket.IO over raw HTTP and WebSocket requests, checked byte for byte. The server's clock is a fake:
/// no heartbeat or timeout fires unless a test moves the clock, so no poll races a ping.
/// </summary>
public sealed class EngineIOHttpTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private Uri _base = null!;
    private SocketIOServer _io = null!;

    public async Task InitializeAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSocketIO(o =>
        {
            o.EngineIO.PingInterval = TimeSpan.FromMilliseconds(300);
            o.EngineIO.PingTimeout = TimeSpan.FromMilliseconds(200);
            o.EngineIO.TimeProvider = _time;
            o.EngineIO.MaxHttpBufferSize = 1000;
            o.EngineIO.HttpCompressionThreshold = 10;
            o.Cors.AllowedOrigins.Add("https://allowed.example");
            o.ConnectTimeout = TimeSpan.FromSeconds(1);
            o.EngineIO.MaxQueuedPackets = 50;
        });
        _app = builder.Build();
        SocketIOServer io = _app.MapSocketIO();
        _io = io;
        io.OnConnection(socket =>
        {
            socket.On("echo", ctx => ctx.AckAsync(ctx.Arguments));
            socket.On("big", ctx => socket.EmitAsync("big", new string('x', 2000)));
        });
        io.Of("/secret").Use((_, _) => throw new SocketIOConnectException("Not authorized", JsonDocument.Parse("{\"code\":7}").RootElement));
        await _app.StartAsync();
        _base = new Uri(_app.Urls.First());
        _http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = _base };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<string> HandshakeAsync()
    {
        string body = await _http.GetStringAsync("/socket.io/?EIO=4&transport=polling");
        Assert.StartsWith("0{", body, StringComparison.Ordinal);
        using JsonDocument doc = JsonDocument.Parse(body[1..]);
        Assert.Equal(["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(300, doc.RootElement.GetProperty("pingInterval").GetInt32());
        Assert.Equal(1000, doc.RootElement.GetProperty("maxPayload").GetInt32());
        return doc.RootElement.GetProperty("sid").GetString()!;
    }

    private Task<HttpResponseMessage> PostAsync(string sid, string body) =>
        _http.PostAsync($"/socket.io/?EIO=4&transport=polling&sid={sid}", new StringContent(body, Encoding.UTF8, "text/plain"));

    private Task<string> PollAsync(string sid) => _http.GetStringAsync($"/socket.io/?EIO=4&transport=polling&sid={sid}");

    [Theory]
    [InlineData("/socket.io/?EIO=3&transport=polling", 400, 5, "Unsupported protocol version")]
    [InlineData("/socket.io/?transport=polling", 400, 5, "Unsupported protocol version")]
    [InlineData("/socket.io/?EIO=4&transport=carrier-pigeon", 400, 0, "Transport unknown")]
    [InlineData("/socket.io/?EIO=4&transport=polling&sid=nope", 400, 1, "Session ID unknown")]
    [InlineData("/socket.io/?EIO=4&transport=websocket", 400, 3, "Bad request")]
    public async Task Refuses_bad_requests_with_the_reference_error_body(string url, int status, int code, string message)
    {
        HttpResponseMessage response = await _http.GetAsync(url);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal($"{{\"code\":{code},\"message\":\"{message}\"}}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Refuses_a_handshake_that_is_not_a_GET()
    {
        HttpResponseMessage response = await _http.PostAsync("/socket.io/?EIO=4&transport=polling", new StringContent("40"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("{\"code\":2,\"message\":\"Bad handshake method\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Connects_sends_events_and_acks_over_polling()
    {
        string sid = await HandshakeAsync();
        Assert.Equal("ok", await (await PostAsync(sid, "40")).Content.ReadAsStringAsync());
        string connect = await PollAsync(sid);
        Assert.Matches("^40\\{\"sid\":\"[A-Za-z0-9_-]{20}\"\\}$", connect);
        await PostAsync(sid, "425[\"echo\",1,\"é\",{\"a\":[true]}]\u001e426[\"echo\"]");
        string acks = await PollAsync(sid);
        Assert.Equal("435[1,\"é\",{\"a\":[true]}]\u001e436[]", acks);
    }

    [Fact]
    public async Task Refuses_unknown_namespaces_and_reports_middleware_errors_with_data()
    {
        string sid = await HandshakeAsync();
        await PostAsync(sid, "40/nope,\u001e40/secret,");

        // Collect the two refusals, whichever polls carry them (no heartbeat here: the clock stands still).
        var packets = new List<string>();
        while (packets.Count < 2)
        {
            packets.AddRange((await PollAsync(sid)).Split('\u001e'));
        }

        Assert.Equal(["44/nope,{\"message\":\"Invalid namespace\"}", "44/secret,{\"message\":\"Not authorized\",\"data\":{\"code\":7}}"],
            packets.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Closes_the_session_on_a_malformed_payload()
    {
        string sid = await HandshakeAsync();
        HttpResponseMessage response = await PostAsync(sid, "abc");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync($"/socket.io/?EIO=4&transport=polling&sid={sid}")).StatusCode);
    }

    [Fact]
    public async Task Closes_the_session_on_a_malformed_socket_io_packet()
    {
        string sid = await HandshakeAsync();
        await PostAsync(sid, "40");
        await PollAsync(sid);
        await PostAsync(sid, "42{}");
        Assert.Equal("1", await PollAsync(sid));
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync($"/socket.io/?EIO=4&transport=polling&sid={sid}")).StatusCode);
    }

    [Fact]
    public async Task Answers_413_to_a_body_larger_than_maxHttpBufferSize()
    {
        string sid = await HandshakeAsync();
        HttpResponseMessage response = await PostAsync(sid, "4" + new string('x', 2000));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync($"/socket.io/?EIO=4&transport=polling&sid={sid}")).StatusCode);
    }

    [Fact]
    public async Task Closes_a_session_that_does_not_answer_pings()
    {
        string sid = await HandshakeAsync();

        // pingInterval later the server pings; the session lives on until pingTimeout has passed without a pong.
        _time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal("2", await PollAsync(sid));
        _time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.True(_io.EngineIO.TryGetSession(sid, out _));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync($"/socket.io/?EIO=4&transport=polling&sid={sid}")).StatusCode);
    }

    [Fact]
    public async Task A_pong_keeps_the_session_alive_and_the_next_ping_follows_an_interval_later()
    {
        string sid = await HandshakeAsync();
        _time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal("2", await PollAsync(sid));
        await PostAsync(sid, "3");
        _time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.True(_io.EngineIO.TryGetSession(sid, out _));
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal("2", await PollAsync(sid));
    }

    [Fact]
    public async Task Compresses_large_polling_responses_when_asked()
    {
        string sid = await HandshakeAsync();
        await PostAsync(sid, "40");
        await PollAsync(sid);
        await PostAsync(sid, "42[\"big\"]");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/socket.io/?EIO=4&transport=polling&sid={sid}");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");
        HttpResponseMessage response = await _http.SendAsync(request);
        Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
        await using var gzip = new GZipStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        Assert.Equal("42[\"big\",\"" + new string('x', 2000) + "\"]", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task Sends_cors_headers_only_to_allowed_origins()
    {
        using var allowed = new HttpRequestMessage(HttpMethod.Options, "/socket.io/?EIO=4&transport=polling");
        allowed.Headers.Add("Origin", "https://allowed.example");
        allowed.Headers.Add("Access-Control-Request-Headers", "content-type");
        HttpResponseMessage response = await _http.SendAsync(allowed);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("https://allowed.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("content-type", response.Headers.GetValues("Access-Control-Allow-Headers").Single());

        using var other = new HttpRequestMessage(HttpMethod.Get, "/socket.io/?EIO=4&transport=polling");
        other.Headers.Add("Origin", "https://evil.example");
        response = await _http.SendAsync(other);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Upgrades_from_polling_to_websocket_without_losing_packets()
    {
        string sid = await HandshakeAsync();
        await PostAsync(sid, "40");
        await PollAsync(sid);
        await using var ws = await OpenWebSocketAsync(sid);
        await ws.Socket.SendAsync("2probe"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("3probe", await ReceiveTextAsync(ws.Socket));
        // Emitted while the upgrade is under way: must arrive on the WebSocket after "5".
        await PostAsync(sid, "421[\"echo\",\"during\"]");
        Assert.Equal("6", await PollAsync(sid));
        await ws.Socket.SendAsync("5"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        string frame = await ReceiveTextAsync(ws.Socket);
        Assert.Equal("431[\"during\"]", frame);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync($"/socket.io/?EIO=4&transport=polling&sid={sid}")).StatusCode);
    }

    [Fact]
    public async Task Volatile_packets_are_dropped_while_no_poll_is_waiting_and_sent_when_one_is()
    {
        string sid = await HandshakeAsync();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(sid, "40")).StatusCode);
        Assert.StartsWith("40{", await PollAsync(sid), StringComparison.Ordinal);
        SocketIOSocket socket = _io.Sockets.Sockets.Values.Single();
        long droppedBefore = _io.VolatileDroppedCount;
        using var metrics = new MeterRecorder();

        // No poll is waiting: the volatile event is dropped (and counted), the plain one waits in the queue.
        await _io.Sockets.Volatile.EmitAsync("dropped", 1);
        await socket.EmitAsync("kept", 2);
        Assert.Equal(droppedBefore + 1, _io.VolatileDroppedCount);
        Assert.True(metrics.Sum("socketio.server.packets.dropped", "socketio.drop_reason", "volatile") >= 1, "the drop is a measurement too");
        Assert.Equal("42[\"kept\",2]", await PollAsync(sid));

        // A poll is waiting: the volatile event goes out with it.
        Task<string> poll = PollAsync(sid);
        for (int i = 0; i < 200 && !socket.IsWritable; i++)
        {
            await Task.Delay(10);
        }

        await _io.Sockets.Volatile.EmitAsync("sent", 3);
        Assert.Equal("42[\"sent\",3]", await poll);
        Assert.Equal(droppedBefore + 1, _io.VolatileDroppedCount);
    }

    [Fact]
    public async Task A_client_that_does_not_read_is_disconnected_when_its_queue_is_full()
    {
        string sid = await HandshakeAsync();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(sid, "40")).StatusCode);
        Assert.StartsWith("40{", await PollAsync(sid), StringComparison.Ordinal);
        SocketIOSocket socket = _io.Sockets.Sockets.Values.Single();
        var reason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        socket.OnDisconnect((_, r) => reason.TrySetResult(r));
        using var metrics = new MeterRecorder();

        // The test server allows 50 queued packets; nobody polls.
        for (int i = 0; i < 51; i++)
        {
            await socket.EmitAsync("flood", i);
        }

        Assert.Equal("transport error", await reason.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(metrics.Sum("socketio.server.packets.dropped", "socketio.drop_reason", "queue_full") >= 1, "the drop is a measurement");
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync($"/socket.io/?EIO=4&transport=polling&sid={sid}")).StatusCode);
    }

    private sealed class OwnedSocket(ClientWebSocket socket) : IAsyncDisposable
    {
        public ClientWebSocket Socket { get; } = socket;

        public ValueTask DisposeAsync()
        {
            Socket.Abort();
            Socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private async Task<OwnedSocket> OpenWebSocketAsync(string? sid = null)
    {
        var ws = new ClientWebSocket();
        var uri = new Uri($"ws://{_base.Authority}/socket.io/?EIO=4&transport=websocket" + (sid is null ? "" : "&sid=" + sid));
        await ws.ConnectAsync(uri, CancellationToken.None);
        return new OwnedSocket(ws);
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket ws) =>
        await ReceiveTextOrCloseAsync(ws) ?? throw new InvalidOperationException("closed");

    private static async Task<string?> ReceiveTextOrCloseAsync(ClientWebSocket ws)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        byte[] buffer = new byte[8192];
        int count = 0;
        while (true)
        {
            WebSocketReceiveResult result = await ws.ReceiveAsync(buffer.AsMemory(count), cts.Token) is var r
                ? new WebSocketReceiveResult(r.Count, r.MessageType, r.EndOfMessage) : null!;
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            count += result.Count;
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(buffer, 0, count);
            }
        }
    }
}
