namespace SocketIO.Typed.Redis;

/// <summary>Options of <see cref="SocketIORedisAdapter"/>, as <c>createAdapter(pub, sub, options)</c> of <c>@socket.io/redis-adapter</c>.</summary>
public sealed class SocketIORedisAdapterOptions
{
    /// <summary>The prefix of every channel (<c>key</c>). Default <c>socket.io</c>; every server of a cluster uses the same.</summary>
    public string Key { get; set; } = "socket.io";

    /// <summary>How long a request to the other servers (fetch sockets, server-side emit with acks) waits for their answers (<c>requestsTimeout</c>). Default 5 s.</summary>
    public TimeSpan RequestsTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether answers go to the asking server's own channel instead of the shared one
    /// (<c>publishOnSpecificResponseChannel</c>). Default false, as Node's; every server listens on both.
    /// </summary>
    public bool PublishOnSpecificResponseChannel { get; set; }

    /// <summary>Messages from the broker larger than this are dropped (logged and counted) unread. Default 64 MB.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024 * 1024;
}
