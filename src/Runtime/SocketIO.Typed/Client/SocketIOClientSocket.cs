using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Client;
using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Client;

/// <summary>
/// One namespace of a <see cref="SocketIOManager"/> (socket.io-client's <c>Socket</c>): it connects, disconnects and
/// reconnects on its own over the shared connection; events and acknowledgements in both directions.
/// </summary>
public sealed class SocketIOClientSocket
{
    private readonly SocketIOManager _client;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Channel<SocketIOClientEventContext> _events = Channel.CreateUnbounded<SocketIOClientEventContext>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Task _eventLoop;
    private readonly List<EncodedPacket> _sendBuffer = [];
    private readonly SocketIOAckRegistry _acks = new();
    private readonly Queue<RetryEntry> _retryQueue = new();
    private readonly SocketIOEventHandlers<SocketIOClientEventContext> _handlers = new();
    private readonly SocketIOOutgoingListeners _outgoing = new();
    private readonly List<SocketIOClientEventContext> _receiveBuffer = [];
    private Func<string, SocketIOArguments, ValueTask>[] _anyListeners = [];
    private long _nextAckId;
    private long _volatileDropped;
    private long _bindingFailures;
    private bool _active;
    private bool _connectSent;
    private bool _connected;
    private string? _pid;
    private string? _lastOffset;
    private TaskCompletionSource? _connectTcs;

    internal SocketIOClientSocket(SocketIOManager client, string @namespace)
    {
        _client = client;
        _logger = client.Logger;
        Namespace = @namespace;
        _eventLoop = EventLoopAsync();
    }

    /// <summary>The namespace, for example <c>/</c> or <c>/chat</c>.</summary>
    public string Namespace { get; }

    /// <summary>The client (manager) this socket belongs to.</summary>
    public SocketIOManager Client => _client;

    /// <summary>The socket id the server gave (null while disconnected).</summary>
    public string? Id { get; private set; }

    /// <summary>Whether the socket is connected to its namespace.</summary>
    public bool IsConnected => System.Threading.Volatile.Read(ref _connected);

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
    public long VolatileDroppedCount => Interlocked.Read(ref _volatileDropped);

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

    // ------------------------------------------------------------------ connecting

    /// <summary>
    /// Connects to the namespace (opening the shared connection if needed) and completes when the server accepted.
    /// </summary>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>A task that completes when connected.</returns>
    /// <remarks>
    /// As socket.io-client's manager: when the connection cannot be opened and <see cref="SocketIOClientOptions.Reconnection"/>
    /// is on, <see cref="ConnectError"/> is raised for each failed attempt and the client keeps trying with its backoff
    /// until it connects or <see cref="SocketIOClientOptions.ConnectTimeout"/> passes. With reconnection off it fails at once.
    /// </remarks>
    /// <exception cref="SocketIOConnectException">The namespace refused the connection (message and data from the middleware).</exception>
    /// <exception cref="TimeoutException">Not connected within <see cref="SocketIOClientOptions.ConnectTimeout"/>.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        TaskCompletionSource tcs;
        lock (_gate)
        {
            if (_connected)
            {
                return;
            }

            _active = true;
            tcs = _connectTcs ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_client.Options.ConnectTimeout);
        try
        {
            await _client.EnsureOpenAsync(timeout.Token).ConfigureAwait(false);
            await SendConnectAsync().ConfigureAwait(false);
            await tcs.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                if (!_connected)
                {
                    _active = false;
                    _connectSent = false;
                    if (_connectTcs == tcs)
                    {
                        _connectTcs = null;
                    }
                }
            }

