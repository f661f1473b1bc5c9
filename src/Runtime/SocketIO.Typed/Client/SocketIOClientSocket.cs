using Microsoft.Extensions.Logging;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client;

/// <summary>
/// One namespace of a <see cref="SocketIOManager"/> (socket.io-client's <c>Socket</c>): it connects, disconnects and
/// reconnects on its own over the shared connection; events and acknowledgements in both directions.
/// </summary>
public sealed partial class SocketIOClientSocket : ISocketIOEmitter
{
    private readonly SocketIOManager _client;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private long _nextAckId;
    private bool _active;
    private bool _connectSent;
    private bool _connected;
    private string? _pid;
    private string? _lastOffset;
    private TaskCompletionSource? _connectTcs;
    private readonly SocketIODisconnectSignal _disconnected = new();

    internal SocketIOClientSocket(SocketIOManager client, string @namespace)
    {
        _client = client;
        _logger = client.Logger;
        Namespace = @namespace;
        Outbox = new SocketIOClientOutbox(this);
        Inbox = new SocketIOClientInbox(this);
        Retries = new SocketIOClientRetryQueue(this);
    }

    /// <summary>Every packet this socket sends (send buffer, volatile rule, outgoing listeners).</summary>
    internal SocketIOClientOutbox Outbox { get; }

    /// <summary>What this socket receives (events held until connected, dispatch, acknowledgements).</summary>
    internal SocketIOClientInbox Inbox { get; }

    /// <summary>At-least-once emits when <see cref="SocketIOClientOptions.Retries"/> is set.</summary>
    internal SocketIOClientRetryQueue Retries { get; }

    /// <summary>The acknowledgements this socket waits for.</summary>
    internal SocketIOAckRegistry Acks { get; } = new();

    internal ILogger Logger => _logger;

    /// <summary>The namespace, for example <c>/</c> or <c>/chat</c>.</summary>
    public string Namespace { get; }

    /// <summary>The client (manager) this socket belongs to.</summary>
    public SocketIOManager Client => _client;

    /// <summary>The socket id the server gave (null while disconnected).</summary>
    public string? Id { get; private set; }

    /// <summary>Whether the socket is connected to its namespace.</summary>
    public bool IsConnected => System.Threading.Volatile.Read(ref _connected);

    /// <summary>
    /// Cancelled when the current connection to the namespace ends (a reconnection gets a new token): pass it to work a
    /// handler starts. Created on first use.
    /// </summary>
    public CancellationToken DisconnectedToken => _disconnected.Token;

    /// <summary>Whether the last connection recovered the previous session (connection state recovery): no event was missed.</summary>
    public bool Recovered { get; private set; }

    /// <summary>Whether the socket wants to be connected (it reconnects after a connection loss).</summary>
    public bool Active
    {
        get
        {
            lock (_gate)
            {
                return _active;
            }
        }
    }

    /// <summary>How many volatile emits were dropped because the socket was not connected or its transport was busy.</summary>
    public long VolatileDroppedCount => Outbox.VolatileDropped;

    /// <summary>Emits whose events may be dropped when not connected (socket.io-client's <c>socket.volatile</c>).</summary>
    public SocketIOClientVolatileEmitter Volatile => new(this);

    /// <summary>The event dispatcher: by default the handlers registered with <c>On</c>; generated typed handlers replace it.</summary>
    public ISocketIOClientDispatcher? Dispatcher { get; set; }

    /// <summary>Raised when the socket connected to its namespace (also after each reconnection).</summary>
    public event Action<SocketIOClientSocket>? Connected;

    /// <summary>
    /// Raised when the socket disconnected, with socket.io-client's reason: <c>io server disconnect</c>,
    /// <c>io client disconnect</c>, <c>ping timeout</c>, <c>transport close</c>, <c>transport error</c>, <c>parse error</c>.
    /// </summary>
    public event Action<SocketIOClientSocket, string>? Disconnected;

    /// <summary>Raised when the namespace refused the connection (a middleware error) or the connection could not be made.</summary>
    public event Action<SocketIOClientSocket, Exception>? ConnectError;

    // ------------------------------------------------------------------ handlers

