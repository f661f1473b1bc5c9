using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server.Engine;

namespace SocketIO.Typed.Server;

/// <summary>
/// The server side of <c>@socket.io/admin-ui</c> 0.5 (its <c>instrument()</c>): the admin namespace with its login,
/// the statistics sent every two seconds, and in development mode a report of every socket, room and event.
/// Reports are written to JSON where they happen (so they show the state of that moment) and sent in order by one loop.
/// </summary>
internal sealed partial class SocketIOAdminInstrumentation : IEngineIOTrafficObserver
{
    private static readonly DateTimeOffset s_processStarted = new(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime(), TimeSpan.Zero);

    private readonly SocketIOServer _server;
    private readonly SocketIOAdminOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _serverId;
    private readonly string[] _features;
    private readonly Channel<AdminReport> _reports;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _sessions = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<SocketIOSocket, string> _pendingSessions = [];
    private readonly ConcurrentDictionary<SocketIONamespace, (Action<string, string> Joined, Action<string, string> Left)> _watched = new();
    private readonly object _bufferGate = new();
    private readonly Dictionary<(long Timestamp, string Type, string? SubType), long> _buffer = [];
    private ITimer? _timer;
    private int _admins;
    private int _dropLogged;
    private volatile bool _stopped;

    private SocketIOAdminInstrumentation(SocketIOServer server, SocketIOAdminOptions options)
    {
        _server = server;
        _options = options;
        _time = server.Options.EngineIO.TimeProvider;
        _logger = server.Logger;
        _serverId = options.ServerId ?? Environment.MachineName;
        bool development = options.Mode == SocketIOAdminMode.Development;
        _features = [.. options.ReadOnly ? [] : (string[])["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"],
            "AGGREGATED_EVENTS", .. development ? (string[])["ALL_EVENTS"] : []];
        _reports = Channel.CreateBounded<AdminReport>(new BoundedChannelOptions(options.MaxQueuedReports)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails, and the report is counted as dropped
        });
        Namespace = server.Of(options.Namespace);
    }

    /// <summary>The admin namespace.</summary>
    public SocketIONamespace Namespace { get; }

    /// <summary>Awaited before each report is sent (tests hold it to fill the queue).</summary>
    internal Task SendGate { get; set; } = Task.CompletedTask;

    private bool Development => _options.Mode == SocketIOAdminMode.Development;

    public static SocketIOAdminInstrumentation Start(SocketIOServer server, SocketIOAdminOptions options)
    {
        if (server.EngineIO.Traffic is not null)
        {
            throw new InvalidOperationException("This server is already instrumented for the Admin UI.");
        }

        var admin = new SocketIOAdminInstrumentation(server, options);
        server.EngineIO.Traffic = admin;
        if (!options.Authentication!.AllowsAnyone)
        {
            admin.Namespace.Use(admin.AuthenticateAsync);
        }

        admin.Namespace.OnConnection(admin.OnAdminConnectedAsync);
        server.EngineIO.Connection += admin.OnEngineConnection;
        if (admin.Development)
        {
            server.NamespaceCreated += admin.Watch;
            foreach (SocketIONamespace ns in server.Namespaces)
            {
                admin.Watch(ns);
            }

            server.SocketConnected += admin.OnSocketConnected;
        }

        admin._timer = admin._time.CreateTimer(static s => ((SocketIOAdminInstrumentation)s!).OnStatsTick(), admin, options.StatsInterval, options.StatsInterval);
        _ = Task.Run(admin.SendReportsAsync);
        server.Stopping.Register(static s => ((SocketIOAdminInstrumentation)s!).Stop(), admin);
        return admin;
    }

    // The server stops: nothing more is watched, counted or sent.
    private void Stop()
    {
        _stopped = true;
        _timer?.Dispose();
        if (_server.EngineIO.Traffic == this)
        {
            _server.EngineIO.Traffic = null;
        }

        _server.EngineIO.Connection -= OnEngineConnection;
        _server.NamespaceCreated -= Watch;
        _server.SocketConnected -= OnSocketConnected;
        foreach (KeyValuePair<SocketIONamespace, (Action<string, string> Joined, Action<string, string> Left)> watched in _watched)
        {
            watched.Key.Adapter.RoomJoined -= watched.Value.Joined;
            watched.Key.Adapter.RoomLeft -= watched.Value.Left;
        }

        _reports.Writer.TryComplete();
    }

    // ------------------------------------------------------------------ login

    private async ValueTask AuthenticateAsync(SocketIOSocket socket, CancellationToken cancellationToken)
    {
        JsonElement auth = socket.Handshake.Auth;
        if (auth.ValueKind == JsonValueKind.Object)
        {
            DateTimeOffset now = _time.GetUtcNow();
            if (auth.TryGetProperty("sessionId", out JsonElement session) && session.ValueKind == JsonValueKind.String
                && _sessions.TryGetValue(session.GetString()!, out DateTimeOffset expires) && expires > now)
            {
                return;
            }

            if (auth.TryGetProperty("username", out JsonElement user) && user.ValueKind == JsonValueKind.String
                && auth.TryGetProperty("password", out JsonElement password) && password.ValueKind == JsonValueKind.String
                && await _options.Authentication!.VerifyAsync(user.GetString()!, password.GetString()!, cancellationToken).ConfigureAwait(false))
            {
                foreach (KeyValuePair<string, DateTimeOffset> old in _sessions)
                {
                    if (old.Value <= now)
                    {
                        _sessions.TryRemove(old);
                    }
                }

                string id = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
                _sessions[id] = now + _options.SessionLifetime;
                _pendingSessions.AddOrUpdate(socket, id);
                return;
            }
        }

        LogLoginRefused(_logger, socket.Handshake.Address?.ToString() ?? "?", Namespace.Name);
        throw new SocketIOConnectException("invalid credentials");
    }

    // ------------------------------------------------------------------ the admin sockets

    private async ValueTask OnAdminConnectedAsync(SocketIOSocket socket)
    {
        Interlocked.Increment(ref _admins);
        WhenGone(socket, _ => Interlocked.Decrement(ref _admins));
        if (_pendingSessions.TryGetValue(socket, out string? session))
        {
            _pendingSessions.Remove(socket);
            await socket.EmitAsync("session", SocketIOArguments.FromJsonArray(Json(w => w.WriteStringValue(session)))).ConfigureAwait(false);
        }

        if (!_options.ReadOnly)
        {
            RegisterFeatures(socket);
        }

        await socket.EmitAsync("config", SocketIOArguments.FromJsonArray(Json(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("supportedFeatures"u8);
            foreach (string feature in _features)
            {
                w.WriteStringValue(feature);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }))).ConfigureAwait(false);

        if (Development)
        {
            // Taken by the sending loop in its turn: reports queued before it are sent first, and what happens after
            // the snapshot is reported after it (a socket that leaves meanwhile does not stay in the UI's list).
            await _reports.Writer.WriteAsync(new AdminReport("all_sockets", null, socket), socket.Disconnected).ConfigureAwait(false);
        }
    }

    // Runs once when the socket is gone, even if it disconnected before this was registered.
    private static void WhenGone(SocketIOSocket socket, Action<string> action)
    {
        int done = 0;
        void Once(string reason)
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                action(reason);
            }
        }

        socket.OnDisconnect((_, reason) => Once(reason));
        if (!socket.Connected)
        {
            Once("transport close");
        }
    }

    private void RegisterFeatures(SocketIOSocket socket)
    {
        // emit(nsp, filter, event, ...args): to the namespace, or to a room or socket id.
        socket.On("emit", context => ActAsync("emit", context, EmitAsync));
        socket.On("join", context => ActAsync("join", context, JoinAsync));
        socket.On("leave", context => ActAsync("leave", context, LeaveAsync));
        socket.On("_disconnect", context => ActAsync("_disconnect", context, DisconnectAsync));
    }

    // An action the UI asked for; one that cannot be done (bad arguments, a reserved event name) is logged, not thrown.
    private async ValueTask ActAsync(string action, SocketIOEventContext context, Func<SocketIOArguments, ValueTask> act)
    {
        try
        {
            await act(context.Arguments).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // whatever the UI sent, the server goes on
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogActionFailed(_logger, action, e.Message);
        }
    }

    private async ValueTask EmitAsync(SocketIOArguments args)
    {
        if (Target(args, filterIndex: 1) is not { } target || args.Count < 3 || args.GetElement(2).ValueKind != JsonValueKind.String)
        {
            return;
        }

        byte[] rest = Json(w =>
        {
            for (int i = 3; i < args.Count; i++)
            {
                w.WriteRawValue(args.GetRawJson(i).Span, skipInputValidation: true);
            }
        });
        await target.EmitAsync(args.GetString(2)!, SocketIOArguments.FromJsonArray(rest, args.Attachments)).ConfigureAwait(false);
    }

    // join(nsp, room, filter) / leave(nsp, room, filter): the matching sockets join or leave a room.
    private async ValueTask JoinAsync(SocketIOArguments args)
    {
        if (Target(args, filterIndex: 2) is { } target && RoomArgument(args) is { } room)
        {
            await target.SocketsJoinAsync(room).ConfigureAwait(false);
        }
    }

    private async ValueTask LeaveAsync(SocketIOArguments args)
    {
        if (Target(args, filterIndex: 2) is { } target && RoomArgument(args) is { } room)
        {
            await target.SocketsLeaveAsync(room).ConfigureAwait(false);
        }
    }

    // _disconnect(nsp, close, filter): the matching sockets are disconnected (close: their whole connection).
    private async ValueTask DisconnectAsync(SocketIOArguments args)
    {
        if (Target(args, filterIndex: 2) is { } target)
        {
            bool close = args.Count > 1 && args.GetElement(1).ValueKind == JsonValueKind.True;
            await target.DisconnectSocketsAsync(close).ConfigureAwait(false);
        }
    }

    private static string? RoomArgument(SocketIOArguments args) =>
        args.Count > 1 && args.GetElement(1) is { ValueKind: JsonValueKind.String } room ? room.GetString() : null;

    // The namespace named by the first argument (never created by the UI) narrowed to the filter (a room or a socket id).
    private BroadcastOperator? Target(SocketIOArguments args, int filterIndex)
    {
        if (args.Count < 1 || args.GetElement(0) is not { ValueKind: JsonValueKind.String } name)
        {
            return null;
        }

        string nsp = name.GetString()!;
        SocketIONamespace? ns = _server.Namespaces.FirstOrDefault(n => n.Name == nsp);
        if (ns is null)
        {
            LogUnknownNamespace(_logger, nsp);
            return null;
        }

        return args.Count > filterIndex && args.GetElement(filterIndex) is { ValueKind: JsonValueKind.String } filter && filter.GetString() is { Length: > 0 } room
            ? ns.In(room)
            : new BroadcastOperator(ns);
    }

    [LoggerMessage(130, LogLevel.Information, "An Admin UI login from {Address} to {Namespace} was refused (wrong user name or password, or an expired session); it got \"invalid credentials\"")]
    private static partial void LogLoginRefused(ILogger logger, string address, string @namespace);

    [LoggerMessage(131, LogLevel.Information, "The Admin UI asked for namespace {Namespace}, which this server does not have; nothing was done")]
    private static partial void LogUnknownNamespace(ILogger logger, string @namespace);

    [LoggerMessage(132, LogLevel.Warning, "The Admin UI report '{Report}' could not be sent")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string report);

    [LoggerMessage(134, LogLevel.Information, "The Admin UI's '{Action}' could not be done: {Error}")]
    private static partial void LogActionFailed(ILogger logger, string action, string error);

    [LoggerMessage(133, LogLevel.Warning, "Admin UI reports are dropped: {Max} are waiting to be sent (SocketIOAdminOptions.MaxQueuedReports); counted in socketio.server.packets.dropped as admin_queue_full. Logged once")]
    private static partial void LogReportsDropped(ILogger logger, int max);
}
