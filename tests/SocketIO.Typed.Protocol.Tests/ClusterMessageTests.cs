using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Adapters.Cluster;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Protocol.Tests;

/// <summary>
/// socket.io-adapter's cluster messages <c>{type, data, uid, nsp}</c> as the Node adapters built on its
/// <c>ClusterAdapter</c> write them (@msgpack/msgpack for Redis Streams' pub/sub and PostgreSQL's attachments, JSON for
/// PostgreSQL's NOTIFY and the stream's <c>data</c> field); the expected bytes were produced by the Node packages.
/// </summary>
public sealed class ClusterMessageTests
{
    [Fact]
    public void A_fetch_sockets_request_is_the_msgpack_a_node_streams_adapter_publishes()
    {
        // {type: 7, data: {opts: {rooms: [], except: [], flags: {}}, requestId}, uid, nsp: "/"}.
        byte[] data = Data((ref SocketIOMsgPackWriter w) =>
        {
            w.WriteMapHeader(2);
            w.WriteString("opts"u8);
            SocketIOClusterWire.WriteOptions(ref w, new BroadcastOptions([], [], BroadcastFlags.None));
            w.WriteString("requestId"u8);
            w.WriteString("0011223344556677");
        });
        var message = new SocketIOClusterMessage(SocketIOClusterMessageType.FetchSockets, "8899aabbccddeeff", "/", data);
        const string Node = "84a47479706507a46461746182a46f70747383a5726f6f6d7390a6657863657074" + "90a5666c61677380a9726571756573744964b030303131323233333434353536363737a3756964b038383939616162626363646465656666a36e7370a12f";
        Assert.Equal(Node, Convert.ToHexStringLower(message.ToMsgPack()));

        SocketIOClusterMessage read = SocketIOClusterMessage.ReadMsgPack(Convert.FromHexString(Node));
        Assert.Equal(SocketIOClusterMessageType.FetchSockets, read.Type);
        Assert.Equal("8899aabbccddeeff", read.Uid);
        Assert.Equal("/", read.Namespace);
        Assert.Equal(data, read.Data.ToArray());
        Assert.False(read.IsResponse);
    }

    [Fact]
    public void A_broadcast_with_binary_is_base64_msgpack_in_the_stream_and_without_it_json()
    {
        // What @socket.io/redis-streams-adapter 0.3 writes in the data field of io.emit("img", Buffer [1, 2, 3]).
        byte[] withBinary = BroadcastData("img", w => w.WriteBinary(new byte[] { 1, 2, 3 }));
        var message = new SocketIOClusterMessage(SocketIOClusterMessageType.Broadcast, "u", "/", withBinary);
        Assert.True(message.DataHasBinary());
        Assert.Equal("gqZwYWNrZXSCpHR5cGUCpGRhdGGSo2ltZ8QDAQIDpG9wdHODpXJvb21zkKZleGNlcHSQpWZsYWdzgA==", Convert.ToBase64String(message.Data.Span));

        // And of io.emit("hello", "world"): JSON.
        byte[] plain = BroadcastData("hello", w => w.WriteValue("world"));
        var text = new SocketIOClusterMessage(SocketIOClusterMessageType.Broadcast, "u", "/", plain);
        Assert.False(text.DataHasBinary());
        const string Json = """{"packet":{"type":2,"data":["hello","world"]},"opts":{"rooms":[],"except":[],"flags":{}}}""";
        Assert.Equal(Json, text.DataToJson());
        Assert.Equal(plain, SocketIOClusterMessage.DataFromJson(System.Text.Encoding.UTF8.GetBytes(Json)));
    }

