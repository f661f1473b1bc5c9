using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Server;

/// <summary>
/// One client connected to one namespace (socket.io's server-side <c>Socket</c>): events in both directions,
/// acknowledgements, rooms, and its own broadcast operators.
/// </summary>
public sealed class SocketIOSocket : ISocketIOLocalSocket, ISocketIOEmitter
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

    // ------------------------------------------------------------------ emitting

    /// <summary>Sends an event to this client.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values (see <see cref="SocketIOPacketWriter.WriteValue(object?)"/>); byte arrays travel as binary attachments.</param>
    /// <returns>A task that completes when the packet is queued.</returns>
    public ValueTask EmitAsync(string eventName, params object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        Send(SocketIOEventEncoder.Encode(eventName, args, Namespace.Name, -1), BroadcastFlags.None);
        return ValueTask.CompletedTask;
    }

    /// <summary>Sends an event whose arguments are received arguments, unchanged.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="arguments">The arguments.</param>
    /// <returns>A task that completes when the packet is queued.</returns>
    public ValueTask EmitAsync(string eventName, SocketIOArguments arguments)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        Send(SocketIOEventEncoder.Encode(eventName, arguments, Namespace.Name, -1), BroadcastFlags.None);
        return ValueTask.CompletedTask;
    }

    /// <summary>Sends an already encoded packet (the seam generated proxies write through).</summary>
    /// <param name="packet">The packet; this call takes over the caller's reference.</param>
    /// <param name="flags">Volatile or no-compress flags.</param>
    public void Send(EncodedPacket packet, BroadcastFlags flags)
    {
        ArgumentNullException.ThrowIfNull(packet);
        SocketIOMetrics.Add(Namespace.Server.Metrics.EventsSent, Namespace.Name);
        if ((flags & BroadcastFlags.NoCompress) != 0)
        {
            packet.SetCompress(false);
        }

        if (Namespace.Server.Options.ConnectionStateRecovery is null)
        {
            Outbox.Deliver(packet, flags);
            return;
        }

        // As socket.io: with recovery on, a direct emit goes through the adapter, which stores the event (with its
        // offset) so a recovered socket still receives it. The adapter takes over the reference.
        ValueTask task = Namespace.Adapter.BroadcastAsync(packet, new BroadcastOptions([Id], [], flags));
        if (!task.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(task);
        }
    }

    private async Task ObserveAsync(ValueTask task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the emit is fire-and-forget: an adapter failure is logged
        catch (Exception e)
#pragma warning restore CA1031
        {
            SocketIOServerLog.HandlerFailed(_logger, e, "(emit)", Id);
        }
    }

    /// <summary>
    /// The next acknowledgement id of this socket's namespace, for a packet that <see cref="SendWithAckAsync"/> will
    /// send: write it with <c>writer.ToPacket(socket.Namespace.Name, ackId)</c>.
    /// </summary>
    /// <returns>The id.</returns>
    public long NextAckId() => Namespace.NextAckId();

    /// <summary>
    /// Sends a packet that asks for an acknowledgement and waits for the answer (the seam generated proxies drive:
    /// take an id from <see cref="NextAckId"/>, write the packet with it, send it here, read the answer with
    /// <see cref="SocketIOArguments.CreateReader"/>).
    /// </summary>
    /// <param name="packet">The packet, written with <paramref name="ackId"/>; this call takes over the caller's reference.</param>
    /// <param name="ackId">The id the packet carries.</param>
    /// <param name="timeout">How long to wait; <see langword="null"/> uses <see cref="SocketIOServerOptions.AckTimeout"/>.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="eventName">The event name, for the timeout message (optional).</param>
    /// <returns>The acknowledgement's arguments (they own their memory).</returns>
    /// <exception cref="SocketIOAckTimeoutException">No answer in time.</exception>
    /// <exception cref="SocketIODisconnectedException">The socket disconnected first.</exception>
    public Task<SocketIOArguments> SendWithAckAsync(EncodedPacket packet, long ackId, TimeSpan? timeout = null, CancellationToken cancellationToken = default, string? eventName = null)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!_connected)
        {
            packet.Release();
            return Task.FromException<SocketIOArguments>(new SocketIODisconnectedException("The socket is disconnected."));
        }

        Task<SocketIOArguments> answer = _acks.Wait(
            ackId, timeout ?? Namespace.Server.Options.AckTimeout, Namespace.Server.Options.EngineIO.TimeProvider, cancellationToken, eventName, $"socket {Id}");
        SocketIOMetrics metrics = Namespace.Server.Metrics;
        if (metrics.WantsAckOutcome)
        {
            // Only when someone listens: the span and the outcome cost an observer task per emit.
            Activity? activity = SocketIOActivities.StartSend(Namespace.Name, eventName, Id);
            long started = Stopwatch.GetTimestamp();
            Send(packet, BroadcastFlags.None);
            _ = SocketIOAckTelemetry.ObserveAsync(answer, activity, metrics, Namespace.Name, started);
            return answer;
        }

        Send(packet, BroadcastFlags.None);
        return answer;
    }

    /// <summary>Sends an event and waits for the client's acknowledgement, with <see cref="SocketIOServerOptions.AckTimeout"/>.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The acknowledgement's arguments.</returns>
    /// <exception cref="SocketIOAckTimeoutException">No answer in time (the message names the event).</exception>
    /// <exception cref="SocketIODisconnectedException">The socket disconnected first.</exception>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, params object?[] args) =>
        EmitWithAckCore(eventName, null, CancellationToken.None, args);

    /// <summary>Sends an event and waits for the client's acknowledgement at most <paramref name="timeout"/>.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The acknowledgement's arguments.</returns>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, TimeSpan timeout, params object?[] args) =>
        EmitWithAckCore(eventName, timeout, CancellationToken.None, args);

    /// <summary>Sends an event and waits for the client's acknowledgement until it arrives, the default timeout passes or the token is cancelled.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The acknowledgement's arguments.</returns>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, CancellationToken cancellationToken, params object?[] args) =>
        EmitWithAckCore(eventName, null, cancellationToken, args);

    /// <summary>Sends an event and waits for the client's acknowledgement.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The acknowledgement's arguments.</returns>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, TimeSpan timeout, CancellationToken cancellationToken, params object?[] args) =>
        EmitWithAckCore(eventName, timeout, cancellationToken, args);

    private Task<SocketIOArguments> EmitWithAckCore(string eventName, TimeSpan? timeout, CancellationToken cancellationToken, object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        if (!_connected)
        {
            return Task.FromException<SocketIOArguments>(new SocketIODisconnectedException("The socket is disconnected."));
        }

        long id = NextAckId();
        return SendWithAckAsync(SocketIOEventEncoder.Encode(eventName, args, Namespace.Name, id), id, timeout, cancellationToken, eventName);
    }

    /// <summary>Sends an acknowledgement packet (from <see cref="SocketIOAckResponder"/>); takes over the reference.</summary>
    internal void SendAckPacket(EncodedPacket packet)
    {
        SocketIOMetrics.Add(Namespace.Server.Metrics.AcksSent, Namespace.Name);
        _connection.Engine.Send(packet);
    }

    private void SendOwned(EncodedPacket packet) => _connection.Engine.Send(packet);

    /// <summary>Undoes a registration that did not complete (refused by a middleware, or the connection closed).</summary>
    internal void Abort()
    {
        if (_connected)
        {
            SocketIOMetrics.Add(Namespace.Server.Metrics.ActiveSockets, -1, Namespace.Name);
        }

        _connected = false;
        Namespace.Adapter.DeleteAll(Id);
        Namespace.Remove(this);
        Outbox.ReleaseHeld();
    }

    internal void RestoreData(IDictionary<string, object?> data)
    {
        lock (_gate)
        {
            _data = data as System.Collections.Concurrent.ConcurrentDictionary<string, object?>
                ?? new System.Collections.Concurrent.ConcurrentDictionary<string, object?>(data, StringComparer.Ordinal);
        }
    }

    // ------------------------------------------------------------------ rooms and broadcasting

    /// <summary>Joins a room.</summary>
    /// <param name="room">The room.</param>
    public void Join(string room)
    {
        ArgumentNullException.ThrowIfNull(room);
        Namespace.Adapter.AddAll(Id, [room]);
    }

    /// <summary>Joins several rooms.</summary>
    /// <param name="rooms">The rooms.</param>
    public void Join(IEnumerable<string> rooms) => Namespace.Adapter.AddAll(Id, rooms);

    /// <summary>Leaves a room.</summary>
    /// <param name="room">The room.</param>
    public void Leave(string room) => Namespace.Adapter.Delete(Id, room);

    /// <summary>A broadcast to a room, leaving this socket out (socket.io's <c>socket.to(room)</c>).</summary>
    /// <param name="room">The room.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator To(string room) => Broadcast.To(room);

    /// <summary>A broadcast to several rooms, leaving this socket out.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator To(IEnumerable<string> rooms) => Broadcast.To(rooms);

    /// <summary>Same as <see cref="To(string)"/>.</summary>
    /// <param name="room">The room.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator In(string room) => To(room);

    /// <summary>A broadcast to everyone but this socket and the given room's members.</summary>
    /// <param name="room">The room to leave out.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator Except(string room) => Broadcast.Except(room);

    /// <summary>A broadcast to every other socket of the namespace (socket.io's <c>socket.broadcast</c>).</summary>
    public BroadcastOperator Broadcast => new BroadcastOperator(Namespace).Except(Id);

    // ------------------------------------------------------------------ disconnecting

    /// <summary>Disconnects this socket from its namespace (reason <c>server namespace disconnect</c>).</summary>
    /// <param name="close">Also close the whole connection (all its namespaces; reason <c>forced server close</c>).</param>
    public void Disconnect(bool close = false)
    {
        if (!_connected)
        {
            return;
        }

        if (close)
        {
            // As socket.io: every namespace of the connection gets its DISCONNECT packet, then the connection closes.
            _connection.DisconnectAll();
            return;
        }

        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginRaw();
            packet = writer.ToRawPacket(SocketIOPacketType.Disconnect, Namespace.Name);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        SendOwned(packet);
        OnClose("server namespace disconnect");
    }

    internal void OnConnected()
    {
        _connected = true;
        SocketIOMetrics.Add(Namespace.Server.Metrics.ActiveSockets, 1, Namespace.Name);
        Namespace.Adapter.AddAll(Id, [Id]);
    }

    internal void OnClose(string reason)
    {
        if (!_connected)
        {
            return;
        }

        List<(Task Task, string Name)>? pending = StartHandlers(Volatile.Read(ref _disconnectingHandlers), reason, "disconnecting", null);
        _connected = false;
        SocketIOMetrics.Add(Namespace.Server.Metrics.ActiveSockets, -1, Namespace.Name);
        if (PrivateId is not null && IsRecoverable(reason))
        {
            ValueTask persisted = Namespace.Adapter.PersistSessionAsync(new SocketIOSessionState(Id, PrivateId, Namespace.Adapter.GetRooms(Id), Data));
            if (!persisted.IsCompletedSuccessfully)
            {
                _ = ObserveAsync(persisted);
            }
        }

        Namespace.Adapter.DeleteAll(Id);
        Namespace.Remove(this);
        _connection.Remove(this);
        Outbox.ReleaseHeld();
        _acks.FailAll(reason);
        _disconnected.Close();
        SocketIOServerLog.Disconnected(_logger, Id, Namespace.Name, reason);
        pending = StartHandlers(Volatile.Read(ref _disconnectHandlers), reason, "disconnect", pending);
        if (pending is not null)
        {
            _ = ObserveHandlersAsync(pending);
        }
        else
        {
            _ = DisposeScopeAsync();
        }
    }

    private async Task DisposeScopeAsync()
    {
        AsyncServiceScope? scope;
        lock (_gate)
        {
            scope = _scope;
            _scope = null;
        }

        if (scope is { } s)
        {
            try
            {
                await s.DisposeAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // a scoped service failing to dispose is logged; the socket is gone either way
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.HandlerFailed(_logger, e, "(scope dispose)", Id);
            }
        }
    }

    // Starts each handler (its synchronous part runs now); returns those still running, to be observed.
    private List<(Task Task, string Name)>? StartHandlers(Func<SocketIOSocket, string, ValueTask>[] handlers, string reason, string name, List<(Task Task, string Name)>? pending)
    {
        foreach (Func<SocketIOSocket, string, ValueTask> handler in handlers)
        {
            try
            {
                ValueTask task = handler(this, reason);
                if (!task.IsCompletedSuccessfully)
                {
                    (pending ??= []).Add((task.AsTask(), name));
                }
            }
#pragma warning disable CA1031 // a failing handler must not keep the socket connected, nor stop the other handlers
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.HandlerFailed(_logger, e, name, Id);
            }
        }

        return pending;
    }

    private async Task ObserveHandlersAsync(List<(Task Task, string Name)> pending)
    {
        foreach ((Task task, string name) in pending)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
#pragma warning disable CA1031 // logged: the socket is gone either way
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.HandlerFailed(_logger, e, name, Id);
            }
        }

        await DisposeScopeAsync().ConfigureAwait(false);
    }

    // socket.io's RECOVERABLE_DISCONNECT_REASONS: the client did not leave on purpose.
    private static bool IsRecoverable(string reason) =>
        reason is "transport error" or "transport close" or "forced close" or "ping timeout" or "server shutting down" or "forced server close";

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

    // ------------------------------------------------------------------ as the adapter sees it

    void ISocketIOLocalSocket.Deliver(EncodedPacket packet, BroadcastFlags flags)
    {
        SocketIOMetrics.Add(Namespace.Server.Metrics.BroadcastDeliveries, Namespace.Name);
        Outbox.Deliver(packet, flags);
    }

    void ISocketIOLocalSocket.RegisterBroadcastAck(long ackId, IBroadcastAckCollector collector) => RegisterBroadcastAck(ackId, collector);

    SocketIORemoteSocket ISocketIOLocalSocket.Describe() =>
        new(Namespace.Adapter, this, Rooms, () => DescribeData(), Handshake.ToRecord());

    // The data as it crosses servers: JSON written with the event-argument rules (a value that cannot be written
    // without reflection is reported by its type).
    private System.Text.Json.JsonElement DescribeData()
    {
        using System.Text.Json.JsonDocument document = SocketIOPacketWriter.RenderValue(Data);
        return document.RootElement.Clone();
    }

    private sealed class BroadcastAck(IBroadcastAckCollector collector) : ISocketIOPendingAck
    {
        public void Complete(string? socketId, SocketIOArguments arguments) => collector.OnAck(socketId, arguments);

        public void Fail(Exception exception)
        {
            // A socket that leaves before answering simply does not answer; the collector's timeout reports it.
        }
    }

    // The untyped handlers registered with On: the default dispatcher.
    private sealed class UntypedDispatcher(SocketIOSocket socket) : ISocketIODispatcher
    {
        public ValueTask<SocketIODispatchResult> DispatchAsync(SocketIOEventContext context) =>
            socket._handlers.DispatchAsync(context.EventNameUtf8.Span, context);
    }

    /// <inheritdoc/>
    string ISocketIOEmitter.NamespaceName => Namespace.Name;

    /// <inheritdoc/>
    void ISocketIOEmitter.Send(EncodedPacket packet) => Send(packet, BroadcastFlags.None);

    /// <inheritdoc/>
    Task<SocketIOArguments> ISocketIOEmitter.SendWithAckAsync(EncodedPacket packet, long ackId, TimeSpan? timeout, CancellationToken cancellationToken, string? eventName) =>
        SendWithAckAsync(packet, ackId, timeout, cancellationToken, eventName);

    /// <summary>Dispatches an event to the untyped <c>On</c> handlers (what a typed dispatcher falls back to).</summary>
    internal ValueTask<SocketIODispatchResult> DispatchUntypedAsync(SocketIOEventContext context) =>
        _handlers.DispatchAsync(context.EventNameUtf8.Span, context);
}
