using SocketIO.Typed.Adapters.Cluster;

namespace SocketIO.Typed.Postgres;

/// <summary>
/// Settings of <see cref="SocketIOPostgresAdapter"/> and of its emitter; the defaults are those of Node's
/// <c>@socket.io/postgres-adapter</c> 0.5 (every server of a cluster must use the same names).
/// </summary>
public sealed class SocketIOPostgresAdapterOptions : SocketIOClusterAdapterWithHeartbeatOptions
{
    /// <summary>The prefix of the notification channels, one per namespace: <c>socket.io#/chat</c> (default <c>socket.io</c>).</summary>
    public string ChannelPrefix { get; set; } = "socket.io";

    /// <summary>
    /// The table that carries messages too large for a notification or holding binary (default
    /// <c>socket_io_attachments</c>; see <see cref="SocketIOPostgresAdapter.CreateAttachmentsTableAsync"/>). Written
    /// into SQL as it is: configuration, never user input.
    /// </summary>
    public string TableName { get; set; } = "socket_io_attachments";

    /// <summary>
    /// Messages whose JSON reaches this many bytes go through the attachments table (default 8000: PostgreSQL refuses
    /// notification payloads of 8000 bytes or more).
    /// </summary>
    public int PayloadThreshold { get; set; } = 8_000;

    /// <summary>How often old attachments are deleted, and how old they must be (default 30 s).</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromSeconds(30);
}
