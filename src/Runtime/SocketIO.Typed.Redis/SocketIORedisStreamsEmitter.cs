using SocketIO.Typed.Adapters.Cluster;
using StackExchange.Redis;

namespace SocketIO.Typed.Redis;

/// <summary>
/// Emitters for a cluster on the Redis Streams adapter, as Node's <c>@socket.io/redis-streams-emitter</c>: every
/// message goes into the stream (<c>XADD ... MAXLEN ~</c>), where every server, Node or .NET, reads it.
/// </summary>
/// <example>
/// <code>
/// SocketIOClusterEmitter emitter = SocketIORedisStreamsEmitter.Create(await ConnectionMultiplexer.ConnectAsync("localhost:6379"));
/// await emitter.To("lobby").EmitAsync("notice", "maintenance at noon");
/// </code>
/// </example>
public static class SocketIORedisStreamsEmitter
{
    /// <summary>Creates an emitter for the main namespace (<see cref="SocketIOClusterEmitter.Of"/> for the others).</summary>
    /// <param name="redis">The connection to the cluster's Redis.</param>
    /// <param name="options">The stream name and length the servers use (<see cref="SocketIORedisStreamsAdapterOptions.StreamName"/>, <see cref="SocketIORedisStreamsAdapterOptions.MaxLength"/>).</param>
    /// <returns>The emitter.</returns>
    public static SocketIOClusterEmitter Create(IConnectionMultiplexer redis, SocketIORedisStreamsAdapterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        return new SocketIOClusterEmitter(new Publisher(redis, options ?? new SocketIORedisStreamsAdapterOptions()));
    }

    private sealed class Publisher(IConnectionMultiplexer redis, SocketIORedisStreamsAdapterOptions options) : ISocketIOClusterPublisher
    {
        public async ValueTask PublishAsync(SocketIOClusterMessage message)
        {
            ArgumentNullException.ThrowIfNull(message);
            await redis.GetDatabase().StreamAddAsync(options.StreamName, SocketIORedisStreamsAdapter.EntryFields(message, options), maxLength: options.MaxLength, useApproximateMaxLength: true).ConfigureAwait(false);
        }
    }
}
