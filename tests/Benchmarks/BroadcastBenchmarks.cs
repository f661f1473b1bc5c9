using BenchmarkDotNet.Attributes;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Benchmarks;

/// <summary>
/// Broadcasts through a real <see cref="SocketIOServer"/> and its in-memory adapter to N connected sockets,
/// all in one room (half of them also in a second one). Each operation encodes once, queues one reference per recipient, then drains every
/// session's queue as a transport would (take the packet, release it), so the queues never grow.
/// </summary>
[MemoryDiagnoser]
public class BroadcastBenchmarks
{
    private const string Room = "room";
    private const string OtherRoom = "other";
    private static readonly string[] s_twoRooms = [Room, OtherRoom];
    private InMemoryServer _host = null!;
    private string _senderId = null!;
    private EncodedPacket _encoded = null!;
    private BroadcastOptions _roomOptions;

    [Params(100, 1000)]
    public int Sockets { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _host = InMemoryServer.StartAsync(Sockets).GetAwaiter().GetResult();
        // Every socket is in the room; every other one is also in a second room, so a two-room broadcast
        // reaches each socket once although half of them are in both.
        int index = 0;
        foreach (SocketIOSocket socket in _host.Server.Sockets.Sockets.Values)
        {
            socket.Join(Room);
            if (index++ % 2 == 0)
            {
                socket.Join(OtherRoom);
            }
        }

        _senderId = _host.Server.Sockets.Sockets.Keys.First();

        _roomOptions = new BroadcastOptions([Room], [], BroadcastFlags.None);
        _encoded = EncodedPacket.CreateText(EngineIOPacketType.Message, "2[\"tick\",\"hello\",42]"u8);

        // Each path must reach every socket exactly once; this also warms the packet and array pools.
        Check(RoomEmit(), Sockets, nameof(RoomEmit));
        Check(RoomExceptSenderEmit(), Sockets - 1, nameof(RoomExceptSenderEmit));
        Check(TwoRoomsEmit(), Sockets, nameof(TwoRoomsEmit));
        Check(NamespaceEmit(), Sockets, nameof(NamespaceEmit));
        Check(AdapterBroadcast(), Sockets, nameof(AdapterBroadcast));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _encoded.Release();
        _host.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "Broadcast: io.To(room).EmitAsync(\"tick\", \"hello\", 42)")]
    public int RoomEmit()
    {
        _host.Server.To(Room).EmitAsync("tick", "hello", 42).GetAwaiter().GetResult();
        return _host.Drain();
    }

    // The chat pattern of DESIGN.md: everyone in the room but the sender.
    [Benchmark(Description = "Broadcast: io.To(room).Except(senderId).EmitAsync(...)")]
    public int RoomExceptSenderEmit()
    {
        _host.Server.To(Room).Except(_senderId).EmitAsync("tick", "hello", 42).GetAwaiter().GetResult();
        return _host.Drain();
    }

    [Benchmark(Description = "Broadcast: io.Sockets.To([room, other]).EmitAsync(...) (overlapping rooms)")]
    public int TwoRoomsEmit()
    {
        _host.Server.Sockets.To(s_twoRooms).EmitAsync("tick", "hello", 42).GetAwaiter().GetResult();
        return _host.Drain();
    }

    [Benchmark(Description = "Broadcast: io.Sockets.EmitAsync(\"tick\", \"hello\", 42) (all sockets)")]
    public int NamespaceEmit()
    {
        _host.Server.Sockets.EmitAsync("tick", "hello", 42).GetAwaiter().GetResult();
        return _host.Drain();
    }

    // The fan-out alone: an already encoded packet, the room's options built once. The adapter takes over a
    // reference, so each run gives it one of its own.
    [Benchmark(Description = "Broadcast: Adapter.BroadcastAsync(pre-encoded, room)")]
    public int AdapterBroadcast()
    {
        _encoded.AddRef();
        _host.Server.Sockets.Adapter.BroadcastAsync(_encoded, _roomOptions).GetAwaiter().GetResult();
        return _host.Drain();
    }

    private static void Check(int delivered, int expected, string path)
    {
        if (delivered != expected)
        {
            throw new InvalidOperationException($"{path} delivered {delivered} packets, expected {expected}.");
        }
    }
}
