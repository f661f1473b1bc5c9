using BenchmarkDotNet.Attributes;
using SocketIO.Typed;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Benchmarks;

/// <summary>Reading event arguments with <see cref="SocketIOArguments"/>, built the way the server's dispatch builds them.</summary>
[MemoryDiagnoser]
public class SocketIOArgumentsBenchmarks
{
    private SocketIOArguments _arguments;

    [GlobalSetup]
    public void Setup()
    {
        byte[] text = "2[\"chat\",\"hello\",42]"u8.ToArray();
        if (SocketIOParser.TryParse(text, out SocketIOPacketHeader header) != SocketIOParseError.None)
        {
            throw new InvalidOperationException("Malformed packet.");
        }

        // As SocketIOSocket.DispatchEvent: the payload array, the event name skipped.
        ReadOnlyMemory<byte> payload = header.GetPayload(text);
        _arguments = new SocketIOArguments(payload, 1, header.ArgumentsStart - header.PayloadStart, null);
    }

    [Benchmark(Description = "SIO args: GetString(0) + GetInt32(1)")]
    public int GetStringAndInt32() => _arguments.GetString(0)!.Length + _arguments.GetInt32(1);

    [Benchmark(Description = "SIO args: GetInt32(1)")]
    public int GetInt32() => _arguments.GetInt32(1);
}