    /// <summary>Handles an event; handlers of one socket run one at a time unless <see cref="SocketIOClientOptions.ConcurrentEventHandlers"/>.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="handler">The handler; call <see cref="SocketIOClientEventContext.AckAsync"/> to answer an acknowledged event.</param>
    /// <exception cref="ArgumentException">The name is reserved (<c>connect</c>, <c>disconnect</c>, …): use <see cref="Connected"/>/<see cref="Disconnected"/>.</exception>
    public void On(string eventName, Func<SocketIOClientEventContext, ValueTask> handler) => Inbox.Handlers.Add(eventName, handler);

    /// <summary>Handles an event synchronously.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="handler">The handler.</param>
    public void On(string eventName, Action<SocketIOClientEventContext> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        On(eventName, context =>
        {
            handler(context);
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>Answers an acknowledged event with the handler's return value (one ack argument).</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="handler">Returns the acknowledgement value.</param>
    public void OnRequest(string eventName, Func<SocketIOArguments, ValueTask<object?>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        On(eventName, async context =>
        {
            object? result = await handler(context.Arguments).ConfigureAwait(false);
            await context.AckAsync(result).ConfigureAwait(false);
        });
    }

    /// <summary>Removes every handler of an event.</summary>
    /// <param name="eventName">The event name.</param>
    public void Off(string eventName) => Inbox.Handlers.Remove(eventName);

    /// <summary>Listens to every incoming event, before its handlers.</summary>
    /// <param name="listener">Receives the name and arguments.</param>
    public void OnAny(Func<string, SocketIOArguments, ValueTask> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        Inbox.AddAnyListener(listener);
    }

    /// <summary>Listens to every outgoing event, when it is written to the connection.</summary>
    /// <param name="listener">Receives the name and arguments (valid during the call).</param>
    public void OnAnyOutgoing(Action<string, SocketIOArguments> listener) => Outbox.Listeners.Add(listener);

    // ------------------------------------------------------------------ emitting

    /// <summary>How many received events could not be bound to their handler's parameters.</summary>
    public long BindingFailureCount => Inbox.BindingFailures;

    /// <summary>Sends an event. While disconnected it is buffered (or refused, as <see cref="SocketIOClientOptions.DisconnectedEmits"/> says).</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values; byte arrays travel as binary attachments.</param>
    /// <returns>A task that completes when the event is queued.</returns>
    /// <exception cref="SocketIODisconnectedException">Disconnected and emits fail, or the send buffer is full.</exception>
    public ValueTask EmitAsync(string eventName, params object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        ArgumentNullException.ThrowIfNull(args);
        if (_client.Options.Retries > 0)
        {
            // socket.io-client's retries: every emit asks for an acknowledgement.
            long id = NextAckId();
            Retries.Enqueue(Encode(eventName, args, id), id, eventName);
            return ValueTask.CompletedTask;
        }

        Outbox.Send(Encode(eventName, args, -1), isVolatile: false);
        return ValueTask.CompletedTask;
    }

    /// <summary>Sends an event and waits for the server's acknowledgement, with <see cref="SocketIOClientOptions.AckTimeout"/>.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The acknowledgement's arguments.</returns>
    /// <exception cref="SocketIOAckTimeoutException">No answer in time (the message names the event).</exception>
    /// <exception cref="SocketIODisconnectedException">The connection dropped before the answer.</exception>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, params object?[] args) =>
        EmitWithAckCore(eventName, null, CancellationToken.None, args);

    /// <summary>Sends an event and waits for the server's acknowledgement at most <paramref name="timeout"/>.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The acknowledgement's arguments.</returns>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, TimeSpan timeout, params object?[] args) =>
        EmitWithAckCore(eventName, timeout, CancellationToken.None, args);

    /// <summary>Sends an event and waits for the server's acknowledgement until it arrives, the default timeout passes or the token is cancelled.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The acknowledgement's arguments.</returns>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, CancellationToken cancellationToken, params object?[] args) =>
        EmitWithAckCore(eventName, null, cancellationToken, args);

    /// <summary>Sends an event and waits for the server's acknowledgement.</summary>
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
        ArgumentNullException.ThrowIfNull(args);
        long id = NextAckId();
        return SendWithAckAsync(Encode(eventName, args, id), id, timeout, cancellationToken, eventName);
    }

    /// <summary>The next acknowledgement id of this socket, for a packet that <see cref="SendWithAckAsync"/> will send.</summary>
    /// <returns>The id.</returns>
    public long NextAckId() => Interlocked.Increment(ref _nextAckId) - 1;

    /// <summary>
    /// Sends a packet that asks for an acknowledgement and waits for the answer (the seam generated proxies drive: take
    /// an id from <see cref="NextAckId"/>, write the packet with it, send it here, read the answer with
    /// <see cref="SocketIOArguments.CreateReader"/>). Buffering while disconnected, <see cref="SocketIOClientOptions.Retries"/>
    /// and outgoing listeners apply as to any emit.
    /// </summary>
    /// <param name="packet">The packet, written with <paramref name="ackId"/>; this call takes over the caller's reference.</param>
    /// <param name="ackId">The id the packet carries.</param>
    /// <param name="timeout">How long to wait (per try with retries); null uses <see cref="SocketIOClientOptions.AckTimeout"/>.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="eventName">The event name, for the timeout message (optional).</param>
    /// <returns>The acknowledgement's arguments (they own their memory).</returns>
    /// <exception cref="SocketIOAckTimeoutException">No answer in time (after every retry).</exception>
    /// <exception cref="SocketIODisconnectedException">The connection dropped before the answer (without retries).</exception>
    public Task<SocketIOArguments> SendWithAckAsync(EncodedPacket packet, long ackId, TimeSpan? timeout = null, CancellationToken cancellationToken = default, string? eventName = null)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (_client.Options.Retries > 0)
        {
            return Retries.EnqueueAwaited(packet, ackId, eventName, timeout).WaitAsync(cancellationToken);
        }

        TimeSpan wait = timeout ?? _client.Options.AckTimeout;
        Task<SocketIOArguments> answer = Acks.Wait(ackId, wait, _client.Options.TimeProvider, cancellationToken, eventName, $"the server ({Namespace})");
        try
        {
            Outbox.Send(packet, isVolatile: false);
        }
        catch (Exception e)
        {
            if (Acks.TryTake(ackId, out ISocketIOPendingAck? pending))
            {
                pending.Fail(e);
            }
        }

        return answer;
    }

    /// <summary>
    /// Sends an encoded event packet (the seam generated proxies write through); takes over the reference. With
    /// <see cref="SocketIOClientOptions.Retries"/>, a non-volatile packet is given an ack id and goes through the retry queue.
    /// </summary>
    /// <param name="packet">The packet.</param>
    /// <param name="isVolatile">Drop it instead of buffering when not connected or when the transport is busy.</param>
    public void Send(EncodedPacket packet, bool isVolatile)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!isVolatile && _client.Options.Retries > 0)
        {
            long id = NextAckId();
            EncodedPacket withId;
            try
            {
                withId = SocketIOPacketEditor.WithAckId(packet, id);
            }
            finally
            {
                packet.Release();
            }

            Retries.Enqueue(withId, id, eventName: null);
            return;
        }

