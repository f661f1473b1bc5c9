using BenchmarkDotNet.Attributes;
using SocketIO.Typed.Server.Engine;
using SocketIO.Typed.Server;

namespace SocketIO.Typed.Benchmarks;

/// <summary>
/// One client's packets entering the Socket.IO layer of a real server (<see cref="IEngineIOSessionHandler.OnMessage"/>,
/// what the transports call after Engine.IO decoding): parse, route to the socket, copy the payload to a pooled
/// buffer, dispatch to an untyped handler that reads the arguments.
/// </summary>
[MemoryDiagnoser]
public class ReceiveBenchmarks
{
    private static readonly byte[] s_event = "2[\"chat\",\"hello\",42]"u8.ToArray();
    private static readonly byte[] s_echo = "21[\"echo\",\"hello\",42]"u8.ToArray();
    private static readonly byte[] s_binaryEvent = "51-[\"upload\",{\"_placeholder\":true,\"num\":0}]"u8.ToArray();
    private static readonly byte[] s_attachment = new byte[1024];

    private InMemoryServer _host = null!;
    private EngineIOSession _session = null!;
    private IEngineIOSessionHandler _handler = null!;
    private int _sum;

    [GlobalSetup]
    public void Setup()
    {
        _host = InMemoryServer.StartAsync(1, server => server.OnConnection(socket =>
        {
            socket.On("chat", ctx => _sum += ctx.Arguments.GetInt32(1));
            socket.On("echo", ctx => ctx.AckAsync(ctx.Arguments));
            socket.On("upload", ctx => _sum += ctx.Arguments.GetBytes(0).Length);
        })).GetAwaiter().GetResult();
        _session = _host.Sessions[0];
        _handler = _session.Handler!;

        // Warm up, and check that the echo's ack is queued.
        ReceiveEvent();
        ReceiveBinaryEvent();
        if (ReceiveEventAndAck() != 1)
        {
            throw new InvalidOperationException("The echo handler did not answer.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _host.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "Receive: event -> handler reads GetInt32(1)")]
    public int ReceiveEvent()
    {
        _handler.OnMessage(_session, s_event, isBinary: false);
        return _sum;
    }

    [Benchmark(Description = "Receive: event with ack -> ctx.AckAsync(ctx.Arguments), drained")]
    public int ReceiveEventAndAck()
    {
        _handler.OnMessage(_session, s_echo, isBinary: false);
        return _host.Drain();
    }

    [Benchmark(Description = "Receive: binary event (1 KiB attachment) -> handler reads GetBytes(0)")]
    public int ReceiveBinaryEvent()
    {
        _handler.OnMessage(_session, s_binaryEvent, isBinary: false);
        _handler.OnMessage(_session, s_attachment, isBinary: true);
        return _sum;
    }
}
