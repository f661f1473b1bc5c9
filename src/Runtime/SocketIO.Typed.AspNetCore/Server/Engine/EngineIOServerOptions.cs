using Microsoft.AspNetCore.Http;

namespace SocketIO.Typed.Server.Engine;

/// <summary>Which transports a server accepts.</summary>
[Flags]
public enum EngineIOTransports
{
    /// <summary>HTTP long-polling.</summary>
    Polling = 1,

    /// <summary>WebSocket.</summary>
    WebSocket = 2,

    /// <summary>Both (the default).</summary>
    All = Polling | WebSocket,
}

/// <summary>Options of an Engine.IO v4 server (the names follow the <c>engine.io</c> npm package).</summary>
public sealed class EngineIOServerOptions
{
    /// <summary>How often the server pings (default 25 s).</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>How long a client has to answer a ping before the session is closed (default 20 s).</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long an upgrade may take between the probe and the <c>upgrade</c> packet (default 10 s).</summary>
    public TimeSpan UpgradeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The largest message (WebSocket) or polling request body the server accepts, in bytes; also sent to the
    /// client as <c>maxPayload</c> (default 1 000 000). A larger polling body gets HTTP 413, a larger WebSocket
    /// message closes the session.
    /// </summary>
    public int MaxHttpBufferSize { get; set; } = 1_000_000;

    /// <summary>
    /// The most packets one session may have waiting to be written (default 10 000). A client that reads slower than
    /// the server writes (or vanished without closing) is disconnected with <c>transport error</c> when its queue
    /// passes this, instead of growing the server's memory until the heartbeat notices. 0 means no limit.
    /// </summary>
    public int MaxQueuedPackets { get; set; } = 10_000;

    /// <summary>Transports the server accepts (default both).</summary>
    public EngineIOTransports Transports { get; set; } = EngineIOTransports.All;

    /// <summary>Whether polling clients may upgrade to WebSocket (default <see langword="true"/>).</summary>
    public bool AllowUpgrades { get; set; } = true;

    /// <summary>Cross-origin settings. The default allows the same origin only (no CORS headers are sent).</summary>
    public EngineIOCorsOptions Cors { get; } = new();

    /// <summary>When set, the handshake response sets this cookie to the session id (engine.io's <c>cookie</c> option).</summary>
    public EngineIOCookieOptions? Cookie { get; set; }

    /// <summary>
    /// Decides whether a handshake request is accepted (engine.io's <c>allowRequest</c>). Return <see langword="null"/>
    /// to accept, or a message to refuse with HTTP 403 and <c>{"code":4,"message":…}</c>.
    /// </summary>
    public Func<HttpContext, ValueTask<string?>>? AllowRequest { get; set; }

    /// <summary>Compress polling responses with gzip or deflate when the client accepts it (default on).</summary>
    public bool HttpCompression { get; set; } = true;

    /// <summary>Responses smaller than this are not compressed (default 1024 bytes).</summary>
    public int HttpCompressionThreshold { get; set; } = 1024;

    /// <summary>Offer WebSocket permessage-deflate (default off, as in engine.io).</summary>
    public bool PerMessageDeflate { get; set; }

    /// <summary>The clock for heartbeats and timeouts (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>CORS settings of an Engine.IO server.</summary>
public sealed class EngineIOCorsOptions
{
    /// <summary>
    /// Origins (for example <c>https://example.org</c>) whose browser pages may connect, besides the server's own origin;
    /// <c>*</c> allows any. A request that carries an <c>Origin</c> header from anywhere else is refused with 403 on
    /// every transport (handshake, later requests, WebSocket upgrade); a request without one (a non-browser client) is
    /// served. The server's own origin is the request's scheme, host and port: behind a proxy, use ASP.NET Core's
    /// forwarded headers middleware so they are the public ones. Allowed cross-origin requests get CORS headers.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>Whether browsers may send credentials (cookies); the allowed origin is then echoed instead of <c>*</c>.</summary>
    public bool AllowCredentials { get; set; }

    /// <summary>Extra request headers allowed in preflight answers (the requested ones are echoed when empty).</summary>
    public IList<string> AllowedHeaders { get; } = [];
}

/// <summary>The session cookie (<c>io</c> by default).</summary>
public sealed class EngineIOCookieOptions
{
    /// <summary>The cookie name (default <c>io</c>).</summary>
    public string Name { get; set; } = "io";

    /// <summary>The cookie path (default <c>/</c>).</summary>
    public string Path { get; set; } = "/";

    /// <summary>Whether the cookie is HTTP-only (default <see langword="true"/>).</summary>
    public bool HttpOnly { get; set; } = true;

    /// <summary>The SameSite mode (default Lax).</summary>
    public SameSiteMode SameSite { get; set; } = SameSiteMode.Lax;
}
