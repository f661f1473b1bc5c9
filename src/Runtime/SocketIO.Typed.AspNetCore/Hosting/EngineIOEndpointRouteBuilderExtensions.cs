using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SocketIO.Typed.Server.Engine;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps a raw Engine.IO endpoint (without Socket.IO on top), like mounting the <c>engine.io</c> npm package.</summary>
public static class EngineIOEndpointRouteBuilderExtensions
{
    /// <summary>Serves <paramref name="server"/> at <paramref name="path"/> (with or without a trailing slash).</summary>
    /// <param name="endpoints">The route builder.</param>
    /// <param name="path">The path, for example <c>/engine.io</c>.</param>
    /// <param name="server">The server whose <see cref="EngineIOServer.Connection"/> event the caller handles.</param>
    /// <returns>A builder to add conventions (authorization, CORS policies) to the route.</returns>
    public static IEndpointConventionBuilder MapEngineIO(this IEndpointRouteBuilder endpoints, string path, EngineIOServer server)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(server);
        return MapHandler(endpoints, path, server.HandleRequestAsync);
    }

    internal static IEndpointConventionBuilder MapHandler(IEndpointRouteBuilder endpoints, string path, RequestDelegate handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string trimmed = path.TrimEnd('/');
        // The WebSocket middleware runs only in front of this endpoint, so the application need not call UseWebSockets.
        IApplicationBuilder app = endpoints.CreateApplicationBuilder();
        app.UseWebSockets();
        app.Run(handler);
        RequestDelegate pipeline = app.Build();
        // Routing matches "/engine.io" and "/engine.io/" alike.
        return endpoints.Map(trimmed.Length == 0 ? "/" : trimmed, pipeline);
    }
}
