using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SocketIO.Typed.Server;

/// <summary>
/// The typed hubs whose <see cref="ISocketIOHubContext{THub, TClient}"/> <c>AddSocketIO</c> registers. The generator
/// fills it from a module initializer in every assembly that declares or references typed hubs, so the hub context is a
/// closed registration (no open generic for the container to close with reflection).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SocketIOHubContexts
{
    private static readonly object s_gate = new();
    private static readonly Dictionary<Type, Action<IServiceCollection>> s_registrations = [];

    /// <summary>Records a typed hub; called by generated code.</summary>
    /// <typeparam name="THub">The hub.</typeparam>
    /// <typeparam name="TClient">Its client contract.</typeparam>
    public static void Register<THub, TClient>()
        where THub : SocketHub<TClient>
        where TClient : class
    {
        lock (s_gate)
        {
            s_registrations.TryAdd(typeof(THub), static services => AddHubContext<THub, TClient>(services));
        }
    }

    /// <summary>
    /// Registers the hub context of one hub in <paramref name="services"/> (what <c>AddSocketIO</c> does for every hub the
    /// generator recorded; call it yourself only for a hub whose assembly the generator did not see).
    /// </summary>
    /// <typeparam name="THub">The hub.</typeparam>
    /// <typeparam name="TClient">Its client contract.</typeparam>
    /// <param name="services">The services.</param>
    public static void AddHubContext<THub, TClient>(IServiceCollection services)
        where THub : SocketHub<TClient>
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ISocketIOHubContext<THub, TClient>>(static sp => new SocketIOHubContext<THub, TClient>(sp.GetRequiredService<SocketIOServer>()));
    }

    internal static void AddTo(IServiceCollection services)
    {
        Action<IServiceCollection>[] registrations;
        lock (s_gate)
        {
            registrations = [.. s_registrations.Values];
        }

        foreach (Action<IServiceCollection> register in registrations)
        {
            register(services);
        }
    }
}
