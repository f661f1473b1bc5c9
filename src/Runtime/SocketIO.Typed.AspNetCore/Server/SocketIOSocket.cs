using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Server;

/// <summary>
/// One client connected to one namespace (socket.io's server-side <c>Socket</c>): events in both directions,
/// acknowledgements, rooms, and its own broadcast operators.
/// </summary>
public sealed partial class SocketIOSocket : ISocketIOLocalSocket, ISocketIOEmitter
{
    private readonly SocketIOConnection _connection;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly SocketIOEventHandlers<SocketIOEventContext> _handlers = new();
    private readonly SocketIOOutgoingListeners _outgoing = new();
    private readonly SocketIOAckRegistry _acks = new();
    private Func<string, SocketIOArguments, ValueTask>[] _anyListeners = [];
    private Func<SocketIOSocket, string, ValueTask>[] _disconnectingHandlers = [];
    private Func<SocketIOSocket, string, ValueTask>[] _disconnectHandlers = [];
    private AsyncServiceScope? _scope;
    private System.Collections.Concurrent.ConcurrentDictionary<string, object?>? _data;
    private readonly SocketIODisconnectSignal _disconnected = new();
    private object? _typedData;
    private volatile bool _connected;


    internal SocketIOSocket(SocketIONamespace @namespace, SocketIOConnection connection, SocketIOHandshake handshake, string id)
    {
        Inbox = new SocketIOSocketInbox(this);
        Outbox = new SocketIOSocketOutbox(this);
        Namespace = @namespace;
        _connection = connection;
        _logger = @namespace.Server.Logger;
        Handshake = handshake;
        Id = id;
    }

    /// <summary>The socket id (a room of its own).</summary>
    public string Id { get; }

    /// <summary>The namespace.</summary>
    public SocketIONamespace Namespace { get; }

    /// <summary>The handshake: headers, query, auth payload, address, time.</summary>
    public SocketIOHandshake Handshake { get; }

    /// <summary>Whether the socket is connected.</summary>
    public bool Connected => _connected;

    /// <summary>The Engine.IO session id underneath (shared by the sockets of one connection).</summary>
    public string ConnectionId => _connection.Engine.Id;

    /// <summary>Whether a packet sent now would be written at once (volatile packets are dropped otherwise).</summary>
    internal bool IsWritable => _connection.IsWritable;

    /// <summary>The current transport: <c>polling</c> or <c>websocket</c>.</summary>
    public string Transport => _connection.Engine.Transport;

    /// <summary>Whether this connection was recovered (connection state recovery): same id, rooms and data, missed events replayed.</summary>
    public bool Recovered { get; internal set; }

    /// <summary>The private session id sent to the client for connection state recovery (<c>pid</c>); null when recovery is off.</summary>
    internal string? PrivateId { get; init; }

    /// <summary>
    /// Cancelled when this socket disconnects from its namespace (SignalR's <c>ConnectionAborted</c>): pass it to work a
    /// handler starts, so the work stops when nobody waits for it any more. Created on first use.
    /// </summary>
    public CancellationToken Disconnected => _disconnected.Token;

