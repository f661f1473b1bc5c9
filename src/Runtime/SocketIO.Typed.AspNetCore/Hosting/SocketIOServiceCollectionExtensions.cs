using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Socket.IO server in dependency injection.</summary>
public static class SocketIOServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="SocketIOServer"/> singleton, closed gracefully when the host stops, and
    /// <see cref="ISocketIOHubContext{THub, TClient}"/> for code outside hubs. An <see cref="ISocketIOAdapterFactory"/>
    /// registered in the services replaces the in-memory adapter of every namespace.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddSocketIO(this IServiceCollection services, Action<SocketIOServerOptions>? configure = null) =>
        AddSocketIO(services, null, configure);

    /// <summary>
    /// Adds a <see cref="SocketIOServer"/> singleton whose options are read from <paramref name="configuration"/> (see
    /// <see cref="SocketIOConfiguration"/>), then adjusted by <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, for example <c>builder.Configuration.GetSection("SocketIO")</c>; null reads nothing.</param>
    /// <param name="configure">Sets what configuration cannot (handlers, the clock, the adapter factory).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddSocketIO(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration? configuration, Action<SocketIOServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new SocketIOServerOptions();
        if (configuration is not null)
        {
            SocketIOConfiguration.Bind(options, configuration);
        }

        configure?.Invoke(options);
        services.AddSingleton(options);
        services.AddSingleton(static sp =>
        {
            SocketIOServerOptions options = sp.GetRequiredService<SocketIOServerOptions>();
            if (sp.GetService<ISocketIOAdapterFactory>() is { } adapters)
            {
                // An adapter factory from dependency injection serves every namespace, the main one included.
                options.AdapterFactory = adapters.Create;
            }

            return new SocketIOServer(options, sp.GetService<ILoggerFactory>(), sp);
        });
        SocketIOHubContexts.AddTo(services);
        services.AddHostedService(static sp => new SocketIOShutdownService(
            sp.GetRequiredService<SocketIOServer>(), sp.GetRequiredService<IHostApplicationLifetime>()));
        return services;
    }

    // Sessions close when the application starts stopping, before Kestrel waits for open requests to end:
    // WebSocket and pending poll requests end only when their session does. The rest of stopping (waiting for the
    // disconnect handlers, stopping the adapters) is asynchronous, in StopAsync.
    private sealed class SocketIOShutdownService(SocketIOServer server, IHostApplicationLifetime lifetime) : IHostedService
    {
        private CancellationTokenRegistration _registration;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _registration = lifetime.ApplicationStopping.Register(static s => ((SocketIOServer)s!).CloseConnections(), server);
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await _registration.DisposeAsync().ConfigureAwait(false);
            await server.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
