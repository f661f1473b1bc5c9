using SocketIO.Typed.Adapters.Cluster;

namespace SocketIO.Typed.RabbitMQ;

/// <summary>Settings of <see cref="SocketIORabbitMQAdapter"/> and of its emitter (every server of a cluster must use the same prefix).</summary>
public sealed class SocketIORabbitMQAdapterOptions : SocketIOClusterAdapterWithHeartbeatOptions
{
    /// <summary>
    /// The prefix of the names: each namespace has a fanout exchange <c>socket.io#/ns</c>, and each server an exclusive
    /// queue <c>socket.io#/ns#uid</c> bound to it (default <c>socket.io</c>).
    /// </summary>
    public string Prefix { get; set; } = "socket.io";
}
