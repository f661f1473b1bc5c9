using System.Text.Json;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>
/// Connection state recovery (socket.io 4.6) with the official JavaScript client: a short cut restores the socket
/// and replays what it missed; an unknown session or an expired one gives a fresh socket.
/// </summary>
public sealed class ConnectionStateRecoveryTests(ITestOutputHelper output)
{
    public static TheoryData<string> Transports { get; } = new() { "polling", "websocket", "upgrade" };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task A_short_cut_restores_id_rooms_data_and_replays_missed_events(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(
            output, o => o.ConnectionStateRecovery = new ConnectionStateRecoveryOptions());

        JsonElement result = await server.RunClientAsync("recovery", transport);

        string id = result.GetProperty("firstId").GetString()!;
        Assert.Equal("transport close", result.GetProperty("serverReason").GetString());
        Assert.True(result.GetProperty("recovered").GetBoolean());
        Assert.True(result.GetProperty("sameId").GetBoolean());
        Assert.True(result.GetProperty("stateRecovered").GetBoolean());
        Assert.Equal(new[] { id, "r1" }.Order(StringComparer.Ordinal), result.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("kept", result.GetProperty("tag").GetString());
        Assert.Equal($"True|{string.Join(',', new[] { id, "r1" }.Order(StringComparer.Ordinal))}|kept", await server.Probe.WaitAsync<string>("recovery:state:" + id));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task An_unknown_or_expired_session_gets_a_fresh_socket(string transport)
    {
        await using InteropServer server = await InteropServer.StartAsync(
            output, o => o.ConnectionStateRecovery = new ConnectionStateRecoveryOptions { MaxDisconnectionDuration = TimeSpan.FromSeconds(1) });

        JsonElement result = await server.RunClientAsync("recovery-expired", transport);

        Assert.False(result.GetProperty("bogusRecovered").GetBoolean());
        Assert.False(result.GetProperty("recovered").GetBoolean());
        Assert.False(result.GetProperty("sameId").GetBoolean());
        Assert.False(result.GetProperty("stateRecovered").GetBoolean());
        string newId = result.GetProperty("newId").GetString()!;
        Assert.Equal([newId], result.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(JsonValueKind.Null, result.GetProperty("tag").ValueKind);
    }

    [Fact]
    public async Task Without_recovery_a_reconnected_socket_is_not_recovered()
    {
        await using InteropServer server = await InteropServer.StartAsync(output);

        JsonElement result = await server.RunClientAsync("recovery-expired", "websocket");

        Assert.False(result.GetProperty("recovered").GetBoolean());
        Assert.False(result.GetProperty("stateRecovered").GetBoolean());
    }
}
