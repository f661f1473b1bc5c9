using System.Net;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Client;

namespace SocketIO.Typed.Server.Tests;

/// <summary>
/// The mistakes a person meets first each log one line (Information or above) that says what happened and what to do:
/// a page from an origin CORS does not allow, an oversized message, a namespace the server does not serve, a refusal
/// by a middleware, an event nobody handles; and a client pointed at the wrong path says so.
/// </summary>
public sealed class ErrorMessagesTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(
        options =>
        {
            options.EngineIO.MaxHttpBufferSize = 1000;
            options.Cors.AllowedOrigins.Add("https://allowed.example");
        },
        io =>
        {
            io.OnConnection(socket => socket.On("known", static _ => ValueTask.CompletedTask));
            io.Of("/secret").Use((_, _) => throw new SocketIOConnectException("Not authorized"));
        });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    // The one visible line that mentions every fragment.
    private void AssertOneLine(params string[] fragments)
    {
        (int EventId, LogLevel Level, string Message)[] lines = [.. _server.Logs.Entries
            .Where(e => e.Level >= LogLevel.Information && fragments.All(f => e.Message.Contains(f, StringComparison.Ordinal)))];
        Assert.True(lines.Length == 1, $"expected one line with [{string.Join(", ", fragments)}], got {lines.Length}:\n{string.Join("\n", _server.Logs.Entries.Select(static e => $"{e.Level}: {e.Message}"))}");
    }

    [Fact]
    public async Task A_page_from_an_origin_cors_does_not_allow()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/socket.io/?EIO=4&transport=polling");
        request.Headers.Add("Origin", "https://evil.example");
        using HttpResponseMessage response = await _server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        AssertOneLine("https://evil.example", "Cors.AllowedOrigins");
    }

    [Fact]
    public async Task A_message_larger_than_the_limit()
    {
        PollingPeer peer = await _server.Peer().OpenAsync();
        using HttpResponseMessage response = await peer.TryPostAsync("4" + new string('x', 2000));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        AssertOneLine("MaxHttpBufferSize (1000)", "Raise EngineIO.MaxHttpBufferSize");
    }

    [Fact]
    public async Task A_namespace_the_server_does_not_serve()
    {
        PollingPeer peer = await _server.Peer().OpenAsync();
        await peer.PostAsync("40/nowhere,");
        await peer.PollUntilAsync(static p => p.StartsWith("44/nowhere,", StringComparison.Ordinal));
        AssertOneLine("/nowhere", "does not serve", "MapNamespace");
    }

    [Fact]
    public async Task A_connection_refused_by_a_middleware()
    {
        PollingPeer peer = await _server.Peer().OpenAsync();
        await peer.PostAsync("40/secret,");
        await peer.PollUntilAsync(static p => p.StartsWith("44/secret,", StringComparison.Ordinal));
        AssertOneLine("/secret", "Not authorized", "connect_error");
    }

    [Fact]
    public async Task An_event_nobody_handles_is_logged_once_per_name()
    {
        PollingPeer peer = await _server.Peer().OpenAsync();
        await peer.ConnectAsync();
        await peer.PostAsync("42[\"nobody\",1]\u001e42[\"nobody\",2]\u001e42[\"known\"]\u001e421[\"ping\"]");

        // The acknowledged "ping" has no handler either: no answer, one line; "known" is handled: no line.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (_server.Logs.Count(116) < 2)
        {
            await Task.Delay(20, limit.Token);
        }

        AssertOneLine("'nobody'", "has no handler", "socket.On(\"nobody\"");
        AssertOneLine("'ping'", "has no handler");
        Assert.DoesNotContain(_server.Logs.Entries, static e => e.Message.Contains("'known'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_client_pointed_at_the_wrong_path_says_so()
    {
        await using var io = new SocketIOManager(_server.Url, new SocketIOClientOptions { Path = "/socketio", Reconnection = false });
        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => io.Socket.ConnectAsync());
        Assert.Contains("HTTP 404", error.Message, StringComparison.Ordinal);
        Assert.Contains("SocketIOClientOptions.Path", error.Message, StringComparison.Ordinal);
        Assert.Contains("/socketio/", error.Message, StringComparison.Ordinal);
    }
}
