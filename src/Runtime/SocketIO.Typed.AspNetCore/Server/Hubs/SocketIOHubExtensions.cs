namespace SocketIO.Typed.Server;

/// <summary>Maps hubs onto namespaces.</summary>
public static class SocketIOHubExtensions
{
    /// <summary>
    /// Serves a namespace with a hub: every socket that connects gets its own <typeparamref name="THub"/> (created with
    /// the socket's scoped services), whose contract methods handle its events; <see cref="SocketHub.OnConnectedAsync"/>
    /// runs after it connected, <see cref="SocketHub.OnDisconnectedAsync"/> when it left, then the hub is disposed if it
    /// is disposable. Events the hub's contracts do not name go to the socket's untyped handlers.
    /// </summary>
    /// <typeparam name="THub">A <see cref="SocketIOHubAttribute"/> hub (the generator implements <see cref="ISocketHub{THub}"/>).</typeparam>
    /// <param name="server">The server.</param>
    /// <param name="namespace">The namespace; null uses the hub's attribute or contract, else <c>/</c>.</param>
    /// <returns>The server, to map more.</returns>
    public static SocketIOServer MapNamespace<THub>(this SocketIOServer server, string? @namespace = null)
        where THub : SocketHub, ISocketHub<THub>
    {
        ArgumentNullException.ThrowIfNull(server);
        SocketIONamespace target = server.Of(@namespace ?? THub.DefaultNamespace ?? "/");
        server.RegisterHub(typeof(THub), target);
        target.DispatcherFactory = static socket =>
        {
            // The socket's service scope is created only if the hub's constructor asks for a service.
            THub hub = THub.Create(new LazySocketServices(socket));
            hub.Attach(socket);
            socket.OnDisconnect(static async (s, reason) =>
            {
                if (s.Dispatcher is HubDispatcher<THub> { Hub: var h })
                {
                    try
                    {
                        await h.OnDisconnectedAsync(reason).ConfigureAwait(false);
                    }
                    finally
                    {
                        switch (h)
                        {
                            case IAsyncDisposable asyncDisposable:
                                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                                break;
                            case IDisposable disposable:
                                disposable.Dispose();
                                break;
                        }
                    }
                }
            });
            return new HubDispatcher<THub>(socket, hub);
        };
        target.OnConnection(static socket => socket.Dispatcher is HubDispatcher<THub> { Hub: var hub } ? hub.OnConnectedAsync() : ValueTask.CompletedTask);
        return server;
    }

    /// <summary>Typed targets of a namespace, for code outside a hub.</summary>
    /// <typeparam name="TClient">The contract of the events clients handle.</typeparam>
    /// <param name="namespace">The namespace.</param>
    /// <returns>The targets.</returns>
    public static SocketIONamespaceClients<TClient> Clients<TClient>(this SocketIONamespace @namespace)
        where TClient : class => new(@namespace);
}

/// <summary>A socket's scoped services, its scope created on the first request (a hub without constructor parameters makes none).</summary>
internal sealed class LazySocketServices(SocketIOSocket socket) : IServiceProvider
{
    public object? GetService(Type serviceType) => socket.Services.GetService(serviceType);
}

/// <summary>The dispatcher of one hub's socket: the hub's generated dispatch, then the socket's untyped handlers.</summary>
/// <typeparam name="THub">The hub.</typeparam>
internal sealed class HubDispatcher<THub>(SocketIOSocket socket, THub hub) : ISocketIODispatcher
    where THub : SocketHub, ISocketHub<THub>
{
    public THub Hub { get; } = hub;

    public ValueTask<SocketIODispatchResult> DispatchAsync(SocketIOEventContext context)
    {
        ValueTask<SocketIODispatchResult> typed = THub.DispatchAsync(Hub, context);
        if (typed.IsCompletedSuccessfully && typed.Result.Status == SocketIODispatchStatus.NoHandler)
        {
            return socket.DispatchUntypedAsync(context);
        }

        return typed;
    }
}
