namespace SocketIO.Typed.Client;

/// <summary>
/// A client socket spoken through contracts: <see cref="Server"/> sends the events of <typeparamref name="TServer"/>
/// (acknowledged ones complete with the server's typed answer), and the events of <typeparamref name="TClient"/>
/// the server sends are dispatched to <see cref="Handler"/>, whose results answer the server's acknowledgements.
/// Events no contract names still reach the untyped <see cref="SocketIOClientSocket.On(string, Func{SocketIOClientEventContext, ValueTask})"/>
/// handlers and <see cref="SocketIOClientSocket.OnAny"/> listeners of <see cref="Socket"/>.
/// </summary>
/// <typeparam name="TServer">The contract of the events the server handles.</typeparam>
/// <typeparam name="TClient">The contract of the events this client handles.</typeparam>
public sealed class SocketIOClientSocket<TServer, TClient>
    where TServer : class
    where TClient : class
{
    internal SocketIOClientSocket(SocketIOClientSocket socket, TClient handler)
    {
        Socket = socket;
        Handler = handler;
        Server = SocketIOContracts.Get<TServer>().CreateProxy(socket);
        socket.Dispatcher = new ContractDispatcher(socket, SocketIOContracts.Get<TClient>(), handler);
    }

    /// <summary>The untyped socket underneath (connection state, untyped events, listeners).</summary>
    public SocketIOClientSocket Socket { get; }

    /// <summary>Sends the events the server handles.</summary>
    public TServer Server { get; }

    /// <summary>Handles the events the server sends.</summary>
    public TClient Handler { get; }

    /// <summary>The namespace.</summary>
    public string Namespace => Socket.Namespace;

    /// <summary>The socket id the server gave (null while disconnected).</summary>
    public string? Id => Socket.Id;

    /// <summary>Whether the socket is connected to its namespace.</summary>
    public bool IsConnected => Socket.IsConnected;

    /// <summary>Connects to the namespace; see <see cref="SocketIOClientSocket.ConnectAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>A task that completes when connected.</returns>
    public Task ConnectAsync(CancellationToken cancellationToken = default) => Socket.ConnectAsync(cancellationToken);

    /// <summary>Disconnects from the namespace; see <see cref="SocketIOClientSocket.DisconnectAsync"/>.</summary>
    /// <returns>A task that completes when done.</returns>
    public ValueTask DisconnectAsync() => Socket.DisconnectAsync();

    // The contract's generated dispatcher first; an event it does not name goes to the untyped handlers.
    private sealed class ContractDispatcher(SocketIOClientSocket socket, SocketIOContract<TClient> contract, TClient handler) : ISocketIOClientDispatcher
    {
        public ValueTask<SocketIODispatchResult> DispatchAsync(SocketIOClientEventContext context)
        {
            ValueTask<SocketIODispatchResult> typed = contract.DispatchAsync(handler, context);
            if (typed.IsCompletedSuccessfully && typed.Result.Status == SocketIODispatchStatus.NoHandler)
            {
                return socket.Inbox.Handlers.DispatchAsync(context.EventNameUtf8.Span, context);
            }

            return typed;
        }
    }
}
