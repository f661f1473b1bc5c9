using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using SocketIO.Typed.Server;
using SocketIO.Typed.Server.Engine;

namespace SocketIO.Typed.Benchmarks;

/// <summary>
/// The two events of the load harness (BENCH-CONTRACT.md) entering a real server, as samples/Benchmark.Server serves
/// them: <c>typed</c> through the generated hub (<see cref="BenchHub"/>), <c>untyped</c> through <c>socket.On</c>
/// handlers that pass the raw arguments on. Each operation is one packet into the socket's session handler (what the
/// transports call after Engine.IO decoding), then every session's queue drained as a transport would.
/// </summary>
[MemoryDiagnoser]
public class TypedServerBenchmarks
{
    // 42<id>["echo","<32 ASCII chars>"] and 42["broadcast",{"t":…,"s":…,"p":"<padding>"}] without the Engine.IO "4".
    private static readonly byte[] s_echo = Encoding.UTF8.GetBytes("21[\"echo\",\"" + new string('x', 32) + "\"]");
    private static readonly byte[] s_broadcast = Encoding.UTF8.GetBytes("2[\"broadcast\",{\"t\":912345678901234,\"s\":4242,\"p\":\"" + new string('x', 54) + "\"}]");

    private ServiceProvider _services = null!;
    private InMemoryServer _host = null!;
    private EngineIOSession _session = null!;
    private IEngineIOSessionHandler _handler = null!;

    [Params("typed", "untyped")]
    public string Api { get; set; } = "typed";

    [Params(100)]
    public int Sockets { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // A hub is created from its socket's service scope, so the typed server needs services (as AddSocketIO gives it).
        _services = new ServiceCollection().BuildServiceProvider();
        _host = InMemoryServer.StartAsync(
            Sockets,
            server =>
            {
                if (Api == "typed")
                {
                    server.MapNamespace<BenchHub>("/");
                }
                else
                {
                    server.OnConnection(static socket =>
                    {
                        socket.On("echo", static context => context.AckAsync(context.Arguments));
                        socket.On("broadcast", static context => context.Socket.Namespace.EmitAsync("tick", context.Arguments));
                    });
                }
            },
            _services).GetAwaiter().GetResult();
        _session = _host.Sessions[0];
        _handler = _session.Handler!;

        // The echo is answered to its sender, the broadcast reaches everyone; both paths give the same bytes.
        string echoed = FirstQueued(s_echo);
        string ticked = FirstQueued(s_broadcast);
        if (echoed != "31[\"" + new string('x', 32) + "\"]" || !ticked.StartsWith("2[\"tick\",{\"t\":912345678901234,\"s\":4242,\"p\":\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Unexpected answers: {echoed} / {ticked}");
        }

        if (Broadcast() != Sockets)
        {
            throw new InvalidOperationException("The broadcast did not reach every socket.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _services.Dispose();
    }

    [Benchmark(Description = "Receive echo (32 B), ack it, drain")]
    public int Echo()
    {
        _handler.OnMessage(_session, s_echo, isBinary: false);
        return _host.Drain();
    }

    [Benchmark(Description = "Receive broadcast (100 B) -> tick to every socket, drain")]
    public int Broadcast()
    {
        _handler.OnMessage(_session, s_broadcast, isBinary: false);
        return _host.Drain();
    }

    // The text of the first packet a received packet queued on the sender's session (after the Engine.IO "4").
    private string FirstQueued(byte[] received)
    {
        _handler.OnMessage(_session, received, isBinary: false);
        if (!_session.TryDequeue(out Protocol.EncodedPacket? packet))
        {
            throw new InvalidOperationException("Nothing was queued.");
        }

        string text = Encoding.UTF8.GetString(packet.Text.Span[1..]);
        packet.Release();
        _host.Drain();
        return text;
    }
}
