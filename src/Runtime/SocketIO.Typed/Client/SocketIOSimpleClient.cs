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