    [Fact]
    public void Whole_messages_as_json_are_what_the_postgres_adapter_notifies()
    {
        var heartbeat = new SocketIOClusterMessage(SocketIOClusterMessageType.InitialHeartbeat, "a1b2c3d4e5f60718", "/", ReadOnlyMemory<byte>.Empty);
        Assert.Equal("""{"type":1,"uid":"a1b2c3d4e5f60718","nsp":"/"}""", System.Text.Encoding.UTF8.GetString(heartbeat.ToJson()));

        const string Count = """{"type":11,"data":{"requestId":"0011223344556677","clientCount":0},"uid":"8899aabbccddeeff","nsp":"/"}""";
        SocketIOClusterMessage read = SocketIOClusterMessage.ReadJson(System.Text.Encoding.UTF8.GetBytes(Count));
        Assert.Equal(SocketIOClusterMessageType.BroadcastClientCount, read.Type);
        Assert.True(read.IsResponse);
        Assert.Equal(Count, System.Text.Encoding.UTF8.GetString(read.ToJson()));

        // The postgres emitter leaves nsp out, and the node-cluster relay adds a field: both are read.
        SocketIOClusterMessage emitted = SocketIOClusterMessage.ReadJson("""{"type":9,"data":{"packet":["note",5]},"uid":"emitter","nodeId":"ab"}"""u8);
        Assert.Null(emitted.Namespace);
        Assert.Equal("""{"packet":["note",5]}""", emitted.DataToJson());
    }

    [Theory]
    [InlineData("""{"type":0,"uid":"x","nsp":"/"}""")]
    [InlineData("""{"type":14,"uid":"x","nsp":"/"}""")]
    [InlineData("""{"type":3,"nsp":"/"}""")]
    [InlineData("""{"type":3,"uid":"","nsp":"/"}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"type":3,"uid":"x","data":{"_placeholder":true,"num":0}}""")]
    public void Json_that_is_not_a_cluster_message_is_refused_with_a_format_exception(string json)
    {
        Assert.Throws<FormatException>(() => SocketIOClusterMessage.ReadJson(System.Text.Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Random_bytes_are_refused_with_a_format_exception_or_read_never_anything_worse()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            try
            {
                SocketIOClusterMessage.ReadMsgPack(bytes ?? []);
            }
            catch (FormatException)
            {
            }

            return true;
        }).QuickCheckThrowOnFailure();

        // A message that lies about its length.
        Assert.Throws<FormatException>(() => SocketIOClusterMessage.ReadMsgPack([0x84, 0xa4, .. "data"u8, 0xdd, 0x7f, 0xff, 0xff, 0xff]));
    }

    [Fact]
    public void Binary_found_anywhere_in_the_data_counts_as_binary()
    {
        byte[] deep = Data((ref SocketIOMsgPackWriter w) =>
        {
            w.WriteMapHeader(1);
            w.WriteString("packet"u8);
            w.WriteArrayHeader(2);
            w.WriteString("x");
            w.WriteMapHeader(1);
            w.WriteString("inner"u8);
            w.WriteBinary(new byte[] { 7 });
        });
        Assert.True(new SocketIOClusterMessage(SocketIOClusterMessageType.ServerSideEmit, "u", "/", deep).DataHasBinary());
        Assert.Equal("""{"packet":["x",{"inner":{"type":"Buffer","data":[7]}}]}""", new SocketIOClusterMessage(SocketIOClusterMessageType.ServerSideEmit, "u", "/", deep).DataToJson());
    }

    private delegate void Write(ref SocketIOMsgPackWriter writer);

    private static byte[] Data(Write write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new SocketIOMsgPackWriter(buffer);
        write(ref writer);
        return buffer.WrittenSpan.ToArray();
    }

    // {packet: {type: 2, data: [name, arg]}, opts: {rooms: [], except: [], flags: {}}} as the cluster adapter writes it.
    private static byte[] BroadcastData(string name, Action<SocketIOPacketWriter> argument)
    {
        var packetWriter = new SocketIOPacketWriter();
        packetWriter.BeginEvent(name);
        argument(packetWriter);
        EncodedPacket packet = packetWriter.ToPacket("/");
        try
        {
            return Data((ref SocketIOMsgPackWriter w) =>
            {
                w.WriteMapHeader(2);
                w.WriteString("packet"u8);
                SocketIOClusterPacket.Write(ref w, packet, null);
                w.WriteString("opts"u8);
                SocketIOClusterWire.WriteOptions(ref w, new BroadcastOptions([], [], BroadcastFlags.None));
            });
        }
        finally
        {
            packet.Release();
        }
    }
}
