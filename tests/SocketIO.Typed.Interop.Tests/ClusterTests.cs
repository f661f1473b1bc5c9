using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Adapters.Cluster;
using Npgsql;
using SocketIO.Typed.Client;
using RabbitMQ.Client;
using SocketIO.Typed.Postgres;
using SocketIO.Typed.RabbitMQ;
using SocketIO.Typed.Redis;
using SocketIO.Typed.Server;
using StackExchange.Redis;
using Typed.Probe.Contracts;
using Xunit.Abstractions;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>
/// A mixed cluster on one broker: a Node node (the official socket.io 4.8.4 with the official adapter:
/// <c>@socket.io/redis-adapter</c> 8.3.0, <c>@socket.io/redis-streams-adapter</c> 0.3.1 or
/// <c>@socket.io/postgres-adapter</c> 0.5.0; <c>node/cluster-node.mjs</c>) and a .NET node (our server with
/// <see cref="SocketIORedisAdapter"/>, <see cref="SocketIORedisStreamsAdapter"/> or <see cref="SocketIOPostgresAdapter"/>
/// and the same handlers), a client on each; every cluster operation is driven from each side and must reach the other.
/// </summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("redis")]
    [InlineData("redis-streams")]
    [InlineData("postgres")]
    public async Task A_node_and_a_dotnet_node_on_one_broker_serve_one_set_of_clients(string adapter)
    {
        await using MixedCluster cluster = await MixedCluster.StartAsync(output, adapter);
        (IClusterBroker broker, ProcessScenarioServer node, DotNetClusterNode dotnet) = cluster;

        await using ClusterClient ann = await ClusterClient.ConnectAsync(node.Url, "node");
        await using ClusterClient bob = await ClusterClient.ConnectAsync(dotnet.Url, "dotnet");

        // The server count, from either side.
        Assert.Equal(2, (await ann.AskAsync("count-servers")).GetInt32(0));
        Assert.Equal(2, (await bob.AskAsync("count-servers")).GetInt32(0));

        // Both in room "r": a broadcast to the room from each side reaches both.
        Assert.Equal("r", (await ann.AskAsync("join", "r")).GetString(0));
        Assert.Equal("r", (await bob.AskAsync("join", "r")).GetString(0));
        await ann.Socket.EmitAsync("to-room", "r", "from node");
        Assert.Equal("from node", await bob.NextRoomMessageAsync());
        Assert.Equal("from node", await ann.NextRoomMessageAsync());
        await bob.Socket.EmitAsync("to-room", "r", new JsonObject { ["text"] = "from dotnet", ["n"] = 2.5 });
        Assert.Equal("""{"text":"from dotnet","n":2.5}""", await ann.NextRoomMessageAsync());
        Assert.Equal("""{"text":"from dotnet","n":2.5}""", await bob.NextRoomMessageAsync());

        // Binary crosses inline.
        await bob.Socket.EmitAsync("to-room", "r", new byte[] { 1, 2, 3 });
        Assert.Equal("bytes:010203", await ann.NextRoomMessageAsync());
        Assert.Equal("bytes:010203", await bob.NextRoomMessageAsync());

        // FetchSockets: the room's sockets on both nodes, asked from each side.
        string[] both = [.. new[] { ann.Id, bob.Id }.Order(StringComparer.Ordinal)];
        Assert.Equal(both, Strings(await ann.AskAsync("fetch", "r")));
        Assert.Equal(both, Strings(await bob.AskAsync("fetch", "r")));

        // A server-side emit with acks: the other server answers.
        JsonElement fromNode = (await ann.AskAsync("ask-servers", 7)).GetElement(0);
        Assert.Equal(dotnet.Port, Assert.Single(fromNode.EnumerateArray()).GetProperty("port").GetInt32());
        JsonElement fromDotnet = (await bob.AskAsync("ask-servers", 8)).GetElement(0);
        JsonElement nodeAnswer = Assert.Single(fromDotnet.EnumerateArray());
        Assert.Equal(node.Port, nodeAnswer.GetProperty("port").GetInt32());
        Assert.Equal(8, nodeAnswer.GetProperty("x").GetInt32());

        // A broadcast with acks to the room: an answer from each node's client, asked from each side.
        Assert.Equal(["ann:3", "bob:3"], Strings(await ann.AskAsync("broadcast-ack", "r", 3)).Order(StringComparer.Ordinal));
        Assert.Equal(["ann:4", "bob:4"], Strings(await bob.AskAsync("broadcast-ack", "r", 4)).Order(StringComparer.Ordinal));

        // SocketsLeave from one side makes the other node's socket leave too; then DisconnectSockets across the cluster.
        await using ClusterClient carl = await ClusterClient.ConnectAsync(node.Url, "node");
        Assert.Equal("kick", (await carl.AskAsync("join", "kick")).GetString(0));
        Assert.Equal("kick", (await bob.AskAsync("join", "kick")).GetString(0));
        await ann.Socket.EmitAsync("kick-room", "kick");
        Assert.Equal("io server disconnect", await carl.DisconnectedAsync());
        Assert.Equal("io server disconnect", await bob.DisconnectedAsync());
        Assert.True(ann.Socket.IsConnected);
    }

    [Fact]
    public async Task Node_s_emitter_and_ours_drive_both_nodes()
    {
        await using MixedCluster cluster = await MixedCluster.StartAsync(output);
        (IClusterBroker broker, ProcessScenarioServer node, DotNetClusterNode dotnet) = cluster;
        var redis = (RedisServer)broker;
        await using ClusterClient ann = await ClusterClient.ConnectAsync(node.Url, "node");
        await using ClusterClient bob = await ClusterClient.ConnectAsync(dotnet.Url, "dotnet");
        await ann.AskAsync("join", "r");
        await bob.AskAsync("join", "r");

        // Node's emitter: an event to the room, a room for the room's sockets, a server-side event.
        await RunNodeEmitterAsync(redis.Url, "emit", "r", "room-msg", "\"from node's emitter\"");
        Assert.Equal("from node's emitter", await ann.NextRoomMessageAsync());
        Assert.Equal("from node's emitter", await bob.NextRoomMessageAsync());
        await RunNodeEmitterAsync(redis.Url, "join", "r", "vip");
        string[] both = [.. new[] { ann.Id, bob.Id }.Order(StringComparer.Ordinal)];
        await FetchUntilAsync(bob, "vip", both); // the emitter's request reaches each node on its own time
        await RunNodeEmitterAsync(redis.Url, "server-side", "note", "5");
        Assert.Equal("note:5", await ann.NextRoomMessageAsync());
        Assert.Equal("note:5", await bob.NextRoomMessageAsync());

        // Ours: the same, plus binary, an exception and a disconnect.
        IConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        await using (connection)
        {
            var emitter = new SocketIORedisEmitter(connection);
            await emitter.To("r").EmitAsync("room-msg", "from our emitter");
            Assert.Equal("from our emitter", await ann.NextRoomMessageAsync());
            Assert.Equal("from our emitter", await bob.NextRoomMessageAsync());
            await emitter.To("r").Except(ann.Id).EmitAsync("room-msg", new byte[] { 7, 8 });
            Assert.Equal("bytes:0708", await bob.NextRoomMessageAsync());
            await emitter.To("vip").SocketsLeaveAsync("vip");
            await FetchUntilAsync(ann, "vip", []);
            await emitter.ServerSideEmitAsync("note", 6);
            Assert.Equal("note:6", await ann.NextRoomMessageAsync());
            Assert.Equal("note:6", await bob.NextRoomMessageAsync());
            // Typed through a contract: the generated broadcast view over the emitter, binary inside the payload.
            var shape = new Shape(Guid.NewGuid(), "emitted", DateTimeOffset.UnixEpoch, Mood.Busy, Level.High, 3,
                ["a"], new Dictionary<string, double> { ["w"] = 0.5 }, new Inner("n", [5, 6]), "Emitted");
            await emitter.To("r").As<IProbeClient>().Relayed(shape);
            string relayed = await ann.NextRelayedAsync();
            Assert.Contains("\"display_name\":\"Emitted\"", relayed, StringComparison.Ordinal);
            Assert.EndsWith("bytes:0506", relayed, StringComparison.Ordinal);
            Assert.EndsWith("bytes:0506", await bob.NextRelayedAsync(), StringComparison.Ordinal);

            await emitter.In("r").DisconnectSocketsAsync();
            Assert.Equal("io server disconnect", await ann.DisconnectedAsync());
            Assert.Equal("io server disconnect", await bob.DisconnectedAsync());
        }
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("redis-streams")]
    [InlineData("postgres")]
    public async Task The_broker_restarts_local_clients_are_served_meanwhile_and_cluster_traffic_resumes(string adapter)
    {
        await using MixedCluster cluster = await MixedCluster.StartAsync(output, adapter);
        (IClusterBroker broker, ProcessScenarioServer node, DotNetClusterNode dotnet) = cluster;
        await using ClusterClient ann = await ClusterClient.ConnectAsync(node.Url, "node");
        await using ClusterClient bob = await ClusterClient.ConnectAsync(dotnet.Url, "dotnet");
        await using ClusterClient bea = await ClusterClient.ConnectAsync(dotnet.Url, "dotnet");
        foreach (ClusterClient client in (ClusterClient[])[ann, bob, bea])
        {
            await client.AskAsync("join", "r");
        }

        await broker.StopAsync();

        // Without the broker: the .NET node's own clients are still served; what could not go out is counted.
        await bob.Socket.EmitAsync("to-room", "r", "while down");
        Assert.Equal("while down", await bob.NextRoomMessageAsync());
        Assert.Equal("while down", await bea.NextRoomMessageAsync());
        // (StackExchange.Redis holds commands while it reconnects, up to its timeout: then the publish fails and is counted.)
        await WaitUntilAsync(() => dotnet.PublishFailureCount > 0);

        Assert.True(dotnet.PublishFailureCount >= 1);

        // A request to the other servers fails with an error, not a hang.
        SocketIOArguments fetched = await bob.AskAsync("fetch-safe", "r");
        Assert.Contains("unreachable", fetched.GetString(0), StringComparison.Ordinal);

        // The broker comes back on the same port: both nodes reconnect on their own and the cluster works again.
        await broker.RestartAsync();
        using var deadline = new CancellationTokenSource(s_wait);
        string? received = null;
        for (int attempt = 0; received is null && !deadline.IsCancellationRequested; attempt++)
        {
            await bob.Socket.EmitAsync("to-room", "r", "after " + attempt);
            received = await ann.TryNextRoomMessageAsync(TimeSpan.FromMilliseconds(500));
        }

        Assert.StartsWith("after", received);

        // Each client restores its subscriptions one by one: the count comes back to 2 when the last is restored.
        int count;
        while ((count = (await bob.AskAsync("count-servers")).GetInt32(0)) != 2 && !deadline.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        Assert.Equal(2, count);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("redis-streams")]
    [InlineData("postgres")]
    public async Task The_cluster_sample_and_its_node_twin_share_rooms_on_one_broker(string adapter)
    {
        await using IClusterBroker broker = adapter == "postgres" ? await PostgresServer.StartAsync() : await RedisServer.StartAsync();
        await using var node = new ProcessScenarioServer(output, "node", path: null, script: ["cluster-node.mjs", "--adapter", adapter, "--connection", broker.Url]);
        await node.StartAsync(0);

        int port = ChildProcesses.FreePort();
        using System.Diagnostics.Process sample = SampleProcesses.StartSample("Cluster.Server", new Dictionary<string, string>
        {
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SIO_ADAPTER"] = adapter,
            ["SIO_ADAPTER_CONNECTION"] = broker.Url,
        });
        try
        {
            string? line;
            while ((line = await sample.StandardOutput.ReadLineAsync().WaitAsync(s_wait)) is not null && !line.Contains("Cluster.Server: listening", StringComparison.Ordinal))
            {
                output.WriteLine("[sample] " + line);
            }

            Assert.NotNull(line);
            _ = sample.StandardOutput.ReadToEndAsync();
            await using ClusterClient ann = await ClusterClient.ConnectAsync(node.Url, "node");
            await using ClusterClient bob = await ClusterClient.ConnectAsync(new Uri($"http://127.0.0.1:{port}"), "dotnet");
            await CountUntilAsync(bob, 2);
            await ann.AskAsync("join", "r");
            await bob.AskAsync("join", "r");
            await bob.Socket.EmitAsync("to-room", "r", "from the sample");
            Assert.Equal("from the sample", await ann.NextRoomMessageAsync());
            Assert.Equal("from the sample", await bob.NextRoomMessageAsync());
            string[] both = [.. new[] { ann.Id, bob.Id }.Order(StringComparer.Ordinal)];
            Assert.Equal(both, Strings(await bob.AskAsync("fetch", "r")));
            JsonElement answers = (await ann.AskAsync("ask-servers", 9)).GetElement(0);
            Assert.Equal(port, Assert.Single(answers.EnumerateArray()).GetProperty("port").GetInt32());
        }
        finally
        {
            sample.Kill(entireProcessTree: true);
            await sample.WaitForExitAsync();
            output.WriteLine(await sample.StandardError.ReadToEndAsync());
        }
    }

    [Fact]
    public async Task Garbage_on_the_channels_is_dropped_and_counted_and_a_node_that_dies_leaves_the_count()
    {
        // (Garbage first, with .NET nodes only: the Node adapter 8.3 does not catch a message it cannot decode, and its
        // process ends. Ours log and count it.)
        await using RedisServer redis = await RedisServer.StartAsync();
        await using DotNetClusterNode dotnet = await DotNetClusterNode.StartAsync(redis, output);
        await using DotNetClusterNode second = await DotNetClusterNode.StartAsync(redis, output);
        await using ClusterClient bob = await ClusterClient.ConnectAsync(dotnet.Url, "dotnet");
        await using ClusterClient cid = await ClusterClient.ConnectAsync(second.Url, "dotnet");
        IConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        await using (connection)
        {
            ISubscriber publisher = connection.GetSubscriber();
            byte[][] garbage = [[0xc1], [0x93, 0xa1], "{not json"u8.ToArray(), [0xdd, 0xff, 0xff, 0xff, 0xff], [0x93, 0xa1, (byte)'x', 0x81, 0xa4, .. "data"u8, 0x91, 0x05, 0x80]];
            foreach (byte[] bytes in garbage)
            {
                await publisher.PublishAsync(RedisChannel.Literal("socket.io#/#"), bytes);
                await publisher.PublishAsync(RedisChannel.Literal("socket.io-request#/#"), bytes);
                await publisher.PublishAsync(RedisChannel.Literal("socket.io-response#/#"), bytes);
            }
        }

        await WaitUntilAsync(() => dotnet.DroppedMessageCount >= 10);

        Assert.True(dotnet.DroppedMessageCount >= 10, $"{dotnet.DroppedMessageCount} dropped");

        await ANodeJoinsThenDiesWithoutAWordAsync(redis, "redis", bob, cid);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("redis-streams")]
    [InlineData("postgres")]
    public async Task Room_changes_local_broadcasts_and_binary_server_side_events_started_on_the_dotnet_side(string adapter)
    {
        await using MixedCluster cluster = await MixedCluster.StartAsync(output, adapter);
        (IClusterBroker broker, ProcessScenarioServer node, DotNetClusterNode dotnet) = cluster;
        await using ClusterClient ann = await ClusterClient.ConnectAsync(node.Url, "node");
        await using ClusterClient bob = await ClusterClient.ConnectAsync(dotnet.Url, "dotnet");
        await ann.AskAsync("join", "r");
        await bob.AskAsync("join", "r");
        string[] both = [.. new[] { ann.Id, bob.Id }.Order(StringComparer.Ordinal)];

        // SocketsJoin / SocketsLeave from here reach the Node node's socket (checked from the Node side).
        Assert.True((await bob.AskAsync("sockets-join", "r", "vip")).GetBoolean(0));
        await FetchUntilAsync(ann, "vip", both);
        Assert.True((await bob.AskAsync("sockets-leave", "r", "vip")).GetBoolean(0));
        await FetchUntilAsync(ann, "vip", []);

        // A broadcast with acks hears from every socket of both nodes, and knows it did; a local one only from here.
        SocketIOArguments complete = await bob.AskAsync("broadcast-ack-complete", "r", false);
        Assert.True(complete.GetBoolean(0));
        Assert.Equal(2, complete.GetInt32(1));
        SocketIOArguments local = await bob.AskAsync("broadcast-ack-complete", "r", true);
        Assert.True(local.GetBoolean(0));
        Assert.Equal(1, local.GetInt32(1));

        // Binary in a server-side event: the classic adapter's JSON requests carry it as Node's JSON writes a Buffer; the
        // streams adapter's MessagePack keeps it binary, there and back.
        JsonElement answer = Assert.Single((await bob.AskAsync("ask-servers-bytes")).GetElement(0).EnumerateArray());
        if (adapter == "redis")
        {
            Assert.Equal("""{"type":"Buffer","data":[1,2]}""", answer.GetProperty("x").GetRawText());
        }
        else
        {
            Assert.Equal("bytes:0102", answer.GetString());
        }
    }

    [Theory]
    [InlineData("redis", "polling")]
    [InlineData("redis", "websocket")]
    [InlineData("redis", "upgrade")]
    [InlineData("redis-streams", "polling")]
    [InlineData("redis-streams", "websocket")]
    [InlineData("redis-streams", "upgrade")]
    [InlineData("postgres", "polling")]
    [InlineData("postgres", "websocket")]
    [InlineData("postgres", "upgrade")]
    public async Task The_official_javascript_client_on_each_node_sees_one_cluster(string adapter, string transport)
    {
        await using MixedCluster cluster = await MixedCluster.StartAsync(output, adapter);
        (_, ProcessScenarioServer node, DotNetClusterNode dotnet) = cluster;
        JsonElement result = (await NodeClient.RunAsync("cluster", node.Url.ToString(), transport, output,
            new Dictionary<string, string> { ["CLUSTER_OTHER_URL"] = dotnet.Url.ToString() }));

        Assert.Equal(result.GetProperty("ids").GetRawText(), result.GetProperty("fetched").GetRawText());
        Assert.Equal(2, result.GetProperty("servers").GetInt32());
        Assert.Equal("""["js-a:5","js-b:5"]""", result.GetProperty("answers").GetRawText());
        const string Both = """["bytes:0402","from js on a"]""";
        Assert.Equal(Both, result.GetProperty("a").GetRawText());
        Assert.Equal(Both, result.GetProperty("b").GetRawText());
    }

    [Theory]
    [InlineData("node-to-dotnet", "websocket", "second")]
    [InlineData("node-to-dotnet", "polling", "second")]
    [InlineData("node-to-dotnet", "websocket", "first")]
    [InlineData("dotnet-to-node", "websocket", "second")]
    [InlineData("dotnet-to-node", "polling", "second")]
    [InlineData("dotnet-to-node", "websocket", "first")]
    public async Task On_redis_streams_a_client_cut_from_one_node_recovers_on_the_other_with_its_id_rooms_data_and_missed_packets(string direction, string transport, string sender)
    {
        await using MixedCluster cluster = await MixedCluster.StartAsync(output, "redis-streams", recovery: true);
        (_, ProcessScenarioServer node, DotNetClusterNode dotnet) = cluster;
        (Uri first, Uri second) = direction == "node-to-dotnet" ? (node.Url, dotnet.Url) : (dotnet.Url, node.Url);

        // The broadcasts come from the node the client comes back to (its own stream entries there) or from the one it
        // left (entries the other node read from the stream).
        JsonElement result = await NodeClient.RunAsync("cluster-recovery", first.ToString(), transport, output,
            new Dictionary<string, string> { ["CLUSTER_OTHER_URL"] = second.ToString(), ["CLUSTER_SENDER_URL"] = (sender == "first" ? first : second).ToString() });

        Assert.True(result.GetProperty("recovered").GetBoolean(), result.GetRawText());
        Assert.True(result.GetProperty("sameId").GetBoolean());
        Assert.Equal("ann", result.GetProperty("data").GetString());
        string id = result.GetProperty("id").GetString()!;
        Assert.Equal([.. new[] { id, "r" }.Order(StringComparer.Ordinal)], result.GetProperty("rooms").EnumerateArray().Select(static e => e.GetString()!));
        // The packets sent while it was away, in order, then the live ones: none lost, none twice.
        Assert.Equal("""["before","missed 1","bytes:0909","after"]""", result.GetProperty("received").GetRawText());
    }

    [Fact]
    public async Task On_redis_streams_garbage_in_the_stream_and_on_the_channels_is_dropped_and_counted_and_a_dead_node_leaves_the_count()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using DotNetClusterNode dotnet = await DotNetClusterNode.StartAsync(redis, output, "redis-streams");
        await using DotNetClusterNode second = await DotNetClusterNode.StartAsync(redis, output, "redis-streams");
        await using ClusterClient bob = await ClusterClient.ConnectAsync(dotnet.Url, "dotnet");
        await using ClusterClient cid = await ClusterClient.ConnectAsync(second.Url, "dotnet");
        IConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        await using (connection)
        {
            ISubscriber publisher = connection.GetSubscriber();
            string own = ((SocketIOClusterAdapter)dotnet.Adapter).Uid;
            byte[][] garbage = [[0xc1], [0x84, 0xa1], "{not json"u8.ToArray(), [0x83, 0xa4, .. "type"u8, 0x63, 0xa3, .. "uid"u8, 0xa1, (byte)'x', 0xa3, .. "nsp"u8, 0xa1, (byte)'/']];
            foreach (byte[] bytes in garbage)
            {
                await publisher.PublishAsync(RedisChannel.Literal("socket.io#/#"), bytes);
                await publisher.PublishAsync(RedisChannel.Literal("socket.io#/#" + own + "#"), bytes);
            }

            IDatabase db = connection.GetDatabase();
            NameValueEntry[][] entries =
            [
                [new("uid", "x"), new("nsp", "/"), new("type", "3"), new("data", "{not json")],
                [new("uid", "x"), new("nsp", "/"), new("type", "3"), new("data", "!!!not base64")],
                [new("uid", "x"), new("nsp", "/"), new("type", "3"), new("data", "AAAA")],
                [new("uid", "x"), new("nsp", "/"), new("type", "99"), new("data", "{}")],
                [new("uid", "x"), new("nsp", "/"), new("type", "3"), new("data", """{"packet":{"type":2,"data":[]},"opts":{"rooms":[]}}""")],
            ];
            foreach (NameValueEntry[] entry in entries)
            {
                await db.StreamAddAsync("socket.io", entry);
            }
        }

        await WaitUntilAsync(() => dotnet.DroppedMessageCount >= 12);

        Assert.True(dotnet.DroppedMessageCount >= 12, $"{dotnet.DroppedMessageCount} dropped");

        await ANodeJoinsThenDiesWithoutAWordAsync(redis, "redis-streams", bob, cid);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("redis-streams")]
    [InlineData("postgres")]
    public async Task Except_volatile_socket_details_and_a_broadcast_with_acks_that_times_out_cross_the_cluster_both_ways(string adapter)
    {
        await using MixedCluster cluster = await MixedCluster.StartAsync(output, adapter);
        (_, ProcessScenarioServer node, DotNetClusterNode dotnet) = cluster;
        await using ClusterClient ann = await ClusterClient.ConnectAsync(node.Url, "node");
        await using ClusterClient bob = await ClusterClient.ConnectAsync(dotnet.Url, "dotnet");
        await using ClusterClient mute = await ClusterClient.ConnectAsync(node.Url, "mute", mute: true);
        foreach (ClusterClient client in (ClusterClient[])[ann, bob, mute])
        {
            await client.AskAsync("join", "r");
        }

        // Except, from each side: the other node's socket is left out (each client's next message shows it).
        await ann.Socket.EmitAsync("to-room-except", "r", bob.Id, "not bob");
        Assert.Equal("not bob", await ann.NextRoomMessageAsync());
        await bob.Socket.EmitAsync("to-room-except", "r", ann.Id, "not ann");
        Assert.Equal("not ann", await bob.NextRoomMessageAsync());

        // Volatile, from each side: delivered to ready clients on both nodes.
        await bob.Socket.EmitAsync("to-room-volatile", "r", "v1");
        Assert.Equal("v1", await ann.NextRoomMessageAsync());
        Assert.Equal("v1", await bob.NextRoomMessageAsync());
        await ann.Socket.EmitAsync("to-room-volatile", "r", "v2");
        Assert.Equal("v2", await ann.NextRoomMessageAsync());
        Assert.Equal("v2", await bob.NextRoomMessageAsync());

        // FetchSockets with each socket's rooms, data and handshake, asked from each side.
        Assert.True((await ann.AskAsync("set-data", "name", "ann")).GetBoolean(0));
        Assert.True((await bob.AskAsync("set-data", "name", "bob")).GetBoolean(0));
        foreach (ClusterClient asker in (ClusterClient[])[ann, bob])
        {
            JsonElement details = (await asker.AskAsync("fetch-details", "r")).GetElement(0);
            var byId = details.EnumerateArray().ToDictionary(static d => d.GetProperty("id").GetString()!, StringComparer.Ordinal);
            foreach ((ClusterClient client, string name) in (ValueTuple<ClusterClient, string>[])[(ann, "ann"), (bob, "bob"), (mute, "mute")])
            {
                JsonElement socket = byId[client.Id];
                Assert.Equal([.. new[] { client.Id, "r" }.Order(StringComparer.Ordinal)], socket.GetProperty("rooms").EnumerateArray().Select(static r => r.GetString()!));
                Assert.Equal(name, socket.GetProperty("query").GetProperty("who").GetString());
                Assert.Contains("127.0.0.1", socket.GetProperty("address").GetString(), StringComparison.Ordinal);
                if (name != "mute")
                {
                    Assert.Equal(name, socket.GetProperty("data").GetProperty("name").GetString());
                }
            }
        }

        // A broadcast with acks to a room with a socket that never answers: the answers that came, and not complete.
        foreach (ClusterClient asker in (ClusterClient[])[ann, bob])
        {
            JsonElement partial = (await asker.AskAsync("broadcast-ack-within", "r", 1500)).GetElement(0);
            Assert.False(partial[0].GetBoolean());
            Assert.Equal(["ann:1", "bob:1"], partial[1].EnumerateArray().Select(static a => a.GetString()!));
        }
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("redis-streams")]
    [InlineData("postgres")]
    public async Task The_emitter_sample_a_console_app_reaches_both_nodes(string adapter)
    {
        await using MixedCluster cluster = await MixedCluster.StartAsync(output, adapter);
        (IClusterBroker broker, ProcessScenarioServer node, DotNetClusterNode dotnet) = cluster;
        await using ClusterClient ann = await ClusterClient.ConnectAsync(node.Url, "node");
        await using ClusterClient bob = await ClusterClient.ConnectAsync(dotnet.Url, "dotnet");
        await ann.AskAsync("join", "r");
        await bob.AskAsync("join", "r");

        using System.Diagnostics.Process emitter = SampleProcesses.StartSample("Cluster.Emitter", new Dictionary<string, string>
        {
            ["SIO_ADAPTER"] = adapter,
            ["SIO_ADAPTER_CONNECTION"] = broker.Url,
        }, "r", "hello from a console app");
        Task<string> errors = emitter.StandardError.ReadToEndAsync();
        string printed = await emitter.StandardOutput.ReadToEndAsync().WaitAsync(s_wait);
        await emitter.WaitForExitAsync().WaitAsync(s_wait);
        Assert.True(emitter.ExitCode == 0, printed + await errors);

        // The chat contract's notice (typed), an untyped event, and a server-side event each server turns into a message.
        string[] expected = ["hello from a console app", "note:hello from a console app", "notice:hello from a console app"];
        foreach (ClusterClient client in (ClusterClient[])[ann, bob])
        {
            string[] got = [await client.NextRoomMessageAsync(), await client.NextRoomMessageAsync(), await client.NextRoomMessageAsync()];
            Assert.Equal(expected.Order(StringComparer.Ordinal), got.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task On_redis_streams_our_emitter_drives_both_nodes()
    {
        await using MixedCluster cluster = await MixedCluster.StartAsync(output, "redis-streams");
        (IClusterBroker broker, ProcessScenarioServer node, DotNetClusterNode dotnet) = cluster;
        await using ClusterClient ann = await ClusterClient.ConnectAsync(node.Url, "node");
        await using ClusterClient bob = await ClusterClient.ConnectAsync(dotnet.Url, "dotnet");
        await ann.AskAsync("join", "r");
        await bob.AskAsync("join", "r");
        IConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(broker.Configuration);
        await using (connection)
        {
            SocketIOClusterEmitter emitter = SocketIORedisStreamsEmitter.Create(connection);
            await emitter.To("r").EmitAsync("room-msg", "from our emitter");
            Assert.Equal("from our emitter", await ann.NextRoomMessageAsync());
            Assert.Equal("from our emitter", await bob.NextRoomMessageAsync());
            await emitter.To("r").Except(ann.Id).EmitAsync("room-msg", new byte[] { 7, 8 });
            Assert.Equal("bytes:0708", await bob.NextRoomMessageAsync());
            string[] both = [.. new[] { ann.Id, bob.Id }.Order(StringComparer.Ordinal)];
            await emitter.To("r").SocketsJoinAsync("vip");
            await FetchUntilAsync(ann, "vip", both);
            await emitter.To("vip").SocketsLeaveAsync("vip");
            await FetchUntilAsync(bob, "vip", []);
            await emitter.ServerSideEmitAsync("note", 6);
            Assert.Equal("note:6", await ann.NextRoomMessageAsync());
            Assert.Equal("note:6", await bob.NextRoomMessageAsync());
            var shape = new Shape(Guid.NewGuid(), "emitted", DateTimeOffset.UnixEpoch, Mood.Busy, Level.High, 3,
                ["a"], new Dictionary<string, double> { ["w"] = 0.5 }, new Inner("n", [5, 6]), "Emitted");
            await emitter.To("r").As<IProbeClient>().Relayed(shape);
            Assert.EndsWith("bytes:0506", await ann.NextRelayedAsync(), StringComparison.Ordinal);
            Assert.EndsWith("bytes:0506", await bob.NextRelayedAsync(), StringComparison.Ordinal);
            await emitter.In("r").DisconnectSocketsAsync();
            Assert.Equal("io server disconnect", await ann.DisconnectedAsync());
            Assert.Equal("io server disconnect", await bob.DisconnectedAsync());
        }
    }

    [Fact]
    public async Task Servers_starting_together_create_the_postgres_attachments_table_once_without_failing()
    {
        // Seen with two chat samples started at once: CREATE TABLE IF NOT EXISTS raced and one server died on
        // "duplicate key value violates unique constraint pg_type_typname_nsp_index".
        await using PostgresServer broker = await PostgresServer.StartAsync();
        await using NpgsqlDataSource db = NpgsqlDataSource.Create(broker.Configuration);
        for (int round = 0; round < 5; round++)
        {
            string table = "attachments_race_" + round;
            await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => SocketIOPostgresAdapter.CreateAttachmentsTableAsync(db, table))));
            await using NpgsqlCommand count = db.CreateCommand($"SELECT count(*) FROM pg_tables WHERE tablename = '{table}'");
            Assert.Equal(1L, await count.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task On_postgres_large_and_binary_messages_emitters_garbage_and_a_dead_node()
    {
        await using MixedCluster cluster = await MixedCluster.StartAsync(output, "postgres");
        (IClusterBroker broker, ProcessScenarioServer node, DotNetClusterNode dotnet) = cluster;
        await using ClusterClient ann = await ClusterClient.ConnectAsync(node.Url, "node");
        await using ClusterClient bob = await ClusterClient.ConnectAsync(dotnet.Url, "dotnet");
        await ann.AskAsync("join", "r");
        await bob.AskAsync("join", "r");

        // Messages of 8000 bytes or more go through the attachments table, both ways.
        string large = new('x', 20_000);
        await bob.Socket.EmitAsync("to-room", "r", large);
        Assert.Equal(large, await ann.NextRoomMessageAsync());
        Assert.Equal(large, await bob.NextRoomMessageAsync());
        await ann.Socket.EmitAsync("to-room", "r", large + "!");
        Assert.Equal(large + "!", await bob.NextRoomMessageAsync());
        Assert.Equal(large + "!", await ann.NextRoomMessageAsync());

        await using (NpgsqlDataSource db = NpgsqlDataSource.Create(broker.Configuration))
        {
            // Ours: an event (text, binary, typed), a room for the room's sockets, a server-side event.
            SocketIOClusterEmitter emitter = SocketIOPostgresEmitter.Create(db);
            await emitter.To("r").EmitAsync("room-msg", "from our emitter");
            Assert.Equal("from our emitter", await ann.NextRoomMessageAsync());
            Assert.Equal("from our emitter", await bob.NextRoomMessageAsync());
            await emitter.To("r").Except(ann.Id).EmitAsync("room-msg", new byte[] { 7, 8 });
            Assert.Equal("bytes:0708", await bob.NextRoomMessageAsync());
            await emitter.To("r").SocketsJoinAsync("vip");
            string[] both = [.. new[] { ann.Id, bob.Id }.Order(StringComparer.Ordinal)];
            await FetchUntilAsync(ann, "vip", both);
            await emitter.ServerSideEmitAsync("note", 6);
            Assert.Equal("note:6", await ann.NextRoomMessageAsync());
            Assert.Equal("note:6", await bob.NextRoomMessageAsync());
            var shape = new Shape(Guid.NewGuid(), "emitted", DateTimeOffset.UnixEpoch, Mood.Busy, Level.High, 3,
                ["a"], new Dictionary<string, double> { ["w"] = 0.5 }, new Inner("n", [5, 6]), "Emitted");
            await emitter.To("r").As<IProbeClient>().Relayed(shape);
            Assert.EndsWith("bytes:0506", await ann.NextRelayedAsync(), StringComparison.Ordinal);
            Assert.EndsWith("bytes:0506", await bob.NextRelayedAsync(), StringComparison.Ordinal);

            // Node's emitter leaves the namespace out of its messages: this server takes it from the channel (Node's
            // 0.5 servers drop such messages).
            await RunNodeScriptAsync("pg-emit.mjs", broker.Url, "emit", "r", "room-msg", "\"from node's emitter\"");
            Assert.Equal("from node's emitter", await bob.NextRoomMessageAsync());

            // Garbage on the channel (with the emitter's uid, so that no server counts a stranger as a server for the
            // heartbeat timeout): dropped and counted, and nobody goes down.
            long before = dotnet.DroppedMessageCount;
            long attachment;
            await using (NpgsqlCommand insert = db.CreateCommand("INSERT INTO socket_io_attachments (payload) VALUES ($1) RETURNING id"))
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = new byte[] { 0xc1, 0x00 } });
                attachment = (long)(await insert.ExecuteScalarAsync())!;
            }

            foreach (string payload in (string[])["{not json", """{"type":99,"uid":"emitter","nsp":"/"}""", """{"uid":"emitter","type":3,"attachmentId":"999999"}""", "[1,2]",
                "{\"uid\":\"emitter\",\"type\":3,\"attachmentId\":\"" + attachment + "\"}"])
            {
                await using NpgsqlCommand notify = db.CreateCommand("SELECT pg_notify('socket.io#/', $1)");
                notify.Parameters.Add(new NpgsqlParameter { Value = payload });
                await notify.ExecuteNonQueryAsync();
            }

            await WaitUntilAsync(() => dotnet.DroppedMessageCount >= before + 5);

            Assert.Equal(before + 5, dotnet.DroppedMessageCount);
            await bob.Socket.EmitAsync("to-room", "r", "still fine");
            Assert.Equal("still fine", await ann.NextRoomMessageAsync());
        }

        // The Node node dies without a word: a request to the cluster meanwhile fails with a clear error, and the
        // node leaves the count when its heartbeats stop (10 s).
        await node.StopAsync();
        Assert.Contains("timeout reached", (await bob.AskAsync("fetch-safe", "r")).GetString(0), StringComparison.Ordinal);
        await CountUntilAsync(bob, 1);
        Assert.Equal([bob.Id], Strings(await bob.AskAsync("fetch", "r")));
    }

    [Fact]
    public async Task On_rabbitmq_two_dotnet_nodes_serve_one_set_of_clients_and_an_emitter_reaches_both()
    {
        // Node has no RabbitMQ adapter: two .NET nodes.
        await using RabbitMQServer rabbit = await RabbitMQServer.StartAsync();
        await using DotNetClusterNode first = await DotNetClusterNode.StartAsync(rabbit, output, "rabbitmq");
        await using DotNetClusterNode second = await DotNetClusterNode.StartAsync(rabbit, output, "rabbitmq");
        await using ClusterClient ann = await ClusterClient.ConnectAsync(first.Url, "node");
        await using ClusterClient bob = await ClusterClient.ConnectAsync(second.Url, "dotnet");
        await CountUntilAsync(ann, 2);
        await CountUntilAsync(bob, 2);
        Assert.Equal("r", (await ann.AskAsync("join", "r")).GetString(0));
        Assert.Equal("r", (await bob.AskAsync("join", "r")).GetString(0));

        await ann.Socket.EmitAsync("to-room", "r", "from the first");
        Assert.Equal("from the first", await bob.NextRoomMessageAsync());
        Assert.Equal("from the first", await ann.NextRoomMessageAsync());
        await bob.Socket.EmitAsync("to-room", "r", new byte[] { 1, 2, 3 });
        Assert.Equal("bytes:010203", await ann.NextRoomMessageAsync());
        Assert.Equal("bytes:010203", await bob.NextRoomMessageAsync());

        string[] both = [.. new[] { ann.Id, bob.Id }.Order(StringComparer.Ordinal)];
        Assert.Equal(both, Strings(await ann.AskAsync("fetch", "r")));
        Assert.Equal(both, Strings(await bob.AskAsync("fetch", "r")));
        Assert.Equal(second.Port, Assert.Single((await ann.AskAsync("ask-servers", 7)).GetElement(0).EnumerateArray()).GetProperty("port").GetInt32());
        Assert.Equal(first.Port, Assert.Single((await bob.AskAsync("ask-servers", 8)).GetElement(0).EnumerateArray()).GetProperty("port").GetInt32());
        Assert.Equal("bytes:0102", Assert.Single((await bob.AskAsync("ask-servers-bytes")).GetElement(0).EnumerateArray()).GetProperty("x").GetString());
        Assert.Equal(["ann:3", "bob:3"], Strings(await ann.AskAsync("broadcast-ack", "r", 3)).Order(StringComparer.Ordinal));
        SocketIOArguments complete = await bob.AskAsync("broadcast-ack-complete", "r", false);
        Assert.True(complete.GetBoolean(0));
        Assert.Equal(2, complete.GetInt32(1));
        Assert.True((await bob.AskAsync("sockets-join", "r", "vip")).GetBoolean(0));
        await FetchUntilAsync(ann, "vip", both);
        Assert.True((await ann.AskAsync("sockets-leave", "r", "vip")).GetBoolean(0));
        await FetchUntilAsync(bob, "vip", []);

        IConnection connection = await RabbitAsync(rabbit);
        await using (connection)
        {
            SocketIOClusterEmitter emitter = SocketIORabbitMQEmitter.Create(connection);
            await emitter.To("r").EmitAsync("room-msg", "from our emitter");
            Assert.Equal("from our emitter", await ann.NextRoomMessageAsync());
            Assert.Equal("from our emitter", await bob.NextRoomMessageAsync());
            await emitter.ServerSideEmitAsync("note", 6);
            Assert.Equal("note:6", await ann.NextRoomMessageAsync());
            Assert.Equal("note:6", await bob.NextRoomMessageAsync());
            var shape = new Shape(Guid.NewGuid(), "emitted", DateTimeOffset.UnixEpoch, Mood.Busy, Level.High, 3,
                ["a"], new Dictionary<string, double> { ["w"] = 0.5 }, new Inner("n", [5, 6]), "Emitted");
            await emitter.To("r").As<IProbeClient>().Relayed(shape);
            Assert.EndsWith("bytes:0506", await ann.NextRelayedAsync(), StringComparison.Ordinal);
            Assert.EndsWith("bytes:0506", await bob.NextRelayedAsync(), StringComparison.Ordinal);

            // An emitter is not a server: it is not counted.
            Assert.Equal(2, (await ann.AskAsync("count-servers")).GetInt32(0));
        }

        await ann.Socket.EmitAsync("kick-room", "r");
        Assert.Equal("io server disconnect", await ann.DisconnectedAsync());
        Assert.Equal("io server disconnect", await bob.DisconnectedAsync());
    }

    [Fact]
    public async Task On_rabbitmq_the_broker_restarts_garbage_is_dropped_and_a_node_that_dies_leaves_the_count()
    {
        await using RabbitMQServer rabbit = await RabbitMQServer.StartAsync();
        await using DotNetClusterNode first = await DotNetClusterNode.StartAsync(rabbit, output, "rabbitmq");
        await using DotNetClusterNode second = await DotNetClusterNode.StartAsync(rabbit, output, "rabbitmq");
        await using ClusterClient ann = await ClusterClient.ConnectAsync(first.Url, "node");
        await using ClusterClient bob = await ClusterClient.ConnectAsync(second.Url, "dotnet");
        await using ClusterClient bea = await ClusterClient.ConnectAsync(second.Url, "dotnet");
        await CountUntilAsync(bob, 2);
        foreach (ClusterClient client in (ClusterClient[])[ann, bob, bea])
        {
            await client.AskAsync("join", "r");
        }

        // Garbage on the namespace's exchange: dropped and counted by both, nobody goes down.
        IConnection connection = await RabbitAsync(rabbit);
        await using (connection)
        {
            await using IChannel channel = await connection.CreateChannelAsync();
            byte[][] garbage = [[0xc1], [0x84, 0xa1], "{not msgpack"u8.ToArray(), [0x83, 0xa4, .. "type"u8, 0x63, 0xa3, .. "uid"u8, 0xa1, (byte)'x', 0xa3, .. "nsp"u8, 0xa1, (byte)'/']];
            foreach (byte[] bytes in garbage)
            {
                await channel.BasicPublishAsync("socket.io#/", string.Empty, bytes);
            }
        }

        await WaitUntilAsync(() => first.DroppedMessageCount >= 4 && second.DroppedMessageCount >= 4);

        Assert.Equal(4, first.DroppedMessageCount);
        Assert.Equal(4, second.DroppedMessageCount);

        // The broker goes away: local clients are served, what could not go out is counted, requests fail clearly.
        await rabbit.StopAsync();
        await bob.Socket.EmitAsync("to-room", "r", "while down");
        Assert.Equal("while down", await bob.NextRoomMessageAsync());
        Assert.Equal("while down", await bea.NextRoomMessageAsync());
        await WaitUntilAsync(() => second.PublishFailureCount > 0);

        Assert.True(second.PublishFailureCount >= 1);
        Assert.Contains("unreachable", (await bob.AskAsync("fetch-safe", "r")).GetString(0), StringComparison.Ordinal);

        // It comes back on the same port: the client library recovers the connection, the queues and their bindings.
        await rabbit.RestartAsync();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            string? received = null;
            for (int attempt = 0; received is null && !deadline.IsCancellationRequested; attempt++)
            {
                await bob.Socket.EmitAsync("to-room", "r", "after " + attempt);
                received = await ann.TryNextRoomMessageAsync(TimeSpan.FromMilliseconds(500));
            }

            Assert.StartsWith("after", received);
        }

        await CountUntilAsync(ann, 2);

        // A third node, the sample as a process, joins; then it dies without a word: a request meanwhile fails with a
        // timeout error, and it leaves the count when its heartbeats stop.
        int port = ChildProcesses.FreePort();
        using System.Diagnostics.Process sample = SampleProcesses.StartSample("Cluster.Server", new Dictionary<string, string>
        {
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SIO_ADAPTER"] = "rabbitmq",
            ["SIO_ADAPTER_CONNECTION"] = rabbit.Url,
        });
        try
        {
            string? line;
            while ((line = await sample.StandardOutput.ReadLineAsync().WaitAsync(s_wait)) is not null && !line.Contains("Cluster.Server: listening", StringComparison.Ordinal))
            {
                output.WriteLine("[sample] " + line);
            }

            _ = sample.StandardOutput.ReadToEndAsync();
            await using ClusterClient cid = await ClusterClient.ConnectAsync(new Uri($"http://127.0.0.1:{port}"), "dotnet");
            await CountUntilAsync(ann, 3);
            await cid.AskAsync("join", "r");
            await cid.Socket.EmitAsync("to-room", "r", "from the sample");
            Assert.Equal("from the sample", await ann.NextRoomMessageAsync());
        }
        finally
        {
            sample.Kill(entireProcessTree: true);
            await sample.WaitForExitAsync();
        }

        Assert.Contains("timeout reached", (await ann.AskAsync("fetch-safe", "r")).GetString(0), StringComparison.Ordinal);
        await CountUntilAsync(ann, 2);
    }

    private static Task<IConnection> RabbitAsync(IClusterBroker broker) =>
        new ConnectionFactory { Uri = new Uri(broker.Configuration), NetworkRecoveryInterval = TimeSpan.FromSeconds(1) }.CreateConnectionAsync();

    // After garbage: the cluster of two .NET nodes (clients bob and cid) still works and takes a Node node in; then the
    // Node node dies without a word (its Redis connections close) and leaves the count; requests ask the two left.
    private async Task ANodeJoinsThenDiesWithoutAWordAsync(IClusterBroker broker, string adapter, ClusterClient bob, ClusterClient cid)
    {
        await using var node = new ProcessScenarioServer(output, "node", path: null, script: ["cluster-node.mjs", "--adapter", adapter, "--connection", broker.Url]);
        await node.StartAsync(0);
        await using ClusterClient ann = await ClusterClient.ConnectAsync(node.Url, "node");
        await CountUntilAsync(bob, 3);
        foreach (ClusterClient client in (ClusterClient[])[ann, bob, cid])
        {
            await client.AskAsync("join", "r");
        }

        await bob.Socket.EmitAsync("to-room", "r", "still fine");
        Assert.Equal("still fine", await ann.NextRoomMessageAsync());
        Assert.Equal("still fine", await cid.NextRoomMessageAsync());

        await node.StopAsync();
        await CountUntilAsync(bob, 2);
        string[] left = [.. new[] { bob.Id, cid.Id }.Order(StringComparer.Ordinal)];
        Assert.Equal(left, Strings(await cid.AskAsync("fetch", "r")));
    }

    // Waits until the condition holds or the wait is over (the assertion that follows says which): for effects that
    // nothing signals, such as counters.
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(s_wait);
        while (!condition() && !deadline.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None);
        }
    }

    // Asks until the cluster counts this many servers (with heartbeats, servers meet over a few messages).
    private static async Task CountUntilAsync(ClusterClient client, int expected)
    {
        using var deadline = new CancellationTokenSource(s_wait);
        int count;
        while ((count = (await client.AskAsync("count-servers")).GetInt32(0)) != expected && !deadline.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None);
        }

        Assert.Equal(expected, count);
    }

    // Asks until the room holds exactly these sockets (or the wait is over): for requests whose effect nothing signals.
    private static async Task FetchUntilAsync(ClusterClient client, string room, string[] expected)
    {
        using var deadline = new CancellationTokenSource(s_wait);
        string[] got;
        while (!(got = Strings(await client.AskAsync("fetch", room))).SequenceEqual(expected) && !deadline.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None);
        }

        Assert.Equal(expected, got);
    }

    private static Task RunNodeEmitterAsync(string url, params string[] command) => RunNodeScriptAsync("redis-emit.mjs", url, command);

    private static async Task RunNodeScriptAsync(string script, string url, params string[] command)
    {
        var start = new System.Diagnostics.ProcessStartInfo(NodeClient.FindNode() ?? "node")
        {
            WorkingDirectory = NodeClient.NodeDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])[script, "--connection", url, .. command])
        {
            start.ArgumentList.Add(argument);
        }

        using System.Diagnostics.Process process = System.Diagnostics.Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = await process.StandardOutput.ReadToEndAsync().WaitAsync(s_wait);
        await process.WaitForExitAsync().WaitAsync(s_wait);
        Assert.True(process.ExitCode == 0 && stdout.Contains("DONE", StringComparison.Ordinal), $"the Node emitter failed: {await stderr}");
    }

    private static string[] Strings(SocketIOArguments answer) => [.. answer.GetElement(0).EnumerateArray().Select(static e => e.GetString()!)];

    /// <summary>A private Redis with the Node twin and one .NET node on it.</summary>
    private sealed class MixedCluster(IClusterBroker broker, ProcessScenarioServer node, DotNetClusterNode dotnet) : IAsyncDisposable
    {
        public static async Task<MixedCluster> StartAsync(ITestOutputHelper output, string adapter = "redis", bool recovery = false)
        {
            IClusterBroker broker = adapter == "postgres" ? await PostgresServer.StartAsync() : await RedisServer.StartAsync();
            var node = new ProcessScenarioServer(output, "node", path: null, script: ["cluster-node.mjs", "--adapter", adapter, "--connection", broker.Url, .. (string[])(recovery ? ["--recovery"] : [])]);
            await node.StartAsync(0);
            var cluster = new MixedCluster(broker, node, await DotNetClusterNode.StartAsync(broker, output, adapter, recovery));

            // The servers know each other at once on Redis (subscriptions are counted); with heartbeats, once they met.
            using var met = new CancellationTokenSource(s_wait);
            while (await cluster.Dotnet.Adapter.GetServerCountAsync() != 2 && !met.IsCancellationRequested)
            {
                await Task.Delay(20, CancellationToken.None);
            }

            return cluster;
        }

        private DotNetClusterNode Dotnet => dotnet;

        public void Deconstruct(out IClusterBroker server, out ProcessScenarioServer nodeServer, out DotNetClusterNode dotnetNode) =>
            (server, nodeServer, dotnetNode) = (broker, node, dotnet);

        public async ValueTask DisposeAsync()
        {
            await dotnet.DisposeAsync();
            await node.DisposeAsync();
            await broker.DisposeAsync();
        }
    }

    /// <summary>A .NET client of one node, answering "question" with "name:x".</summary>
    private sealed class ClusterClient : IAsyncDisposable
    {
        private readonly SocketIOManager _io;
        private readonly System.Threading.Channels.Channel<string> _roomMessages = System.Threading.Channels.Channel.CreateUnbounded<string>();
        private readonly TaskCompletionSource<string> _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly System.Threading.Channels.Channel<string> _relayed = System.Threading.Channels.Channel.CreateUnbounded<string>();

        private ClusterClient(Uri url, string name, bool mute)
        {
            var options = new SocketIOClientOptions { Transports = SocketIOClientTransports.WebSocket, Reconnection = false };
            options.Query["who"] = name;
            _io = new SocketIOManager(url, options);
            Socket = _io.Socket;
            Socket.On("welcome", static _ => { });
            Socket.On("room-msg", context =>
            {
                SocketIOArguments args = context.Arguments;
                string text = args.Attachments.Count > 0
                    ? "bytes:" + Convert.ToHexString(args.GetBytes(0).Span)
                    : args.GetElement(0).ValueKind == JsonValueKind.String ? args.GetString(0)! : args.GetElement(0).GetRawText();
                _roomMessages.Writer.TryWrite(text);
            });
            if (!mute)
            {
                Socket.On("question", context => context.AckAsync(name + ":" + context.Arguments.GetInt32(0)));
            }

            Socket.On("notice", context => _roomMessages.Writer.TryWrite("notice:" + context.Arguments.GetString(0)));
            Socket.On("relayed", context =>
            {
                SocketIOArguments args = context.Arguments;
                string attachments = args.Attachments.Count > 0 ? " bytes:" + Convert.ToHexString(args.Attachments[0].Span) : string.Empty;
                _relayed.Writer.TryWrite(args.GetRawJson(0).Length > 0 ? System.Text.Encoding.UTF8.GetString(args.GetRawJson(0).Span) + attachments : attachments);
            });
            Socket.Disconnected += (_, reason) => _disconnected.TrySetResult(reason);
        }

        public SocketIOClientSocket Socket { get; }

        public string Id => Socket.Id!;

        // "node" connects ann, "dotnet" bob (the names they answer questions with); another name is used as it is.
        public static async Task<ClusterClient> ConnectAsync(Uri url, string name, bool mute = false)
        {
            var client = new ClusterClient(url, name switch { "node" => "ann", "dotnet" => "bob", _ => name }, mute);
            await client.Socket.ConnectAsync().WaitAsync(s_wait);
            return client;
        }

        public Task<SocketIOArguments> AskAsync(string eventName, params object?[] args) =>
            Socket.EmitWithAckAsync(eventName, TimeSpan.FromSeconds(20), args).WaitAsync(s_wait);

        public async Task<string> NextRoomMessageAsync() => await _roomMessages.Reader.ReadAsync().AsTask().WaitAsync(s_wait);

        public async Task<string?> TryNextRoomMessageAsync(TimeSpan wait)
        {
            using var timeout = new CancellationTokenSource(wait);
            try
            {
                return await _roomMessages.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        public Task<string> DisconnectedAsync() => _disconnected.Task.WaitAsync(s_wait);

        public async Task<string> NextRelayedAsync() => await _relayed.Reader.ReadAsync().AsTask().WaitAsync(s_wait);

        public ValueTask DisposeAsync() => _io.DisposeAsync();
    }

    /// <summary>Our server with the Redis adapter and node/cluster-node.mjs's handlers.</summary>
    private sealed class DotNetClusterNode : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly IAsyncDisposable _client;

        private DotNetClusterNode(WebApplication app, IAsyncDisposable client)
        {
            _app = app;
            _client = client;
        }

        public SocketIOAdapter Adapter => _app.Services.GetRequiredService<SocketIOServer>().Sockets.Adapter;

        public long PublishFailureCount => Adapter switch
        {
            SocketIORedisAdapter redis => redis.PublishFailureCount,
            SocketIOClusterAdapter cluster => cluster.PublishFailureCount,
            _ => throw new InvalidOperationException("not a cluster adapter"),
        };

        public long DroppedMessageCount => Adapter switch
        {
            SocketIORedisAdapter redis => redis.DroppedMessageCount,
            SocketIOClusterAdapter cluster => cluster.DroppedMessageCount,
            _ => throw new InvalidOperationException("not a cluster adapter"),
        };

        public Uri Url => new(_app.Urls.Single());

        public int Port => Url.Port;

        public static async Task<DotNetClusterNode> StartAsync(IClusterBroker broker, ITestOutputHelper output, string adapter = "redis", bool recovery = false)
        {
            IAsyncDisposable client;
            Func<ISocketIOAdapterHost, SocketIOAdapter> factory;
            if (adapter == "postgres")
            {
                NpgsqlDataSource db = NpgsqlDataSource.Create(broker.Configuration);
                (client, factory) = (db, SocketIOPostgresAdapter.Factory(db, new SocketIOPostgresAdapterOptions { RequestsTimeout = TimeSpan.FromSeconds(3) }));
            }
            else if (adapter == "rabbitmq")
            {
                IConnection rabbit = await RabbitAsync(broker);
                (client, factory) = (rabbit, SocketIORabbitMQAdapter.Factory(rabbit, new SocketIORabbitMQAdapterOptions { RequestsTimeout = TimeSpan.FromSeconds(3) }));
            }
            else
            {
                IConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(broker.Configuration);
                client = redis;
                factory = adapter == "redis"
                    ? SocketIORedisAdapter.Factory(redis, new SocketIORedisAdapterOptions { RequestsTimeout = TimeSpan.FromSeconds(3) })
                    : SocketIORedisStreamsAdapter.Factory(redis, new SocketIORedisStreamsAdapterOptions { RequestsTimeout = TimeSpan.FromSeconds(3) });
            }

            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
            builder.Services.AddSocketIO(o =>
            {
                o.AdapterFactory = factory;
                o.ConnectionStateRecovery = recovery ? new ConnectionStateRecoveryOptions() : null;
            });
            WebApplication app = builder.Build();
            SocketIOServer io = app.MapSocketIO();
            var node = new DotNetClusterNode(app, client);
            io.OnConnection(socket =>
            {
                _ = socket.EmitAsync("welcome", new JsonObject { ["server"] = "dotnet", ["port"] = node.Port, ["recovered"] = socket.Recovered });
                socket.On("set-data", async context =>
                {
                    socket.Data[context.Arguments.GetString(0)!] = context.Arguments.GetElement(1).Clone();
                    await context.AckAsync(true);
                });
                socket.On("get-data", context => context.AckAsync(socket.Data.TryGetValue(context.Arguments.GetString(0)!, out object? value) ? value : null));
                socket.On("rooms", context => context.AckAsync(new JsonArray([.. socket.Rooms.Order(StringComparer.Ordinal).Select(static r => (JsonNode?)r)])));
                socket.On("join", async context =>
                {
                    string room = context.Arguments.GetString(0)!;
                    socket.Join(room);
                    await context.AckAsync(room);
                });
                socket.On("to-room", context => io.To(context.Arguments.GetString(0)!).EmitAsync("room-msg", Value(context.Arguments, 1)));
                socket.On("fetch", async context =>
                {
                    IReadOnlyList<SocketIORemoteSocket> sockets = await io.In(context.Arguments.GetString(0)!).FetchSocketsAsync();
                    await context.AckAsync(new JsonArray([.. sockets.Select(static s => s.Id).Order(StringComparer.Ordinal).Select(static id => (JsonNode?)id)]));
                });
                socket.On("count-servers", async context => await context.AckAsync(await io.Sockets.Adapter.GetServerCountAsync()));
                socket.On("fetch-safe", async context =>
                {
                    try
                    {
                        IReadOnlyList<SocketIORemoteSocket> sockets = await io.In(context.Arguments.GetString(0)!).FetchSocketsAsync();
                        await context.AckAsync(sockets.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                    catch (Exception e) when (e is SocketIOClusterException or TimeoutException)
                    {
                        await context.AckAsync(e.Message);
                    }
                });
                socket.On("ask-servers", async context =>
                {
                    SocketIOBroadcastAckResult answers = await io.ServerSideEmitWithAckAsync("ping-server", TimeSpan.FromSeconds(3), context.Arguments.GetInt32(0));
                    await context.AckAsync(new JsonArray([.. answers.Responses.Select(static r => JsonNode.Parse(r.Arguments.GetRawJson(0).Span))]));
                });
                socket.On("broadcast-ack", async context =>
                {
                    SocketIOBroadcastAckResult answers = await io.To(context.Arguments.GetString(0)!).Timeout(TimeSpan.FromSeconds(2)).EmitWithAckAsync("question", context.Arguments.GetInt32(1));
                    await context.AckAsync(new JsonArray([.. answers.Responses.Select(static r => JsonNode.Parse(r.Arguments.GetRawJson(0).Span))]));
                });
                socket.On("kick-room", context => io.In(context.Arguments.GetString(0)!).DisconnectSocketsAsync());
                socket.On("to-room-except", context => io.To(context.Arguments.GetString(0)!).Except(context.Arguments.GetString(1)!).EmitAsync("room-msg", Value(context.Arguments, 2)));
                socket.On("to-room-volatile", context => io.To(context.Arguments.GetString(0)!).Volatile.EmitAsync("room-msg", Value(context.Arguments, 1)));
                socket.On("fetch-details", async context =>
                {
                    IReadOnlyList<SocketIORemoteSocket> sockets = await io.In(context.Arguments.GetString(0)!).FetchSocketsAsync();
                    await context.AckAsync(new JsonArray([.. sockets.OrderBy(static s => s.Id, StringComparer.Ordinal).Select(static s => (JsonNode?)new JsonObject
                    {
                        ["id"] = s.Id,
                        ["rooms"] = new JsonArray([.. s.Rooms.Order(StringComparer.Ordinal).Select(static r => (JsonNode?)r)]),
                        ["data"] = s.Data.ValueKind == JsonValueKind.Undefined ? new JsonObject() : JsonNode.Parse(s.Data.GetRawText()),
                        ["address"] = s.Handshake.Address,
                        ["query"] = new JsonObject(s.Handshake.Query.Select(static q => KeyValuePair.Create(q.Key, (JsonNode?)q.Value))),
                    })]));
                });
                socket.On("broadcast-ack-within", async context =>
                {
                    SocketIOBroadcastAckResult answers = await io.To(context.Arguments.GetString(0)!).Timeout(TimeSpan.FromMilliseconds(context.Arguments.GetInt32(1))).EmitWithAckAsync("question", 1);
                    await context.AckAsync(new JsonArray(answers.AllResponded, new JsonArray([.. answers.Responses.Select(static r => r.Arguments.GetString(0)).Order(StringComparer.Ordinal).Select(static a => (JsonNode?)a)])));
                });

                // Beyond the twin's events: room changes started here, and whether a broadcast with acks heard from everyone.
                socket.On("sockets-join", async context =>
                {
                    await io.In(context.Arguments.GetString(0)!).SocketsJoinAsync(context.Arguments.GetString(1)!);
                    await context.AckAsync(true);
                });
                socket.On("sockets-leave", async context =>
                {
                    await io.In(context.Arguments.GetString(0)!).SocketsLeaveAsync(context.Arguments.GetString(1)!);
                    await context.AckAsync(true);
                });
                socket.On("broadcast-ack-complete", async context =>
                {
                    bool local = context.Arguments.GetBoolean(1);
                    BroadcastOperator target = io.To(context.Arguments.GetString(0)!).Timeout(TimeSpan.FromSeconds(20));
                    SocketIOBroadcastAckResult answers = await (local ? target.Local : target).EmitWithAckAsync("question", 1);
                    await context.AckAsync(answers.AllResponded, answers.Responses.Count);
                });
                socket.On("ask-servers-bytes", async context =>
                {
                    // Each answer as JSON, or "bytes:<hex>" when it came back with binary in it.
                    SocketIOBroadcastAckResult answers = await io.ServerSideEmitWithAckAsync("ping-server", TimeSpan.FromSeconds(3), new byte[] { 1, 2 });
                    await context.AckAsync(new JsonArray([.. answers.Responses.Select(static r => r.Arguments.Attachments.Count > 0
                        ? JsonValue.Create("bytes:" + Convert.ToHexString(r.Arguments.Attachments[0].Span))
                        : JsonNode.Parse(r.Arguments.GetRawJson(0).Span))]));
                });
            });
            io.OnServerSideEvent("ping-server", context => context.AckAsync(new JsonObject
            {
                ["port"] = node.Port,
                ["x"] = context.Arguments.Attachments.Count > 0 ? "bytes:" + Convert.ToHexString(context.Arguments.Attachments[0].Span) : context.Arguments.GetInt32(0),
            }));
            io.OnServerSideEvent("note", context =>
            {
                // As the Node twin's "note:" + x: a string as it is, a number as its text.
                JsonElement x = context.Arguments.GetElement(0);
                return io.Sockets.Local.To("r").EmitAsync("room-msg", "note:" + (x.ValueKind == JsonValueKind.String ? x.GetString() : x.GetRawText()));
            });
            await app.StartAsync();
            return node;
        }

        // An argument as it came: binary as bytes, anything else as its JSON.
        private static object? Value(SocketIOArguments arguments, int index) =>
            arguments.Attachments.Count > 0 ? arguments.GetBytes(index).ToArray() : arguments.GetElement(index);

        public async ValueTask DisposeAsync()
        {
            await _app.DisposeAsync();
            await _client.DisposeAsync();
        }
    }
}
