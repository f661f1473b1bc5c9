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

    private async Task<byte[]> AllSocketsAsync(CancellationToken cancellationToken)
    {
        var sockets = new List<byte[]>();
        foreach (SocketIONamespace ns in _server.Namespaces)
        {
            IReadOnlyList<SocketIORemoteSocket> found;
            try
            {
                found = await ns.FetchSocketsAsync(cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // a namespace whose adapter cannot answer is left out of the list, not the whole list
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                LogReportFailed(_logger, e, "all_sockets");
                continue;
            }

            foreach (SocketIORemoteSocket socket in found)
            {
                try
                {
                    sockets.Add(Value(w => WriteSocket(w, socket, ns.Name)));
                }
#pragma warning disable CA1031 // one socket that cannot be described is left out, not the whole list
                catch (Exception e)
#pragma warning restore CA1031
                {
                    LogReportFailed(_logger, e, "all_sockets");
                }
            }
        }

        return Json(w =>
        {
            w.WriteStartArray();
            foreach (byte[] socket in sockets)
            {
                w.WriteRawValue(socket, skipInputValidation: true);
            }

            w.WriteEndArray();
        });
    }

    // ------------------------------------------------------------------ statistics

    private void OnEngineConnection(EngineIOSession session) => Count("rawConnection", 1, null, 0);

    void IEngineIOTrafficObserver.PacketReceived(long bytes)
    {
        if (bytes > 0)
        {
            Count("packetsIn", 1, "bytesIn", bytes);
        }
    }

    void IEngineIOTrafficObserver.PacketSent(int packets, long bytes) => Count("packetsOut", packets, "bytesOut", bytes);

    void IEngineIOTrafficObserver.Disconnected(string reason) => Count("rawDisconnection", 1, null, 0, reason);

    // One entry per second, type and sub-type, as the Node package's EventBuffer; its byte count beside it.
    private void Count(string type, long count, string? bytesType, long bytes, string? subType = null)
    {
        if (_stopped)
        {
            return;
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long second = now - (now % 1000);
        lock (_bufferGate)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_buffer, (second, type, subType), out _) += count;
            if (bytesType is not null)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(_buffer, (second, bytesType, null), out _) += bytes;
            }
        }
    }

    private void OnStatsTick()
    {
        try
        {
            SendStats();
        }
#pragma warning disable CA1031 // a timer callback must not throw (it would end the process)
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogReportFailed(_logger, e, "server_stats");
        }
    }

    private void SendStats()
    {
        KeyValuePair<(long Timestamp, string Type, string? SubType), long>[] events;
        lock (_bufferGate)
        {
            events = [.. _buffer];
            _buffer.Clear();
        }

        if (Volatile.Read(ref _admins) == 0)
        {
            return;
        }

        int polling = 0;
        int clients = 0;
        foreach (EngineIOSession session in _server.EngineIO.Sessions)
        {
            clients++;
            if (!session.IsWebSocket)
            {
                polling++;
            }
        }

        byte[] stats = Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("serverId"u8, _serverId);
            w.WriteString("hostname"u8, Environment.MachineName);
            w.WriteNumber("pid"u8, Environment.ProcessId);
            w.WriteNumber("uptime"u8, Math.Max(0, (_time.GetUtcNow() - s_processStarted).TotalSeconds));
            w.WriteNumber("clientsCount"u8, clients);
            w.WriteNumber("pollingClientsCount"u8, polling);
            w.WriteStartArray("aggregatedEvents"u8);
            foreach (KeyValuePair<(long Timestamp, string Type, string? SubType), long> entry in events)
            {
                w.WriteStartObject();
                w.WriteNumber("timestamp"u8, entry.Key.Timestamp);
                w.WriteString("type"u8, entry.Key.Type);
                if (entry.Key.SubType is not null)
                {
                    w.WriteString("subType"u8, entry.Key.SubType);
                }

                w.WriteNumber("count"u8, entry.Value);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("namespaces"u8);
            foreach (SocketIONamespace ns in _server.Namespaces)
            {
                w.WriteStartObject();
                w.WriteString("name"u8, ns.Name);
                w.WriteNumber("socketsCount"u8, ns.Sockets.Count);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        Enqueue(new AdminReport("server_stats", stats, null));
    }

    // ------------------------------------------------------------------ development mode: every socket, room and event

    private void Watch(SocketIONamespace ns)
    {
        string nsp = ns.Name;
        Action<string, string> joined = (room, id) => Report("room_joined", w =>
        {
            w.WriteStringValue(nsp);
            w.WriteStringValue(room);
            w.WriteStringValue(id);
            w.WriteStringValue(Now());
        });
        Action<string, string> left = (room, id) => Report("room_left", w =>
        {
            w.WriteStringValue(nsp);
            w.WriteStringValue(room);
            w.WriteStringValue(id);
            w.WriteStringValue(Now());
        });
        if (_watched.TryAdd(ns, (joined, left)))
        {
            ns.Adapter.RoomJoined += joined;
            ns.Adapter.RoomLeft += left;
        }
    }

    private void OnSocketConnected(SocketIOSocket socket)
    {
        string nsp = socket.Namespace.Name;
        string id = socket.Id;

        // Watched before the socket is described, so an upgrade in between is reported, not lost.
        EngineIOSession engine = socket.Connection.Engine;
        Action<EngineIOSession>? upgraded = null;
        if (!engine.IsWebSocket)
        {
            upgraded = _ => Report("socket_updated", w =>
            {
                w.WriteStartObject();
                w.WriteString("id"u8, id);
                w.WriteString("nsp"u8, nsp);
                w.WriteString("transport"u8, "websocket");
                w.WriteEndObject();
            });
            engine.Upgraded += upgraded;
        }

        Report("socket_connected", w =>
        {
            WriteSocket(w, socket.Id, ClientId(socket.ConnectionId), socket.Transport, nsp, socket.Handshake.ToRecord(), socket.Rooms, data => WriteData(data, socket.Data));
            w.WriteStringValue(Now());
        });

        if (socket.Namespace != Namespace)
        {
            socket.OnAny((name, args) =>
            {
                ReportEvent("event_received", nsp, id, name, args);
                return ValueTask.CompletedTask;
            });
            socket.OnAnyOutgoing((name, args) => ReportEvent("event_sent", nsp, id, name, args));
        }

        WhenGone(socket, reason =>
        {
            if (upgraded is not null)
            {
                engine.Upgraded -= upgraded;
            }

            Report("socket_disconnected", w =>
            {
                w.WriteStringValue(nsp);
                w.WriteStringValue(id);
                w.WriteStringValue(reason);
                w.WriteStringValue(Now());
            });
        });
    }

    private void ReportEvent(string report, string nsp, string id, string name, SocketIOArguments args) => Report(report, w =>
    {
        w.WriteStringValue(nsp);
        w.WriteStringValue(id);
        w.WriteStartArray();
        w.WriteStringValue(name);
        for (int i = 0; i < args.Count; i++)
        {
            w.WriteRawValue(args.GetRawJson(i).Span, skipInputValidation: true);
        }

        w.WriteEndArray();
        w.WriteStringValue(Now());
    });

    // ------------------------------------------------------------------ writing

    // socket.io's SocketDetails as the UI reads it: id, clientId, transport, nsp, data, handshake, rooms.
    private static void WriteSocket(Utf8JsonWriter w, SocketIORemoteSocket socket, string nsp)
    {
        if (socket.Local is SocketIOSocket local)
        {
            // Read here, not through the description's data, which fails as a whole on one value it cannot write.
            WriteSocket(w, local.Id, ClientId(local.ConnectionId), local.Transport, nsp, socket.Handshake, socket.Rooms, data => WriteData(data, local.Data));
            return;
        }

        string? clientId = null;
        string? transport = null;
        if (socket.Data.ValueKind == JsonValueKind.Object && socket.Data.TryGetProperty("_admin", out JsonElement admin) && admin.ValueKind == JsonValueKind.Object)
        {
            // A socket of another server of the cluster: a Node server's instrumentation keeps these in its data.
            clientId = admin.TryGetProperty("clientId", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            transport = admin.TryGetProperty("transport", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }

        WriteSocket(w, socket.Id, clientId, transport, nsp, socket.Handshake, socket.Rooms, data =>
        {
            data.WriteStartObject();
            if (socket.Data.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in socket.Data.EnumerateObject())
                {
                    if (property.Name != "_admin")
                    {
                        property.WriteTo(data);
                    }
                }
            }

            data.WriteEndObject();
        });
    }

    private static void WriteSocket(Utf8JsonWriter w, string id, string? clientId, string? transport, string nsp, SocketIOHandshakeRecord handshake, IReadOnlyCollection<string> rooms, Action<Utf8JsonWriter> writeData)
    {
        w.WriteStartObject();
        w.WriteString("id"u8, id);
        w.WriteString("clientId"u8, clientId);
        w.WriteString("transport"u8, transport);
        w.WriteString("nsp"u8, nsp);
        w.WritePropertyName("data"u8);
        writeData(w);
        w.WritePropertyName("handshake"u8);
        w.WriteStartObject();
        string? address = handshake.Headers.TryGetValue("cf-connecting-ip", out string? cf) ? cf
            : handshake.Headers.TryGetValue("x-forwarded-for", out string? forwarded) ? forwarded
            : handshake.Address;
        w.WriteString("address"u8, address);
        w.WriteStartObject("headers"u8);
        foreach (KeyValuePair<string, string> header in handshake.Headers)
        {
            w.WriteString(header.Key.ToLowerInvariant(), header.Value);
        }

        w.WriteEndObject();
        w.WriteStartObject("query"u8);
        foreach (KeyValuePair<string, string> pair in handshake.Query)
        {
            w.WriteString(pair.Key, pair.Value);
        }

        w.WriteEndObject();
        w.WriteNumber("issued"u8, handshake.Time.ToUnixTimeMilliseconds());
        w.WriteBoolean("secure"u8, handshake.Secure);
        w.WriteString("time"u8, handshake.Time.ToString("R", CultureInfo.InvariantCulture));
        w.WriteString("url"u8, handshake.Url);
        w.WriteBoolean("xdomain"u8, handshake.CrossDomain);
        w.WriteEndObject();
        w.WriteStartArray("rooms"u8);
        foreach (string room in rooms)
        {
            w.WriteStringValue(room);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    // socket.data without the Node instrumentation's "_admin" entry.
    private static void WriteData(Utf8JsonWriter w, IDictionary<string, object?> data) => SocketIOSocket.WriteData(w, data, skipKey: "_admin");

    private static string ClientId(string engineId) => engineId.Length > 12 ? engineId[..12] : engineId;

    private string Now() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    // One JSON value.
    private static byte[] Value(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    // A JSON array of the elements written: the arguments of a report.
    private static byte[] Json(Action<Utf8JsonWriter> writeElements)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writeElements(writer);
            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    // ------------------------------------------------------------------ sending, in order

    private void Report(string report, Action<Utf8JsonWriter> writeElements)
    {
        if (Volatile.Read(ref _admins) == 0 || _stopped)
        {
            return; // nobody watches: nothing to tell (as the Node package, whose emit to an empty namespace reaches no one)
        }

        byte[] arguments;
        try
        {
            arguments = Json(writeElements);
        }
#pragma warning disable CA1031 // a report that cannot be written is logged; the server goes on
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogReportFailed(_logger, e, report);
            return;
        }

        Enqueue(new AdminReport(report, arguments, null));
    }

    private void Enqueue(AdminReport report)
    {
        if (!_reports.Writer.TryWrite(report) && !_stopped)
        {
            _server.Metrics.Dropped("admin_queue_full");
            if (Interlocked.Exchange(ref _dropLogged, 1) == 0)
            {
                LogReportsDropped(_logger, _options.MaxQueuedReports);
            }
        }
    }

    private async Task SendReportsAsync()
    {
        await foreach (AdminReport report in _reports.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await SendGate.ConfigureAwait(false);
                if (report.SnapshotFor is { } admin)
                {
                    byte[] sockets = await AllSocketsAsync(admin.Disconnected).ConfigureAwait(false);
                    await admin.EmitAsync(report.Event, SocketIOArguments.FromJsonArray(sockets)).ConfigureAwait(false);
                }
                else
                {
                    await Namespace.EmitAsync(report.Event, SocketIOArguments.FromJsonArray(report.Arguments)).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (report.SnapshotFor is { Connected: false })
            {
                // The admin left before its snapshot was taken.
            }
#pragma warning disable CA1031 // one failed report must not stop the others
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogReportFailed(_logger, e, report.Event);
            }
        }
    }

    /// <summary>A report for every admin socket, or (with <see cref="SnapshotFor"/>) the sockets snapshot for one.</summary>
    private readonly record struct AdminReport(string Event, byte[]? Arguments, SocketIOSocket? SnapshotFor);

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
