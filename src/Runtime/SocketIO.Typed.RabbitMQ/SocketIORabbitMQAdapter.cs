using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Adapters.Cluster;

namespace SocketIO.Typed.RabbitMQ;

/// <summary>
/// A namespace's adapter on RabbitMQ (python-socketio names RabbitMQ beside Redis as its message queue; Node has no
/// RabbitMQ adapter, so this one carries socket.io-adapter's cluster message model between .NET servers): each
/// namespace has a fanout exchange (<c>socket.io#/ns</c>) every server's exclusive queue (<c>socket.io#/ns#uid</c>) is
/// bound to; messages are MessagePack <see cref="SocketIOClusterMessage"/>s, answers go straight to the asking server's
/// queue, and servers count each other by heartbeats. The client library's automatic recovery reconnects and restores
/// the queue and its binding after a broker restart.
/// </summary>
public sealed class SocketIORabbitMQAdapter : SocketIOClusterAdapterWithHeartbeat
{
    private readonly IConnection _connection;
    private readonly SocketIORabbitMQAdapterOptions _options;
    private readonly string _exchange;
    private readonly string _queue;
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private IChannel? _channel;

    private SocketIORabbitMQAdapter(ISocketIOAdapterHost host, IConnection connection, SocketIORabbitMQAdapterOptions options)
        : base(host, options)
    {
        _connection = connection;
        _options = options;
        _exchange = ExchangeName(options, host.Name);
        _queue = _exchange + "#" + Uid;
    }

    /// <summary>A factory for <c>SocketIOServerOptions.AdapterFactory</c>: one adapter per namespace, all on <paramref name="connection"/>.</summary>
    /// <param name="connection">The connection (with automatic recovery, the client library's default).</param>
    /// <param name="options">The options (shared).</param>
    /// <returns>The factory.</returns>
    public static Func<ISocketIOAdapterHost, SocketIOAdapter> Factory(IConnection connection, SocketIORabbitMQAdapterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        SocketIORabbitMQAdapterOptions shared = options ?? new SocketIORabbitMQAdapterOptions();
        return host => new SocketIORabbitMQAdapter(host, connection, shared);
    }

    internal static string ExchangeName(SocketIORabbitMQAdapterOptions options, string @namespace) => options.Prefix + "#" + @namespace;

    /// <inheritdoc/>
    public override async ValueTask InitAsync(CancellationToken cancellationToken = default)
    {
        IChannel channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await channel.ExchangeDeclareAsync(_exchange, ExchangeType.Fanout, durable: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.QueueDeclareAsync(_queue, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.QueueBindAsync(_queue, _exchange, string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);

            // Publishing works before the first message arrives: a request received at once is answered.
            _channel = channel;
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += OnReceivedAsync;
            await channel.BasicConsumeAsync(_queue, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _channel = null;
            await channel.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await base.InitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        if (_channel is { } channel)
        {
            try
            {
                await channel.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is global::RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException or OperationCanceledException)
            {
                // The broker may be gone when the server stops; its queue goes with the connection.
            }

            channel.Dispose();
        }

        _publishing.Dispose();
    }

    private async Task OnReceivedAsync(object sender, BasicDeliverEventArgs delivery)
    {
        if (delivery.Body.Length > _options.MaxMessageBytes)
        {
            CountOversized(delivery.Body.Length, _queue);
            return;
        }

        SocketIOClusterMessage message;
        try
        {
            message = SocketIOClusterMessage.ReadMsgPack(delivery.Body.Span);
        }
        catch (FormatException e)
        {
            CountDropped(e, "queue");
            return;
        }

        await OnMessageAsync(message, null).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override async ValueTask<string?> PublishMessageAsync(SocketIOClusterMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        await PublishAsync(_exchange, string.Empty, message.ToMsgPack()).ConfigureAwait(false);
        return null;
    }

    /// <inheritdoc/>
    protected override async ValueTask PublishResponseAsync(string requesterUid, SocketIOClusterMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);

        // Straight to the asking server's queue, through the default exchange.
        await PublishAsync(string.Empty, _exchange + "#" + requesterUid, response.ToMsgPack()).ConfigureAwait(false);
    }

    private async ValueTask PublishAsync(string exchange, string routingKey, byte[] body)
    {
        IChannel channel = _channel ?? throw new InvalidOperationException("The RabbitMQ adapter is not started (InitAsync).");

        // One publish at a time on the channel, in the order they were asked for.
        await _publishing.WaitAsync().ConfigureAwait(false);
        try
        {
            await channel.BasicPublishAsync(exchange, routingKey, body).ConfigureAwait(false);
        }
        finally
        {
            _publishing.Release();
        }
    }
}
