using BenchmarkDotNet.Attributes;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Benchmarks;

/// <summary>
/// Encoding an event with <see cref="SocketIOPacketWriter"/>: rent the thread's writer, write, take the
/// <see cref="EncodedPacket"/>, return the writer, release the packet (back to its pool).
/// </summary>
[MemoryDiagnoser]
public class SocketIOPacketWriterBenchmarks
{
    private static readonly byte[] s_attachment = new byte[1024];

    [Benchmark(Description = "SIO: encode event, WriteValue(string) + WriteValue(int)")]
    public int EncodeEventUntyped()
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginEvent("chat");
            writer.WriteValue("hello");
            writer.WriteValue(42);
            packet = writer.ToPacket("/");
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        int length = packet.Text.Length;
        packet.Release();
        return length;
    }

    // What a generated proxy does: pre-encoded name, values straight to the Utf8JsonWriter.
    [Benchmark(Description = "SIO: encode event, UTF-8 name + Json.Write*Value (proxy path)")]
    public int EncodeEventJson()
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginEvent("chat"u8);
            writer.Json.WriteStringValue("hello"u8);
            writer.Json.WriteNumberValue(42);
            packet = writer.ToPacket("/");
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        int length = packet.Text.Length;
        packet.Release();
        return length;
    }

    [Benchmark(Description = "SIO: encode binary event, string + 1 KiB attachment")]
    public int EncodeBinaryEvent()
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginEvent("upload");
            writer.WriteValue("photo.png");
            writer.WriteBinary(s_attachment);
            packet = writer.ToPacket("/");
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        int length = packet.Text.Length + packet.AttachmentCount;
        packet.Release();
        return length;
    }
}
