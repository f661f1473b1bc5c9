using System.Text;
using System.Text.Json;
using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Protocol.Tests;

/// <summary>The protocol-level seams generated code uses: pre-encoded names, placeholders anywhere, ack ids added later.</summary>
public class SocketIOSeamTests
{
    private static string Text(EncodedPacket packet) => Encoding.UTF8.GetString(packet.Text.Span);

    [Fact]
    public void A_pre_encoded_name_writes_the_same_bytes_as_a_string_name()
    {
        JsonEncodedText name = SocketIOPacketWriter.EncodeEventName("say \"hi\" é✓");
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginEvent(name);
            writer.WriteValue(1);
            EncodedPacket encoded = writer.ToPacket("/chat", 3);
            writer.BeginEvent("say \"hi\" é✓");
            writer.WriteValue(1);
            EncodedPacket plain = writer.ToPacket("/chat", 3);
            Assert.Equal("42/chat,3[\"say \\\"hi\\\" é✓\",1]", Text(encoded));
            Assert.Equal(Text(plain), Text(encoded));
            encoded.Release();
            plain.Release();
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        Assert.Throws<ArgumentException>(() => SocketIOPacketWriter.EncodeEventName("disconnect"));
    }

    [Fact]
    public void Finished_packets_own_their_bytes_and_long_namespaces_still_encode()
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginEvent("a");
            writer.WriteValue("first");
            EncodedPacket first = writer.ToPacket("/");
            writer.BeginEvent("b");
            writer.WriteValue("second");
            string longNamespace = "/" + new string('n', 300);
            EncodedPacket second = writer.ToPacket(longNamespace, 12);

            // The first packet kept its bytes although the writer went on with another one.
            Assert.Equal("42[\"a\",\"first\"]", Text(first));
            Assert.Equal($"42{longNamespace},12[\"b\",\"second\"]", Text(second));
            first.Release();
            second.Release();
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }
    }

    [Fact]
    public void Generated_readers_find_attachments_anywhere_in_an_argument()
    {
        byte[] picture = [1, 2, 3];
        byte[] thumb = [9];
        SocketIOArguments args = SocketIOArguments.FromJsonArray(
            "[{\"name\":\"x\",\"images\":[{\"_placeholder\":true,\"num\":1},{\"_placeholder\":true,\"num\":0}],\"fake\":{\"_placeholder\":true,\"num\":0,\"extra\":1}}]"u8.ToArray(),
            [picture, thumb]);
        Utf8JsonReader reader = args.CreateReader();
        var found = new List<string>();
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.StartObject && args.TryReadBytes(ref reader, out ReadOnlyMemory<byte> bytes))
            {
                Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
                found.Add(Convert.ToHexStringLower(bytes.Span));
            }
        }

        // An object with more members than a placeholder's is an object, not binary.
        Assert.Equal(["09", "010203"], found);

        var lone = new Utf8JsonReader("{\"_placeholder\":true,\"num\":4}"u8);
        lone.Read();
        Assert.True(SocketIOArguments.TryReadPlaceholder(ref lone, out int num));
        Assert.Equal(4, num);

        // A placeholder pointing past the attachments is not binary either.
        SocketIOArguments missing = SocketIOArguments.FromJsonArray("[{\"_placeholder\":true,\"num\":5}]"u8.ToArray(), [picture]);
        Utf8JsonReader r = missing.CreateReader();
        r.Read();
        Assert.False(missing.TryReadBytes(ref r, out _));
        Assert.Equal(JsonTokenType.StartObject, r.TokenType);
    }

    [Fact]
    public void Placeholders_written_inside_objects_round_trip()
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginEvent("upload");
            writer.Json.WriteStartObject();
            writer.Json.WritePropertyName("file"u8);
            writer.WriteBinary(new byte[] { 7, 7 });
            writer.Json.WriteEndObject();
            packet = writer.ToPacket("/");
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        Assert.Equal("451-[\"upload\",{\"file\":{\"_placeholder\":true,\"num\":0}}]", Text(packet));
        Assert.Equal(1, packet.AttachmentCount);
        packet.Release();
    }

    [Theory]
    [InlineData("42[\"x\",1]", 7, "427[\"x\",1]")]
    [InlineData("42/chat,[\"x\"]", 12, "42/chat,12[\"x\"]")]
    [InlineData("451-/chat,[\"x\",{\"_placeholder\":true,\"num\":0}]", 0, "451-/chat,0[\"x\",{\"_placeholder\":true,\"num\":0}]")]
    public void An_ack_id_is_added_to_an_encoded_event(string text, long id, string expected)
    {
        EncodedPacket packet = EncodedPacket.CreateText(EngineIOPacketType.Message, Encoding.UTF8.GetBytes(text[1..]));
        packet.AddAttachment(new byte[] { 1 });
        EncodedPacket withId = SocketIOPacketEditor.WithAckId(packet, id);
        Assert.Equal(expected, Text(withId));
        Assert.Equal(1, withId.AttachmentCount);
        withId.Release();
        packet.Release();

        EncodedPacket acked = EncodedPacket.CreateText(EngineIOPacketType.Message, "23[\"x\"]"u8);
        Assert.Throws<ArgumentException>(() => SocketIOPacketEditor.WithAckId(acked, 1));
        acked.Release();
    }

    [Fact]
    public void Argument_readers_report_binding_failures_with_the_position_and_kinds()
    {
        SocketIOArguments args = SocketIOArguments.FromJsonArray("[5,\"x\",null]"u8.ToArray());
        Assert.Equal("Argument 0 is a number, not a string or null.", Assert.Throws<SocketIOBindingException>(() => args.GetString(0)).Message);
        Assert.Equal("Argument 1 is a string, not a 32-bit integer.", Assert.Throws<SocketIOBindingException>(() => args.GetInt32(1)).Message);
        Assert.Equal("Argument 3 is missing: there are 3 argument(s).", Assert.Throws<SocketIOBindingException>(() => args.GetBoolean(3)).Message);
        Assert.Null(args.GetString(2));
    }

    [Fact]
    public void Reserved_names_are_one_list()
    {
        Assert.Equal(["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"], SocketIOEventNames.Reserved);
        foreach (string name in SocketIOEventNames.Reserved)
        {
            Assert.True(SocketIOEventNames.IsReserved(name));
            Assert.True(SocketIOEventNames.IsReserved(Encoding.UTF8.GetBytes(name)));
            Assert.NotEqual(SocketIOParseError.None, SocketIOParser.TryParse(Encoding.UTF8.GetBytes($"2[\"{name}\"]"), out _));
        }

        Assert.False(SocketIOEventNames.IsReserved("connected"));
    }
}
