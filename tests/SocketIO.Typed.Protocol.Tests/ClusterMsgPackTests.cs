using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using SocketIO.Typed.Adapters.Cluster;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Protocol.Tests;

/// <summary>
/// The MessagePack the cluster adapters speak: the bytes notepack.io writes (expected values taken from the Node
/// packages, docs in the adapters' wire-format notes), socket.io's JSON with attachments to MessagePack with binary
/// inline and back, and garbage refused with a FormatException, never anything worse.
/// </summary>
public sealed class ClusterMsgPackTests
{
    [Fact]
    public void An_event_packet_is_written_as_the_classic_redis_adapter_writes_it()
    {
        // io.to("room1").emit("hello", "world") on a Node server: {type: 2, data: ["hello", "world"], nsp: "/"}.
        Assert.Equal("83a47479706502a46461746192a568656c6c6fa5776f726c64a36e7370a12f", Hex(Packet("/", w => w.WriteValue("world"), "hello"), "/"));
    }

    [Fact]
    public void Binary_goes_inline_as_bin_without_placeholders_and_comes_back_as_an_attachment()
    {
        byte[] written = Bytes(Packet("/chat", w => w.WriteBinary(new byte[] { 1, 2, 3 }), "img"), null);
        Assert.Equal("82a47479706502a46461746192a3696d67c403010203", Convert.ToHexStringLower(written));

        var reader = new SocketIOMsgPackReader(written);
        EncodedPacket read = SocketIOClusterPacket.Read(ref reader, "/chat")!;
        Assert.Equal("""451-/chat,["img",{"_placeholder":true,"num":0}]""", System.Text.Encoding.UTF8.GetString(read.Text.Span));
        Assert.Equal([1, 2, 3], read.GetAttachment(0).ToArray());
        read.Release();
    }