        Outbox.Send(packet, isVolatile);
    }

    private EncodedPacket Encode(string eventName, object?[] args, long ackId) => SocketIOEventEncoder.Encode(eventName, args, Namespace, ackId);

    private void Raise(Action<SocketIOClientSocket>? handler)
    {
        try
        {
            handler?.Invoke(this);
        }
#pragma warning disable CA1031 // a failing listener must not break the connection logic
        catch (Exception e)
#pragma warning restore CA1031
        {
            SocketIOClientLog.ListenerFailed(_logger, e);
        }
    }

    private void RaiseConnectError(Exception error)
    {
        try
        {
            ConnectError?.Invoke(this, error);
        }
#pragma warning disable CA1031 // see Raise
        catch (Exception e)
#pragma warning restore CA1031
        {
            SocketIOClientLog.ListenerFailed(_logger, e);
        }
    }

    /// <inheritdoc/>
    string ISocketIOEmitter.NamespaceName => Namespace;

    /// <inheritdoc/>
    void ISocketIOEmitter.Send(EncodedPacket packet) => Send(packet, isVolatile: false);

    /// <inheritdoc/>
    Task<SocketIOArguments> ISocketIOEmitter.SendWithAckAsync(EncodedPacket packet, long ackId, TimeSpan? timeout, CancellationToken cancellationToken, string? eventName) =>
        SendWithAckAsync(packet, ackId, timeout, cancellationToken, eventName);
}
