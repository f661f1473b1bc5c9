using System.Collections.Concurrent;
using SocketIO.Typed.Client;
using SocketIO.Typed.Server.Engine;

namespace SocketIO.Typed.Server.Tests;

/// <summary>
/// The server's watch points (what the Admin UI instrumentation stands on, public for anyone): namespaces created,
/// sockets connected before the namespace's handlers, rooms joined and left in the adapter, Engine.IO upgrades and closes.
/// </summary>
public sealed class ServerHooksTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task NamespaceCreated_is_raised_once_per_namespace_static_or_dynamic()
    {
        var created = new ConcurrentQueue<string>();
        await using TestServer server = await TestServer.StartAsync(map: io =>
        {
            io.NamespaceCreated += ns => created.Enqueue(ns.Name);
            io.Of("/static");
            io.Of("static");
            io.Of((name, _) => name.StartsWith("/room-", StringComparison.Ordinal)).OnConnection(static _ => { });
        });

        await using var client = new SocketIOManager(server.Url, new SocketIOClientOptions { Reconnection = false });
        await client.Of("/room-1").ConnectAsync().WaitAsync(s_wait);
        await client.Of("/room-1").DisconnectAsync();
        SocketIOClientSocket again = client.Of("/room-1");
        await again.ConnectAsync().WaitAsync(s_wait);

        Assert.Equal(["/static", "/room-1"], created);
    }

    [Fact]
    public async Task SocketConnected_sees_every_socket_before_the_namespace_handlers_run()
    {
        var order = new ConcurrentQueue<string>();
        var mainHandled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var otherHandled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer server = await TestServer.StartAsync(map: io =>
        {
            io.SocketConnected += socket => order.Enqueue($"hook {socket.Namespace.Name} in own room: {socket.Rooms.Contains(socket.Id)}");
            io.OnConnection(socket =>
            {
                order.Enqueue("handler /");
                mainHandled.SetResult();
            });
            io.Of("/other").OnConnection(socket =>
            {
                order.Enqueue("handler /other");
                otherHandled.SetResult();
            });
        });

        // The client's CONNECT answer may arrive before the server's handlers have run: wait for each handler, so the
        // two namespaces' entries do not interleave.
        await using var client = new SocketIOManager(server.Url, new SocketIOClientOptions { Reconnection = false });
        await client.Socket.ConnectAsync().WaitAsync(s_wait);
        await mainHandled.Task.WaitAsync(s_wait);
        await client.Of("/other").ConnectAsync().WaitAsync(s_wait);
        await otherHandled.Task.WaitAsync(s_wait);

        Assert.Equal(["hook / in own room: True", "handler /", "hook /other in own room: True", "handler /other"], order);
    }

    [Fact]
    public async Task The_adapter_reports_rooms_joined_and_left_once_each()
    {
        var changes = new ConcurrentQueue<string>();
        var left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? id = null;
        await using TestServer server = await TestServer.StartAsync(map: io =>
        {
            io.Sockets.Adapter.RoomJoined += (room, sid) => changes.Enqueue($"+{(room == sid ? "self" : room)}");
            io.Sockets.Adapter.RoomLeft += (room, sid) =>
            {
                changes.Enqueue($"-{(room == sid ? "self" : room)}");
                if (room == sid)
                {
                    left.TrySetResult();
                }
            };
            io.OnConnection(socket =>
            {
                id = socket.Id;
                socket.Join("a");
                socket.Join("a");             // already in: not reported again
                socket.Join(["a", "b"]);
                socket.Leave("b");
                socket.Leave("b");            // not in: not reported
            });
        });

        await using var client = new SocketIOManager(server.Url, new SocketIOClientOptions { Reconnection = false });
        await client.Socket.ConnectAsync().WaitAsync(s_wait);
        await client.Socket.DisconnectAsync();
        await left.Task.WaitAsync(s_wait);

        string[] seen = [.. changes];
        Assert.Equal(["+self", "+a", "+b", "-b"], seen[..4]);
        Assert.Equal(["-a", "-self"], seen[4..].Order(StringComparer.Ordinal));   // the disconnect leaves every room
        Assert.NotNull(id);
    }

    [Fact]
    public async Task An_engine_session_reports_its_upgrade_and_its_close_with_the_reason()
    {
        var upgraded = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestServer server = await TestServer.StartAsync(map: io => io.EngineIO.Connection += session =>
        {
            session.Upgraded += s => upgraded.TrySetResult(s.Transport);
            session.Closed += (_, reason) => closed.TrySetResult(reason);
        });

        await using var client = new SocketIOManager(server.Url, new SocketIOClientOptions { Reconnection = false, Transports = SocketIOClientTransports.All });
        await client.Socket.ConnectAsync().WaitAsync(s_wait);
        Assert.Equal("websocket", await upgraded.Task.WaitAsync(s_wait));
        await client.DisposeAsync();
        Assert.Equal("transport close", await closed.Task.WaitAsync(s_wait));
    }
}
