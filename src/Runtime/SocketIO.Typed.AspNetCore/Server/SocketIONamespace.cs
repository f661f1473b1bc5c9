using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Server;

/// <summary>
/// A Socket.IO namespace: its middlewares, connection handlers, sockets, rooms (through its
/// <see cref="Adapter"/>) and broadcast operators. A namespace made by a predicate (<c>io.Of(name =&gt; …)</c>) is a
/// parent: its middlewares and handlers apply to every child namespace it creates.
/// </summary>
public sealed class SocketIONamespace : ISocketIOAdapterHost
{
    private readonly ConcurrentDictionary<string, SocketIOSocket> _sockets = new(StringComparer.Ordinal);
    private readonly List<Func<SocketIOSocket, CancellationToken, ValueTask>> _middlewares;
    private readonly List<Func<SocketIOSocket, ValueTask>> _connectionHandlers;
    private readonly ConcurrentDictionary<string, SocketIONamespace>? _children;
    private readonly Dictionary<string, Func<SocketIOServerSideEventContext, ValueTask>[]> _serverSideHandlers;
    private Func<SocketIOServerSideEventContext, ValueTask<SocketIODispatchResult>>[] _serverSideDispatchers = [];
    private long _nextAckId;

    /// <summary>1 once <see cref="SocketIOServer.NamespaceCreated"/> was raised for this namespace.</summary>
    internal int Announced;

    internal SocketIONamespace(SocketIOServer server, string name, SocketIONamespace? parent)
    {
        Server = server;
        Name = name;
        Parent = parent;
        _middlewares = parent?._middlewares ?? [];
        _connectionHandlers = parent?._connectionHandlers ?? [];
        _serverSideHandlers = parent?._serverSideHandlers ?? new Dictionary<string, Func<SocketIOServerSideEventContext, ValueTask>[]>(StringComparer.Ordinal);
        Adapter = server.CreateAdapter(this);
    }

    internal SocketIONamespace(SocketIOServer server, Func<string, SocketIOHandshake, bool> matcher)
        : this(server, "(dynamic)", null)
    {
        Matcher = matcher;
        _children = new ConcurrentDictionary<string, SocketIONamespace>(StringComparer.Ordinal);
    }

    /// <summary>The name, for example <c>/</c> or <c>/chat</c>.</summary>
    public string Name { get; }

    /// <summary>The server.</summary>
    public SocketIOServer Server { get; }

    /// <summary>The adapter that keeps this namespace's rooms.</summary>
    public SocketIOAdapter Adapter { get; }

    /// <summary>For a namespace created by a predicate, the parent whose handlers it shares.</summary>
    public SocketIONamespace? Parent { get; }

    internal Func<string, SocketIOHandshake, bool>? Matcher { get; }

    /// <summary>The connected sockets of this namespace on this server, by id.</summary>
    public IReadOnlyDictionary<string, SocketIOSocket> Sockets => _sockets;

    /// <summary>
    /// Creates the dispatcher of every new socket of this namespace, before any of its events is delivered (the seam a
    /// generated hub registration plugs into: <c>MapNamespace&lt;THub&gt;()</c> sets it). The children of a predicate
    /// namespace use their parent's unless they have their own. When null, sockets use their untyped <c>On</c> handlers.
    /// </summary>
    public Func<SocketIOSocket, ISocketIODispatcher>? DispatcherFactory
    {
        get => field ?? Parent?.DispatcherFactory;
        set;
    }

    /// <summary>The child namespaces of a predicate namespace.</summary>
    public IEnumerable<SocketIONamespace> Children => _children?.Values ?? [];

    /// <summary>
    /// Adds a middleware, run in order for every new socket before it is connected. Throw
    /// <see cref="SocketIOConnectException"/> to refuse the connection (the client gets CONNECT_ERROR).
    /// </summary>
    /// <param name="middleware">The middleware.</param>
    /// <returns>This namespace.</returns>
    public SocketIONamespace Use(Func<SocketIOSocket, CancellationToken, ValueTask> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        lock (_middlewares)
        {
            _middlewares.Add(middleware);
        }

        return this;
    }