    [Theory]
    [InlineData("0", "00")]
    [InlineData("127", "7f")]
    [InlineData("128", "cc80")]
    [InlineData("255", "ccff")]
    [InlineData("256", "cd0100")]
    [InlineData("65536", "ce00010000")]
    [InlineData("4294967296", "cf0000000100000000")]
    [InlineData("-1", "ff")]
    [InlineData("-32", "e0")]
    [InlineData("-33", "d0df")]
    [InlineData("-129", "d1ff7f")]
    [InlineData("-32769", "d2ffff7fff")]
    [InlineData("-2147483649", "d3ffffffff7fffffff")]
    [InlineData("1.5", "cb3ff8000000000000")]
    [InlineData("2.0", "02")]
    [InlineData("\"é\"", "a2c3a9")]
    [InlineData("[]", "90")]
    [InlineData("{}", "80")]
    [InlineData("null", "c0")]
    [InlineData("[true,false]", "92c3c2")]
    public void Json_values_take_the_forms_javascript_encoders_give_them(string json, string hex)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new SocketIOMsgPackWriter(buffer);
        SocketIOMsgPackJson.WriteJson(ref writer, System.Text.Encoding.UTF8.GetBytes(json), []);
        Assert.Equal(hex, Convert.ToHexStringLower(buffer.WrittenSpan));
    }

    [Fact]
    public void Long_strings_arrays_and_maps_use_the_wider_headers()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new SocketIOMsgPackWriter(buffer);
        writer.WriteString(new string('x', 40));
        writer.WriteArrayHeader(16);
        writer.WriteMapHeader(70000);
        writer.WriteBinary(new byte[300]);
        byte[] bytes = buffer.WrittenSpan.ToArray();
        Assert.Equal("d928", Convert.ToHexStringLower(bytes[..2]));
        Assert.Equal("dc0010", Convert.ToHexStringLower(bytes[42..45]));
        Assert.Equal("df00011170", Convert.ToHexStringLower(bytes[45..50]));
        Assert.Equal("c5012c", Convert.ToHexStringLower(bytes[50..53]));
    }

    [Fact]
    public void A_javascript_date_reads_as_its_iso_string_and_nan_as_null()
    {
        // [Date(2026-11-30T09:00:00.250Z) as timestamp64, NaN as float64]
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new SocketIOMsgPackWriter(buffer);
        writer.WriteArrayHeader(2);
        long seconds = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        ulong value = (250_000_000UL << 34) | (ulong)seconds;
        writer.WriteRaw([0xd7, 0xff]);
        Span<byte> data = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(data, value);
        writer.WriteRaw(data);
        writer.WriteDouble(double.NaN);

        Assert.Equal("""["2026-11-30T09:00:00.250Z",null]""", ToJson(buffer.WrittenSpan));
    }

    [Fact]
    public void Json_with_attachments_survives_messagepack_and_back()
    {
        Gen<JsonNode?> values = JsonValues(3);
        Prop.ForAll(Arb.From(Gen.Choose(0, 5).SelectMany(n => Gen.ListOf(values, n))), ArbMap.Default.ArbFor<byte[][]>(), (arguments, binaries) =>
        {
            binaries = [.. (binaries ?? []).Where(static b => b is not null)];
            EncodedPacket packet = Packet("/n", w =>
            {
                foreach (JsonNode? argument in arguments)
                {
                    WriteNode(w, argument);
                }

                foreach (byte[] binary in binaries)
                {
                    w.WriteBinary(binary);
                }
            }, "ev");
            string before = Arguments(packet, out ReadOnlyMemory<byte>[] beforeAttachments);
            byte[] bytes = Bytes(packet, null);
            packet.Release();

            var reader = new SocketIOMsgPackReader(bytes);
            EncodedPacket back = SocketIOClusterPacket.Read(ref reader, "/n")!;
            string after = Arguments(back, out ReadOnlyMemory<byte>[] afterAttachments);
            back.Release();
            return reader.End
                && JsonNode.DeepEquals(JsonNode.Parse(before), JsonNode.Parse(after))
                && beforeAttachments.Length == afterAttachments.Length
                && beforeAttachments.Zip(afterAttachments).All(static p => p.First.Span.SequenceEqual(p.Second.Span));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Garbage_and_truncated_messages_are_refused_with_a_format_exception()
    {
        byte[] valid = Bytes(Packet("/", w =>
        {
            w.WriteValue("text");
            w.WriteBinary(new byte[] { 9, 8, 7 });
            w.WriteValue(12345678);
        }, "event"), "/");
        for (int length = 0; length < valid.Length; length++)
        {
            AssertRefusedOrRead(valid[..length]);
        }

        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), static bytes =>
        {
            AssertRefusedOrRead(bytes ?? []);
            return true;
        }).QuickCheckThrowOnFailure();

        // A lying length, and nesting deeper than the limit.
        Assert.Throws<FormatException>(() => Read([0x81, 0xa4, .. "data"u8, 0xdd, 0x7f, 0xff, 0xff, 0xff]));
        byte[] deep = [0x81, 0xa4, .. "data"u8, 0x92, 0xa1, (byte)'e', .. Enumerable.Repeat((byte)0x91, 100), 0xc0];
        Assert.Throws<FormatException>(() => Read(deep));
    }

    private static void AssertRefusedOrRead(byte[] bytes)
    {
        try
        {
            Read(bytes)?.Release();
        }
        catch (FormatException)
        {
        }
    }

    private static EncodedPacket? Read(byte[] bytes)
    {
        var reader = new SocketIOMsgPackReader(bytes);
        return SocketIOClusterPacket.Read(ref reader, "/");
    }

    private static Gen<JsonNode?> JsonValues(int depth)
    {
        Gen<JsonNode?> leaves = Gen.OneOf(
            Gen.Constant<JsonNode?>(null),
            ArbMap.Default.GeneratorFor<bool>().Select(static b => (JsonNode?)JsonValue.Create(b)),
            ArbMap.Default.GeneratorFor<int>().Select(static i => (JsonNode?)JsonValue.Create(i)),
            ArbMap.Default.GeneratorFor<long>().Select(static l => (JsonNode?)JsonValue.Create(l)),
            ArbMap.Default.GeneratorFor<NormalFloat>().Select(static d => (JsonNode?)JsonValue.Create(d.Get)),
            ArbMap.Default.GeneratorFor<NonNull<string>>().Select(static s => (JsonNode?)JsonValue.Create(s.Get)));
        if (depth == 0)
        {
            return leaves;
        }

        Gen<JsonNode?> inner = JsonValues(depth - 1);
        return Gen.OneOf(
            leaves,
            Gen.Choose(0, 4).SelectMany(n => Gen.ListOf(inner, n)).Select(static items => (JsonNode?)new JsonArray([.. items])),
            Gen.Choose(0, 4).SelectMany(n => Gen.ListOf(ArbMap.Default.GeneratorFor<NonNull<string>>().Zip(inner), n)).Select(static entries =>
            {
                var obj = new JsonObject();
                foreach ((NonNull<string> key, JsonNode? value) in entries)
                {
                    obj[key.Get] = value;
                }

                return (JsonNode?)obj;
            }));
    }

    private static void WriteNode(SocketIOPacketWriter writer, JsonNode? node)
    {
        if (node is null)
        {
            writer.Json.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer.Json);
        }
    }

    private static string Arguments(EncodedPacket packet, out ReadOnlyMemory<byte>[] attachments)
    {
        attachments = [.. Enumerable.Range(0, packet.AttachmentCount).Select(packet.GetAttachment)];
        byte[] text = packet.Text[1..].ToArray();
        Assert.Equal(SocketIOParseError.None, SocketIOParser.TryParse(text, out SocketIOPacketHeader header));
        return System.Text.Encoding.UTF8.GetString(header.GetPayload(text).Span);
    }

    private static EncodedPacket Packet(string @namespace, Action<SocketIOPacketWriter> write, string name)
    {
        var writer = new SocketIOPacketWriter();
        writer.BeginEvent(name);
        write(writer);
        return writer.ToPacket(@namespace);
    }

    private static byte[] Bytes(EncodedPacket packet, string? @namespace)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new SocketIOMsgPackWriter(buffer);
        SocketIOClusterPacket.Write(ref writer, packet, @namespace);
        return buffer.WrittenSpan.ToArray();
    }

    private static string Hex(EncodedPacket packet, string? @namespace) => Convert.ToHexStringLower(Bytes(packet, @namespace));

    private static string ToJson(ReadOnlySpan<byte> msgpack)
    {
        var reader = new SocketIOMsgPackReader(msgpack);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            SocketIOMsgPackJson.ReadToJson(ref reader, json);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
