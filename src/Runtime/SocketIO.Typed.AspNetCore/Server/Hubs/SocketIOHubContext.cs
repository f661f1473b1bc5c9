namespace SocketIO.Typed.Server;

/// <summary>
/// A hub's typed targets for code outside the hub (a background service, a controller, a minimal API endpoint),
/// from dependency injection (SignalR's <c>IHubContext&lt;THub, T&gt;</c>): <c>AddSocketIO</c> registers it for every
/// hub; the hub must be mapped with <c>MapNamespace&lt;THub&gt;()</c> before <see cref="Clients"/> is used.
/// </summary>
/// <typeparam name="THub">The hub.</typeparam>
/// <typeparam name="TClient">The contract of the events the hub's clients handle (the hub's <see cref="SocketHub{TClient}"/> argument).</typeparam>
/// <example>
/// <code>
/// sealed class Clock(ISocketIOHubContext&lt;ChatHub, IChatClient&gt; chat) : BackgroundService
/// {
///     protected override async Task ExecuteAsync(CancellationToken stoppingToken)
///     {
///         while (!stoppingToken.IsCancellationRequested)
///         {
///             await chat.Clients.All.Tick(DateTimeOffset.UtcNow);
///             await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
///         }
///     }
/// }
/// </code>
/// </example>
public interface ISocketIOHubContext<THub, TClient>
    where THub : SocketHub<TClient>
    where TClient : class
{
    /// <summary>The namespace the hub serves.</summary>
    /// <exception cref="InvalidOperationException">The hub was not mapped (yet).</exception>
    SocketIONamespace Namespace { get; }

    /// <summary>Typed targets: everyone, rooms, exceptions, one socket by id, with <c>Volatile</c>, <c>Compress</c>, <c>Local</c> and <c>Timeout</c>.</summary>
    /// <exception cref="InvalidOperationException">The hub was not mapped (yet).</exception>
    SocketIONamespaceClients<TClient> Clients { get; }
}

/// <summary>The hub context <c>AddSocketIO</c> registers: finds the hub's namespace on the server when first used.</summary>
/// <typeparam name="THub">The hub.</typeparam>
/// <typeparam name="TClient">The client contract.</typeparam>
internal sealed class SocketIOHubContext<THub, TClient>(SocketIOServer server) : ISocketIOHubContext<THub, TClient>
    where THub : SocketHub<TClient>
    where TClient : class
{
    private SocketIONamespaceClients<TClient>? _clients;

    public SocketIONamespace Namespace => server.TryGetHubNamespace(typeof(THub), out SocketIONamespace? ns)
        ? ns
        : throw new InvalidOperationException($"The hub '{typeof(THub).Name}' is not mapped: call app.MapSocketIO().MapNamespace<{typeof(THub).Name}>() before using its hub context.");

    public SocketIONamespaceClients<TClient> Clients => _clients ??= new SocketIONamespaceClients<TClient>(Namespace);
}
