using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SocketIO.Typed.Client.Transports;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client;

/// <summary>
/// A Socket.IO client for one server (socket.io-client's <c>Manager</c>): it owns one Engine.IO connection, multiplexes
/// namespace sockets over it (<see cref="Of"/>), and reconnects with exponential backoff when the connection is lost.
/// </summary>
/// <example>
/// <code>
/// await using var io = new SocketIOManager(new Uri("http://localhost:5000"));
/// SocketIOClientSocket chat = io.Of("/chat");
/// chat.On("message", ctx => Console.WriteLine(ctx.Arguments.GetString(0)));
/// await chat.ConnectAsync();
/// await chat.EmitAsync("message", "hello");
/// </code>
/// </example>
public sealed class SocketIOManager : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, SocketIOClientSocket> _sockets = new(StringComparer.Ordinal);
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly SocketIOPacketAssembler _assembler;
    private readonly Random _random = new();
    private EngineHandler? _current;
    private EngineIOClientSession? _engine;
    private Task? _opening;
    private bool _reconnecting;
    private bool _skipReconnect;
    private bool _disposed;

    /// <summary>Creates a client; nothing connects until a socket's <see cref="SocketIOClientSocket.ConnectAsync"/>.</summary>
    /// <param name="uri">The server, for example <c>http://localhost:5000</c>; a path selects the default namespace (<c>http://host/chat</c>).</param>
    /// <param name="options">The options (defaults when null).</param>
    public SocketIOManager(Uri uri, SocketIOClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        Uri = uri;
        Options = options ?? new SocketIOClientOptions();
        Logger = Options.LoggerFactory?.CreateLogger("SocketIO.Typed.Client") ?? NullLogger.Instance;
        _http = Options.HttpMessageHandler is { } handler
            ? new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan }
            : new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        DefaultNamespace = uri.AbsolutePath is "" or "/" ? "/" : uri.AbsolutePath.TrimEnd('/');
        _assembler = new SocketIOPacketAssembler(Options.MaxAttachments, Options.MaxAttachmentBytes, Options.MaxJsonDepth);
    }

    /// <summary>The server URI.</summary>
    public Uri Uri { get; }

    /// <summary>The options.</summary>
    public SocketIOClientOptions Options { get; }

    /// <summary>The namespace of <see cref="Socket"/>: the path of <see cref="Uri"/>, or <c>/</c>.</summary>
    public string DefaultNamespace { get; }

    /// <summary>The socket of <see cref="DefaultNamespace"/>.</summary>
    public SocketIOClientSocket Socket => Of(DefaultNamespace);

    /// <summary>The Engine.IO session id while connected.</summary>
    public string? EngineId => Volatile.Read(ref _engine)?.Id;

    /// <summary>The current transport (<c>polling</c> or <c>websocket</c>) while connected.</summary>
    public string? Transport => Volatile.Read(ref _engine)?.Transport;

    /// <summary>Whether the Engine.IO connection is open.</summary>
    public bool IsOpen => Volatile.Read(ref _engine)?.IsOpen == true;

    internal ILogger Logger { get; }

    /// <summary>Raised when the Engine.IO connection opens (first time and after each reconnection).</summary>
    public event Action<SocketIOManager>? Opened;

    /// <summary>Raised when the Engine.IO connection closes, with engine.io-client's reason.</summary>
    public event Action<SocketIOManager, string>? Closed;

    /// <summary>Raised before each reconnection attempt, with its number (1, 2, …).</summary>
    public event Action<SocketIOManager, int>? ReconnectAttempt;

    /// <summary>Raised when a reconnection attempt fails.</summary>
    public event Action<SocketIOManager, Exception>? ReconnectError;

    /// <summary>Raised when reconnection gave up after <see cref="SocketIOClientOptions.ReconnectionAttempts"/>.</summary>
    public event Action<SocketIOManager>? ReconnectFailed;

    /// <summary>Raised after a successful reconnection, with the number of attempts it took.</summary>
    public event Action<SocketIOManager, int>? Reconnected;

    /// <summary>
    /// The socket of a namespace spoken through contracts: events of <typeparamref name="TServer"/> are sent through
    /// the returned socket's <c>Server</c>, events of <typeparamref name="TClient"/> are dispatched to
    /// <paramref name="handler"/> (the socket's dispatcher is replaced).
    /// </summary>
    /// <typeparam name="TServer">The contract the server handles (marked <see cref="SocketIOContractAttribute"/>).</typeparam>
    /// <typeparam name="TClient">The contract this client handles.</typeparam>
    /// <param name="namespace">The namespace, for example <c>/chat</c>.</param>
    /// <param name="handler">Handles the server's events.</param>
    /// <returns>The typed socket, not connected yet.</returns>
    /// <exception cref="InvalidOperationException">A contract has no generated code.</exception>
    public SocketIOClientSocket<TServer, TClient> Of<TServer, TClient>(string @namespace, TClient handler)
        where TServer : class
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new SocketIOClientSocket<TServer, TClient>(Of(@namespace), handler);
    }

    /// <summary>
    /// The typed socket of the namespace the contracts name (<see cref="SocketIOContractAttribute.Namespace"/> of
    /// <typeparamref name="TServer"/>, else of <typeparamref name="TClient"/>, else the default namespace).
    /// </summary>
    /// <typeparam name="TServer">The contract the server handles.</typeparam>
    /// <typeparam name="TClient">The contract this client handles.</typeparam>
    /// <param name="handler">Handles the server's events.</param>
    /// <returns>The typed socket, not connected yet.</returns>
    public SocketIOClientSocket<TServer, TClient> Of<TServer, TClient>(TClient handler)
        where TServer : class
        where TClient : class
    {
        string @namespace = SocketIOContracts.Get<TServer>().Namespace ?? SocketIOContracts.Get<TClient>().Namespace ?? DefaultNamespace;
        return Of<TServer, TClient>(@namespace, handler);
    }

    /// <summary>The socket of a namespace (the same instance on every call).</summary>
    /// <param name="namespace">The namespace, for example <c>/chat</c>.</param>
    /// <returns>The socket, not connected yet.</returns>
    public SocketIOClientSocket Of(string @namespace)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        if (@namespace[0] != '/')
        {
            @namespace = "/" + @namespace;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_sockets.TryGetValue(@namespace, out SocketIOClientSocket? socket))
            {
                socket = new SocketIOClientSocket(this, @namespace);
                _sockets[@namespace] = socket;
            }

            return socket;
        }
    }

    /// <summary>Connects <see cref="Socket"/>.</summary>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>A task that completes when connected.</returns>
    public Task ConnectAsync(CancellationToken cancellationToken = default) => Socket.ConnectAsync(cancellationToken);

    /// <summary>Disconnects every socket and closes the connection; the client cannot be used afterwards.</summary>
    /// <returns>A task that completes when closed.</returns>
    public async ValueTask DisposeAsync()
    {
        SocketIOClientSocket[] sockets;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            sockets = [.. _sockets.Values];
        }

        foreach (SocketIOClientSocket socket in sockets)
        {
            await socket.DisconnectAsync().ConfigureAwait(false);
            await socket.DisposeEventsAsync().ConfigureAwait(false);
        }

        CloseEngine();
        await _lifetime.CancelAsync().ConfigureAwait(false);
        _lifetime.Dispose();
        _http.Dispose();
    }

    // ------------------------------------------------------------------ the connection

    internal EngineIOClientSession? Engine => Volatile.Read(ref _engine);

    /// <summary>Opens the Engine.IO connection unless it is open or opening; active sockets then send CONNECT.</summary>
    internal Task EnsureOpenAsync(CancellationToken cancellationToken)
    {
        Task opening;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_engine is { IsOpen: true })
            {
                return Task.CompletedTask;
            }

            _skipReconnect = false;
            if (_reconnecting)
            {
                // A reconnection loop is running; the socket connects when it succeeds.
                return Task.CompletedTask;
            }

            opening = _opening ??= OpenAsync();
        }

        return opening.WaitAsync(cancellationToken);
    }

    private async Task OpenAsync()
    {
        try
        {
            await OpenCoreAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (Options.Reconnection && !_lifetime.IsCancellationRequested)
        {
            // With reconnection on, a failed first connection is reported and retried, as socket.io-client's manager
            // does; the sockets wait for the reconnection loop (within their connect timeout).
            if (!StartRetryingFirstOpen(e))
            {
                throw;
            }
        }
        finally
        {
            lock (_gate)
            {
                _opening = null;
            }
        }
    }

    // The first connection failed: every socket waiting for it sees connect_error, and the reconnection loop takes over.
    private bool StartRetryingFirstOpen(Exception error)
    {
        lock (_gate)
        {
            if (_disposed || _skipReconnect || _reconnecting)
            {
                return false;
            }

            _reconnecting = true;
        }

        SocketIOClientLog.ReconnectAttemptFailed(Logger, error, 0);
        NotifyConnectError(error);
        _ = ReconnectLoopAsync();
        return true;
    }

    private void NotifyConnectError(Exception error)
    {
        foreach (SocketIOClientSocket socket in SnapshotSockets())
        {
            socket.OnOpenFailed(error);
        }
    }

    private async Task OpenCoreAsync()
    {
        var handler = new EngineHandler(this);
        lock (_gate)
        {
            _current = handler;
            _assembler.Reset();
        }

        SocketIOClientOptions o = Options;
        var settings = new EngineIOClientSettings(
            Uri,
            o.Path,
            new Dictionary<string, string>(o.Query, StringComparer.Ordinal),
            new Dictionary<string, string>(o.ExtraHeaders, StringComparer.OrdinalIgnoreCase),
            (o.Transports & SocketIOClientTransports.Polling) != 0,
            (o.Transports & SocketIOClientTransports.WebSocket) != 0,
            o.Upgrade,
            _http,
            o.ConfigureWebSocket,
            o.TimeProvider,
            Logger);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        timeout.CancelAfter(o.ConnectTimeout);
        EngineIOClientSession engine;
        try
        {
            engine = await EngineIOClientSession.ConnectAsync(settings, handler, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!_lifetime.IsCancellationRequested)
        {
            throw new TimeoutException($"The connection to {Uri} did not open within {o.ConnectTimeout.TotalMilliseconds} ms.", e);
        }

        SocketIOClientSocket[] sockets;
        lock (_gate)
        {
            if (_disposed || _current != handler || !engine.IsOpen)
            {
                engine.Close();
                throw new SocketIODisconnectedException("The connection closed while opening.");
            }

            _engine = engine;
            _reconnecting = false;
            sockets = [.. _sockets.Values];
        }

        SocketIOClientLog.Opened(Logger, engine.Id, engine.Transport);
        Raise(Opened, static (h, self) => h(self));
        foreach (SocketIOClientSocket socket in sockets)
        {
            socket.OnEngineOpen();
        }
    }

    /// <summary>Called when a socket stopped wanting a connection; the last one closes it.</summary>
    internal void OnSocketInactive()
    {
        lock (_gate)
        {
            foreach (SocketIOClientSocket socket in _sockets.Values)
            {
                if (socket.Active)
                {
                    return;
                }
            }
        }

        CloseEngine();
    }

    private void CloseEngine()
    {
        EngineIOClientSession? engine;
        lock (_gate)
        {
            _skipReconnect = true;
            engine = _engine;
            _engine = null;
            _current = null;
        }

        if (engine is not null)
        {
            engine.Close();
            Raise(Closed, static (h, self) => h(self, "forced close"));
        }
    }

    private void OnEngineMessage(EngineHandler handler, ReadOnlyMemory<byte> data, bool isBinary)
    {
        if (handler != Volatile.Read(ref _current))
        {
            return;
        }

        switch (_assembler.Add(data, isBinary, out ReadOnlyMemory<byte> text, out SocketIOPacketHeader header, out IReadOnlyList<ReadOnlyMemory<byte>>? attachments, out string? error))
        {
            case SocketIOAssembleResult.NeedMore:
                return;
            case SocketIOAssembleResult.Error:
                SocketIOClientLog.MalformedPacket(Logger, error!);
                EngineIOClientSession? engine;
                lock (_gate)
                {
                    engine = _engine;
                }

                // socket.io-client: a packet it cannot decode closes the connection ("parse error"), then reconnects.
                OnEngineClose(handler, "parse error", null);
                engine?.Close();
                return;
        }

        string nsp = header.NamespaceLength == 1 && text.Span[header.NamespaceStart] == (byte)'/'
            ? "/"
            : System.Text.Encoding.UTF8.GetString(header.GetNamespace(text.Span));
        SocketIOClientSocket? socket;
        lock (_gate)
        {
            _sockets.TryGetValue(nsp, out socket);
        }

        // Packets for a namespace this client has no socket for are ignored (socket.io-client does the same).
        socket?.OnPacket(text.Span, header, attachments);
    }

    private void OnEngineClose(EngineHandler handler, string reason, Exception? error)
    {
        SocketIOClientSocket[] sockets;
        bool reconnect;
        lock (_gate)
        {
            if (handler != _current)
            {
                return;
            }

            _current = null;
            _engine = null;
            _assembler.Reset();
            sockets = [.. _sockets.Values];
            reconnect = !_skipReconnect && !_disposed && Options.Reconnection && sockets.Any(s => s.Active) && !_reconnecting;
            if (reconnect)
            {
                _reconnecting = true;
            }
        }

        SocketIOClientLog.ConnectionClosed(Logger, reason, error);
        Raise(Closed, (h, self) => h(self, reason));
        foreach (SocketIOClientSocket socket in sockets)
        {
            socket.OnEngineClose(reason, error);
        }

        if (reconnect)
        {
            _ = ReconnectLoopAsync();
        }
    }

    private async Task ReconnectLoopAsync()
    {
        int attempts = 0;
        bool opened = false;
        try
        {
            while (true)
            {
                lock (_gate)
                {
                    if (_skipReconnect || _disposed)
                    {
                        return;
                    }
                }

                if (attempts >= Options.ReconnectionAttempts)
                {
                    SocketIOClientLog.ReconnectFailed(Logger, attempts);
                    Raise(ReconnectFailed, static (h, self) => h(self));
                    foreach (SocketIOClientSocket socket in SnapshotSockets())
                    {
                        socket.OnReconnectFailed();
                    }

                    return;
                }

                TimeSpan delay = NextDelay(attempts);
                attempts++;
                await Task.Delay(delay, Options.TimeProvider, _lifetime.Token).ConfigureAwait(false);
                lock (_gate)
                {
                    if (_skipReconnect || _disposed)
                    {
                        return;
                    }
                }

                int attempt = attempts;
                Raise(ReconnectAttempt, (h, self) => h(self, attempt));
                try
                {
                    await OpenCoreAsync().ConfigureAwait(false);
                    opened = true;
                    SocketIOClientLog.Reconnected(Logger, attempts);
                    Raise(Reconnected, (h, self) => h(self, attempt));
                    return;
                }
#pragma warning disable CA1031 // every failure of an attempt is reported and retried
                catch (Exception e) when (!_lifetime.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    SocketIOClientLog.ReconnectAttemptFailed(Logger, e, attempt);
                    Raise(ReconnectError, (h, self) => h(self, e));
                    NotifyConnectError(e);
                }
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Disposed while waiting for the next attempt.
        }
        finally
        {
            if (!opened)
            {
                // On success OpenCoreAsync already cleared the flag (and a new loop may own it by now).
                lock (_gate)
                {
                    _reconnecting = false;
                }
            }
        }
    }

    // socket.io-client's backoff: delay × 2^attempt, ± a random share of it, capped at delayMax.
    private TimeSpan NextDelay(int attempt)
    {
        double ms = Options.ReconnectionDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 31));
        double jitter = Math.Clamp(Options.RandomizationFactor, 0, 1);
        if (jitter > 0)
        {
            double rand;
            lock (_random)
            {
#pragma warning disable CA5394 // jitter, not security
                rand = _random.NextDouble();
#pragma warning restore CA5394
            }

            double deviation = Math.Floor(rand * jitter * ms);
            ms = ((int)Math.Floor(rand * 10) & 1) == 0 ? ms - deviation : ms + deviation;
        }

        return TimeSpan.FromMilliseconds(Math.Max(0, Math.Min(ms, Options.ReconnectionDelayMax.TotalMilliseconds)));
    }

    private SocketIOClientSocket[] SnapshotSockets()
    {
        lock (_gate)
        {
            return [.. _sockets.Values];
        }
    }

    private void Raise<THandler>(THandler? handler, Action<THandler, SocketIOManager> invoke)
        where THandler : Delegate
    {
        if (handler is null)
        {
            return;
        }

        try
        {
            invoke(handler, this);
        }
#pragma warning disable CA1031 // a failing event listener must not break the connection logic
        catch (Exception e)
#pragma warning restore CA1031
        {
            SocketIOClientLog.ListenerFailed(Logger, e);
        }
    }

    private sealed class EngineHandler(SocketIOManager client) : IEngineIOClientHandler
    {
        public void OnMessage(ReadOnlyMemory<byte> data, bool isBinary) => client.OnEngineMessage(this, data, isBinary);

        public void OnClose(string reason, Exception? error) => client.OnEngineClose(this, reason, error);
    }
}
