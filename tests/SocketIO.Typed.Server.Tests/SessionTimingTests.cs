using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace SocketIO.Typed.Server.Tests;

/// <summary>Timeouts of a session on a fake clock: nothing sleeps, the tests move time.</summary>
public sealed class SessionTimingTests
{
    private static async Task<ClientWebSocket> OpenAsync(TestServer server)
    {
        var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri($"ws://{server.Url.Authority}/socket.io/?EIO=4&transport=websocket"), CancellationToken.None);
        Assert.StartsWith("0{", await ReceiveAsync(ws), StringComparison.Ordinal);
        return ws;
    }

    // The next text message, or null when the server closed the WebSocket.
    private static async Task<string?> ReceiveAsync(ClientWebSocket ws)
    {
        byte[] buffer = new byte[8192];
        WebSocketReceiveResult result = await ws.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        return result.MessageType == WebSocketMessageType.Close ? null : Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    [Fact]
    public async Task A_connection_that_joins_no_namespace_is_closed_after_the_connect_timeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using TestServer server = await TestServer.StartAsync(o =>
        {
            o.EngineIO.TimeProvider = time;
            o.EngineIO.PingInterval = o.EngineIO.PingTimeout = TimeSpan.FromMinutes(10);
            o.ConnectTimeout = TimeSpan.FromSeconds(45);
        });
        using ClientWebSocket ws = await OpenAsync(server);

        time.Advance(TimeSpan.FromSeconds(44));
        Assert.Equal(1, server.Io.EngineIO.SessionCount);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await ReceiveAsync(ws));
        Assert.Contains(server.Logs.Entries, e => e.EventId == 106);
    }

    [Fact]
    public async Task A_namespace_joined_in_time_stops_the_connect_timeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using TestServer server = await TestServer.StartAsync(o =>
        {
            o.EngineIO.TimeProvider = time;
            o.EngineIO.PingInterval = o.EngineIO.PingTimeout = TimeSpan.FromMinutes(10);
            o.ConnectTimeout = TimeSpan.FromSeconds(45);
        });
        using ClientWebSocket ws = await OpenAsync(server);
        await ws.SendAsync("40"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.StartsWith("40{", await ReceiveAsync(ws), StringComparison.Ordinal);

        // Long past the connect timeout: the session is alive.
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, server.Io.EngineIO.SessionCount);
        Assert.DoesNotContain(server.Logs.Entries, e => e.EventId == 106);
    }

    [Fact]
    public async Task A_WebSocket_peer_that_stops_answering_pings_is_closed_with_ping_timeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var reason = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer server = await TestServer.StartAsync(o => o.EngineIO.TimeProvider = time, io =>
            io.OnConnection(socket => socket.OnDisconnect((_, r) => reason.TrySetResult(r))));
        using ClientWebSocket ws = await OpenAsync(server);
        await ws.SendAsync("40"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.StartsWith("40{", await ReceiveAsync(ws), StringComparison.Ordinal);

        time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal("2", await ReceiveAsync(ws));
        time.Advance(TimeSpan.FromSeconds(19));
        Assert.False(reason.Task.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("ping timeout", await reason.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
