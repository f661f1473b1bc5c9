using System.Text;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Protocol.Tests;

public class SocketIOPacketEditorTests
{
    [Theory]
    [InlineData("42[\"a\"]", true)]
    [InlineData("42/chat,[\"a\",1]", true)]
    [InlineData("451-[\"a\",{\"_placeholder\":true,\"num\":0}]", true)]
    [InlineData("451-/chat,[\"a\",{\"_placeholder\":true,\"num\":0}]", true)]
    [InlineData("4213[\"a\"]", false)]
    [InlineData("42/chat,7[\"a\"]", false)]
    [InlineData("451-3[\"a\",{\"_placeholder\":true,\"num\":0}]", false)]
    [InlineData("43[1]", false)]
    [InlineData("40{\"sid\":\"x\"}", false)]
    [InlineData("41", false)]
    [InlineData("2", false)]
    [InlineData("42/chat", false)]
    [InlineData("", false)]
    public void Recognises_events_without_ack(string text, bool expected) =>
        Assert.Equal(expected, SocketIOPacketEditor.IsEventWithoutAck(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Appends_a_string_argument_and_keeps_attachments()
    {
        byte[] attachment = [1, 2, 3];
        EncodedPacket original = EncodedPacket.CreateText(EngineIOPacketType.Message, "51-/chat,[\"a\",{\"_placeholder\":true,\"num\":0}]"u8);
        original.AddAttachment(attachment);
        original.SetCompress(false);

        EncodedPacket copy = SocketIOPacketEditor.AppendStringArgument(original, "abc-1f");
        original.Release();

        Assert.Equal("451-/chat,[\"a\",{\"_placeholder\":true,\"num\":0},\"abc-1f\"]", Encoding.UTF8.GetString(copy.Text.Span));
        Assert.Equal(1, copy.AttachmentCount);
        Assert.Equal(attachment, copy.GetAttachment(0).ToArray());
        Assert.False(copy.Compress);
        Assert.Equal(SocketIOParseError.None, SocketIOParser.TryParse(copy.Text.Span[1..], out SocketIOPacketHeader parsed));
        Assert.Equal(SocketIOPacketType.BinaryEvent, parsed.Type);
        copy.Release();
    }
}
