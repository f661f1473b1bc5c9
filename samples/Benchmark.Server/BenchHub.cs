using SocketIO.Typed.Server;

namespace Benchmark.Server;

/// <summary>The typed path (the default): one hub per connected socket of "/", its events bound by generated code.</summary>
[SocketIOHub]
internal sealed partial class BenchHub : SocketHub<IBenchClient>, IBenchServer
{
    // socket.on('echo', (s, ack) => ack(s)): the string is read and written back; the harness sends plain ASCII, which
    // the generated writer escapes as JSON.stringify does, so the ack has the same bytes.
    public ValueTask<string> Echo(string payload) => ValueTask.FromResult(payload);

    // socket.on('broadcast', p => io.emit('tick', p)): encoded once by the generated broadcast view, queued to every socket.
    // An acknowledged broadcast (42<id>["broadcast",…]) is answered 43<id>[] once handled, as the untyped server does.
    public ValueTask Broadcast(TickPayload payload) => Clients.All.Tick(payload);
}
