using System.Net;
using System.Net.WebSockets;

namespace SocketIO.Typed.Server.Tests;

/// <summary>Browser origins are checked on every transport (cross-site WebSocket hijacking), as python-engineio does.</summary>
public sealed class OriginTests
{
    private const string Refused = "{\"code\":4,\"message\":\"Origin not allowed\"}";

    private static async Task<HttpResponseMessage> GetAsync(TestServer server, string url, string? origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return await server.Http.SendAsync(request);
    }

    private static async Task<WebSocketException?> TryWebSocketAsync(TestServer server, string query, string? origin)
    {
        using var ws = new ClientWebSocket();
        if (origin is not null)
        {
            ws.Options.SetRequestHeader("Origin", origin);
        }

        try
        {
            await ws.ConnectAsync(new Uri($"ws://{server.Url.Authority}/socket.io/?EIO=4&transport=websocket{query}"), CancellationToken.None);
            await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            return null;
        }
        catch (WebSocketException e)
        {
            return e;
        }
    }

    [Fact]
    public async Task By_default_only_the_servers_own_origin_and_clients_without_an_origin_are_served()
    {
        await using TestServer server = await TestServer.StartAsync();
        string self = server.Url.GetLeftPart(UriPartial.Authority);

        using HttpResponseMessage noOrigin = await GetAsync(server, "/socket.io/?EIO=4&transport=polling", null);
        Assert.Equal(HttpStatusCode.OK, noOrigin.StatusCode);
        using HttpResponseMessage same = await GetAsync(server, "/socket.io/?EIO=4&transport=polling", self);
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);

        using HttpResponseMessage evil = await GetAsync(server, "/socket.io/?EIO=4&transport=polling", "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, evil.StatusCode);
        Assert.Equal(Refused, await evil.Content.ReadAsStringAsync());
        Assert.Contains(server.Logs.Entries, e => e.EventId == 10 && e.Message.Contains("https://evil.example", StringComparison.Ordinal));

        // A WebSocket handshake from another origin is refused too; from none or the same origin it opens.
        Assert.NotNull(await TryWebSocketAsync(server, "", "https://evil.example"));
        Assert.Null(await TryWebSocketAsync(server, "", null));
        Assert.Null(await TryWebSocketAsync(server, "", self));
    }

    [Fact]
    public async Task Every_later_request_of_a_session_and_the_upgrade_are_checked()
    {
        await using TestServer server = await TestServer.StartAsync();
        PollingPeer peer = await server.Peer().OpenAsync();
        string session = "&sid=" + peer.Sid;

        using var post = new HttpRequestMessage(HttpMethod.Post, "/socket.io/?EIO=4&transport=polling" + session) { Content = new StringContent("40") };
        post.Headers.Add("Origin", "https://evil.example");
        using HttpResponseMessage posted = await server.Http.SendAsync(post);
        Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode);

        using HttpResponseMessage poll = await GetAsync(server, "/socket.io/?EIO=4&transport=polling" + session, "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, poll.StatusCode);

        WebSocketException? upgrade = await TryWebSocketAsync(server, session, "https://evil.example");
        Assert.NotNull(upgrade);

        // The session itself is untouched: its own client goes on.
        string id = await peer.ConnectAsync();
        Assert.False(string.IsNullOrEmpty(id));
    }

    [Fact]
    public async Task The_allow_list_and_the_wildcard_open_other_origins()
    {
        await using TestServer listed = await TestServer.StartAsync(o => o.Cors.AllowedOrigins.Add("https://app.example"));
        using HttpResponseMessage ok = await GetAsync(listed, "/socket.io/?EIO=4&transport=polling", "https://APP.example");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("https://APP.example", ok.Headers.GetValues("Access-Control-Allow-Origin").Single());
        using HttpResponseMessage other = await GetAsync(listed, "/socket.io/?EIO=4&transport=polling", "https://other.example");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.NotNull(await TryWebSocketAsync(listed, "", "https://other.example"));
        Assert.Null(await TryWebSocketAsync(listed, "", "https://app.example"));

        await using TestServer any = await TestServer.StartAsync(o => o.Cors.AllowedOrigins.Add("*"));
        using HttpResponseMessage anyOk = await GetAsync(any, "/socket.io/?EIO=4&transport=polling", "https://other.example");
        Assert.Equal(HttpStatusCode.OK, anyOk.StatusCode);
        Assert.Null(await TryWebSocketAsync(any, "", "https://other.example"));
    }
}
