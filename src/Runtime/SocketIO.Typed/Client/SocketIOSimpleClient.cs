using System.Runtime.CompilerServices;
using System.Threading.Channels;
using SocketIO.Typed;

namespace SocketIO.Typed.Client;

/// <summary>An event received by a <see cref="SocketIOSimpleClient"/>.</summary>
/// <param name="Name">The event name.</param>
/// <param name="Arguments">Its arguments (they own their memory).</param>
public sealed record SocketIOReceivedEvent(string Name, SocketIOArguments Arguments);

/// <summary>
/// A small client for scripts and tests (python-socketio's <c>SimpleClient</c>): connect, emit, call, and read the
/// received events in order with <see cref="ReceiveAsync(CancellationToken)"/> or <c>await foreach</c>.
/// </summary>
/// <example>
/// <code>
/// await using var client = await SocketIOSimpleClient.ConnectAsync(new Uri("http://localhost:5000"));
/// await client.EmitAsync("message", "hi");
/// await foreach (SocketIOReceivedEvent e in client.ReadAllAsync())
/// {
///     Console.WriteLine($"{e.Name}: {e.Arguments}");
/// }
/// </code>
/// </example>
public sealed class SocketIOSimpleClient : IAsyncDisposable
{
    private readonly SocketIOManager _client;
    private readonly Channel<SocketIOReceivedEvent> _received = Channel.CreateUnbounded<SocketIOReceivedEvent>(
        new UnboundedChannelOptions { SingleWriter = true });

    private SocketIOSimpleClient(SocketIOManager client, string @namespace)
    {
        _client = client;
        Socket = client.Of(@namespace);
        Socket.OnAny((name, args) => _received.Writer.WriteAsync(new SocketIOReceivedEvent(name, args)));
    }

    /// <summary>The underlying socket, for anything the simple API does not cover.</summary>
    public SocketIOClientSocket Socket { get; }

    /// <summary>The socket id while connected.</summary>
    public string? Id => Socket.Id;

    /// <summary>Whether the socket is connected.</summary>
    public bool IsConnected => Socket.IsConnected;

