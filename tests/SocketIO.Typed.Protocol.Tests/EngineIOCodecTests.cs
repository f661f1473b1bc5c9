using System.Text;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Protocol.Tests;

public class EngineIOCodecTests
{
    [Theory]
    [InlineData("0", EngineIOPacketType.Open)]
    [InlineData("1", EngineIOPacketType.Close)]
    [InlineData("2probe", EngineIOPacketType.Ping)]
    [InlineData("3", EngineIOPacketType.Pong)]
    [InlineData("4hello", EngineIOPacketType.Message)]
    [InlineData("5", EngineIOPacketType.Upgrade)]
    [InlineData("6", EngineIOPacketType.Noop)]
    public void Reads_text_packet_types(string text, EngineIOPacketType expected)
    {
        Assert.True(EngineIOParser.TryReadTextPacketType(Encoding.UTF8.GetBytes(text), out EngineIOPacketType type));
        Assert.Equal(expected, type);
    }

    [Theory]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("abc")]
    [InlineData("/")]
    public void Rejects_unknown_packet_types(string text)
    {
        Assert.False(EngineIOParser.TryReadTextPacketType(Encoding.UTF8.GetBytes(text), out _));
    }

    [Fact]
    public void Splits_the_spec_example_payload()
    {
        // engine.io-protocol README, "HTTP long-polling": 4hello\x1e2\x1e4world
        ReadOnlyMemory<byte> payload = Encoding.UTF8.GetBytes("4hello\u001e2\u001e4world");
        var packets = new List<EngineIOPacket>();
        while (EngineIOParser.TryReadRecord(ref payload, out ReadOnlyMemory<byte> record))
        {
            Assert.True(EngineIOParser.TryDecodePollingRecord(record, out EngineIOPacket packet));
            packets.Add(packet);
        }

        Assert.Equal(3, packets.Count);
        Assert.Equal(EngineIOPacketType.Message, packets[0].Type);
        Assert.Equal("hello", Encoding.UTF8.GetString(packets[0].Data.Span));
        Assert.Equal(EngineIOPacketType.Ping, packets[1].Type);
        Assert.True(packets[1].Data.IsEmpty);
        Assert.Equal("world", Encoding.UTF8.GetString(packets[2].Data.Span));
    }

    [Fact]
    public void Decodes_base64_binary_records()
    {
        // engine.io-protocol README: 4hello\x1ebAQIDBA==
        ReadOnlyMemory<byte> payload = Encoding.UTF8.GetBytes("4hello\u001ebAQIDBA==");
        Assert.True(EngineIOParser.TryReadRecord(ref payload, out _));
        Assert.True(EngineIOParser.TryReadRecord(ref payload, out ReadOnlyMemory<byte> record));
        Assert.True(EngineIOParser.TryDecodePollingRecord(record, out EngineIOPacket packet));
        Assert.True(packet.IsBinary);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, packet.Data.ToArray());
    }

    [Theory]
    [InlineData("b!!!")]
    [InlineData("bAQIDBA=")]
    [InlineData("x")]
    [InlineData("")]
    public void Rejects_malformed_records(string record)
    {
        Assert.False(EngineIOParser.TryDecodePollingRecord(Encoding.UTF8.GetBytes(record), out _));
        Assert.False(EngineIOParser.IsValidPollingRecord(Encoding.UTF8.GetBytes(record)));
    }

    [Theory]
    [InlineData("4hello")]
    [InlineData("2")]
    [InlineData("6")]
    [InlineData("bAQIDBA==")]
    [InlineData("b")]
    public void Validates_records_as_the_decoder_accepts_them(string record)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(record);
        Assert.True(EngineIOParser.IsValidPollingRecord(bytes));
        Assert.True(EngineIOParser.TryDecodePollingRecord(bytes, out _));
    }

    [Fact]
    public void Writes_a_polling_payload_with_text_and_binary()
    {
        using var writer = new PooledBufferWriter();
        EngineIOWriter.WritePollingRecord(writer, "4hello"u8, isBinary: false, first: true);
        EngineIOWriter.WritePollingRecord(writer, new byte[] { 1, 2, 3, 4 }, isBinary: true, first: false);
        Assert.Equal("4hello\u001ebAQIDBA==", Encoding.UTF8.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void Open_packet_has_exactly_the_handshake_keys()
    {
        using var writer = new PooledBufferWriter();
        EngineIOWriter.WriteOpenPacket(writer, new EngineIOHandshake("abc", ["websocket"], 25000, 20000, 1000000));
        Assert.Equal("0{\"sid\":\"abc\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}",
            Encoding.UTF8.GetString(writer.WrittenSpan));
        Assert.True(EngineIOParser.TryReadOpenPacket(writer.WrittenSpan[1..], out EngineIOHandshake? read));
        Assert.Equal("abc", read!.Sid);
        Assert.Equal(["websocket"], read.Upgrades);
        Assert.Equal(25000, read.PingIntervalMs);
        Assert.Equal(20000, read.PingTimeoutMs);
        Assert.Equal(1000000, read.MaxPayload);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"upgrades\":[]}")]
    [InlineData("{\"sid\":\"a\",\"pingInterval\":\"x\"}")]
    [InlineData("{\"sid\":")]
    public void Rejects_bad_open_packets(string json)
    {
        Assert.False(EngineIOParser.TryReadOpenPacket(Encoding.UTF8.GetBytes(json), out _));
    }

}

/// <summary>The packet pool is process-wide: these run alone, so no other test takes from it or gives to it meanwhile.</summary>
[CollectionDefinition(nameof(EncodedPacketPoolTests), DisableParallelization = true)]
public sealed class EncodedPacketPoolCollection;

[Collection(nameof(EncodedPacketPoolTests))]
public class EncodedPacketPoolTests
{
    [Fact]
    public void Encoded_packets_are_reference_counted_and_pooled()
    {
        EncodedPacket packet = EncodedPacket.CreateText(EngineIOPacketType.Message, "hi"u8);
        int pooled = EncodedPacket.PooledCount;

        // A second reference keeps the packet alive after the first is given back.
        packet.AddRef();
        packet.Release();
        Assert.Equal("4hi", Encoding.UTF8.GetString(packet.Text.Span));
        Assert.Equal(pooled, EncodedPacket.PooledCount);

        // The last reference returns it to the pool, emptied; releasing once more is a bug that is caught.
        packet.Release();
        Assert.Equal(pooled + 1, EncodedPacket.PooledCount);
        Assert.True(packet.Text.IsEmpty);
        Assert.Throws<InvalidOperationException>(packet.Release);

        // The next packet comes from the pool.
        EncodedPacket next = EncodedPacket.CreateText(EngineIOPacketType.Message, "again"u8);
        Assert.Equal(pooled, EncodedPacket.PooledCount);
        Assert.Equal("4again", Encoding.UTF8.GetString(next.Text.Span));
        next.Release();
    }

    [Fact]
    public void Static_packets_are_never_pooled()
    {
        int pooled = EncodedPacket.PooledCount;
        EncodedPacket.Ping.Release();
        EncodedPacket.Pong.Release();
        Assert.Equal(pooled, EncodedPacket.PooledCount);
        Assert.Equal("2", Encoding.UTF8.GetString(EncodedPacket.Ping.Text.Span));
    }
}
