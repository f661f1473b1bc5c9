using SocketIO.Typed.Adapters;

namespace SocketIO.Typed.Server;

/// <summary>
/// Marks a hub class for the source generator: it is <c>partial</c>, derives from <see cref="SocketHub{TClient}"/> and
/// implements the contract(s) of the events its clients send; the generator adds its construction (constructor
/// parameters from dependency injection) and its dispatch. Map it with <c>MapNamespace&lt;THub&gt;()</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SocketIOHubAttribute : Attribute
{
    /// <summary>A hub on the namespace its contract names (or <c>/</c>).</summary>
    public SocketIOHubAttribute()
    {
    }

    /// <summary>A hub on <paramref name="namespace"/>.</summary>
    /// <param name="namespace">The namespace, for example <c>/chat</c>.</param>
    public SocketIOHubAttribute(string @namespace)
    {
        Namespace = @namespace;
    }

    /// <summary>The namespace, or <see langword="null"/> for the contract's.</summary>
    public string? Namespace { get; }
}

/// <summary>What the generator implements on a <see cref="SocketIOHubAttribute"/> hub: the compile-time link from the hub type to its code.</summary>
/// <typeparam name="THub">The hub.</typeparam>
public interface ISocketHub<THub>
    where THub : SocketHub
{
    /// <summary>The namespace of the hub's attribute or contract, or <see langword="null"/>.</summary>
    static abstract string? DefaultNamespace { get; }

    /// <summary>Creates a hub for one socket, its constructor parameters resolved from <paramref name="services"/>.</summary>
    /// <param name="services">The socket's scoped services.</param>
    /// <returns>The hub.</returns>
    static abstract THub Create(IServiceProvider services);

    /// <summary>Dispatches an event to the hub's contract methods.</summary>
    /// <param name="hub">The socket's hub.</param>
    /// <param name="context">The event.</param>
    /// <returns>What happened.</returns>
    static abstract ValueTask<SocketIODispatchResult> DispatchAsync(THub hub, SocketIOEventContext context);
}

/// <summary>The part of a hub the runtime drives; derive from <see cref="SocketHub{TClient}"/>.</summary>
public abstract class SocketHub
{
    private SocketIOSocket? _socket;

    /// <summary>The socket this hub instance serves (one hub per connected socket).</summary>
    /// <exception cref="InvalidOperationException">Read in the constructor, before the hub is attached.</exception>
    public SocketIOSocket Socket => _socket ?? throw new InvalidOperationException("The hub is not attached to a socket yet (do not use Socket in the constructor).");

    /// <summary>Runs after the socket connected, before its first event is dispatched.</summary>
    /// <returns>A task that completes when done.</returns>
    public virtual ValueTask OnConnectedAsync() => ValueTask.CompletedTask;

    /// <summary>Runs when the socket disconnected, with socket.io's reason (<c>client namespace disconnect</c>, <c>transport close</c>, ...).</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>A task that completes when done.</returns>
    public virtual ValueTask OnDisconnectedAsync(string reason) => ValueTask.CompletedTask;

    internal virtual void Attach(SocketIOSocket socket) => _socket = socket;
}

/// <summary>
/// A hub: one instance per connected socket of its namespace, created through dependency injection by generated code,
/// whose contract methods handle the client's events. <see cref="Clients"/> sends <typeparamref name="TClient"/>'s
/// events to the caller, others, rooms or everyone.
/// </summary>
/// <typeparam name="TClient">The contract of the events clients handle.</typeparam>
public abstract class SocketHub<TClient> : SocketHub
    where TClient : class
{
    private SocketHubClients<TClient>? _clients;

    /// <summary>Typed targets: the caller, others, everyone, rooms, one socket by id.</summary>
    public SocketHubClients<TClient> Clients => _clients ?? throw new InvalidOperationException("The hub is not attached to a socket yet (do not use Clients in the constructor).");

    internal override void Attach(SocketIOSocket socket)
    {
        base.Attach(socket);
        _clients = new SocketHubClients<TClient>(socket);
    }
}

/// <summary>
/// A hub with typed per-socket data (socket.io's <c>socket.data</c>, typed): <see cref="Data"/> is the socket's one
/// <typeparamref name="TData"/>, created on first use, readable from other code through <see cref="SocketIOSocket.GetData{T}"/>.
/// </summary>
/// <typeparam name="TClient">The contract of the events clients handle.</typeparam>
/// <typeparam name="TData">The per-socket data.</typeparam>
public abstract class SocketHub<TClient, TData> : SocketHub<TClient>
    where TClient : class
    where TData : class, new()
{
    /// <summary>This socket's data.</summary>
    /// <exception cref="InvalidOperationException">Read in the constructor, before the hub is attached.</exception>
    public TData Data => Socket.GetData<TData>();
}