    /// <summary>Connects to a namespace of a server.</summary>
    /// <param name="uri">The server.</param>
    /// <param name="options">Client options (defaults when null).</param>
    /// <param name="namespace">The namespace; null (the default) takes the URI's path, as <see cref="SocketIOManager.Socket"/> does (<c>http://host/chat</c> → <c>/chat</c>, otherwise <c>/</c>).</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>The connected client.</returns>
    public static async Task<SocketIOSimpleClient> ConnectAsync(Uri uri, SocketIOClientOptions? options = null, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        var client = new SocketIOManager(uri, options);
        var simple = new SocketIOSimpleClient(client, @namespace ?? client.DefaultNamespace);
        try
        {
            await simple.Socket.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return simple;
    }

    /// <summary>
    /// Connects like <see cref="ConnectAsync(Uri, SocketIOClientOptions?, string?, CancellationToken)"/> and returns the
    /// typed form: <see cref="SocketIOSimpleClient{TServer}.Server"/> sends <typeparamref name="TServer"/>'s events and
    /// awaits their acknowledgements; received events are read in order and dispatched to a handler object.
    /// </summary>
    /// <typeparam name="TServer">The contract of the events the server handles.</typeparam>
    /// <param name="uri">The server.</param>
    /// <param name="options">Client options (defaults when null).</param>
    /// <param name="namespace">The namespace; null takes the contract's, else the URI's path.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>The connected client.</returns>
    public static async Task<SocketIOSimpleClient<TServer>> ConnectAsync<TServer>(Uri uri, SocketIOClientOptions? options = null, string? @namespace = null, CancellationToken cancellationToken = default)
        where TServer : class
    {
        SocketIOContract<TServer> contract = SocketIOContracts.Get<TServer>();
        SocketIOSimpleClient client = await ConnectAsync(uri, options, @namespace ?? contract.Namespace, cancellationToken).ConfigureAwait(false);
        return new SocketIOSimpleClient<TServer>(client, contract.CreateProxy(client.Socket));
    }

    /// <summary>Sends an event.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>A task that completes when queued.</returns>
    public ValueTask EmitAsync(string eventName, params object?[] args) => Socket.EmitAsync(eventName, args);

    /// <summary>Sends an event and waits for the server's acknowledgement.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The acknowledgement's arguments.</returns>
    public Task<SocketIOArguments> CallAsync(string eventName, params object?[] args) => Socket.EmitWithAckAsync(eventName, args);

    /// <summary>The next received event, waiting as long as needed.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The event.</returns>
    public async Task<SocketIOReceivedEvent> ReceiveAsync(CancellationToken cancellationToken = default) =>
        await _received.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>The next received event, waiting at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The event.</returns>
    /// <exception cref="TimeoutException">Nothing arrived in time.</exception>
    public async Task<SocketIOReceivedEvent> ReceiveAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _received.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"No event arrived within {timeout.TotalMilliseconds} ms.", e);
        }
    }

    /// <summary>Every received event, in order, until the client is disposed or the token fires.</summary>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The events.</returns>
    public async IAsyncEnumerable<SocketIOReceivedEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (SocketIOReceivedEvent received in _received.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return received;
        }
    }

    /// <summary>Disconnects.</summary>
    /// <returns>A task that completes when disconnected.</returns>
    public ValueTask DisconnectAsync() => Socket.DisconnectAsync();

    /// <summary>Disconnects and releases the connection.</summary>
    /// <returns>A task that completes when done.</returns>
    public async ValueTask DisposeAsync()
    {
        _received.Writer.TryComplete();
        await _client.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>
/// The typed form of <see cref="SocketIOSimpleClient"/> (<see cref="SocketIOSimpleClient.ConnectAsync{TServer}"/>): a
/// proxy for the server's contract, and received events read in order and dispatched to a handler of the client's
/// contract.
/// </summary>
/// <typeparam name="TServer">The contract of the events the server handles.</typeparam>
/// <example>
/// <code>
/// await using var client = await SocketIOSimpleClient.ConnectAsync&lt;IChatServer&gt;(new Uri("http://localhost:5000"));
/// await client.Server.Join("lobby");
/// SocketIODispatchResult next = await client.ReceiveAsync&lt;IChatClient&gt;(new ConsoleChatHandler());
/// </code>
/// </example>
public sealed class SocketIOSimpleClient<TServer> : IAsyncDisposable
    where TServer : class
{
    internal SocketIOSimpleClient(SocketIOSimpleClient untyped, TServer server)
    {
        Untyped = untyped;
        Server = server;
    }

    /// <summary>The server's contract: each call sends its event (acknowledged events await the answer).</summary>
    public TServer Server { get; }

    /// <summary>The untyped client underneath (untyped emits, raw received events, the socket).</summary>
    public SocketIOSimpleClient Untyped { get; }

    /// <summary>The socket id while connected.</summary>
    public string? Id => Untyped.Id;

    /// <summary>Whether the socket is connected.</summary>
    public bool IsConnected => Untyped.IsConnected;

    /// <summary>
    /// Waits for the next received event and dispatches it to <paramref name="handler"/> (the method of
    /// <typeparamref name="TClient"/> that names it). Like python-socketio's <c>SimpleClient</c>, received events are not
    /// acknowledged: a handler's return value is not sent back (use <see cref="SocketIOManager.Of{TServer, TClient}(string, TClient)"/> for that).
    /// </summary>
    /// <typeparam name="TClient">The contract of the events the client handles.</typeparam>
    /// <param name="handler">The handler.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>
    /// <see cref="SocketIODispatchStatus.Handled"/>, <see cref="SocketIODispatchStatus.NoHandler"/> for an event the
    /// contract does not name, or <see cref="SocketIODispatchStatus.BindingFailed"/> with the reason.
    /// </returns>
    public async Task<SocketIODispatchResult> ReceiveAsync<TClient>(TClient handler, CancellationToken cancellationToken = default)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        SocketIOReceivedEvent received = await Untyped.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        var context = new ReceivedEventContext(received, Untyped.Socket.DisconnectedToken);
        return await SocketIOContracts.Get<TClient>().DispatchAsync(handler, context).ConfigureAwait(false);
    }

    /// <summary>The next received event, untyped.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The event.</returns>
    public Task<SocketIOReceivedEvent> ReceiveAsync(CancellationToken cancellationToken = default) => Untyped.ReceiveAsync(cancellationToken);

    /// <summary>Disconnects.</summary>
    /// <returns>A task that completes when disconnected.</returns>
    public ValueTask DisconnectAsync() => Untyped.DisconnectAsync();

    /// <summary>Disconnects and releases the connection.</summary>
    /// <returns>A task that completes when done.</returns>
    public ValueTask DisposeAsync() => Untyped.DisposeAsync();

    // A received event as a dispatch context: no acknowledgement is asked for.
    private sealed class ReceivedEventContext(SocketIOReceivedEvent received, CancellationToken cancellationToken) : ISocketIOEventContext
    {
        public ReadOnlyMemory<byte> EventNameUtf8 { get; } = System.Text.Encoding.UTF8.GetBytes(received.Name);

        public string EventName => received.Name;

        public SocketIOArguments Arguments => received.Arguments;

        public long AckId => -1;

        public bool CanAck => false;

        public CancellationToken CancellationToken => cancellationToken;

        public bool SendAck(Protocol.SocketIOPacketWriter writer) => false;
    }
}
