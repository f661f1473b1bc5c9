using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SocketIO.Typed.Protocol;
using SocketIO.Typed.Server.Engine.Transports;

namespace SocketIO.Typed.Server.Engine;

/// <summary>The error codes engine.io answers bad requests with (HTTP 400, 403 for <see cref="Forbidden"/>).</summary>
public enum EngineIOErrorCode
{
    /// <summary>Unknown or disabled transport.</summary>
    UnknownTransport = 0,

    /// <summary>Unknown session id.</summary>
    UnknownSid = 1,

    /// <summary>A handshake that is not a GET.</summary>
    BadHandshakeMethod = 2,

    /// <summary>Any other malformed request.</summary>
    BadRequest = 3,

    /// <summary>Refused by <see cref="EngineIOServerOptions.AllowRequest"/>.</summary>
    Forbidden = 4,

    /// <summary><c>EIO</c> is not 4.</summary>
    UnsupportedProtocolVersion = 5,
}

/// <summary>
/// An Engine.IO v4 server: answers the HTTP requests of one endpoint (long-polling and WebSocket), keeps the
/// sessions, and reports each new session through <see cref="Connection"/>.
/// </summary>
public sealed class EngineIOServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, EngineIOSession> _sessions = new(StringComparer.Ordinal);
    private volatile bool _shuttingDown;

    /// <summary>Creates a server.</summary>
    /// <param name="options">The options; read once per request, so changes apply to new sessions.</param>
    /// <param name="logger">Where to log; no logging when null.</param>
    public EngineIOServer(EngineIOServerOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Where the sessions count themselves (the Socket.IO server's instruments, or the shared ones).</summary>
    internal SocketIOMetrics Metrics
    {
        get => _metrics ??= SocketIOMetrics.Default;
        set => _metrics = value;
    }

    private SocketIOMetrics? _metrics;

    /// <summary>Raised for every new session, before its first packet is read; set the session's handler here.</summary>
    public event Action<EngineIOSession>? Connection;

    /// <summary>Sees every packet's size and every disconnection (the Admin UI's aggregated events); null when nobody watches.</summary>
    internal IEngineIOTrafficObserver? Traffic { get; set; }

    /// <summary>The options.</summary>
    public EngineIOServerOptions Options { get; }

    internal ILogger Logger { get; }

    /// <summary>The number of open sessions.</summary>
    public int SessionCount => _sessions.Count;

    /// <summary>The open sessions.</summary>
    public IEnumerable<EngineIOSession> Sessions => _sessions.Values;

    /// <summary>Finds a session by id.</summary>
    /// <param name="sid">The session id.</param>
    /// <param name="socket">The session.</param>
    /// <returns>Whether it exists.</returns>
    public bool TryGetSession(string sid, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EngineIOSession? socket) =>
        _sessions.TryGetValue(sid, out socket);

    /// <summary>Answers one request to the Engine.IO endpoint.</summary>
    /// <param name="context">The request.</param>
    /// <returns>A task that completes when the request is answered (for a WebSocket, when it closes).</returns>
    public async Task HandleRequestAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        HttpRequest request = context.Request;
        if (ApplyCors(context) && HttpMethods.IsOptions(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        if (!IsOriginAllowed(context))
        {
            // As python-engineio: a browser page from an origin that is not allowed gets nothing, on any transport
            // (CORS headers alone do not stop a cross-site WebSocket or a simple POST).
            EngineIOServerLog.OriginRefused(Logger, context.Request.Headers.Origin.ToString());
            await WriteErrorAsync(context, EngineIOErrorCode.Forbidden, "Origin not allowed").ConfigureAwait(false);
            return;
        }

        if (_shuttingDown)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        IQueryCollection query = request.Query;
        if (query["EIO"] != "4")
        {
            await WriteErrorAsync(context, EngineIOErrorCode.UnsupportedProtocolVersion, "Unsupported protocol version").ConfigureAwait(false);
            return;
        }

        string? transport = query["transport"];
        bool webSocket;
        if (transport == "polling" && (Options.Transports & EngineIOTransports.Polling) != 0)
        {
            webSocket = false;
        }
        else if (transport == "websocket" && (Options.Transports & EngineIOTransports.WebSocket) != 0)
        {
            webSocket = true;
        }
        else
        {
            await WriteErrorAsync(context, EngineIOErrorCode.UnknownTransport, "Transport unknown").ConfigureAwait(false);
            return;
        }

        if (webSocket && !context.WebSockets.IsWebSocketRequest)
        {
            await WriteErrorAsync(context, EngineIOErrorCode.BadRequest, "Bad request").ConfigureAwait(false);
            return;
        }

        string? sid = query["sid"];
        if (!string.IsNullOrEmpty(sid))
        {
            await HandleExistingAsync(context, sid, webSocket).ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsGet(request.Method))
        {
            await WriteErrorAsync(context, EngineIOErrorCode.BadHandshakeMethod, "Bad handshake method").ConfigureAwait(false);
            return;
        }

        if (Options.AllowRequest is { } allow)
        {
            string? refusal = await allow(context).ConfigureAwait(false);
            if (refusal is not null)
            {
                await WriteErrorAsync(context, EngineIOErrorCode.Forbidden, refusal).ConfigureAwait(false);
                return;
            }
        }

        await HandshakeAsync(context, webSocket).ConfigureAwait(false);
    }

    private async Task HandleExistingAsync(HttpContext context, string sid, bool webSocket)
    {
        if (!_sessions.TryGetValue(sid, out EngineIOSession? session))
        {
            await WriteErrorAsync(context, EngineIOErrorCode.UnknownSid, "Session ID unknown").ConfigureAwait(false);
            return;
        }

        if (webSocket)
        {
            if (!Options.AllowUpgrades)
            {
                await WriteErrorAsync(context, EngineIOErrorCode.BadRequest, "Bad request").ConfigureAwait(false);
                return;
            }

            if (!session.CanUpgrade)
            {
                // engine.io accepts a second WebSocket for an upgraded (or upgrading) session, then closes it at once.
                using WebSocket extra = await AcceptWebSocketAsync(context).ConfigureAwait(false);
                await extra.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "Session already upgraded", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            using WebSocket socket = await AcceptWebSocketAsync(context).ConfigureAwait(false);
            await new WebSocketTransport(session, socket).RunUpgradeAsync(socket).ConfigureAwait(false);
            return;
        }

        if (!session.AcceptsPolling || (!session.IsOpen && !HttpMethods.IsGet(context.Request.Method)))
        {
            await WriteErrorAsync(context, EngineIOErrorCode.BadRequest, "Bad request").ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsGet(context.Request.Method))
        {
            await session.Polling.HandlePollAsync(context).ConfigureAwait(false);
        }
        else if (HttpMethods.IsPost(context.Request.Method))
        {
            await session.Polling.HandlePostAsync(context).ConfigureAwait(false);
        }
        else
        {
            await WriteErrorAsync(context, EngineIOErrorCode.BadRequest, "Bad request").ConfigureAwait(false);
        }
    }

    private async Task HandshakeAsync(HttpContext context, bool webSocket)
    {
        string sid = Ids.New();
        var session = new EngineIOSession(this, sid, webSocket, new EngineIORequestInfo(context, Options.TimeProvider.GetUtcNow()));
        _sessions[sid] = session;
        var handshake = new EngineIOHandshake(
            sid,
            webSocket || !Options.AllowUpgrades || (Options.Transports & EngineIOTransports.WebSocket) == 0 ? [] : s_websocketUpgrade,
            (long)Options.PingInterval.TotalMilliseconds,
            (long)Options.PingTimeout.TotalMilliseconds,
            Options.MaxHttpBufferSize);
        using var open = new PooledBufferWriter();
        EngineIOWriter.WriteOpenPacket(open, handshake);
        if (Options.Cookie is { } cookie)
        {
            context.Response.Cookies.Append(cookie.Name, sid, new CookieOptions
            {
                Path = cookie.Path,
                HttpOnly = cookie.HttpOnly,
                SameSite = cookie.SameSite,
            });
        }

        EngineIOServerLog.SessionOpened(Logger, sid, webSocket ? "websocket" : "polling");
        if (webSocket)
        {
            using WebSocket socket = await AcceptWebSocketAsync(context).ConfigureAwait(false);
            EncodedPacket openPacket = EncodedPacket.CreateText(EngineIOPacketType.Open, open.WrittenSpan[1..]);
            try
            {
                RaiseConnection(session);
                session.Start();
            }
            catch
            {
                openPacket.Release();
                throw;
            }

            await new WebSocketTransport(session, socket).RunAsync(socket, openPacket).ConfigureAwait(false);

            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; charset=UTF-8";
        context.Response.ContentLength = open.WrittenCount;
        try
        {
            await context.Response.Body.WriteAsync(open.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        }
        catch
        {
            // The client went away during its handshake: the session never started, so no timer would ever remove it.
            session.CloseCore("transport error", graceful: false, EncodedPacket.Close);
            throw;
        }

        RaiseConnection(session);
        session.Start();
    }

    private static readonly string[] s_websocketUpgrade = ["websocket"];

    private void RaiseConnection(EngineIOSession session)
    {
        try
        {
            Connection?.Invoke(session);
        }
#pragma warning disable CA1031 // a failing connection handler closes that session, not the server
        catch (Exception e)
#pragma warning restore CA1031
        {
            EngineIOServerLog.HandlerFailed(Logger, e, session.Id);
            session.CloseCore("server error", graceful: false, EncodedPacket.Close);
        }
    }

    private Task<WebSocket> AcceptWebSocketAsync(HttpContext context) =>
        context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            DangerousEnableCompression = Options.PerMessageDeflate,
            // Engine.IO has its own heartbeat; WebSocket-level pings would only cost bandwidth.
            KeepAliveInterval = TimeSpan.Zero,
        });

    internal void Remove(EngineIOSession session) => _sessions.TryRemove(new KeyValuePair<string, EngineIOSession>(session.Id, session));

    internal async Task WriteErrorAsync(HttpContext context, EngineIOErrorCode code, string message)
    {
        EngineIOServerLog.RequestRefused(Logger, (int)code, message);
        HttpResponse response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = code == EngineIOErrorCode.Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest;
        response.ContentType = "application/json";
        using var body = new PooledBufferWriter();
        using (var json = new System.Text.Json.Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteNumber("code"u8, (int)code);
            json.WriteString("message"u8, message);
            json.WriteEndObject();
        }

        response.ContentLength = body.WrittenCount;
        await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    // A request without Origin comes from a non-browser client and is served. A browser's request is served when its
    // origin is the server's own (scheme, host and port of the request), is in the allow-list, or the list has "*".
    private bool IsOriginAllowed(HttpContext context)
    {
        string? origin = context.Request.Headers.Origin;
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }

        IList<string> allowed = Options.Cors.AllowedOrigins;
        if (allowed.Contains("*") || allowed.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        HttpRequest request = context.Request;
        string self = request.Scheme + "://" + request.Host.Value;
        return string.Equals(origin, self, StringComparison.OrdinalIgnoreCase);
    }

    // CORS as the cors middleware configured by engine.io does it; returns whether the request may be answered.
    private bool ApplyCors(HttpContext context)
    {
        EngineIOCorsOptions cors = Options.Cors;
        string? origin = context.Request.Headers.Origin;
        if (cors.AllowedOrigins.Count == 0 || string.IsNullOrEmpty(origin))
        {
            return true;
        }

        bool any = cors.AllowedOrigins.Contains("*");
        bool allowed = any || cors.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase);
        if (!allowed)
        {
            return true;
        }

        IHeaderDictionary headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = any && !cors.AllowCredentials ? "*" : origin;
        if (!any || cors.AllowCredentials)
        {
            headers.Vary = "Origin";
        }

        if (cors.AllowCredentials)
        {
            headers.AccessControlAllowCredentials = "true";
        }

        if (HttpMethods.IsOptions(context.Request.Method))
        {
            headers.AccessControlAllowMethods = "GET,HEAD,PUT,PATCH,POST,DELETE";
            string? requested = context.Request.Headers.AccessControlRequestHeaders;
            if (cors.AllowedHeaders.Count > 0)
            {
                headers.AccessControlAllowHeaders = string.Join(',', cors.AllowedHeaders);
            }
            else if (!string.IsNullOrEmpty(requested))
            {
                headers.AccessControlAllowHeaders = requested;
            }
        }

        return true;
    }

    /// <summary>Closes every session (reason <c>server shutting down</c>) and refuses new requests.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    // Closes every session now: their handlers (the Socket.IO sockets' close) run synchronously.
    internal void Close()
    {
        _shuttingDown = true;
        foreach (EngineIOSession session in _sessions.Values)
        {
            session.CloseCore("server shutting down", graceful: true, EncodedPacket.Close);
        }
    }
}

/// <summary>What the Engine.IO server reports about its traffic to one observer (kept off the hot path when absent).</summary>
internal interface IEngineIOTrafficObserver
{
    /// <summary>A message packet arrived.</summary>
    /// <param name="bytes">Its payload size.</param>
    void PacketReceived(long bytes);

    /// <summary>A message was queued for a client.</summary>
    /// <param name="packets">How many Engine.IO packets it is (one, plus one per binary attachment).</param>
    /// <param name="bytes">Their data size.</param>
    void PacketSent(int packets, long bytes);

    /// <summary>An open session closed (must not throw).</summary>
    /// <param name="reason">Why.</param>
    void Disconnected(string reason);
}
