using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server;

namespace SocketIO.Typed.Server.Tests;

/// <summary>Connection state recovery on the in-memory adapter, over raw long-polling requests.</summary>
public sealed class ConnectionStateRecoveryTests : IAsyncLifetime
{
    private static readonly TimeSpan s_window = TimeSpan.FromMilliseconds(400);
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private SocketIOServer _io = null!;
    private int _middlewareRuns;

    private InMemoryAdapter Adapter => (InMemoryAdapter)_io.Sockets.Adapter;

    public async Task InitializeAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSocketIO(o => o.ConnectionStateRecovery = new ConnectionStateRecoveryOptions
        {
            MaxDisconnectionDuration = s_window,
            SkipMiddlewares = false,
        });
        _app = builder.Build();
        _io = _app.MapSocketIO();
        _io.Use((_, _) =>
        {
            Interlocked.Increment(ref _middlewareRuns);
            return ValueTask.CompletedTask;
        });
        _io.OnConnection(socket =>
        {
            socket.On("ping", ctx => ctx.Socket.EmitAsync("pong", 1));
            socket.On("ping-ack", ctx => ctx.AckAsync(2));
        });
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
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
        using JsonDocument doc = JsonDocument.Parse(body[1..]);
        return doc.RootElement.GetProperty("sid").GetString()!;
    }

    private async Task PostAsync(string sid, string body)
    {
        using HttpResponseMessage response = await _http.PostAsync(
            $"/socket.io/?EIO=4&transport=polling&sid={sid}", new StringContent(body, Encoding.UTF8, "text/plain"));
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    private Task<string> PollAsync(string sid) => _http.GetStringAsync($"/socket.io/?EIO=4&transport=polling&sid={sid}");

    // Connects the main namespace; returns the Engine.IO sid and the CONNECT reply's JSON.
    private async Task<(string Sid, JsonElement Reply)> ConnectAsync(string connect = "40")
    {
        string sid = await HandshakeAsync();
        await PostAsync(sid, connect);
        string reply = await PollAsync(sid);
        Assert.StartsWith("40{", reply, StringComparison.Ordinal);
        using JsonDocument doc = JsonDocument.Parse(reply[2..]);
        return (sid, doc.RootElement.Clone());
    }

    [Fact]
    public async Task The_connect_reply_carries_a_pid_and_stored_events_carry_an_offset()
    {
        (string sid, JsonElement reply) = await ConnectAsync();
        Assert.Equal(["sid", "pid"], reply.EnumerateObject().Select(p => p.Name));
        Assert.NotEqual(reply.GetProperty("sid").GetString(), reply.GetProperty("pid").GetString());

        await PostAsync(sid, "42[\"ping\"]");
        string pong = await PollAsync(sid);
        Assert.StartsWith("42[\"pong\",1,\"", pong, StringComparison.Ordinal);

        // Acknowledgements are never stored nor tagged.
        int stored = Adapter.RecoveryPacketCount;
        await PostAsync(sid, "421[\"ping-ack\"]");
        Assert.Equal("431[2]", await PollAsync(sid));
        Assert.Equal(stored, Adapter.RecoveryPacketCount);
    }

    [Fact]
    public async Task Volatile_and_ack_broadcasts_are_not_stored()
    {
        // A connected socket receives all three, so none is skipped for want of a recipient.
        (string sid, _) = await ConnectAsync();
        await _io.EmitAsync("kept", 1);
        await _io.Sockets.Volatile.EmitAsync("sent, not kept", 2);
        Task<SocketIOBroadcastAckResult> asked = _io.Sockets.Timeout(TimeSpan.FromSeconds(10)).EmitWithAckAsync("asked", 3);

        var received = new List<string>();
        while (!received.Any(p => p.Contains("\"asked\"", StringComparison.Ordinal)))
        {
            received.AddRange((await PollAsync(sid)).Split('\u001e'));
        }

        string ask = received.Single(p => p.Contains("\"asked\"", StringComparison.Ordinal));
        Assert.Matches("^42\\d+\\[\"asked\",3\\]$", ask);
        await PostAsync(sid, "43" + ask[2..ask.IndexOf('[', StringComparison.Ordinal)] + "[\"yes\"]");
        SocketIOBroadcastAckResult result = await asked;
        Assert.True(result.AllResponded);
        Assert.Equal(1, result.Expected);

        // Only the plain event is stored for recovery (with its offset); the volatile and the acknowledged one are not.
        Assert.Equal(1, Adapter.RecoveryPacketCount);
        Assert.Contains(received, p => p.StartsWith("42[\"kept\",1,\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Packets_and_sessions_are_dropped_after_the_window()
    {
        (string sid, JsonElement reply) = await ConnectAsync();
        await _io.EmitAsync("a", 1);
        await _io.EmitAsync("b", 2);
        Assert.Equal(2, Adapter.RecoveryPacketCount);

        // The client closes its transport: a recoverable disconnection, so the session is kept.
        await PostAsync(sid, "1");
        await WaitUntilAsync(() => Adapter.RecoverySessionCount == 1);

        await Task.Delay(s_window + TimeSpan.FromMilliseconds(200));
        await _io.EmitAsync("c", 3);
        Assert.Equal(1, Adapter.RecoveryPacketCount);
        Assert.Equal(0, Adapter.RecoverySessionCount);

        // Too late: the old pid gives a fresh socket.
        string pid = reply.GetProperty("pid").GetString()!;
        (_, JsonElement again) = await ConnectAsync($"40{{\"pid\":\"{pid}\",\"offset\":\"whatever\"}}");
        Assert.NotEqual(reply.GetProperty("sid").GetString(), again.GetProperty("sid").GetString());
        Assert.NotEqual(pid, again.GetProperty("pid").GetString());
    }

    [Fact]
    public async Task A_recovered_socket_replays_in_order_and_runs_middlewares_when_told_to()
    {
        (string sid, JsonElement reply) = await ConnectAsync();
        string socketId = reply.GetProperty("sid").GetString()!;
        await PostAsync(sid, "42[\"ping\"]");
        string pong = await PollAsync(sid);
        string offset = pong[(pong.LastIndexOf(",\"", StringComparison.Ordinal) + 2)..^2];

        await PostAsync(sid, "1");
        await WaitUntilAsync(() => Adapter.RecoverySessionCount == 1);
        await _io.EmitAsync("missed", 1);
        await _io.To(socketId).EmitAsync("missed-direct", 2);
        await _io.To("other").EmitAsync("not-mine", 3);
        await _io.EmitAsync("missed-last", 4);

        string pid = reply.GetProperty("pid").GetString()!;
        string next = await HandshakeAsync();
        await PostAsync(next, $"40{{\"pid\":\"{pid}\",\"offset\":\"{offset}\"}}");
        string[] packets = (await PollAsync(next)).Split('\u001e');
        while (packets.Length < 4)
        {
            packets = [.. packets, .. (await PollAsync(next)).Split('\u001e')];
        }

        Assert.Equal($"40{{\"sid\":\"{socketId}\",\"pid\":\"{pid}\"}}", packets[0]);
        Assert.StartsWith("42[\"missed\",1,\"", packets[1], StringComparison.Ordinal);
        Assert.StartsWith("42[\"missed-direct\",2,\"", packets[2], StringComparison.Ordinal);
        Assert.StartsWith("42[\"missed-last\",4,\"", packets[3], StringComparison.Ordinal);
        Assert.Equal(2, _middlewareRuns);
        Assert.True(_io.Sockets.TryGetSocket(socketId, out SocketIOSocket? socket));
        Assert.True(socket.Recovered);
        Assert.Equal(0, Adapter.RecoverySessionCount);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
