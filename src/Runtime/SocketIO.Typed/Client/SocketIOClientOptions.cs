using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace SocketIO.Typed.Client;

/// <summary>The transports a client may use.</summary>
[Flags]
public enum SocketIOClientTransports
{
    /// <summary>HTTP long-polling.</summary>
    Polling = 1,

    /// <summary>WebSocket.</summary>
    WebSocket = 2,

    /// <summary>Both: start with polling and upgrade to WebSocket (the default, as socket.io-client).</summary>
    All = Polling | WebSocket,
}

/// <summary>What an emit does while its socket is not connected.</summary>
public enum SocketIODisconnectedEmitBehavior
{
    /// <summary>Keep the packet in a bounded buffer and send it on (re)connection (socket.io-client's behaviour).</summary>
    Buffer,

    /// <summary>Fail the emit with <see cref="SocketIODisconnectedException"/>.</summary>
    Fail,
}

/// <summary>Options of a <see cref="SocketIOManager"/> (names follow socket.io-client's options).</summary>
public sealed class SocketIOClientOptions
{
    /// <summary>The server path (default <c>/socket.io</c>).</summary>
    public string Path { get; set; } = "/socket.io";

    /// <summary>Query parameters added to every request (the handshake's <c>query</c> on the server).</summary>
    public IDictionary<string, string> Query { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Headers added to every HTTP request and to the WebSocket handshake.</summary>
    public IDictionary<string, string> ExtraHeaders { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The auth payload of every namespace CONNECT: a value written as JSON (see
    /// <see cref="Protocol.SocketIOPacketWriter.WriteValue(object?)"/>), for example a dictionary or a <c>JsonElement</c>.
    /// Ignored when <see cref="AuthProvider"/> is set.
    /// </summary>
    public object? Auth { get; set; }

    /// <summary>Computes the auth payload on every connection attempt (for example to refresh a token); gets the namespace.</summary>
    public Func<string, CancellationToken, ValueTask<object?>>? AuthProvider { get; set; }

    /// <summary>The transports to use (default both: polling first, then upgrade).</summary>
    public SocketIOClientTransports Transports { get; set; } = SocketIOClientTransports.All;

    /// <summary>Whether to upgrade from polling to WebSocket when both are allowed (default <see langword="true"/>).</summary>
    public bool Upgrade { get; set; } = true;

    /// <summary>How long a connection attempt (Engine.IO handshake plus namespace CONNECT) may take (default 20 s, as socket.io-client's <c>timeout</c>).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The default timeout of emits that wait for an acknowledgement (default 30 s).</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether to reconnect after the connection is lost (default <see langword="true"/>).</summary>
    public bool Reconnection { get; set; } = true;

    /// <summary>How many reconnection attempts before giving up (default unlimited).</summary>
    public int ReconnectionAttempts { get; set; } = int.MaxValue;

    /// <summary>The first reconnection delay, doubled on each attempt (default 1 s).</summary>
    public TimeSpan ReconnectionDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The largest reconnection delay (default 5 s).</summary>
    public TimeSpan ReconnectionDelayMax { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The jitter of reconnection delays, between 0 and 1 (default 0.5).</summary>
    public double RandomizationFactor { get; set; } = 0.5;

    /// <summary>What an emit does while the socket is disconnected (default <see cref="SocketIODisconnectedEmitBehavior.Buffer"/>).</summary>
    public SocketIODisconnectedEmitBehavior DisconnectedEmits { get; set; } = SocketIODisconnectedEmitBehavior.Buffer;

    /// <summary>The most packets kept while disconnected; an emit beyond it fails (default 1000).</summary>
    public int SendBufferLimit { get; set; } = 1000;

    /// <summary>
    /// How often an emit is retried when the server does not acknowledge it within <see cref="AckTimeout"/> (default 0: off).
    /// When set, every emit asks for an acknowledgement and emits are sent one at a time, in order (socket.io-client's <c>retries</c>).
    /// </summary>
    public int Retries { get; set; }

    /// <summary>
    /// Whether event handlers of one socket may run concurrently (default <see langword="false"/>: one event at a time, in
    /// arrival order, each handler awaited before the next).
    /// </summary>
    public bool ConcurrentEventHandlers { get; set; }

    /// <summary>
    /// What an acknowledged event from the server whose arguments could not be bound is answered with (default
    /// <see cref="SocketIOBindingFailureAck.None"/>). The failure is logged with the event name and counted in
    /// <see cref="SocketIOClientSocket.BindingFailureCount"/> either way.
    /// </summary>
    public SocketIOBindingFailureAck BindingFailureAck { get; set; }

    /// <summary>
    /// The most binary attachments one received packet may declare (default 10, socket.io-parser's <c>maxAttachments</c>);
    /// a packet with more closes the connection with <c>parse error</c> (then the client reconnects).
    /// </summary>
    public int MaxAttachments { get; set; } = 10;

    /// <summary>The most bytes one received binary packet may hold, text and attachments together (default 100 MB); more closes the connection with <c>parse error</c>.</summary>
    public long MaxAttachmentBytes { get; set; } = 100_000_000;

    /// <summary>The deepest JSON nesting a received packet may have (default 64; 0 means 64); deeper closes the connection with <c>parse error</c>.</summary>
    public int MaxJsonDepth { get; set; } = 64;

    /// <summary>The HTTP handler for polling requests (proxies, TLS, cookies); the client does not dispose it.</summary>
    public HttpMessageHandler? HttpMessageHandler { get; set; }

    /// <summary>Configures each <see cref="ClientWebSocket"/> before it connects (proxy, certificates, headers).</summary>
    public Action<ClientWebSocketOptions>? ConfigureWebSocket { get; set; }

    /// <summary>Logging (default none).</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock for heartbeats, timeouts and reconnection delays (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
