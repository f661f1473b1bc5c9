using BenchmarkDotNet.Attributes;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Benchmarks;

/// <summary>Socket.IO v5 packet header decoding (the text after the Engine.IO <c>4</c>), payload validation included.</summary>
[MemoryDiagnoser]
public class SocketIOParserBenchmarks
{
    private static readonly byte[] s_event = "2[\"chat\",\"hello\",42]"u8.ToArray();
    private static readonly byte[] s_binaryEvent = "51-[\"upload\",{\"_placeholder\":true,\"num\":0}]"u8.ToArray();
    private static readonly byte[] s_namespacedAckEvent = "2/chat,17[\"chat\",\"hello\",42]"u8.ToArray();

    [Benchmark(Description = "SIO: parse event [\"chat\",\"hello\",42]")]
    public int ParseEvent() => Parse(s_event);

    [Benchmark(Description = "SIO: parse binary event (1 placeholder)")]
    public int ParseBinaryEvent() => Parse(s_binaryEvent);

    [Benchmark(Description = "SIO: parse event with namespace and ack id")]
    public int ParseNamespacedAckEvent() => Parse(s_namespacedAckEvent);

    private static int Parse(byte[] text)
    {
        if (SocketIOParser.TryParse(text, out SocketIOPacketHeader packet) != SocketIOParseError.None)
        {
            throw new InvalidOperationException("Malformed packet.");
        }

        return packet.ArgumentsStart;
    }
}
