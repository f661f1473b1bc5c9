using SocketIO.Typed.Adapters;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Server;

/// <summary>Server-to-server events declared as a contract (socket.io's <c>serverSideEmit</c> and its handlers).</summary>
public static class SocketIOServerSideExtensions
{
    /// <summary>
    /// The other servers of the cluster, for <typeparamref name="TCluster"/>'s events: <c>ns.ServerSide&lt;ICluster&gt;().UserMoved(...)</c>;
    /// acknowledged events through <c>.Timeout(...)</c>. With the in-memory adapter there are no other servers.
    /// </summary>
    /// <typeparam name="TCluster">A <see cref="SocketIOContractAttribute"/> interface of server-to-server events.</typeparam>
    /// <param name="namespace">The namespace the events belong to.</param>
    /// <returns>The target.</returns>
    public static SocketIOServerSideTarget<TCluster> ServerSide<TCluster>(this SocketIONamespace @namespace)
        where TCluster : class
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        return new(new ServerSideBroadcaster(@namespace, null));
    }

    /// <summary>
    /// Handles the server-side events of <typeparamref name="TCluster"/> that other servers send to this namespace, with
    /// <paramref name="handler"/>; its return values answer acknowledged events. Arguments that do not fit the contract
    /// are counted (<see cref="SocketIOServer.BindingFailureCount"/>) and logged. Named handlers
    /// (<see cref="SocketIONamespace.OnServerSideEvent"/>) of the same event take precedence.
    /// </summary>
    /// <typeparam name="TCluster">A <see cref="SocketIOContractAttribute"/> interface of server-to-server events.</typeparam>
    /// <param name="namespace">The namespace.</param>
    /// <param name="handler">The handler (one instance for all events).</param>
    /// <returns>The namespace.</returns>
    public static SocketIONamespace OnServerSideEvents<TCluster>(this SocketIONamespace @namespace, TCluster handler)
        where TCluster : class
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(handler);
        SocketIOContract<TCluster> contract = SocketIOContracts.Get<TCluster>();
        @namespace.AddServerSideDispatcher(context => contract.DispatchAsync(handler, context));
        return @namespace;
    }

    // Publishes to the other servers through the namespace's adapter. Rooms, exceptions and flags do not apply to
    // server-side events; SocketIOServerSideTarget exposes none of them.
    private sealed class ServerSideBroadcaster(SocketIONamespace @namespace, TimeSpan? timeout) : ISocketIOBroadcaster
    {
        public string NamespaceName => @namespace.Name;

        public TimeSpan? AckTimeout => timeout;

        public ISocketIOBroadcaster Volatile => throw NotApplicable();

        public ISocketIOBroadcaster Local => throw NotApplicable();

        public ISocketIOBroadcaster To(string room) => throw NotApplicable();

        public ISocketIOBroadcaster Except(string room) => throw NotApplicable();

        public ISocketIOBroadcaster Compress(bool compress) => throw NotApplicable();

        public ISocketIOBroadcaster Timeout(TimeSpan value) => new ServerSideBroadcaster(@namespace, value);

        public ValueTask BroadcastAsync(EncodedPacket packet) => @namespace.Adapter.ServerSideEmitAsync(packet);

        // Server-side answers are matched by the adapter's request id, not by a packet ack id.
        public long NextAckId() => -1;

        public async Task<SocketIOBroadcastAckResult> BroadcastWithAckAsync(EncodedPacket packet, long ackId, CancellationToken cancellationToken)
        {
            var collector = new SocketIOBroadcastAckCollector();
            int servers;
            try
            {
                servers = await @namespace.Adapter.GetServerCountAsync().ConfigureAwait(false);
            }
            catch
            {
                packet.Release();
                throw;
            }

            collector.SetServerCount(Math.Max(0, servers - 1));
            await @namespace.Adapter.ServerSideEmitWithAckAsync(packet, collector).ConfigureAwait(false);
            TimeSpan wait = timeout ?? @namespace.Server.Options.AckTimeout;
            return await collector.WaitAsync(wait, @namespace.Server.Options.EngineIO.TimeProvider, cancellationToken).ConfigureAwait(false);
        }

        private static NotSupportedException NotApplicable() => new("Rooms, exceptions and flags do not apply to server-side events.");
    }
}
