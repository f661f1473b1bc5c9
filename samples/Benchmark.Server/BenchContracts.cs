using SocketIO.Typed;

namespace Benchmark.Server;

/// <summary>
/// The fanout payload of BENCH-CONTRACT.md: <c>{"t":…,"s":…,"p":"…"}</c>. Web defaults name the properties
/// <c>t</c>, <c>s</c> and <c>p</c> (camelCase of one capital letter), and write them in this order, compactly.
/// </summary>
/// <param name="T">The publisher's send timestamp (Stopwatch ticks, an integer below 2^53).</param>
/// <param name="S">The sequence number.</param>
/// <param name="P">Padding up to the payload size.</param>
public sealed record TickPayload(long T, long S, string P);

/// <summary>The events the harness's clients send.</summary>
[SocketIOContract]
public interface IBenchServer
{
    /// <summary><c>echo</c>: acknowledged with the string it carried (the harness checks the ack byte for byte).</summary>
    /// <param name="payload">The string.</param>
    /// <returns>The same string.</returns>
    ValueTask<string> Echo(string payload);

    /// <summary><c>broadcast</c>: every socket of the namespace, the sender included, gets <see cref="IBenchClient.Tick"/>.</summary>
    /// <param name="payload">The payload, re-emitted as it came.</param>
    /// <returns>A task that completes once the packet is queued to every socket.</returns>
    ValueTask Broadcast(TickPayload payload);
}

/// <summary>The events the server sends.</summary>
[SocketIOContract]
public interface IBenchClient
{
    /// <summary><c>tick</c>: a publisher's broadcast.</summary>
    /// <param name="payload">The payload.</param>
    /// <returns>A task that completes once sent.</returns>
    Task Tick(TickPayload payload);
}