    /// <summary>Arbitrary per-socket data (socket.io's <c>socket.data</c>); safe to read from other sockets' handlers.</summary>
    public IDictionary<string, object?> Data
    {
        get
        {
            lock (_gate)
            {
                return _data ??= new System.Collections.Concurrent.ConcurrentDictionary<string, object?>(StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// Typed per-socket data: one <typeparamref name="T"/> per socket, created on first use (a hub's
    /// <see cref="SocketHub{TClient, TData}.Data"/>). Other sockets' handlers may read it; guard mutable state yourself.
    /// It lives as long as this connection (connection state recovery restores <see cref="Data"/>, not this).
    /// </summary>
    /// <typeparam name="T">The data type; a socket has one.</typeparam>
    /// <returns>The socket's instance.</returns>
    /// <exception cref="InvalidOperationException">The socket already holds data of another type.</exception>
    public T GetData<T>()
        where T : class, new()
    {
        object? existing = System.Threading.Volatile.Read(ref _typedData);
        if (existing is null)
        {
            existing = Interlocked.CompareExchange(ref _typedData, new T(), null) ?? _typedData;
        }

        return existing as T
            ?? throw new InvalidOperationException($"Socket {Id} holds data of type '{existing!.GetType().Name}', not '{typeof(T).Name}'.");
    }

    /// <summary>
    /// A service scope that lives as long as this socket's connection to its namespace (created on first use, disposed
    /// after the disconnect handlers finished): scoped services (a <c>DbContext</c>, a unit of work) resolved here are
    /// shared by this socket's handlers and by no other socket. Needs a server from dependency injection (<c>AddSocketIO</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The server was built without services.</exception>
    public IServiceProvider Services
    {
        get
        {
            lock (_gate)
            {
                if (_scope is null)
                {
                    IServiceProvider root = Namespace.Server.Services
                        ?? throw new InvalidOperationException("This server has no services: create it with AddSocketIO (or pass an IServiceProvider) to use scoped services.");
                    _scope = root.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
                }

                return _scope.Value.ServiceProvider;
            }
        }
    }

    /// <summary>The rooms this socket is in (its own id included).</summary>
    public IReadOnlyCollection<string> Rooms => Namespace.Adapter.GetRooms(Id);

    /// <summary>
    /// The event dispatcher. By default the untyped handlers registered with <see cref="On(string, Func{SocketIOEventContext, ValueTask})"/>;
    /// generated typed hubs replace it.
    /// </summary>
    public ISocketIODispatcher Dispatcher
    {
        get => field ??= new UntypedDispatcher(this);
        set;
    }

    /// <summary>
    /// Runs <paramref name="handler"/> when the socket is about to disconnect, while it is still in its rooms (socket.io's
    /// <c>disconnecting</c> event). Handlers start in order; each runs synchronously up to its first <c>await</c> before the
    /// socket leaves its rooms (as a JavaScript async listener does), the rest continues in the background and failures
    /// are logged.
    /// </summary>
    /// <param name="handler">Receives the socket and socket.io's reason.</param>
    public void OnDisconnecting(Func<SocketIOSocket, string, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _disconnectingHandlers = [.. _disconnectingHandlers, handler];
        }
    }

    /// <summary>Runs <paramref name="handler"/> when the socket is about to disconnect (see <see cref="OnDisconnecting(Func{SocketIOSocket, string, ValueTask})"/>).</summary>
    /// <param name="handler">Receives the socket and the reason.</param>
    public void OnDisconnecting(Action<SocketIOSocket, string> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        OnDisconnecting((socket, reason) =>
        {
            handler(socket, reason);
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>
    /// Runs <paramref name="handler"/> once the socket has disconnected (socket.io's <c>disconnect</c> event), with the
    /// reference implementation's reason (for example <c>client namespace disconnect</c>, <c>transport close</c>,
    /// <c>ping timeout</c>, <c>server shutting down</c>). Asynchronous handlers are awaited in the background and their
    /// failures logged.
    /// </summary>
    /// <param name="handler">Receives the socket and the reason.</param>
    public void OnDisconnect(Func<SocketIOSocket, string, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _disconnectHandlers = [.. _disconnectHandlers, handler];
        }
    }

    /// <summary>Runs <paramref name="handler"/> once the socket has disconnected (see <see cref="OnDisconnect(Func{SocketIOSocket, string, ValueTask})"/>).</summary>
    /// <param name="handler">Receives the socket and the reason.</param>
    public void OnDisconnect(Action<SocketIOSocket, string> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        OnDisconnect((socket, reason) =>
        {
            handler(socket, reason);
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>Handles an event.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="handler">The handler; its arguments stay valid until its task completes.</param>
    /// <exception cref="ArgumentException">The name is reserved (<c>connect</c>, <c>disconnect</c>, …): use <see cref="OnDisconnect(Func{SocketIOSocket, string, ValueTask})"/>.</exception>
    public void On(string eventName, Func<SocketIOEventContext, ValueTask> handler) => _handlers.Add(eventName, handler);

    /// <summary>Handles an event synchronously.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="handler">The handler.</param>
    public void On(string eventName, Action<SocketIOEventContext> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.Add(eventName, context =>
        {
            handler(context);
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>
    /// Answers an acknowledged event with the handler's return value (one ack argument), like the client's
    /// <c>OnRequest</c>: <c>socket.OnRequest("sum", async args => args.GetInt32(0) + args.GetInt32(1))</c>.
    /// </summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="handler">Returns the acknowledgement value; the arguments stay valid until it completes.</param>
    public void OnRequest(string eventName, Func<SocketIOArguments, ValueTask<object?>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.Add(eventName, async context =>
        {
            object? result = await handler(context.Arguments).ConfigureAwait(false);
            await context.AckAsync(result).ConfigureAwait(false);
        });
    }

    /// <summary>Removes every handler of an event.</summary>
    /// <param name="eventName">The event name.</param>
    public void Off(string eventName) => _handlers.Remove(eventName);

    /// <summary>Listens to every incoming event, before its handler runs.</summary>
    /// <param name="listener">Receives the event name and arguments.</param>
    public void OnAny(Func<string, SocketIOArguments, ValueTask> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            _anyListeners = [.. _anyListeners, listener];
        }
    }

    /// <summary>
    /// Listens to every outgoing event of this socket, just before it is queued: direct emits and every broadcast this
    /// socket receives (as socket.io). A listener that throws is logged; the packet still goes.
    /// </summary>
    /// <param name="listener">Receives the event name and arguments (valid during the call).</param>
    public void OnAnyOutgoing(Action<string, SocketIOArguments> listener) => _outgoing.Add(listener);


    internal void RestoreData(IDictionary<string, object?> data)
    {
        lock (_gate)
        {
            _data = data as System.Collections.Concurrent.ConcurrentDictionary<string, object?>
                ?? new System.Collections.Concurrent.ConcurrentDictionary<string, object?>(data, StringComparer.Ordinal);
        }
    }

    // ------------------------------------------------------------------ what the inbox uses

    /// <summary>What this socket receives (events and acknowledgements).</summary>
    internal SocketIOSocketInbox Inbox { get; }

    /// <summary>What this socket sends (every packet for it passes there).</summary>
    internal SocketIOSocketOutbox Outbox { get; }

    internal SocketIOOutgoingListeners Outgoing => _outgoing;

    internal object Gate => _gate;

    internal ILogger Logger => _logger;

    internal SocketIOConnection Connection => _connection;

    internal SocketIOAckRegistry Acks => _acks;

    internal Func<string, SocketIOArguments, ValueTask>[] AnyListeners => Volatile.Read(ref _anyListeners);

    internal void RegisterBroadcastAck(long ackId, IBroadcastAckCollector collector) => _acks.Add(ackId, new BroadcastAck(collector));

    // The untyped handlers registered with On: the default dispatcher.
    private sealed class UntypedDispatcher(SocketIOSocket socket) : ISocketIODispatcher
    {
        public ValueTask<SocketIODispatchResult> DispatchAsync(SocketIOEventContext context) => socket.DispatchUntypedAsync(context);
    }

    /// <summary>Dispatches an event to the untyped <c>On</c> handlers (what a typed dispatcher falls back to).</summary>
    internal ValueTask<SocketIODispatchResult> DispatchUntypedAsync(SocketIOEventContext context) =>
        _handlers.DispatchAsync(context.EventNameUtf8.Span, context);
}
