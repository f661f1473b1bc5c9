using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server.Engine;
using SocketIO.Typed;

namespace SocketIO.Typed.Server;

/// <summary>Options of a Socket.IO server (names follow the <c>socket.io</c> npm package).</summary>
public sealed class SocketIOServerOptions
{
    private TimeSpan _shutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The Engine.IO options underneath (heartbeat, transports, CORS, buffer sizes).</summary>
    public EngineIOServerOptions EngineIO { get; } = new();

    /// <summary>Shortcut for <see cref="EngineIOServerOptions.Cors"/>.</summary>
    public EngineIOCorsOptions Cors => EngineIO.Cors;

    /// <summary>How long a new connection may take to join a namespace before it is closed (default 45 s).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// How long stopping the server (<see cref="SocketIOServer.DisposeAsync"/>, or the host stopping) waits for the
    /// disconnect handlers of the sockets it closed before the adapters stop (default 5 s;
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits for them all). Those handlers may still use the adapter, for
    /// example to tell a room, or to read its members across a cluster; what they ask of it after the wait fails.
    /// Under a host, its own shutdown timeout (<c>HostOptions.ShutdownTimeout</c>) also ends the wait.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative (other than infinite), or longer than <see cref="int.MaxValue"/> milliseconds.</exception>
    public TimeSpan ShutdownTimeout
    {
        get => _shutdownTimeout;
        set
        {
            if (value != Timeout.InfiniteTimeSpan && (value < TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "ShutdownTimeout is zero or more (at most int.MaxValue milliseconds), or Timeout.InfiniteTimeSpan.");
            }

            _shutdownTimeout = value;
        }
    }

    /// <summary>The default timeout of server-to-client acknowledgements when none is given per call (default 30 s; infinite disables).</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// What an acknowledged event whose arguments could not be bound is answered with (default
    /// <see cref="SocketIOBindingFailureAck.None"/>: no answer, as socket.io when a handler fails). The failure is
    /// logged with the event name and counted in <see cref="SocketIOServer.BindingFailureCount"/> either way.
    /// </summary>
    public SocketIOBindingFailureAck BindingFailureAck { get; set; } = SocketIOBindingFailureAck.None;

    /// <summary>
    /// How many protocol violations (for example acknowledgements with ids nobody waits for) one connection may commit
    /// before it is closed (default 100; 0 means no limit). Each is counted in
    /// <see cref="SocketIOServer.ProtocolViolationCount"/>; they are logged at most once per connection every 10 seconds.
    /// </summary>
    public int MaxProtocolViolations { get; set; } = 100;

    /// <summary>
    /// The most binary attachments one received packet may declare (default 10, socket.io-parser's
    /// <c>maxAttachments</c>). A packet with more, or whose attachments together exceed
    /// <see cref="EngineIOServerOptions.MaxHttpBufferSize"/> bytes, closes the connection with <c>parse error</c>.
    /// </summary>
    public int MaxAttachments { get; set; } = 10;

    /// <summary>
    /// The deepest JSON nesting a received packet may have (default 64, System.Text.Json's default; 0 means 64). A
    /// deeper packet is malformed: the connection closes with <c>parse error</c>, as for any malformed packet.
    /// </summary>
    public int MaxJsonDepth { get; set; } = 64;

    /// <summary>
    /// Events that arrive while a socket's (asynchronous) connection handlers still run wait for them, so no event beats
    /// its handler; at most this many per socket (default 1000). Each event beyond it is dropped and counted as a
    /// protocol violation (see <see cref="MaxProtocolViolations"/>).
    /// </summary>
    public int MaxEventsBeforeReady { get; set; } = 1000;

    /// <summary>
    /// Creates the adapter of every namespace, the main one included (default: <see cref="InMemoryAdapter"/>). A
    /// cluster package sets it (for example through its own <c>AddSocketIO(...).AddRedisAdapter(...)</c>), or an
    /// <see cref="ISocketIOAdapterFactory"/> registered in dependency injection replaces it.
    /// </summary>
    public Func<ISocketIOAdapterHost, SocketIOAdapter> AdapterFactory { get; set; } = static host => new InMemoryAdapter(host);

    /// <summary>Connection state recovery (socket.io 4.6); <see langword="null"/> (the default) disables it.</summary>
    public ConnectionStateRecoveryOptions? ConnectionStateRecovery { get; set; }
}
