using System.Text.Json;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>Another .NET client, SocketIOClient 3.0.6 from NuGet, against our server: other clients are served too.</summary>
public sealed class PeerDotNetClientTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    // Against the Node server too, so the test is known to expect what a reference server does.
    [Theory]
    [InlineData("dotnet", global::SocketIOClient.Transport.TransportProtocol.WebSocket)]
    [InlineData("dotnet", global::SocketIOClient.Transport.TransportProtocol.Polling)]
    [InlineData("node", global::SocketIOClient.Transport.TransportProtocol.WebSocket)]
    [InlineData("node", global::SocketIOClient.Transport.TransportProtocol.Polling)]
    public async Task SocketIOClient_3_connects_and_exchanges_events_acks_and_binary(string kind, global::SocketIOClient.Transport.TransportProtocol transport)
    {
        await using ScenarioServer server = await ScenarioServer.StartAsync(kind, output);
        using var client = new global::SocketIOClient.SocketIO(server.Url, new global::SocketIOClient.SocketIOOptions
        {
            Transport = transport,
            Reconnection = false,
            ConnectionTimeout = TimeSpan.FromSeconds(5),
            Auth = new Dictionary<string, string>(StringComparer.Ordinal) { ["token"] = "peer" },
        });

        var hello = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.On("hello", response => hello.TrySetResult(response.GetValue<string>(0) + "|" + response.GetValue<JsonElement>(1).GetRawText()));
        var echoed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.On("echo-back", response => echoed.TrySetResult(
            response.GetValue<string>(0) + "|" + Convert.ToHexStringLower(response.InComingBytes.Single())));

        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.OnConnected += (_, _) => connected.TrySetResult();
        // SocketIOClient's ConnectAsync may return before the namespace CONNECT reply: wait for its event.
        await client.ConnectAsync();
        await connected.Task.WaitAsync(s_wait);
        Assert.True(client.Connected);
        Assert.Equal(client.Id + "|{\"token\":\"peer\"}", await hello.Task.WaitAsync(s_wait));

        await client.EmitAsync("echo", "from peer", new byte[] { 1, 2, 254 });
        Assert.Equal("from peer|0102fe", await echoed.Task.WaitAsync(s_wait));

        var acked = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.EmitAsync("echo-ack", response => acked.TrySetResult(response.GetValue<int>(0)), 41);
        Assert.Equal(41, await acked.Task.WaitAsync(s_wait));

        await client.DisconnectAsync();
    }
}
