using BenchmarkDotNet.Attributes;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Benchmarks;

/// <summary>The reference count every recipient of a packet takes and gives back, and the packet pool.</summary>
[MemoryDiagnoser]
public class EncodedPacketBenchmarks
{
    private EncodedPacket _packet = null!;

    [GlobalSetup]
    public void Setup() => _packet = EncodedPacket.CreateText(EngineIOPacketType.Message, "2[\"tick\",1]"u8);

    [GlobalCleanup]
    public void Cleanup() => _packet.Release();

    // The benchmark holds the first reference, so the pair never returns the packet to the pool.
    [Benchmark(Description = "EncodedPacket: AddRef + Release")]
    public void AddRefRelease()
    {
        _packet.AddRef();
        _packet.Release();
    }

    [Benchmark(Description = "EncodedPacket: CreateText + Release (pool round trip)")]
    public int CreateRelease()
    {
        EncodedPacket packet = EncodedPacket.CreateText(EngineIOPacketType.Message, "2[\"tick\",1]"u8);
        int length = packet.Text.Length;
        packet.Release();
        return length;
    }
}
