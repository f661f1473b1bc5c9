using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SocketIO.Typed.Server;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Socket.IO endpoint.</summary>
public static class SocketIOEndpointRouteBuilderExtensions
{
    /// <summary>Serves the <see cref="SocketIOServer"/> from dependency injection at <paramref name="path"/>.</summary>
    /// <param name="endpoints">The route builder.</param>
    /// <param name="path">The path (default <c>/socket.io</c>, as the JavaScript client expects).</param>
    /// <returns>The server, to configure namespaces.</returns>
    public static SocketIOServer MapSocketIO(this IEndpointRouteBuilder endpoints, string path = "/socket.io")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        SocketIOServer server = endpoints.ServiceProvider.GetRequiredService<SocketIOServer>();
        EngineIOEndpointRouteBuilderExtensions.MapHandler(endpoints, path, server.HandleRequestAsync);
        return server;
    }
}
