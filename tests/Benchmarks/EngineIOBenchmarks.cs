using BenchmarkDotNet.Attributes;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Benchmarks;

/// <summary>Engine.IO v4 codecs: a WebSocket text frame, and long-polling payloads both ways.</summary>
[MemoryDiagnoser]
public class EngineIOBenchmarks
{

    // A POST body of three text packets (two events and a pong), separated by 0x1e.
    private static readonly byte[] s_textPayload =
        "42[\"chat\",\"hello\",42]\u001e42[\"chat\",\"world\",43]\u001e3"u8.ToArray();

    // A POST body of a binary event: its header packet, then the attachment as a base64 record (16 bytes).
    private static readonly byte[] s_binaryPayload =
        "451-[\"upload\",{\"_placeholder\":true,\"num\":0}]\u001ebAAECAwQFBgcICQoLDA0ODw=="u8.ToArray();

    private static readonly byte[] s_attachment = [.. Enumerable.Range(0, 16).Select(i => (byte)i)];

    // What a client sends over WebSocket: Engine.IO message (4) + Socket.IO event (2). An instance field, so
    // the JIT cannot treat the first byte as a constant.
    private readonly byte[] _frame = "42[\"chat\",\"hello\",42]"u8.ToArray();
    private readonly PooledBufferWriter _output = new();
    private EncodedPacket _event = null!;
    private EncodedPacket _binaryEvent = null!;

    [GlobalSetup]
    public void Setup()
    {
        _event = EncodedPacket.CreateText(EngineIOPacketType.Message, "2[\"chat\",\"hello\",42]"u8);
        _binaryEvent = EncodedPacket.CreateText(EngineIOPacketType.Message, "51-[\"upload\",{\"_placeholder\":true,\"num\":0}]"u8);
        _binaryEvent.AddAttachment(s_attachment);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _event.Release();
        _binaryEvent.Release();
        _output.Dispose();
    }

    [Benchmark(Description = "EIO: read WebSocket text frame type")]
    public EngineIOPacketType ReadFrameType()
    {
        EngineIOParser.TryReadTextPacketType(_frame, out EngineIOPacketType type);
        return type;
    }

    [Benchmark(Description = "EIO: decode polling payload (3 text records)")]
    public int DecodeTextPayload() => Decode(s_textPayload);

    [Benchmark(Description = "EIO: decode polling payload (text + base64 binary, 16 B)")]
    public int DecodeBinaryPayload() => Decode(s_binaryPayload);

    [Benchmark(Description = "EIO: encode polling payload (2 text packets, reused writer)")]
    public int EncodeTextPayload()
    {
        _output.Reset();
        EngineIOWriter.WritePollingRecord(_output, _event.Text.Span, isBinary: false, first: true);
        EngineIOWriter.WritePollingRecord(_output, _event.Text.Span, isBinary: false, first: false);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "EIO: encode polling payload (text + base64 binary, reused writer)")]
    public int EncodeBinaryPayload()
    {
        _output.Reset();
        EngineIOWriter.WritePollingRecord(_output, _binaryEvent.Text.Span, isBinary: false, first: true);
        EngineIOWriter.WritePollingRecord(_output, _binaryEvent.GetAttachment(0).Span, isBinary: true, first: false);
        return _output.WrittenCount;
    }

    // EngineIOSession.WriteQueuedAsync creates a PooledBufferWriter for every poll response; this is that cost.
    [Benchmark(Description = "EIO: encode polling payload (2 text packets, new writer per payload)")]
    public int EncodeTextPayloadNewWriter()
    {
        using var output = new PooledBufferWriter();
        EngineIOWriter.WritePollingRecord(output, _event.Text.Span, isBinary: false, first: true);
        EngineIOWriter.WritePollingRecord(output, _event.Text.Span, isBinary: false, first: false);
        return output.WrittenCount;
    }

    // As EngineIOSession.HandlePostAsync: split the records, decode each.
    private static int Decode(byte[] body)
    {
        ReadOnlyMemory<byte> payload = body;
        int length = 0;
        while (EngineIOParser.TryReadRecord(ref payload, out ReadOnlyMemory<byte> record))
        {
            if (!EngineIOParser.TryDecodePollingRecord(record, out EngineIOPacket packet))
            {
                throw new InvalidOperationException("Malformed record.");
            }

            length += packet.Data.Length;
        }

        return length;
    }
}
