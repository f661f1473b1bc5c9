using SocketIO.Typed.Adapters.Cluster;

namespace SocketIO.Typed.Redis;

/// <summary>
/// Settings of <see cref="SocketIORedisStreamsAdapter"/>; the defaults are those of Node's
/// <c>@socket.io/redis-streams-adapter</c> 0.3 (every server of a cluster must use the same names).
/// </summary>
public sealed class SocketIORedisStreamsAdapterOptions : SocketIOClusterAdapterOptions
{
    /// <summary>The stream every namespace's broadcasts and room changes go through (default <c>socket.io</c>).</summary>
    public string StreamName { get; set; } = "socket.io";

    /// <summary>About how many entries the stream keeps (<c>XADD MAXLEN ~</c>, default 10 000): the reach of connection state recovery.</summary>
    public int MaxLength { get; set; } = 10_000;

    /// <summary>How many entries one read takes (default 100).</summary>
    public int ReadCount { get; set; } = 100;

    /// <summary>
    /// How long one blocking read waits for new entries before it asks again (default 1 s; Node's is 5 s). It bounds how
    /// long stopping the reader takes, not how soon an entry arrives.
    /// </summary>
    public TimeSpan BlockTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The prefix of the pub/sub channels of requests and answers (default <c>socket.io</c>: <c>socket.io#/ns#</c>).</summary>
    public string ChannelPrefix { get; set; } = "socket.io";

    /// <summary>The prefix of the keys that keep disconnected sessions for connection state recovery (default <c>sio:session:</c>).</summary>
    public string SessionKeyPrefix { get; set; } = "sio:session:";

    /// <summary>Write every stream entry as JSON, binary as Node's JSON of a Buffer (default false: entries with binary are MessagePack in base64).</summary>
    public bool OnlyPlaintext { get; set; }
}
