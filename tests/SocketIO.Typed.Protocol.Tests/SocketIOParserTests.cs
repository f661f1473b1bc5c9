using System.Text;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Protocol.Tests;

public class SocketIOParserTests
{
    private static (SocketIOParseError Error, SocketIOPacketHeader Packet, byte[] Text) Parse(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        SocketIOParseError error = SocketIOParser.TryParse(bytes, out SocketIOPacketHeader packet);
        return (error, packet, bytes);
    }

    [Theory]
    // socket.io-protocol README, "Examples"
    [InlineData("0", SocketIOPacketType.Connect, "/", -1, "")]
    [InlineData("0/admin,{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}", SocketIOPacketType.Connect, "/admin", -1, "{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}")]
    [InlineData("4{\"message\":\"Not authorized\"}", SocketIOPacketType.ConnectError, "/", -1, "{\"message\":\"Not authorized\"}")]
    [InlineData("2[\"foo\"]", SocketIOPacketType.Event, "/", -1, "[\"foo\"]")]
    [InlineData("2/admin,[\"bar\"]", SocketIOPacketType.Event, "/admin", -1, "[\"bar\"]")]
    [InlineData("212[\"foo\"]", SocketIOPacketType.Event, "/", 12, "[\"foo\"]")]
    [InlineData("3/admin,13[\"bar\"]", SocketIOPacketType.Ack, "/admin", 13, "[\"bar\"]")]
    [InlineData("1", SocketIOPacketType.Disconnect, "/", -1, "")]
    [InlineData("1/admin,", SocketIOPacketType.Disconnect, "/admin", -1, "")]
    [InlineData("0/custom", SocketIOPacketType.Connect, "/custom", -1, "")]
    [InlineData("1/custom", SocketIOPacketType.Disconnect, "/custom", -1, "")]
    [InlineData("3[]", SocketIOPacketType.Ack, "/", -1, "[]")]
    [InlineData("4\"Invalid namespace\"", SocketIOPacketType.ConnectError, "/", -1, "\"Invalid namespace\"")]
    public void Parses_the_spec_examples(string text, SocketIOPacketType type, string nsp, long ackId, string payload)
    {
        (SocketIOParseError error, SocketIOPacketHeader packet, byte[] bytes) = Parse(text);
        Assert.Equal(SocketIOParseError.None, error);
        Assert.Equal(type, packet.Type);
        Assert.Equal(nsp, Encoding.UTF8.GetString(packet.GetNamespace(bytes)));
        Assert.Equal(ackId, packet.AckId);
        Assert.Equal(payload, Encoding.UTF8.GetString(packet.GetPayload(bytes).Span));
    }

    [Fact]
    public void Parses_binary_headers()
    {
        (SocketIOParseError error, SocketIOPacketHeader packet, byte[] bytes) = Parse("52-/admin,[\"baz\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
        Assert.Equal(SocketIOParseError.None, error);
        Assert.Equal(SocketIOPacketType.BinaryEvent, packet.Type);
        Assert.Equal(2, packet.Attachments);
        Assert.Equal("/admin", Encoding.UTF8.GetString(packet.GetNamespace(bytes)));

        (error, packet, _) = Parse("61-15[\"bar\",{\"_placeholder\":true,\"num\":0}]");
        Assert.Equal(SocketIOParseError.None, error);
        Assert.Equal(SocketIOPacketType.BinaryAck, packet.Type);
        Assert.Equal(1, packet.Attachments);
        Assert.Equal(15, packet.AckId);
    }

    [Fact]
    public void Finds_the_event_name_and_arguments()
    {
        (_, SocketIOPacketHeader packet, byte[] bytes) = Parse("2/chat,7[\"message\",1,\"2\",{\"3\":[true]}]");
        Assert.Equal("message", Encoding.UTF8.GetString(bytes, packet.EventNameStart, packet.EventNameLength));
        Assert.False(packet.EventNameEscaped);
        Assert.Equal("1,\"2\",{\"3\":[true]}]", Encoding.UTF8.GetString(bytes.AsSpan(packet.ArgumentsStart)));
    }

    [Theory]
    [InlineData("", SocketIOParseError.UnknownType)]
    [InlineData("7", SocketIOParseError.UnknownType)]
    [InlineData("abc", SocketIOParseError.UnknownType)]
    [InlineData("2{}", SocketIOParseError.InvalidPayload)]                 // suite: event payload must be an array
    [InlineData("2[]", SocketIOParseError.InvalidPayload)]                 // ... and not empty
    [InlineData("2[{}]", SocketIOParseError.InvalidPayload)]               // ... whose first element is a name
    [InlineData("2[\"connect\"]", SocketIOParseError.InvalidPayload)]      // reserved names
    [InlineData("2[\"disconnecting\",1]", SocketIOParseError.InvalidPayload)]
    [InlineData("2[\"\\u0063onnect\"]", SocketIOParseError.InvalidPayload)]   // socket.io-parser compares the decoded name
    [InlineData("2[\"newListen\\u0065r\",1]", SocketIOParseError.InvalidPayload)]
    [InlineData("2[\"remove\\u004cistener\"]", SocketIOParseError.InvalidPayload)]
    [InlineData("2abc[\"foo\"]", SocketIOParseError.InvalidJson)]          // suite: invalid ack id
    [InlineData("2[\"foo\"", SocketIOParseError.InvalidJson)]
    [InlineData("2[\"foo\"] x", SocketIOParseError.InvalidJson)]
    [InlineData("2", SocketIOParseError.InvalidPayload)]
    [InlineData("0[]", SocketIOParseError.InvalidPayload)]                 // connect payload must be an object
    [InlineData("1{}", SocketIOParseError.InvalidPayload)]                 // disconnect has no payload
    [InlineData("3{}", SocketIOParseError.InvalidPayload)]
    [InlineData("4[]", SocketIOParseError.InvalidPayload)]
    [InlineData("5[\"a\"]", SocketIOParseError.IllegalAttachments)]
    [InlineData("5x-[\"a\"]", SocketIOParseError.IllegalAttachments)]
    [InlineData("51234567-[\"a\"]", SocketIOParseError.IllegalAttachments)]
    [InlineData("21234567890123456[\"a\"]", SocketIOParseError.IllegalAckId)]
    public void Rejects_malformed_packets(string text, SocketIOParseError expected)
    {
        Assert.Equal(expected, Parse(text).Error);
    }

    [Fact]
    public void Accepts_numeric_and_escaped_event_names()
    {
        (SocketIOParseError error, SocketIOPacketHeader packet, _) = Parse("2[1,\"a\"]");
        Assert.Equal(SocketIOParseError.None, error);
        Assert.Equal(1, packet.EventNameLength);

        (error, packet, _) = Parse("2[\"a\\\"b\",1]");
        Assert.Equal(SocketIOParseError.None, error);
        Assert.True(packet.EventNameEscaped);
    }
}