/// <summary>Typed targets of one hub's socket.</summary>
/// <typeparam name="TClient">The contract of the events clients handle.</typeparam>
public sealed class SocketHubClients<TClient> : SocketIONamespaceClients<TClient>
    where TClient : class
{
    private readonly SocketIOSocket _socket;
    private TClient? _caller;

    internal SocketHubClients(SocketIOSocket socket)
        : base(socket.Namespace)
    {
        _socket = socket;
    }

    /// <summary>The socket whose event is being handled, with the contract as declared (acknowledged events await its answer).</summary>
    public TClient Caller => _caller ??= SocketIOContracts.Get<TClient>().CreateProxy(_socket);

    /// <summary>Everyone in the namespace but the caller (socket.io's <c>socket.broadcast</c>).</summary>
    public SocketIOBroadcastTarget<TClient> Others => All.Except(_socket.Id);
}

/// <summary>Typed targets of a namespace, for code outside a hub (a background service, an endpoint).</summary>
/// <typeparam name="TClient">The contract of the events clients handle.</typeparam>
public class SocketIONamespaceClients<TClient>
    where TClient : class
{
    private readonly SocketIONamespace _namespace;
    private readonly BroadcastOperator _all; // immutable: every target derived from it is a new operator

    /// <summary>The targets of a namespace.</summary>
    /// <param name="namespace">The namespace.</param>
    public SocketIONamespaceClients(SocketIONamespace @namespace)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        _namespace = @namespace;
        _all = new BroadcastOperator(@namespace);
    }

    /// <summary>Every socket of the namespace (across the cluster).</summary>
    public SocketIOBroadcastTarget<TClient> All => new(_all);

    /// <summary>The sockets in a room (the caller included when it is a member).</summary>
    /// <param name="room">The room.</param>
    /// <returns>The target.</returns>
    public SocketIOBroadcastTarget<TClient> To(string room) => All.To(room);

    /// <summary>The sockets in any of several rooms, each once.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>The target.</returns>
    public SocketIOBroadcastTarget<TClient> To(IEnumerable<string> rooms) => new(new BroadcastOperator(_namespace).To(rooms));

    /// <summary>Everyone but the members of a room (or one socket, by id).</summary>
    /// <param name="room">The room or socket id.</param>
    /// <returns>The target.</returns>
    public SocketIOBroadcastTarget<TClient> Except(string room) => All.Except(room);

    /// <summary>
    /// One socket by id, with the contract as declared: a local socket directly, a socket on another server of the
    /// cluster through the adapter (an acknowledged event then waits for its one answer up to the ack timeout).
    /// </summary>
    /// <param name="socketId">The socket id.</param>
    /// <returns>The socket's proxy.</returns>
    public TClient Socket(string socketId)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketId);
        ISocketIOEmitter emitter = _namespace.TryGetSocket(socketId, out SocketIOSocket? local)
            ? local
            : new SocketByIdEmitter(_namespace, socketId);
        return SocketIOContracts.Get<TClient>().CreateProxy(emitter);
    }

    // A socket that may live on another server: sends through the adapter to the room named after its id.
    private sealed class SocketByIdEmitter(SocketIONamespace @namespace, string socketId) : ISocketIOEmitter
    {
        public string NamespaceName => @namespace.Name;

        public void Send(Protocol.EncodedPacket packet)
        {
            ValueTask task = new BroadcastOperator(@namespace).To(socketId).BroadcastAsync(packet);
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
#pragma warning disable CA1031 // a fire-and-forget emit: an adapter failure is logged, as for any emit
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.HandlerFailed(@namespace.Server.Logger, e, "(emit)", socketId);
            }
        }

        public long NextAckId() => @namespace.NextAckId();

        public async Task<SocketIOArguments> SendWithAckAsync(Protocol.EncodedPacket packet, long ackId, TimeSpan? timeout, CancellationToken cancellationToken, string? eventName)
        {
            TimeSpan wait = timeout ?? @namespace.Server.Options.AckTimeout;
            SocketIOBroadcastAckResult result = await new BroadcastOperator(@namespace).To(socketId).Timeout(wait)
                .BroadcastWithAckAsync(packet, ackId, cancellationToken).ConfigureAwait(false);
            return result.Responses.Count > 0
                ? result.Responses[0].Arguments
                : throw new SocketIOAckTimeoutException($"'{eventName ?? "the event"}' was not acknowledged by socket {socketId} within {wait.TotalMilliseconds} ms.");
        }
    }
}