    /// <summary>Runs <paramref name="handler"/> for every new socket (socket.io's <c>connection</c> event).</summary>
    /// <param name="handler">The handler; register the socket's event handlers here.</param>
    /// <returns>This namespace.</returns>
    public SocketIONamespace OnConnection(Func<SocketIOSocket, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_connectionHandlers)
        {
            _connectionHandlers.Add(handler);
        }

        return this;
    }

    /// <summary>Runs <paramref name="handler"/> for every new socket.</summary>
    /// <param name="handler">The handler.</param>
    /// <returns>This namespace.</returns>
    public SocketIONamespace OnConnection(Action<SocketIOSocket> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return OnConnection(socket =>
        {
            handler(socket);
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>A broadcast to a room.</summary>
    /// <param name="room">The room.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator To(string room) => new BroadcastOperator(this).To(room);

    /// <summary>A broadcast to several rooms.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator To(IEnumerable<string> rooms) => new BroadcastOperator(this).To(rooms);

    /// <summary>Same as <see cref="To(string)"/>.</summary>
    /// <param name="room">The room.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator In(string room) => To(room);

    /// <summary>A broadcast to everyone but a room's members.</summary>
    /// <param name="room">The room.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator Except(string room) => new BroadcastOperator(this).Except(room);

    /// <summary>A volatile broadcast.</summary>
    public BroadcastOperator Volatile => new BroadcastOperator(this).Volatile;

    /// <summary>A broadcast limited to this server.</summary>
    public BroadcastOperator Local => new BroadcastOperator(this).Local;

    /// <summary>A broadcast with acknowledgements and a timeout.</summary>
    /// <param name="timeout">The timeout.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator Timeout(TimeSpan timeout) => new BroadcastOperator(this).Timeout(timeout);

    /// <summary>A broadcast that may or may not be compressed.</summary>
    /// <param name="compress">The choice.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator Compress(bool compress) => new BroadcastOperator(this).Compress(compress);

    /// <summary>Sends an event to every socket of the namespace (of every child, for a parent).</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>A task that completes when queued.</returns>
    public async ValueTask EmitAsync(string eventName, params object?[] args)
    {
        if (_children is not null)
        {
            foreach (SocketIONamespace child in _children.Values)
            {
                await child.EmitAsync(eventName, args).ConfigureAwait(false);
            }

            return;
        }

        await new BroadcastOperator(this).EmitAsync(eventName, args).ConfigureAwait(false);
    }

    /// <summary>Sends an event with received arguments, unchanged, to every socket of the namespace.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="arguments">The arguments.</param>
    /// <returns>A task that completes when queued.</returns>
    public ValueTask EmitAsync(string eventName, SocketIOArguments arguments) => new BroadcastOperator(this).EmitAsync(eventName, arguments);

    /// <summary>Every socket of the namespace, on this server or another (see <see cref="BroadcastOperator.FetchSocketsAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels a cluster request.</param>
    /// <returns>The sockets.</returns>
    public ValueTask<IReadOnlyList<SocketIORemoteSocket>> FetchSocketsAsync(CancellationToken cancellationToken = default) =>
        new BroadcastOperator(this).FetchSocketsAsync(cancellationToken);

    // ------------------------------------------------------------------ server-side events (cluster)

    /// <summary>
    /// Sends an event to this namespace on the other servers of the cluster (socket.io's <c>serverSideEmit</c>); their
    /// <see cref="OnServerSideEvent"/> handlers receive it. With the in-memory adapter there are no other servers.
    /// </summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>A task that completes when the event is published.</returns>
    public ValueTask ServerSideEmitAsync(string eventName, params object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        return Adapter.ServerSideEmitAsync(SocketIOEventEncoder.Encode(eventName, args, Name, -1));
    }

    /// <summary>
    /// Sends an event to this namespace on the other servers and collects one answer from each (socket.io's
    /// <c>serverSideEmitWithAck</c>), until all answered or <paramref name="timeout"/> passed (partial results then).
    /// With the in-memory adapter there are no other servers: it completes at once with no answers.
    /// </summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="timeout">How long to wait for the answers.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The answers (without socket ids) and whether every server answered.</returns>
    public async Task<SocketIOBroadcastAckResult> ServerSideEmitWithAckAsync(string eventName, TimeSpan timeout, params object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        var collector = new SocketIOBroadcastAckCollector();
        int servers = await Adapter.GetServerCountAsync().ConfigureAwait(false);
        collector.SetServerCount(Math.Max(0, servers - 1));
        await Adapter.ServerSideEmitWithAckAsync(SocketIOEventEncoder.Encode(eventName, args, Name, -1), collector).ConfigureAwait(false);
        return await collector.WaitAsync(timeout, Server.Options.EngineIO.TimeProvider).ConfigureAwait(false);
    }

    /// <summary>Handles an event another server sent with <see cref="ServerSideEmitAsync"/> (socket.io's <c>nsp.on(name, …)</c> for server-side events).</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="handler">The handler; call <see cref="SocketIOServerSideEventContext.AckAsync"/> to answer an emit that waits.</param>
    /// <returns>This namespace.</returns>
    public SocketIONamespace OnServerSideEvent(string eventName, Func<SocketIOServerSideEventContext, ValueTask> handler)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        ArgumentNullException.ThrowIfNull(handler);
        lock (_serverSideHandlers)
        {
            _serverSideHandlers[eventName] = _serverSideHandlers.TryGetValue(eventName, out Func<SocketIOServerSideEventContext, ValueTask>[]? existing)
                ? [.. existing, handler]
                : [handler];
        }

        return this;
    }

    async ValueTask ISocketIOAdapterHost.OnServerSideEventAsync(string eventName, SocketIOArguments arguments, Action<EncodedPacket>? answer)
    {
        Func<SocketIOServerSideEventContext, ValueTask>[]? handlers;
        lock (_serverSideHandlers)
        {
            _serverSideHandlers.TryGetValue(eventName, out handlers);
        }

        var context = new SocketIOServerSideEventContext(this, eventName, arguments, answer);
        if (handlers is null)
        {
            await DispatchServerSideAsync(context).ConfigureAwait(false);
            return;
        }

        foreach (Func<SocketIOServerSideEventContext, ValueTask> handler in handlers)
        {
            try
            {
                await handler(context).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // a failing handler is logged; the others still run
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.ServerSideHandlerFailed(Server.Logger, e, eventName, Name);
            }
        }
    }

    /// <summary>Adds a dispatcher of server-side events no named handler takes (a generated server-to-server contract's).</summary>
    internal void AddServerSideDispatcher(Func<SocketIOServerSideEventContext, ValueTask<SocketIODispatchResult>> dispatcher)
    {
        lock (_serverSideHandlers)
        {
            _serverSideDispatchers = [.. _serverSideDispatchers, dispatcher];
        }
    }

    private async ValueTask DispatchServerSideAsync(SocketIOServerSideEventContext context)
    {
        Func<SocketIOServerSideEventContext, ValueTask<SocketIODispatchResult>>[] dispatchers = System.Threading.Volatile.Read(ref _serverSideDispatchers);
        foreach (Func<SocketIOServerSideEventContext, ValueTask<SocketIODispatchResult>> dispatcher in dispatchers)
        {
            SocketIODispatchResult result;
            try
            {
                result = await dispatcher(context).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // a failing handler is logged; the server keeps running
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.ServerSideHandlerFailed(Server.Logger, e, context.EventName, Name);
                return;
            }

            if (result.Status == SocketIODispatchStatus.BindingFailed)
            {
                // Another server sent arguments that do not fit the contract: counted and logged, never thrown.
                Server.CountBindingFailure();
                SocketIOServerLog.ServerSideBindingFailed(Server.Logger, context.EventName, Name, result.Error ?? "?");
                return;
            }

            if (result.Status != SocketIODispatchStatus.NoHandler)
            {
                return;
            }
        }
    }

    string ISocketIOAdapterHost.ServerId => Server.ServerId;

    TimeProvider ISocketIOAdapterHost.TimeProvider => Server.Options.EngineIO.TimeProvider;

    ConnectionStateRecoveryOptions? ISocketIOAdapterHost.ConnectionStateRecovery => Server.Options.ConnectionStateRecovery;

    ILogger ISocketIOAdapterHost.Logger => Server.Logger;

    bool ISocketIOAdapterHost.TryGetLocalSocket(string socketId, [NotNullWhen(true)] out ISocketIOLocalSocket? socket)
    {
        if (_sockets.TryGetValue(socketId, out SocketIOSocket? found))
        {
            socket = found;
            return true;
        }

        socket = null;
        return false;
    }

    /// <summary>Makes every socket join rooms.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A task that completes when done.</returns>
    public ValueTask SocketsJoinAsync(params string[] rooms) => new BroadcastOperator(this).SocketsJoinAsync(rooms);

    /// <summary>Makes every socket leave rooms.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>A task that completes when done.</returns>
    public ValueTask SocketsLeaveAsync(params string[] rooms) => new BroadcastOperator(this).SocketsLeaveAsync(rooms);

    /// <summary>Disconnects every socket.</summary>
    /// <param name="close">Also close their connections.</param>
    /// <returns>A task that completes when done.</returns>
    public ValueTask DisconnectSocketsAsync(bool close = false) => new BroadcastOperator(this).DisconnectSocketsAsync(close);

    /// <summary>
    /// The next acknowledgement id of this namespace (socket.io numbers the acks of a namespace's emits from one
    /// counter): write a packet with it, then send it with <see cref="SocketIOSocket.SendWithAckAsync"/> or
    /// <see cref="BroadcastOperator.BroadcastWithAckAsync"/>.
    /// </summary>
    /// <returns>The id.</returns>
    public long NextAckId() => Interlocked.Increment(ref _nextAckId) - 1;

    /// <summary>Finds a connected socket by id.</summary>
    /// <param name="id">The socket id.</param>
    /// <param name="socket">The socket.</param>
    /// <returns>Whether it is connected here.</returns>
    public bool TryGetSocket(string id, [NotNullWhen(true)] out SocketIOSocket? socket) => _sockets.TryGetValue(id, out socket);

    internal void Remove(SocketIOSocket socket) => _sockets.TryRemove(new KeyValuePair<string, SocketIOSocket>(socket.Id, socket));

    internal SocketIONamespace GetOrCreateChild(string name) =>
        _children!.GetOrAdd(name, static (n, parent) => new SocketIONamespace(parent.Server, n, parent), this);

    internal async Task<SocketIOSocket?> ConnectAsync(SocketIOConnection connection, SocketIOHandshake handshake)
    {
        ConnectionStateRecoveryOptions? recovery = Server.Options.ConnectionStateRecovery;
        SocketIOSocket? socket = null;
        IReadOnlyList<EncodedPacket>? missed = null;
        if (recovery is not null && TryReadRecoveryToken(handshake.Auth, out string? privateId, out string? offset))
        {
            try
            {
                missed = await Adapter.RestoreSessionAsync(privateId, offset, state => socket = Attach(connection, handshake, state)).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // as socket.io: a failed restore means a fresh session, not a refused connection
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.RecoveryFailed(Server.Logger, e, Name);
            }
        }

        bool recovered = socket is not null;
        socket ??= new SocketIOSocket(this, connection, handshake, Ids.New()) { PrivateId = recovery is null ? null : Ids.New() };
        if (!recovered || !recovery!.SkipMiddlewares)
        {
            string? refusal = await RunMiddlewaresAsync(socket, connection).ConfigureAwait(false);
            if (refusal is not null || connection.Closed.IsCancellationRequested)
            {
                if (recovered)
                {
                    socket.Abort();
                }

                Release(missed);
                return null;
            }
        }

        if (connection.Closed.IsCancellationRequested)
        {
            socket.Abort();
            Release(missed);
            return null;
        }

        if (DispatcherFactory is { } factory)
        {
            // Before the socket is registered or reachable: no event can arrive before its dispatcher, and a factory
            // that fails (a hub whose services cannot be resolved) refuses the connection instead of leaving a socket
            // registered that never got its CONNECT reply.
            try
            {
                socket.Dispatcher = factory(socket);
            }
#pragma warning disable CA1031 // the failure is logged and answered with CONNECT_ERROR; the server keeps running
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.ConnectionHandlerFailed(Server.Logger, e, Name, socket.Id);
                connection.SendConnectError(Name, "Server error: the namespace could not create its handler for this connection.", null);
                if (recovered)
                {
                    socket.Abort();
                }

                Release(missed);
                return null;
            }
        }

        if (!recovered)
        {
            _sockets[socket.Id] = socket;
            socket.OnConnected();
        }
        else
        {
            SocketIOServerLog.Recovered(Server.Logger, socket.Id, Name, missed?.Count ?? 0);
        }

        Server.RaiseSocketConnected(socket);
        connection.Add(socket);
        connection.SendConnectReply(this, socket);
        socket.Outbox.FinishConnect(missed);

        Func<SocketIOSocket, ValueTask>[] handlers;
        lock (_connectionHandlers)
        {
            handlers = [.. _connectionHandlers];
        }

        foreach (Func<SocketIOSocket, ValueTask> handler in handlers)
        {
            try
            {
                await handler(socket).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // a failing connection handler is logged; other handlers still run
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.ConnectionHandlerFailed(Server.Logger, e, Name, socket.Id);
            }
        }

        socket.Inbox.MarkReady();
        return socket;
    }

    // Recreates a socket from a kept session; the adapter calls this atomically with respect to its broadcasts.
    private SocketIOSocket Attach(SocketIOConnection connection, SocketIOHandshake handshake, SocketIOSessionState state)
    {
        var socket = new SocketIOSocket(this, connection, handshake, state.SocketId) { PrivateId = state.PrivateId, Recovered = true };
        socket.RestoreData(state.Data);
        _sockets[socket.Id] = socket;
        socket.OnConnected();
        Adapter.AddAll(socket.Id, state.Rooms);
        return socket;
    }

    // Runs the middlewares; returns null when the socket may connect, else the refusal (already sent to the client).
    private async Task<string?> RunMiddlewaresAsync(SocketIOSocket socket, SocketIOConnection connection)
    {
        Func<SocketIOSocket, CancellationToken, ValueTask>[] middlewares;
        lock (_middlewares)
        {
            middlewares = [.. _middlewares];
        }

        try
        {
            foreach (Func<SocketIOSocket, CancellationToken, ValueTask> middleware in middlewares)
            {
                await middleware(socket, connection.Closed).ConfigureAwait(false);
            }

            return null;
        }
        catch (SocketIOConnectException e)
        {
            Server.Metrics.Error("connect_refused");
            SocketIOServerLog.Refused(Server.Logger, socket.Id, Name, e.Message);
            connection.SendConnectError(Name, e.Message, e.ErrorData);
            return e.Message;
        }
        catch (OperationCanceledException) when (connection.Closed.IsCancellationRequested)
        {
            return "connection closed";
        }
#pragma warning disable CA1031 // any middleware failure refuses the connection with its message, as socket.io's next(err)
        catch (Exception e)
#pragma warning restore CA1031
        {
            Server.Metrics.Error("connect_refused");
            SocketIOServerLog.Refused(Server.Logger, socket.Id, Name, e.Message);
            connection.SendConnectError(Name, e.Message, null);
            return e.Message;
        }
    }

    private static void Release(IReadOnlyList<EncodedPacket>? packets)
    {
        if (packets is not null)
        {
            foreach (EncodedPacket packet in packets)
            {
                packet.Release();
            }
        }
    }

    // socket.io-client sends {pid, offset} in the CONNECT auth once recovery gave it a pid.
    private static bool TryReadRecoveryToken(JsonElement auth, [NotNullWhen(true)] out string? privateId, [NotNullWhen(true)] out string? offset)
    {
        privateId = null;
        offset = null;
        if (auth.ValueKind != JsonValueKind.Object ||
            !auth.TryGetProperty("pid"u8, out JsonElement pid) || pid.ValueKind != JsonValueKind.String ||
            !auth.TryGetProperty("offset"u8, out JsonElement off) || off.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        privateId = pid.GetString()!;
        offset = off.GetString()!;
        return true;
    }
}