            _client.OnSocketInactive();
            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Connecting to namespace {Namespace} did not complete within {_client.Options.ConnectTimeout.TotalMilliseconds} ms.", e);
            }

            throw;
        }
    }

    /// <summary>Disconnects from the namespace (reason <c>io client disconnect</c>); no reconnection follows.</summary>
    /// <returns>A task that completes when done.</returns>
    public ValueTask DisconnectAsync()
    {
        bool wasConnected;
        TaskCompletionSource? pending;
        lock (_gate)
        {
            wasConnected = _connected;
            _active = false;
            _connectSent = false;
            pending = _connectTcs;
            _connectTcs = null;
            _receiveBuffer.Clear();
        }

        pending?.TrySetException(new SocketIODisconnectedException("DisconnectAsync was called before the connection completed."));
        if (wasConnected)
        {
            SendControl(SocketIOPacketType.Disconnect);
            OnClose("io client disconnect");
        }

        _client.OnSocketInactive();
        return ValueTask.CompletedTask;
    }

    internal void OnEngineOpen() => _ = SendConnectAsync();

    private async Task SendConnectAsync()
    {
        string? pid;
        string? offset;
        lock (_gate)
        {
            if (!_active || _connectSent || _connected || _client.Engine is null)
            {
                return;
            }

            _connectSent = true;
            pid = _pid;
            offset = _lastOffset;
        }

        object? auth;
        try
        {
            auth = _client.Options.AuthProvider is { } provider
                ? await provider(Namespace, CancellationToken.None).ConfigureAwait(false)
                : _client.Options.Auth;
        }
#pragma warning disable CA1031 // an auth callback failure is a connect error of this namespace
        catch (Exception e)
#pragma warning restore CA1031
        {
            FailConnect(new SocketIOConnectException("The auth provider failed: " + e.Message, e));
            return;
        }

        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginRaw();
            WriteAuth(writer, auth, pid, offset);
            packet = writer.ToRawPacket(SocketIOPacketType.Connect, Namespace);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        SendNow(packet);
    }

    // socket.io-client sends Object.assign({ pid, offset }, auth) once the server gave a pid.
    private static void WriteAuth(SocketIOPacketWriter writer, object? auth, string? pid, string? offset)
    {
        if (pid is null)
        {
            if (auth is not null)
            {
                writer.WriteValue(auth);
            }

            return;
        }

        Utf8JsonWriter json = writer.Json;
        json.WriteStartObject();
        json.WriteString("pid"u8, pid);
        if (offset is not null)
        {
            json.WriteString("offset"u8, offset);
        }

        switch (auth)
        {
            case null:
                break;
            case JsonElement { ValueKind: JsonValueKind.Object } element:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    property.WriteTo(json);
                }

                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (KeyValuePair<string, object?> pair in pairs)
                {
                    json.WritePropertyName(pair.Key);
                    writer.WriteValue(pair.Value);
                }

                break;
            case IEnumerable<KeyValuePair<string, string>> pairs:
                foreach (KeyValuePair<string, string> pair in pairs)
                {
                    json.WriteString(pair.Key, pair.Value);
                }

                break;
            default:
                // Any other kind the auth option accepts (a JsonNode or JsonDocument object, a SocketIOJsonValue, ...):
                // render it as socket.io-client would send it, then merge its properties (Object.assign).
                using (JsonDocument rendered = SocketIOPacketWriter.RenderValue(auth))
                {
                    if (rendered.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        foreach (JsonProperty property in rendered.RootElement.EnumerateObject())
                        {
                            property.WriteTo(json);
                        }
                    }
                }

                break;
        }

        json.WriteEndObject();
    }

    internal void OnEngineClose(string reason, Exception? error)
    {
        bool wasConnected;
        TaskCompletionSource? pending = null;
        lock (_gate)
        {
            _connectSent = false;
            wasConnected = _connected;
            if (!wasConnected && _connectTcs is not null && !_client.Options.Reconnection)
            {
                pending = _connectTcs;
                _connectTcs = null;
            }
        }

        if (pending is not null)
        {
            string message = $"The connection closed ({reason}) before the namespace connected.";
            pending.TrySetException(error is null ? new SocketIODisconnectedException(message) : new SocketIODisconnectedException(message, error));
        }
        if (wasConnected)
        {
            OnClose(reason);
        }
    }

    // The connection could not be opened (first try or a reconnection attempt): a socket that waits to connect sees
    // connect_error, as socket.io-client's sockets do for every failed attempt of their manager.
    internal void OnOpenFailed(Exception error)
    {
        lock (_gate)
        {
            if (_connected || !_active)
            {
                return;
            }
        }

        RaiseConnectError(error);
    }

    internal void OnReconnectFailed()
    {
        TaskCompletionSource? pending;
        lock (_gate)
        {
            pending = _connectTcs;
            _connectTcs = null;
        }

        pending?.TrySetException(new SocketIODisconnectedException("Reconnection gave up."));
    }

    private void FailConnect(Exception error)
    {
        TaskCompletionSource? pending;
        lock (_gate)
        {
            _receiveBuffer.Clear();
            _active = false;
            _connectSent = false;
            pending = _connectTcs;
            _connectTcs = null;
        }

        SocketIOClientLog.ConnectRefused(_logger, Namespace, error.Message);
        pending?.TrySetException(error);
        RaiseConnectError(error);
        _client.OnSocketInactive();
    }

    private void OnConnectReply(ReadOnlySpan<byte> text, in SocketIOPacketHeader header)
    {
        string? sid = null;
        string? pid = null;
        if (header.PayloadLength > 0)
        {
            var reader = new Utf8JsonReader(text.Slice(header.PayloadStart, header.PayloadLength));
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (document.RootElement.TryGetProperty("sid"u8, out JsonElement s) && s.ValueKind == JsonValueKind.String)
                {
                    sid = s.GetString();
                }

                if (document.RootElement.TryGetProperty("pid"u8, out JsonElement p) && p.ValueKind == JsonValueKind.String)
                {
                    pid = p.GetString();
                }
            }
        }

        TaskCompletionSource? pending;
        lock (_gate)
        {
            if (_connected || !_active)
            {
                return;
            }

            Recovered = pid is not null && pid == _pid;
            if (!Recovered)
            {
                _lastOffset = null;
            }

            _pid = pid;
            Id = sid;
            _connected = true;
            pending = _connectTcs;
            _connectTcs = null;

            // As socket.io-client's emitBuffered: events that arrived before the CONNECT reply (python-socketio sends
            // what its connect handler emits first) are delivered now, with the id set and their acks working; then
            // what was emitted while disconnected goes out, in order, before anything newer.
            foreach (SocketIOClientEventContext early in _receiveBuffer)
            {
                Deliver(early);
            }

            _receiveBuffer.Clear();
            foreach (EncodedPacket packet in _sendBuffer)
            {
                SendNowNotified(packet);
            }

            _sendBuffer.Clear();
        }

        SocketIOClientLog.Connected(_logger, Namespace, sid ?? "?", Recovered);
        pending?.TrySetResult();
        Raise(Connected);
        DrainRetries();
    }

    private void OnClose(string reason)
    {
        lock (_gate)
        {
            if (!_connected)
            {
                return;
            }

            _connected = false;
            Id = null;
        }

        SocketIOClientLog.Disconnected(_logger, Namespace, reason);
        _acks.FailAll(reason);

        try
        {
            Disconnected?.Invoke(this, reason);
        }
#pragma warning disable CA1031 // a failing listener must not break the connection logic
        catch (Exception e)
#pragma warning restore CA1031
        {
            SocketIOClientLog.ListenerFailed(_logger, e);
        }
    }

    // ------------------------------------------------------------------ receiving

    internal void OnPacket(ReadOnlySpan<byte> text, in SocketIOPacketHeader header, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        switch (header.Type)
        {
            case SocketIOPacketType.Connect:
                OnConnectReply(text, header);
                break;
            case SocketIOPacketType.ConnectError:
                FailConnect(ReadConnectError(text, header));
                break;
            case SocketIOPacketType.Disconnect:
                // The server disconnected this socket: no reconnection (socket.io-client's "io server disconnect").
                lock (_gate)
                {
                    _active = false;
                    _connectSent = false;
                }

                OnClose("io server disconnect");
                _client.OnSocketInactive();
                break;
            case SocketIOPacketType.Event or SocketIOPacketType.BinaryEvent:
                OnEvent(text, header, attachments);
                break;
            case SocketIOPacketType.Ack or SocketIOPacketType.BinaryAck:
                OnAck(text, header, attachments);
                break;
        }
    }

    private static SocketIOConnectException ReadConnectError(ReadOnlySpan<byte> text, in SocketIOPacketHeader header)
    {
        if (header.PayloadLength == 0)
        {
            return new SocketIOConnectException("The namespace refused the connection.");
        }

        var reader = new Utf8JsonReader(text.Slice(header.PayloadStart, header.PayloadLength));
        using JsonDocument document = JsonDocument.ParseValue(ref reader);
        JsonElement root = document.RootElement;
        if (root.ValueKind == JsonValueKind.String)
        {
            return new SocketIOConnectException(root.GetString() ?? string.Empty);
        }

        string message = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message"u8, out JsonElement m) && m.ValueKind == JsonValueKind.String
            ? m.GetString() ?? string.Empty
            : "The namespace refused the connection.";
        return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data"u8, out JsonElement data)
            ? new SocketIOConnectException(message, data.Clone())
            : new SocketIOConnectException(message);
    }

    private void OnEvent(ReadOnlySpan<byte> text, in SocketIOPacketHeader header, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        // The arguments own their bytes: handlers may keep them.
        byte[] payload = text.Slice(header.PayloadStart, header.PayloadLength).ToArray();
        var arguments = new SocketIOArguments(payload, 1, header.ArgumentsStart - header.PayloadStart, attachments, _client.Options.MaxJsonDepth);
        ReadOnlyMemory<byte> name = header.EventNameEscaped
            ? Encoding.UTF8.GetBytes(EncodedEventReader.DecodeEventName(text, header))
            : payload.AsMemory(header.EventNameStart - header.PayloadStart, header.EventNameLength);

        // Connection state recovery: the server appends the event's offset as a last string argument.
        if (header.AckId < 0 && _pid is not null)
        {
            int count = arguments.Count;
            if (count > 0 && arguments.GetElement(count - 1) is { ValueKind: JsonValueKind.String } last)
            {
                lock (_gate)
                {
                    _lastOffset = last.GetString();
                }
            }
        }

        var context = new SocketIOClientEventContext(this, name, arguments, header.AckId);
        lock (_gate)
        {
            if (!_connected)
            {
                // socket.io-client's receiveBuffer: an event that beats the CONNECT reply waits for it.
                if (_receiveBuffer.Count >= _client.Options.SendBufferLimit)
                {
                    SocketIOClientLog.EarlyEventDropped(_logger, context.EventName, Namespace);
                    return;
                }

                _receiveBuffer.Add(context);
                return;
            }
        }

        Deliver(context);
    }

    private void Deliver(SocketIOClientEventContext context)
    {
        if (_client.Options.ConcurrentEventHandlers)
        {
            _ = DispatchAsync(context);
        }
        else
        {
            _events.Writer.TryWrite(context);
        }
    }

    private async Task EventLoopAsync()
    {
        await Task.Yield();
        while (await _events.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_events.Reader.TryRead(out SocketIOClientEventContext? context))
            {
                await DispatchAsync(context).ConfigureAwait(false);
            }
        }
    }

    internal async Task DisposeEventsAsync()
    {
        _events.Writer.TryComplete();
        await _eventLoop.ConfigureAwait(false);
    }

    private async Task DispatchAsync(SocketIOClientEventContext context)
    {
        try
        {
            foreach (Func<string, SocketIOArguments, ValueTask> listener in _anyListeners)
            {
                await listener(context.EventName, context.Arguments).ConfigureAwait(false);
            }

            SocketIODispatchResult result = Dispatcher is { } dispatcher
                ? await dispatcher.DispatchAsync(context).ConfigureAwait(false)
                : await _handlers.DispatchAsync(context.EventNameUtf8.Span, context).ConfigureAwait(false);
            OnDispatched(context, result);
        }
        catch (SocketIOBindingException e)
        {
            // An untyped handler read an argument that is not there or not of the asked kind.
            OnDispatched(context, SocketIODispatchResult.BindingFailed(e.Message));
        }
#pragma warning disable CA1031 // a handler failure is logged; the connection stays up
        catch (Exception e)
#pragma warning restore CA1031
        {
            SocketIOClientLog.HandlerFailed(_logger, e, context.EventName, Namespace);
        }
    }

    private void OnDispatched(SocketIOClientEventContext context, SocketIODispatchResult result)
    {
        if (result.Status != SocketIODispatchStatus.BindingFailed)
        {
            return;
        }

        Interlocked.Increment(ref _bindingFailures);
        SocketIOLog.BindingFailed(_logger, Namespace, context.EventName, result.Error ?? string.Empty);
        if (_client.Options.BindingFailureAck == SocketIOBindingFailureAck.Error)
        {
            SocketIOAckAnswers.AnswerBindingFailure(context, result.Error);
        }
    }

    private void OnAck(ReadOnlySpan<byte> text, in SocketIOPacketHeader header, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        if (!_acks.TryTake(header.AckId, out ISocketIOPendingAck? pending))
        {
            SocketIOClientLog.UnknownAck(_logger, Namespace, header.AckId);
            return;
        }

        byte[] payload = text.Slice(header.PayloadStart, header.PayloadLength).ToArray();
        pending.Complete(null, new SocketIOArguments(payload, 0, header.ArgumentsStart - header.PayloadStart, attachments, _client.Options.MaxJsonDepth));
    }

    // ------------------------------------------------------------------ handlers

    /// <summary>Handles an event; handlers of one socket run one at a time unless <see cref="SocketIOClientOptions.ConcurrentEventHandlers"/>.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="handler">The handler; call <see cref="SocketIOClientEventContext.AckAsync"/> to answer an acknowledged event.</param>
    /// <exception cref="ArgumentException">The name is reserved (<c>connect</c>, <c>disconnect</c>, …): use <see cref="Connected"/>/<see cref="Disconnected"/>.</exception>
    public void On(string eventName, Func<SocketIOClientEventContext, ValueTask> handler) => _handlers.Add(eventName, handler);

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
    public void Off(string eventName) => _handlers.Remove(eventName);

    /// <summary>Listens to every incoming event, before its handlers.</summary>
    /// <param name="listener">Receives the name and arguments.</param>
    public void OnAny(Func<string, SocketIOArguments, ValueTask> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            _anyListeners = [.. _anyListeners, listener];
        }
    }

    /// <summary>Listens to every outgoing event, when it is written to the connection.</summary>
    /// <param name="listener">Receives the name and arguments (valid during the call).</param>
    public void OnAnyOutgoing(Action<string, SocketIOArguments> listener) => _outgoing.Add(listener);

    // ------------------------------------------------------------------ emitting

    /// <summary>How many received events could not be bound to their handler's parameters.</summary>
    public long BindingFailureCount => Interlocked.Read(ref _bindingFailures);

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
            Enqueue(new RetryEntry(Encode(eventName, args, id), id, eventName, null, null));
            return ValueTask.CompletedTask;
        }

        SendCore(Encode(eventName, args, -1), isVolatile: false);
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
            var entry = new RetryEntry(packet, ackId, eventName, timeout, new TaskCompletionSource<SocketIOArguments>(TaskCreationOptions.RunContinuationsAsynchronously));
            Enqueue(entry);
            return entry.Completion!.Task.WaitAsync(cancellationToken);
        }

        TimeSpan wait = timeout ?? _client.Options.AckTimeout;
        Task<SocketIOArguments> answer = _acks.Wait(ackId, wait, _client.Options.TimeProvider, cancellationToken, eventName, $"the server ({Namespace})");
        try
        {
            SendCore(packet, isVolatile: false);
        }
        catch (Exception e)
        {
            if (_acks.TryTake(ackId, out ISocketIOPendingAck? pending))
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

            Enqueue(new RetryEntry(withId, id, null, null, null));
            return;
        }

        SendCore(packet, isVolatile);
    }

    private void SendCore(EncodedPacket packet, bool isVolatile)
    {
        lock (_gate)
        {
            if (_connected && (!isVolatile || _client.Engine?.IsWritable == true))
            {
                SendNowNotified(packet);
                return;
            }

            if (isVolatile)
            {
                // A documented drop, as socket.io-client: volatile emits are skipped while disconnected or while the
                // transport is busy writing (counted and logged).
                Interlocked.Increment(ref _volatileDropped);
                SocketIOClientLog.VolatileDropped(_logger, Namespace);
                packet.Release();
                return;
            }

            if (_client.Options.DisconnectedEmits == SocketIODisconnectedEmitBehavior.Fail)
            {
                packet.Release();
                throw new SocketIODisconnectedException($"The socket of {Namespace} is not connected.");
            }

            if (_sendBuffer.Count >= _client.Options.SendBufferLimit)
            {
                packet.Release();
                throw new SocketIODisconnectedException($"The socket of {Namespace} is not connected and its send buffer is full ({_client.Options.SendBufferLimit} packets).");
            }

            _sendBuffer.Add(packet);
        }
    }

    /// <summary>Sends an acknowledgement packet (from an event context); takes over the reference.</summary>
    internal void SendAckPacket(EncodedPacket packet)
    {
        lock (_gate)
        {
            if (_connected)
            {
                SendNow(packet);
                return;
            }
        }

        // An answer to a server that is gone has nobody to go to (socket.io-client drops it too).
        SocketIOClientLog.AckDropped(_logger, Namespace);
        packet.Release();
    }

    private void SendControl(SocketIOPacketType type)
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginRaw();
            packet = writer.ToRawPacket(type, Namespace);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        SendNow(packet);
    }

    // Takes over the reference: the engine queues it, or it is released when there is no connection.
    private void SendNow(EncodedPacket packet)
    {
        if (_client.Engine is { } engine)
        {
            engine.Send(packet);
        }
        else
        {
            packet.Release();
        }
    }

    private void SendNowNotified(EncodedPacket packet)
    {
        if (!_outgoing.IsEmpty)
        {
            _outgoing.Notify(packet, _logger);
        }

        SendNow(packet);
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

    // ------------------------------------------------------------------ retries (at-least-once, one in flight)

    private void Enqueue(RetryEntry entry)
    {
        lock (_gate)
        {
            _retryQueue.Enqueue(entry);
        }

        DrainRetries();
    }

    // Sends the head of the queue if it is not in flight; the next one goes when the head is acknowledged or given
    // up. Every try sends the same encoded packet with the same ack id.
    private void DrainRetries()
    {
        RetryEntry? head;
        lock (_gate)
        {
            if (!_connected || !_retryQueue.TryPeek(out head) || head.InFlight)
            {
                return;
            }

            head.InFlight = true;
            var ack = new RetryAck(this, head);
            _acks.Add(head.AckId, ack);
            ack.Start(head.Timeout ?? _client.Options.AckTimeout);
            head.Packet.AddRef();
        }

        SendCore(head.Packet, isVolatile: false);
    }

    private void OnRetryAnswered(RetryEntry entry, SocketIOArguments arguments)
    {
        lock (_gate)
        {
            if (_retryQueue.TryPeek(out RetryEntry? head) && head == entry)
            {
                _retryQueue.Dequeue();
            }
        }

        entry.Packet.Release();
        entry.Completion?.TrySetResult(arguments);
        DrainRetries();
    }

    private void OnRetryTimeout(RetryEntry entry, RetryAck ack)
    {
        _acks.Remove(entry.AckId, ack);
        bool giveUp;
        lock (_gate)
        {
            entry.InFlight = false;
            entry.Tries++;
            giveUp = entry.Tries > _client.Options.Retries;
            if (giveUp && _retryQueue.TryPeek(out RetryEntry? head) && head == entry)
            {
                _retryQueue.Dequeue();
            }
        }

        if (giveUp)
        {
            string name = entry.EventName ?? "the event";
            SocketIOClientLog.RetriesExhausted(_logger, name, Namespace, entry.Tries);
            entry.Packet.Release();
            entry.Completion?.TrySetException(new SocketIOAckTimeoutException(
                $"'{name}' was not acknowledged by the server ({Namespace}) after {entry.Tries} tries."));
        }

        DrainRetries();
    }

    private void OnRetryDisconnected(RetryEntry entry)
    {
        // Not a try: the packet goes again, first, when the socket reconnects.
        lock (_gate)
        {
            entry.InFlight = false;
        }
    }

    // One emit of the retry queue: the encoded packet (one reference held until answered or given up) and its ack id.
    private sealed class RetryEntry(EncodedPacket packet, long ackId, string? eventName, TimeSpan? timeout, TaskCompletionSource<SocketIOArguments>? completion)
    {
        public EncodedPacket Packet { get; } = packet;

        public long AckId { get; } = ackId;

        public string? EventName { get; } = eventName;

        public TimeSpan? Timeout { get; } = timeout;

        public TaskCompletionSource<SocketIOArguments>? Completion { get; } = completion;

        public int Tries { get; set; }

        public bool InFlight { get; set; }
    }

    // ------------------------------------------------------------------ pending acknowledgements

    // The ack of a retried emit: a timeout counts as a try, a disconnection does not.
    private sealed class RetryAck(SocketIOClientSocket socket, RetryEntry entry) : ISocketIOPendingAck
    {
        private ITimer? _timer;
        private int _done;

        public void Start(TimeSpan timeout) =>
            _timer = socket._client.Options.TimeProvider.CreateTimer(
                static s => ((RetryAck)s!).OnTimeout(), this, timeout, System.Threading.Timeout.InfiniteTimeSpan);

        private void OnTimeout()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                socket.OnRetryTimeout(entry, this);
            }
        }

        public void Complete(string? socketId, SocketIOArguments arguments)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                _timer?.Dispose();
                socket.OnRetryAnswered(entry, arguments);
            }
        }

        public void Fail(Exception exception)
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                _timer?.Dispose();
                socket.OnRetryDisconnected(entry);
            }
        }
    }
}

