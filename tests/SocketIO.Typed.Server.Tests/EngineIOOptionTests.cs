using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Server.Engine;
using SocketIO.Typed.Server;

namespace SocketIO.Typed.Server.Tests;

/// <summary>Opt-in Engine.IO options: the <c>io</c> session cookie and WebSocket permessage-deflate.</summary>
public sealed class EngineIOOptionTests
{
    private static async Task<WebApplication> StartAsync(Action<EngineIOServerOptions> configure)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSocketIO(o => configure(o.EngineIO));
        WebApplication app = builder.Build();
        SocketIOServer io = app.MapSocketIO();
        io.OnConnection(socket => socket.On("echo", ctx => ctx.AckAsync(ctx.Arguments)));
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task The_handshake_sets_the_io_cookie_to_the_session_id()
    {
        await using WebApplication app = await StartAsync(o => o.Cookie = new EngineIOCookieOptions { Name = "io", SameSite = SameSiteMode.Strict });
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        using HttpResponseMessage response = await http.GetAsync("/socket.io/?EIO=4&transport=polling");
        string body = await response.Content.ReadAsStringAsync();
        string sid = System.Text.Json.JsonDocument.Parse(body[1..]).RootElement.GetProperty("sid").GetString()!;

        string cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Equal($"io={sid}; path=/; samesite=strict; httponly", cookie);
    }

    [Fact]
    public async Task Without_the_option_no_cookie_is_set()
    {
        await using WebApplication app = await StartAsync(_ => { });
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        using HttpResponseMessage response = await http.GetAsync("/socket.io/?EIO=4&transport=polling");

        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Permessage_deflate_is_negotiated_only_when_enabled(bool enabled)
    {
        await using WebApplication app = await StartAsync(o => o.PerMessageDeflate = enabled);
        using var ws = new ClientWebSocket();
        ws.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        ws.Options.CollectHttpResponseDetails = true;
        var uri = new Uri($"ws://{new Uri(app.Urls.First()).Authority}/socket.io/?EIO=4&transport=websocket");
        await ws.ConnectAsync(uri, CancellationToken.None);

        string? extensions = ws.HttpResponseHeaders?.TryGetValue("Sec-WebSocket-Extensions", out IEnumerable<string>? values) == true
            ? string.Join(',', values)
            : null;
        if (enabled)
        {
            Assert.Contains("permessage-deflate", extensions, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(extensions);
        }

        // Either way, a large repetitive event and its ack travel intact.
        Assert.StartsWith("0{", await ReceiveAsync(ws), StringComparison.Ordinal);
        await SendAsync(ws, "40");
        Assert.StartsWith("40{", await ReceiveAsync(ws), StringComparison.Ordinal);
        string big = new('x', 50_000);
        await SendAsync(ws, $"421[\"echo\",\"{big}\"]");
        Assert.Equal($"431[\"{big}\"]", await ReceiveAsync(ws));
        ws.Abort();
    }

    [Fact]
    public async Task Stopping_the_host_closes_sessions_gracefully_with_the_reference_reason()
    {
        await using WebApplication app = await StartAsync(_ => { });
        SocketIOServer io = app.Services.GetRequiredService<SocketIOServer>();
        var reason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        io.OnConnection(socket => socket.OnDisconnect((_, r) => reason.TrySetResult(r)));
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri($"ws://{new Uri(app.Urls.First()).Authority}/socket.io/?EIO=4&transport=websocket"), CancellationToken.None);
        Assert.StartsWith("0{", await ReceiveAsync(ws), StringComparison.Ordinal);
        await SendAsync(ws, "40");
        Assert.StartsWith("40{", await ReceiveAsync(ws), StringComparison.Ordinal);

        Task stopping = app.StopAsync();
        Assert.Equal("server shutting down", await reason.Task.WaitAsync(TimeSpan.FromSeconds(5)));

        // The client gets a proper WebSocket close, not a reset.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        ValueWebSocketReceiveResult result = await ws.ReceiveAsync(new byte[64].AsMemory(), cts.Token);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_client_that_never_answers_the_close_frame_does_not_hold_the_shutdown()
    {
        await using WebApplication app = await StartAsync(o => o.PingTimeout = TimeSpan.FromMilliseconds(500));
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri($"ws://{new Uri(app.Urls.First()).Authority}/socket.io/?EIO=4&transport=websocket"), CancellationToken.None);
        Assert.StartsWith("0{", await ReceiveAsync(ws), StringComparison.Ordinal);

        // The client reads nothing more and never sends its close frame; the host still stops in time.
        await app.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static Task SendAsync(ClientWebSocket ws, string text) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<string> ReceiveAsync(ClientWebSocket ws)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var stream = new MemoryStream();
        byte[] buffer = new byte[16384];
        while (true)
        {
            ValueWebSocketReceiveResult result = await ws.ReceiveAsync(buffer.AsMemory(), cts.Token);
            stream.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(stream.ToArray());
            }
        }
    }
}
