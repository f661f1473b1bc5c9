using RabbitMQ.Client;
using SocketIO.Typed.Adapters.Cluster;

namespace SocketIO.Typed.RabbitMQ;

/// <summary>Emitters for a cluster on the RabbitMQ adapter: messages go to the namespace's fanout exchange, where every server's queue receives them.</summary>
/// <example>
/// <code>
/// IConnection rabbit = await new ConnectionFactory { Uri = new Uri("amqp://guest:guest@localhost:5672/") }.CreateConnectionAsync();
/// SocketIOClusterEmitter emitter = SocketIORabbitMQEmitter.Create(rabbit);
/// await emitter.To("lobby").EmitAsync("notice", "maintenance at noon");
/// </code>
/// </example>
public static class SocketIORabbitMQEmitter
{
    /// <summary>Creates an emitter for the main namespace (<see cref="SocketIOClusterEmitter.Of"/> for the others).</summary>
    /// <param name="connection">The connection to the cluster's broker.</param>
    /// <param name="options">The prefix the servers use.</param>
    /// <returns>The emitter.</returns>
    public static SocketIOClusterEmitter Create(IConnection connection, SocketIORabbitMQAdapterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new SocketIOClusterEmitter(new Publisher(connection, options ?? new SocketIORabbitMQAdapterOptions()));
    }

    private sealed class Publisher(IConnection connection, SocketIORabbitMQAdapterOptions options) : ISocketIOClusterPublisher
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private IChannel? _channel;

        public async ValueTask PublishAsync(SocketIOClusterMessage message)
        {
            ArgumentNullException.ThrowIfNull(message);
            string exchange = SocketIORabbitMQAdapter.ExchangeName(options, message.Namespace ?? "/");
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                _channel ??= await connection.CreateChannelAsync().ConfigureAwait(false);

                // Declared as the servers declare it, in case no server of that namespace started yet.
                await _channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: false, autoDelete: false).ConfigureAwait(false);
                await _channel.BasicPublishAsync(exchange, string.Empty, message.ToMsgPack()).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