/// <summary>Emits that are dropped, not buffered, while the socket is disconnected.</summary>
public readonly struct SocketIOClientVolatileEmitter : IEquatable<SocketIOClientVolatileEmitter>
{
    private readonly SocketIOClientSocket _socket;

    internal SocketIOClientVolatileEmitter(SocketIOClientSocket socket)
    {
        _socket = socket;
    }

    /// <summary>Sends an event if connected and the transport is not busy; otherwise drops it (counted in <see cref="SocketIOClientSocket.VolatileDroppedCount"/>).</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>A completed task.</returns>
    public ValueTask EmitAsync(string eventName, params object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        _socket.Send(SocketIOEventEncoder.Encode(eventName, args, _socket.Namespace, -1), isVolatile: true);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public bool Equals(SocketIOClientVolatileEmitter other) => ReferenceEquals(_socket, other._socket);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SocketIOClientVolatileEmitter other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _socket?.GetHashCode() ?? 0;

    /// <summary>Equality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether equal.</returns>
    public static bool operator ==(SocketIOClientVolatileEmitter left, SocketIOClientVolatileEmitter right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether different.</returns>
    public static bool operator !=(SocketIOClientVolatileEmitter left, SocketIOClientVolatileEmitter right) => !left.Equals(right);
}
