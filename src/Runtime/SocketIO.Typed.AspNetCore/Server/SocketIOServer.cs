using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server.Engine;
using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Server;

/// <summary>
/// A Socket.IO v5 server over an Engine.IO v4 server (socket.io's <c>Server</c>): namespaces, and shortcuts
/// for the main namespace <c>/</c>.
/// </summary>
public sealed class SocketIOServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, SocketIONamespace> _namespaces = new(StringComparer.Ordinal);
    private readonly List<SocketIONamespace> _parents = [];
    private long _volatileDropped;
    private long _bindingFailures;
    private long _protocolViolations;
    private Task? _stopped;
    private readonly CancellationTokenSource _stopping = new();

    // Sockets whose disconnect handlers still run (they may use the adapter): stopping waits for them (ShutdownTimeout).
    private readonly ConcurrentDictionary<Task, bool> _runningDisconnectHandlers = new();
    private readonly ConcurrentDictionary<Type, SocketIONamespace> _hubs = new();
    private readonly ConcurrentDictionary<(string Namespace, string Event), byte> _unhandled = new();

    /// <summary>Creates a server.</summary>
    /// <param name="options">The options.</param>
    /// <param name="loggerFactory">Where to log; no logging when null.</param>
    public SocketIOServer(SocketIOServerOptions options, ILoggerFactory? loggerFactory = null)
        : this(options, loggerFactory, null)
    {
    }

    /// <summary>Creates a server whose sockets get service scopes from <paramref name="services"/>.</summary>
    /// <param name="options">The options.</param>
    /// <param name="loggerFactory">Where to log; no logging when null.</param>
    /// <param name="services">The application's services (<see cref="SocketIOSocket.Services"/> scopes come from them); null for none.</param>
    public SocketIOServer(SocketIOServerOptions options, ILoggerFactory? loggerFactory, IServiceProvider? services)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Services = services;
        loggerFactory ??= NullLoggerFactory.Instance;
        Logger = loggerFactory.CreateLogger("SocketIO.Typed.Server");
        Metrics = SocketIOMetrics.For(services);
        Metrics.ObserveNamespaces(this, () => _namespaces.Count);
        EngineIO = new EngineIOServer(options.EngineIO, loggerFactory.CreateLogger("SocketIO.Typed.Server.Engine")) { Metrics = Metrics };
        EngineIO.Connection += OnEngineConnection;
        Sockets = Of("/");
    }

    /// <summary>The options.</summary>
    public SocketIOServerOptions Options { get; }

    /// <summary>The application's services, when the server came from dependency injection (<c>AddSocketIO</c>).</summary>
    public IServiceProvider? Services { get; }

    /// <summary>The Engine.IO server underneath.</summary>
    public EngineIOServer EngineIO { get; }

    /// <summary>The main namespace <c>/</c>.</summary>
    public SocketIONamespace Sockets { get; }

    internal ILogger Logger { get; }

    /// <summary>The instruments this server records on (see <see cref="SocketIOTelemetry"/>).</summary>
    internal SocketIOMetrics Metrics { get; }

    /// <summary>This server's id, unique in a cluster (a new one per process); adapters tag what they publish with it.</summary>
    public string ServerId { get; } = Ids.New();

    /// <summary>How many volatile packets were dropped because a client's transport was busy.</summary>
    public long VolatileDroppedCount => Interlocked.Read(ref _volatileDropped);

    /// <summary>How many received events could not be bound to their handler's parameters.</summary>
    public long BindingFailureCount => Interlocked.Read(ref _bindingFailures);

    /// <summary>How many protocol violations peers committed (see <see cref="SocketIOServerOptions.MaxProtocolViolations"/>).</summary>
    public long ProtocolViolationCount => Interlocked.Read(ref _protocolViolations);

    /// <summary>The namespaces created so far (children of predicate namespaces included).</summary>
    public IEnumerable<SocketIONamespace> Namespaces => _namespaces.Values;

    /// <summary>Gets or creates a namespace.</summary>
    /// <param name="name">The name; a leading <c>/</c> is added when missing.</param>
    /// <returns>The namespace.</returns>
    public SocketIONamespace Of(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!name.StartsWith('/'))
        {
            name = "/" + name;
        }

        if (_namespaces.TryGetValue(name, out SocketIONamespace? existing))
        {
            return existing;
        }

        SocketIONamespace created = _namespaces.GetOrAdd(name, static (n, server) => new SocketIONamespace(server, n, null), this);
        RaiseNamespaceCreated(created);
        return created;
    }

    /// <summary>
    /// Raised once for every namespace this server creates (socket.io's <c>new_namespace</c>): by <see cref="Of(string)"/>
    /// and for each child of a dynamic namespace at its first connection. The main namespace exists before anyone can listen.
    /// </summary>
    public event Action<SocketIONamespace>? NamespaceCreated;

    /// <summary>
    /// Raised for every socket that connects to any namespace (recovered ones included), after it joined its own room
    /// and before the namespace's connection handlers run: a place to watch every socket of the server (the Admin UI
    /// instrumentation uses it). A failing listener is logged; the connection goes on.
    /// </summary>
    public event Action<SocketIOSocket>? SocketConnected;

    internal void RaiseSocketConnected(SocketIOSocket socket)
    {
        if (SocketConnected is { } listeners)
        {
            try
            {
                listeners(socket);
            }
#pragma warning disable CA1031 // an observer's failure must not refuse the connection
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.ConnectionHandlerFailed(Logger, e, socket.Namespace.Name, socket.Id);
            }
        }
    }

    private void RaiseNamespaceCreated(SocketIONamespace created)
    {
        // GetOrAdd may run its factory on two threads; only the namespace that was kept is announced, once.
        if (Interlocked.Exchange(ref created.Announced, 1) == 0 && NamespaceCreated is { } listeners)
        {
            try
            {
                listeners(created);
            }
#pragma warning disable CA1031 // an observer's failure must not stop the namespace from serving
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.ConnectionHandlerFailed(Logger, e, created.Name, "(namespace created)");
            }
        }
    }

    /// <summary>
    /// A parent namespace for every name <paramref name="predicate"/> accepts (socket.io's dynamic namespaces):
    /// a child namespace is created at the first connection to an accepted name, and shares the parent's
    /// middlewares and connection handlers.
    /// </summary>
    /// <param name="predicate">Decides from the name and the handshake (auth included).</param>
    /// <returns>The parent namespace.</returns>
    public SocketIONamespace Of(Func<string, SocketIOHandshake, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var parent = new SocketIONamespace(this, predicate);
        lock (_parents)
        {
            _parents.Add(parent);
        }

        return parent;
    }

    /// <summary>A parent namespace for every name matching <paramref name="pattern"/>.</summary>
    /// <param name="pattern">The pattern, for example <c>^/room-\d+$</c>.</param>
    /// <returns>The parent namespace.</returns>
    public SocketIONamespace Of(Regex pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return Of((name, _) => pattern.IsMatch(name));
    }

    /// <summary>Answers one request to the Socket.IO endpoint.</summary>
    /// <param name="context">The request.</param>
    /// <returns>A task that completes when the request is answered.</returns>
    public Task HandleRequestAsync(HttpContext context) => EngineIO.HandleRequestAsync(context);

    /// <summary>A broadcast to a room of the main namespace.</summary>
    /// <param name="room">The room.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator To(string room) => Sockets.To(room);

    /// <summary>Same as <see cref="To(string)"/>.</summary>
    /// <param name="room">The room.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator In(string room) => Sockets.In(room);

    /// <summary>A broadcast to the main namespace without a room's members.</summary>
    /// <param name="room">The room.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator Except(string room) => Sockets.Except(room);

    /// <summary>Sends an event to every socket of the main namespace.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>A task that completes when queued.</returns>
    public ValueTask EmitAsync(string eventName, params object?[] args) => Sockets.EmitAsync(eventName, args);

    /// <summary>Adds a middleware to the main namespace.</summary>
    /// <param name="middleware">The middleware.</param>
    /// <returns>The main namespace.</returns>
    public SocketIONamespace Use(Func<SocketIOSocket, CancellationToken, ValueTask> middleware) => Sockets.Use(middleware);

    /// <summary>Handles new sockets of the main namespace.</summary>
    /// <param name="handler">The handler.</param>
    /// <returns>The main namespace.</returns>
    public SocketIONamespace OnConnection(Action<SocketIOSocket> handler) => Sockets.OnConnection(handler);

    /// <summary>
    /// Handles new sockets of the main namespace with an asynchronous handler (socket.io's async <c>connection</c>
    /// listener): events the client sends meanwhile wait until it completes.
    /// </summary>
    /// <param name="handler">The handler.</param>
    /// <returns>The main namespace.</returns>
    public SocketIONamespace OnConnection(Func<SocketIOSocket, ValueTask> handler) => Sockets.OnConnection(handler);

    /// <summary>Cancelled when the server starts closing (<see cref="DisposeAsync"/>); server-side event handlers get it.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Closes every connection (reason <c>server shutting down</c>), refuses new ones, waits for the disconnect handlers
    /// still running (at most <see cref="SocketIOServerOptions.ShutdownTimeout"/>), and stops the adapters.
    /// </summary>
    /// <returns>A task that completes when done (the same for every caller).</returns>
    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    /// <summary>
    /// <see cref="DisposeAsync"/> for the host: <paramref name="hostStopping"/> (the host's shutdown deadline) also
    /// ends the wait for disconnect handlers. Every call returns the first call's task.
    /// </summary>
    internal Task StopAsync(CancellationToken hostStopping)
    {
        CloseConnections();
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _stopped, mine.Task, null) is { } first)
        {
            return first;
        }

        _ = StopAdaptersAsync(mine, hostStopping);
        return mine.Task;
    }

    private async Task StopAdaptersAsync(TaskCompletionSource done, CancellationToken hostStopping)
    {
        try
        {
            // The handlers of the sockets just closed may use the adapters (a users list read across a cluster): the
            // adapters stop after them.
            await WaitForDisconnectHandlersAsync(hostStopping).ConfigureAwait(false);
            SocketIONamespace[] namespaces;
            lock (_parents)
            {
                namespaces = [.. _namespaces.Values, .. _parents];
            }

            foreach (SocketIONamespace ns in namespaces)
            {
                try
                {
                    await ns.Adapter.DisposeAsync().ConfigureAwait(false);
                }
#pragma warning disable CA1031 // one adapter failing to stop must not keep the others running
                catch (Exception e)
#pragma warning restore CA1031
                {
                    SocketIOServerLog.AdapterFailed(Logger, e, ns.Name);
                }
            }
        }
#pragma warning disable CA1031 // stopping completes whatever happens; the failure is logged
        catch (Exception e)
#pragma warning restore CA1031
        {
            SocketIOServerLog.HandlerFailed(Logger, e, "(stopping)", "-");
        }
        finally
        {
            done.TrySetResult();
        }
    }

    /// <summary>
    /// The first step of stopping, alone when the application starts stopping (before Kestrel waits for open requests,
    /// which end with their sessions): cancels <see cref="Stopping"/>, closes every session and refuses new ones.
    /// </summary>
    internal void CloseConnections()
    {
        try
        {
            _stopping.Cancel();
        }
        catch (AggregateException e)
        {
            SocketIOServerLog.HandlerFailed(Logger, e, "(stopping)", "-");
        }

        EngineIO.Close();
    }

    /// <summary>Notes a closed socket's disconnect handlers that are still running, so stopping can wait for them.</summary>
    /// <param name="handlers">Completes when they are done (never faults: failures are logged).</param>
    internal void TrackDisconnectHandlers(Task handlers)
    {
        if (handlers.IsCompleted)
        {
            return;
        }

        _runningDisconnectHandlers.TryAdd(handlers, true);
        _ = handlers.ContinueWith(
            static (done, state) => ((ConcurrentDictionary<Task, bool>)state!).TryRemove(done, out _),
            _runningDisconnectHandlers, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task WaitForDisconnectHandlersAsync(CancellationToken hostStopping)
    {
        Task[] running = [.. _runningDisconnectHandlers.Keys];
        if (running.Length == 0)
        {
            return;
        }

        TimeSpan limit = Options.ShutdownTimeout;
        using var expired = CancellationTokenSource.CreateLinkedTokenSource(hostStopping);
        Task all = Task.WhenAll(running);
        Task deadline = limit == Timeout.InfiniteTimeSpan
            ? Task.Delay(Timeout.InfiniteTimeSpan, expired.Token)
            : Task.Delay(limit, Options.EngineIO.TimeProvider, expired.Token);
        if (await Task.WhenAny(all, deadline).ConfigureAwait(false) != all)
        {
            SocketIOServerLog.ShutdownHandlersStillRunning(Logger, running.Count(static t => !t.IsCompleted), limit);
        }

        await expired.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>Sends an event to the other servers of the cluster, main namespace (socket.io's <c>io.serverSideEmit</c>).</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>A task that completes when the event is published.</returns>
    public ValueTask ServerSideEmitAsync(string eventName, params object?[] args) => Sockets.ServerSideEmitAsync(eventName, args);

    /// <summary>Sends an event to the other servers and collects one answer from each (main namespace).</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="timeout">How long to wait for the answers.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The answers.</returns>
    public Task<SocketIOBroadcastAckResult> ServerSideEmitWithAckAsync(string eventName, TimeSpan timeout, params object?[] args) =>
        Sockets.ServerSideEmitWithAckAsync(eventName, timeout, args);

    /// <summary>Handles an event that another server sent with <c>ServerSideEmit</c> (main namespace; socket.io's <c>io.on(name, …)</c>).</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="handler">The handler.</param>
    /// <returns>The main namespace.</returns>
    public SocketIONamespace OnServerSideEvent(string eventName, Func<SocketIOServerSideEventContext, ValueTask> handler) =>
        Sockets.OnServerSideEvent(eventName, handler);

    internal SocketIOAdapter CreateAdapter(SocketIONamespace ns)
    {
        SocketIOAdapter adapter = Options.AdapterFactory(ns);
        ValueTask init = adapter.InitAsync();
        if (!init.IsCompletedSuccessfully)
        {
            _ = ObserveInitAsync(init, ns.Name);
        }

        return adapter;
    }

    private async Task ObserveInitAsync(ValueTask init, string name)
    {
        try
        {
            await init.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a failed adapter start is logged; the namespace still serves its local sockets
        catch (Exception e)
#pragma warning restore CA1031
        {
            SocketIOServerLog.AdapterFailed(Logger, e, name);
        }
    }

    internal void CountVolatileDrop()
    {
        Interlocked.Increment(ref _volatileDropped);
        Metrics.Dropped("volatile");
    }

    /// <summary>Remembers the namespace a hub was mapped on (the first, when mapped on several), for hub contexts.</summary>
    internal void RegisterHub(Type hub, SocketIONamespace @namespace) => _hubs.TryAdd(hub, @namespace);

    /// <summary>The namespace a hub was mapped on.</summary>
    internal bool TryGetHubNamespace(Type hub, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SocketIONamespace? @namespace) => _hubs.TryGetValue(hub, out @namespace);

    /// <summary>Logs an event nobody handles, once per namespace and event name (at most 1024 names are remembered).</summary>
    internal void ReportNoHandler(SocketIOSocket socket, string eventName)
    {
        if (_unhandled.Count < 1024 && _unhandled.TryAdd((socket.Namespace.Name, eventName), 0))
        {
            SocketIOServerLog.NoHandler(Logger, socket.Id, socket.Namespace.Name, eventName);
        }
    }

    internal void CountBindingFailure()
    {
        Interlocked.Increment(ref _bindingFailures);
        Metrics.Error("binding_failure");
    }

    internal void CountProtocolViolation()
    {
        Interlocked.Increment(ref _protocolViolations);
        Metrics.Error("protocol_violation");
    }

    internal SocketIONamespace? ResolveNamespace(string name, SocketIOHandshake handshake)
    {
        if (_namespaces.TryGetValue(name, out SocketIONamespace? ns))
        {
            return ns;
        }

        SocketIONamespace[] parents;
        lock (_parents)
        {
            parents = [.. _parents];
        }

        foreach (SocketIONamespace parent in parents)
        {
            if (parent.Matcher!(name, handshake))
            {
                SocketIONamespace child = parent.GetOrCreateChild(name);
                if (_namespaces.TryAdd(name, child))
                {
                    RaiseNamespaceCreated(child);
                }

                return child;
            }
        }

        return null;
    }

    private void OnEngineConnection(EngineIOSession engine) => engine.Handler = new SocketIOConnection(this, engine);

}
