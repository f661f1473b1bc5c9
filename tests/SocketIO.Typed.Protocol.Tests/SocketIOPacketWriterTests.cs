using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Protocol.Tests;

public class SocketIOPacketWriterTests
{
    private static string Text(EncodedPacket packet) => Encoding.UTF8.GetString(packet.Text.Span);

    private static EncodedPacket Event(string name, string ns, long ackId, params object?[] args)
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginEvent(name);
            foreach (object? arg in args)
            {
                writer.WriteValue(arg);
            }

            return writer.ToPacket(ns, ackId);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }
    }

    [Fact]
    public void Writes_events_as_socket_io_parser_does()
    {
        Assert.Equal("42[\"foo\"]", Text(Event("foo", "/", -1)));
        Assert.Equal("42/admin,[\"bar\"]", Text(Event("bar", "/admin", -1)));
        Assert.Equal("42/admin,12[\"bar\",1,\"2\",true,null]", Text(Event("bar", "/admin", 12, 1, "2", true, null)));
    }

    [Fact]
    public void Writes_binary_as_placeholders_and_attachments()
    {
        EncodedPacket packet = Event("baz", "/admin", -1, new byte[] { 1, 2 }, new Dictionary<string, object?> { ["img"] = new byte[] { 3 } });
        Assert.Equal("452-/admin,[\"baz\",{\"_placeholder\":true,\"num\":0},{\"img\":{\"_placeholder\":true,\"num\":1}}]", Text(packet));
        Assert.Equal(2, packet.AttachmentCount);
        Assert.Equal(new byte[] { 1, 2 }, packet.GetAttachment(0).ToArray());
        Assert.Equal(new byte[] { 3 }, packet.GetAttachment(1).ToArray());
        packet.Release();
    }

    [Fact]
    public void Writes_acks_and_binary_acks()
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        writer.BeginAck();
        writer.WriteValue("ok");
        Assert.Equal("435[\"ok\"]", Text(writer.ToPacket("/", 5)));
        writer.BeginAck();
        writer.WriteValue(new byte[] { 9 });
        Assert.Equal("461-/x,5[{\"_placeholder\":true,\"num\":0}]", Text(writer.ToPacket("/x", 5)));
        SocketIOPacketWriter.Return(writer);
    }

    [Fact]
    public void Keeps_text_as_json_stringify_does()
    {
        Assert.Equal("42[\"m\",\"é✓<>&'\\\"\\\\\\n\"]", Text(Event("m", "/", -1, "é✓<>&'\"\\\n")));
        Assert.Equal("42[\"m\",1,1.5,null]", Text(Event("m", "/", -1, 1.0, 1.5, double.NaN)));
    }

    [Fact]
    public void Refuses_types_it_cannot_write_without_reflection()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => Event("m", "/", -1, new Uri("http://x")));
        Assert.Contains("SocketIOJsonValue", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forwards_received_arguments_byte_for_byte()
    {
        byte[] text = Encoding.UTF8.GetBytes("2[\"message\",1,\"2\",{\"3\":[true]},1.50,\"\\u00e9\"]");
        Assert.Equal(SocketIOParseError.None, SocketIOParser.TryParse(text, out SocketIOPacketHeader packet));
        var args = new SocketIOArguments(packet.GetPayload(text), 1, packet.ArgumentsStart - packet.PayloadStart, null);
        Assert.Equal(5, args.Count);
        EncodedPacket echoed = EchoArgs("message-back", args);
        Assert.Equal("42[\"message-back\",1,\"2\",{\"3\":[true]},1.50,\"\\u00e9\"]", Text(echoed));
    }

    [Fact]
    public void Forwards_binary_arguments_with_their_attachments()
    {
        byte[] text = Encoding.UTF8.GetBytes("51-[\"message\",{\"_placeholder\":true,\"num\":0},{\"a\":[\"x\"]}]");
        Assert.Equal(SocketIOParseError.None, SocketIOParser.TryParse(text, out SocketIOPacketHeader packet));
        var args = new SocketIOArguments(packet.GetPayload(text), 1, packet.ArgumentsStart - packet.PayloadStart, [new byte[] { 1, 2, 3 }]);
        Assert.Equal(new byte[] { 1, 2, 3 }, args.GetBytes(0).ToArray());
        EncodedPacket echoed = EchoArgs("message-back", args);
        Assert.Equal("451-[\"message-back\",{\"_placeholder\":true,\"num\":0},{\"a\":[\"x\"]}]", Text(echoed));
        Assert.Equal(new byte[] { 1, 2, 3 }, echoed.GetAttachment(0).ToArray());
    }

    [Fact]
    public void Arguments_convert_to_plain_values()
    {
        SocketIOArguments args = SocketIOArguments.FromJsonArray(
            Encoding.UTF8.GetBytes("[1,2.5,\"s\",true,null,[1],{\"k\":{\"_placeholder\":true,\"num\":0}}]"), [new byte[] { 7 }]);
        object?[] values = args.ToObjectArray();
        Assert.Equal(1L, values[0]);
        Assert.Equal(2.5, values[1]);
        Assert.Equal("s", values[2]);
        Assert.Equal(true, values[3]);
        Assert.Null(values[4]);
        Assert.Equal(1L, Assert.Single(Assert.IsType<List<object?>>(values[5])));
        Assert.Equal(new byte[] { 7 }, Assert.IsType<Dictionary<string, object?>>(values[6])["k"]);
        Assert.Equal(JsonValueKind.Number, args.GetElement(0).ValueKind);
        Assert.Equal("s", args.GetString(2));
        Assert.Contains("Argument 7 is missing", Assert.Throws<SocketIOBindingException>(() => args.GetString(7)).Message, StringComparison.Ordinal);
        Assert.Throws<SocketIOBindingException>(() => args.GetBytes(0));
    }

    private static EncodedPacket EchoArgs(string name, SocketIOArguments args)
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginEvent(name);
            writer.WriteArguments(args);
            return writer.ToPacket("/", -1);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }
    }

    [Fact]
    public void Round_trip_smallest_case()
    {
        EncodedPacket encoded = Event("e", "/", -1, 0);
        Assert.Equal("42[\"e\",0]", Text(encoded));
        byte[] text = encoded.Text[1..].ToArray();
        Assert.Equal(SocketIOParseError.None, SocketIOParser.TryParse(text, out SocketIOPacketHeader packet));
        var read = new SocketIOArguments(packet.GetPayload(text), 1, packet.ArgumentsStart - packet.PayloadStart, null);
        Assert.Equal(0L, Assert.Single(read.ToObjectArray()));
    }

    [Fact]
    public void Round_trips_events_through_writer_and_parser()
    {
        // decode(encode(p)) == p for random names, namespaces, ack ids and string/number arguments.
        Prop.ForAll(
            ArbMap.Default.ArbFor<NonNull<string>>(),
            ArbMap.Default.ArbFor<(string[], int[])>(),
            ArbMap.Default.ArbFor<NonNegativeInt>(),
            (name, generated, ack) =>
            {
                (string[] strings, int[] ints) = generated;
                string eventName = "e" + name.Get;
                string ns = ack.Get % 2 == 0 ? "/" : "/n" + (ack.Get % 7);
                object?[] args = [.. (strings ?? []).Select(s => (object?)s), .. (ints ?? []).Select(i => (object?)i)];
                long ackId = ack.Get % 3 == 0 ? -1 : ack.Get;
                EncodedPacket encoded = Event(eventName, ns, ackId, args);
                byte[] text = encoded.Text[1..].ToArray();
                encoded.Release();
                if (SocketIOParser.TryParse(text, out SocketIOPacketHeader packet) != SocketIOParseError.None)
                {
                    return false;
                }

                var read = new SocketIOArguments(packet.GetPayload(text), 1, packet.ArgumentsStart - packet.PayloadStart, null);
                object?[] values = read.ToObjectArray();
                bool argsEqual = values.Length == args.Length && values.Zip(args).All(p =>
                    p.Second is int i ? Equals(p.First, (long)i) : Equals(p.First, p.Second));
                return argsEqual && packet.AckId == ackId
                    && Encoding.UTF8.GetString(packet.GetNamespace(text)) == ns
                    && SocketIOConnectionNames.Decode(text, packet) == eventName;
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Round_trips_engine_io_payloads()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[][]>(), ArbMap.Default.ArbFor<string[]>(), (binaries, texts) =>
        {
            binaries ??= [];
            texts = [.. (texts ?? []).Where(t => t is not null && !t.Contains('\u001e'))];
            using var writer = new PooledBufferWriter();
            bool first = true;
            foreach (string t in texts)
            {
                EngineIOWriter.WritePollingRecord(writer, Encoding.UTF8.GetBytes("4" + t), isBinary: false, first);
                first = false;
            }

            foreach (byte[] b in binaries.Where(b => b is not null))
            {
                EngineIOWriter.WritePollingRecord(writer, b, isBinary: true, first);
                first = false;
            }

            ReadOnlyMemory<byte> payload = writer.WrittenMemory.ToArray();
            var read = new List<EngineIOPacket>();
            while (EngineIOParser.TryReadRecord(ref payload, out ReadOnlyMemory<byte> record))
            {
                if (!EngineIOParser.TryDecodePollingRecord(record, out EngineIOPacket p))
                {
                    return false;
                }

                read.Add(p);
            }

            byte[][] expectedBinaries = [.. binaries.Where(b => b is not null)];
            // An empty text packet "4" and an empty payload are both legal; count what was written.
            return read.Count == texts.Length + expectedBinaries.Length
                && read.Take(texts.Length).Select(p => Encoding.UTF8.GetString(p.Data.Span)).SequenceEqual(texts)
                && read.Skip(texts.Length).Select(p => p.Data.ToArray()).Zip(expectedBinaries).All(z => z.First.SequenceEqual(z.Second));
        }).QuickCheckThrowOnFailure();
    }
}

internal static class SocketIOConnectionNames
{
    public static string Decode(byte[] text, SocketIOPacketHeader packet)
    {
        var reader = new Utf8JsonReader(packet.GetPayload(text).Span);
        reader.Read();
        reader.Read();
        return reader.GetString()!;
    }
}
