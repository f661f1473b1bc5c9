using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Adapters.Cluster;

/// <summary>Settings every cluster adapter shares.</summary>
public class SocketIOClusterAdapterOptions
{
    /// <summary>How long a request to the other servers (fetch sockets, server-side emit with acks) waits for their answers (default 5 s, as Node's).</summary>
    public TimeSpan RequestsTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages from the broker larger than this are dropped unread, counted and logged (default 16 MiB).</summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;
}

/// <summary>
/// A cluster adapter on socket.io-adapter's <c>ClusterAdapter</c> message model (<see cref="SocketIOClusterMessage"/>):
/// broadcasts (with and without acknowledgements), room changes, disconnections, fetching sockets and server-side
/// events go to the other servers as messages <c>{type, data, uid, nsp}</c>, and their answers come back to the
/// asking server. A transport (Redis Streams, PostgreSQL, RabbitMQ) only publishes messages and hands over the ones it
/// receives, so it speaks the same model as Node's adapters built on that class. Local delivery is the in-memory
/// adapter's.
/// </summary>
/// <remarks>
/// What cannot be published (the broker is unreachable) is counted in <see cref="PublishFailureCount"/> and logged; the
/// local sockets are still served. A request that waits for answers (<see cref="FetchSocketsAsync"/>, a server-side
/// emit with acks) fails with <see cref="SocketIOClusterException"/> then. What the broker delivers and this server
/// cannot read is counted in <see cref="DroppedMessageCount"/>, logged, and dropped.
/// </remarks>
public abstract partial class SocketIOClusterAdapter : InMemoryAdapter
{
    private readonly ConcurrentDictionary<string, PendingRequest> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IBroadcastAckCollector> _ackRequests = new(StringComparer.Ordinal);
    private readonly Queue<OrderedDelivery> _deliveries = new();
    private long _publishFailures;
    private long _droppedMessages;
    private volatile bool _closing;

    /// <summary>Creates the adapter of a namespace.</summary>
    /// <param name="host">The namespace.</param>
    /// <param name="options">The settings.</param>
    /// <param name="storesSessions">
    /// Whether the transport keeps sessions and packets for connection state recovery (it overrides
    /// <see cref="SocketIOAdapter.PersistSessionAsync"/> and <see cref="SocketIOAdapter.RestoreSessionAsync"/>, and its
    /// publish returns an offset every server understands); otherwise each server keeps its own in-memory store.
    /// </param>
    protected SocketIOClusterAdapter(ISocketIOAdapterHost host, SocketIOClusterAdapterOptions? options, bool storesSessions)
        : base(host, keepRecoveryLog: !storesSessions)
    {
        Options = options ?? new SocketIOClusterAdapterOptions();
        StoresSessions = storesSessions;
    }

    /// <summary>This adapter's id on the wire: 16 hexadecimal characters, one per namespace and server (as Node's).</summary>
    public string Uid { get; } = NewId();

    /// <summary>How many messages could not be published (the broker was unreachable); each was logged.</summary>
    public long PublishFailureCount => Interlocked.Read(ref _publishFailures);

    /// <summary>How many messages from the broker were dropped (malformed, oversized, of an unknown kind); each was logged.</summary>
    public long DroppedMessageCount => Interlocked.Read(ref _droppedMessages);

    /// <summary>The settings.</summary>
    protected SocketIOClusterAdapterOptions Options { get; }

    /// <summary>Whether the transport keeps sessions for connection state recovery (see the constructor).</summary>
    protected bool StoresSessions { get; }

    /// <summary>A new random id: 16 lowercase hexadecimal characters (Node's <c>randomBytes(8).toString("hex")</c>).</summary>
    /// <returns>The id.</returns>
    protected static string NewId() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();

    /// <summary>
    /// Publishes a message to every other server (socket.io-adapter's <c>doPublish</c>). May throw when the broker is
    /// unreachable: the caller counts and logs it.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <returns>The offset the broker gave it (a Redis stream entry id), or null when it has none.</returns>
    protected abstract ValueTask<string?> PublishMessageAsync(SocketIOClusterMessage message);

    /// <summary>Sends an answer to the server that asked (socket.io-adapter's <c>doPublishResponse</c>).</summary>
    /// <param name="requesterUid">The asking adapter's uid.</param>
    /// <param name="response">The answer.</param>
    /// <returns>A task that completes when it is published.</returns>
    protected abstract ValueTask PublishResponseAsync(string requesterUid, SocketIOClusterMessage response);

    /// <inheritdoc/>
    public abstract override ValueTask<int> GetServerCountAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// How many other servers answer a request, and which when the transport knows them (adapters with heartbeats);
    /// the default asks <see cref="GetServerCountAsync"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>The number of answers to wait for, and the uids they come from (null when unknown).</returns>
    protected virtual async ValueTask<(int Count, IReadOnlyCollection<string>? Uids)> GetRespondersAsync(CancellationToken cancellationToken)
    {
        int servers = await GetServerCountAsync(cancellationToken).ConfigureAwait(false);
        return (Math.Max(0, servers - 1), null);
    }

    /// <summary>
    /// Delivers a broadcast to this server's sockets: the one this server published (<paramref name="own"/>) or one
    /// from another server. A transport that keeps sessions overrides it to note what was delivered when.
    /// </summary>
    /// <param name="packet">The packet (its reference is taken over), already carrying its offset when it has one.</param>
    /// <param name="options">Who it goes to (with <see cref="BroadcastFlags.Local"/>).</param>
    /// <param name="offset">The broker's offset of the message, or null.</param>
    /// <param name="own">Whether this server published it.</param>
    /// <returns>A task that completes when it is queued to the sockets.</returns>
    protected virtual ValueTask DeliverAsync(EncodedPacket packet, BroadcastOptions options, string? offset, bool own) => base.BroadcastAsync(packet, options);

    /// <summary>Counts and logs a message from the broker this server could not read.</summary>
    /// <param name="exception">Why, when known.</param>
    /// <param name="what">What it was.</param>
    protected void CountDropped(Exception? exception, string what)
    {
        Interlocked.Increment(ref _droppedMessages);
        LogDropped(Host.Logger, exception, what, Host.Name);
    }

    /// <summary>Counts and logs a message from the broker dropped unread because it is larger than <see cref="SocketIOClusterAdapterOptions.MaxMessageBytes"/>.</summary>
    /// <param name="size">Its size.</param>
    /// <param name="where">Where it came from.</param>
    protected void CountOversized(long size, string where)
    {
        Interlocked.Increment(ref _droppedMessages);
        LogOversized(Host.Logger, where, size, Options.MaxMessageBytes);
    }

    /// <summary>
    /// From now on, messages from the other servers are ignored (nothing is answered): called when the adapter stops,
    /// before it says goodbye, so that the others do not hear from it again and count it as alive.
    /// </summary>
    protected void StopReceiving() => _closing = true;

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        StopReceiving();
        foreach (PendingRequest pending in _requests.Values)
        {
            pending.Fail(new ObjectDisposedException(GetType().Name));
        }

        _requests.Clear();
        _ackRequests.Clear();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ sending

    /// <summary>Publishes, counting and logging a failure.</summary>
    /// <param name="message">The message.</param>
    /// <param name="what">What it is, for the log.</param>
    /// <returns>Whether it went out, and its offset.</returns>
    protected async ValueTask<(bool Published, string? Offset)> TryPublishAsync(SocketIOClusterMessage message, string what)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            return (true, await PublishMessageAsync(message).ConfigureAwait(false));
        }
#pragma warning disable CA1031 // the broker is unreachable: counted and logged; local clients are still served
        catch (Exception e)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _publishFailures);
            LogPublishFailed(Host.Logger, e, what, Host.Name);
            return (false, null);
        }
    }

    private async ValueTask RespondAsync(string requesterUid, SocketIOClusterMessageType type, byte[] data, string what)
    {
        try
        {
            await PublishResponseAsync(requesterUid, new SocketIOClusterMessage(type, Uid, Host.Name, data)).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // counted and logged; the asking server times out
        catch (Exception e)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _publishFailures);
            LogPublishFailed(Host.Logger, e, what, Host.Name);
        }
    }

    private SocketIOClusterMessage Message(SocketIOClusterMessageType type, byte[] data) => new(type, Uid, Host.Name, data);

    /// <inheritdoc/>
    public override async ValueTask BroadcastAsync(EncodedPacket packet, BroadcastOptions options)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if ((options.Flags & BroadcastFlags.Local) != 0)
        {
            await base.BroadcastAsync(packet, options).ConfigureAwait(false);
            return;
        }

        byte[] data;
        try
        {
            // {packet, opts}; published before the local delivery, which needs the offset the broker gives it.
            data = SocketIOClusterWire.MsgPack((packet, options), static (ref SocketIOMsgPackWriter w, (EncodedPacket Packet, BroadcastOptions Options) s) =>
            {
                w.WriteMapHeader(2);
                w.WriteString("packet"u8);
                SocketIOClusterPacket.Write(ref w, s.Packet, null);
                w.WriteString("opts"u8);
                SocketIOClusterWire.WriteOptions(ref w, s.Options);
            });
        }
        catch
        {
            packet.Release();
            throw;
        }

        // The broker answers publishes in the order they were sent, but their continuations may run in any order: the
        // local deliveries wait in that order too, so this server's sockets see its broadcasts (and, with recovery on,
        // its direct emits) in the order they were made, as on a Node server.
        var slot = new OrderedDelivery(packet, options with { Flags = options.Flags | BroadcastFlags.Local });
        ValueTask<(bool Published, string? Offset)> publishing;
        lock (_deliveries)
        {
            _deliveries.Enqueue(slot);
            publishing = TryPublishAsync(Message(SocketIOClusterMessageType.Broadcast, data), "broadcast");
        }

        slot.Offset = (await publishing.ConfigureAwait(false)).Offset;
        Volatile.Write(ref slot.Ready, true);
        DeliverReady();
    }

    private void DeliverReady()
    {
        lock (_deliveries)
        {
            while (_deliveries.TryPeek(out OrderedDelivery? next) && Volatile.Read(ref next.Ready))
            {
                _deliveries.Dequeue();
                try
                {
                    ValueTask delivered = DeliverAsync(WithOffset(next.Packet, next.Options, next.Offset), next.Options, next.Offset, own: true);
                    if (!delivered.IsCompletedSuccessfully)
                    {
                        _ = ObserveDeliveryAsync(delivered);
                    }
                }
#pragma warning disable CA1031 // one failed delivery must not strand the ones queued behind it
                catch (Exception e)
#pragma warning restore CA1031
                {
                    LogPublishFailed(Host.Logger, e, "local delivery", Host.Name);
                }
            }
        }
    }

    private async Task ObserveDeliveryAsync(ValueTask delivered)
    {
        try
        {
            await delivered.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a local delivery that failed is logged; the next ones go on
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogPublishFailed(Host.Logger, e, "local delivery", Host.Name);
        }
    }

    private sealed class OrderedDelivery(EncodedPacket packet, BroadcastOptions options)
    {
        public bool Ready;

        public EncodedPacket Packet { get; } = packet;

        public BroadcastOptions Options { get; } = options;

        public string? Offset { get; set; }
    }

    // socket.io-adapter's addOffsetIfNecessary: an event without ack, not volatile, gets the broker's offset as its last
    // argument when the broker keeps the packets for recovery.
    private EncodedPacket WithOffset(EncodedPacket packet, BroadcastOptions options, string? offset)
    {
        if (!StoresSessions || offset is null || Host.ConnectionStateRecovery is null || !SocketIORecoveryLog.ShouldStore(packet, options))
        {
            return packet;
        }

        EncodedPacket tagged = SocketIOPacketEditor.AppendStringArgument(packet, offset);
        packet.Release();
        return tagged;
    }

    /// <inheritdoc/>
    public override async ValueTask BroadcastWithAckAsync(EncodedPacket packet, long ackId, BroadcastOptions options, IBroadcastAckCollector collector)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(collector);
        if ((options.Flags & BroadcastFlags.Local) != 0)
        {
            await base.BroadcastWithAckAsync(packet, ackId, options, collector).ConfigureAwait(false);
            return;
        }

        string requestId = NewId();
        byte[] data;
        try
        {
            data = SocketIOClusterWire.MsgPack((packet, options, requestId), static (ref SocketIOMsgPackWriter w, (EncodedPacket Packet, BroadcastOptions Options, string RequestId) s) =>
            {
                w.WriteMapHeader(3);
                w.WriteString("packet"u8);
                SocketIOClusterPacket.Write(ref w, s.Packet, null);
                w.WriteString("requestId"u8);
                w.WriteString(s.RequestId);
                w.WriteString("opts"u8);
                SocketIOClusterWire.WriteOptions(ref w, s.Options);
            });
        }
        catch
        {
            packet.Release();
            throw;
        }

        _ackRequests[requestId] = collector;
        await base.BroadcastWithAckAsync(packet, ackId, options, collector).ConfigureAwait(false);
        if (!(await TryPublishAsync(Message(SocketIOClusterMessageType.Broadcast, data), "broadcast with acks").ConfigureAwait(false)).Published)
        {
            // The other servers never hear of it: the caller's wait ends at its timeout with the local answers.
            _ackRequests.TryRemove(requestId, out _);
            return;
        }

        _ = ForgetLaterAsync(requestId, options.Timeout ?? Options.RequestsTimeout);
    }

    private async Task ForgetLaterAsync(string requestId, TimeSpan after)
    {
        await Task.Delay(Clamp(after), Host.TimeProvider).ConfigureAwait(false);
        _ackRequests.TryRemove(requestId, out _);
    }

    /// <inheritdoc/>
    public override async ValueTask AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        if ((options.Flags & BroadcastFlags.Local) == 0)
        {
            await TryPublishAsync(Message(SocketIOClusterMessageType.SocketsJoin, RoomsData(options, rooms)), "sockets join").ConfigureAwait(false);
        }

        await base.AddSocketsAsync(options, rooms).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async ValueTask DeleteSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        if ((options.Flags & BroadcastFlags.Local) == 0)
        {
            await TryPublishAsync(Message(SocketIOClusterMessageType.SocketsLeave, RoomsData(options, rooms)), "sockets leave").ConfigureAwait(false);
        }

        await base.DeleteSocketsAsync(options, rooms).ConfigureAwait(false);
    }

    private static byte[] RoomsData(BroadcastOptions options, IReadOnlyCollection<string> rooms) =>
        SocketIOClusterWire.MsgPack((options, rooms), static (ref SocketIOMsgPackWriter w, (BroadcastOptions Options, IReadOnlyCollection<string> Rooms) s) =>
        {
            w.WriteMapHeader(2);
            w.WriteString("opts"u8);
            SocketIOClusterWire.WriteOptions(ref w, s.Options);
            w.WriteString("rooms"u8);
            SocketIOClusterWire.WriteStrings(ref w, s.Rooms);
        });

    /// <inheritdoc/>
    public override async ValueTask DisconnectSocketsAsync(BroadcastOptions options, bool close)
    {
        if ((options.Flags & BroadcastFlags.Local) == 0)
        {
            byte[] data = SocketIOClusterWire.MsgPack((options, close), static (ref SocketIOMsgPackWriter w, (BroadcastOptions Options, bool Close) s) =>
            {
                w.WriteMapHeader(2);
                w.WriteString("opts"u8);
                SocketIOClusterWire.WriteOptions(ref w, s.Options);
                w.WriteString("close"u8);
                w.WriteBoolean(s.Close);
            });
            await TryPublishAsync(Message(SocketIOClusterMessageType.DisconnectSockets, data), "disconnect sockets").ConfigureAwait(false);
        }

        await base.DisconnectSocketsAsync(options, close).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async ValueTask<IReadOnlyList<SocketIORemoteSocket>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<SocketIORemoteSocket> local = await base.FetchSocketsAsync(options, cancellationToken).ConfigureAwait(false);
        if ((options.Flags & BroadcastFlags.Local) != 0)
        {
            return local;
        }

        (int expected, IReadOnlyCollection<string>? uids) = await GetRespondersAsync(cancellationToken).ConfigureAwait(false);
        if (expected <= 0)
        {
            return local;
        }

        string requestId = NewId();
        var pending = new PendingRequest(expected, uids, collector: null);
        _requests[requestId] = pending;
        try
        {
            byte[] data = SocketIOClusterWire.MsgPack((options, requestId), static (ref SocketIOMsgPackWriter w, (BroadcastOptions Options, string RequestId) s) =>
            {
                w.WriteMapHeader(2);
                w.WriteString("opts"u8);
                SocketIOClusterWire.WriteOptions(ref w, s.Options);
                w.WriteString("requestId"u8);
                w.WriteString(s.RequestId);
            });
            if (!(await TryPublishAsync(Message(SocketIOClusterMessageType.FetchSockets, data), "fetch sockets").ConfigureAwait(false)).Published)
            {
                throw new SocketIOClusterException("The other servers could not be asked for their sockets: the broker is unreachable (see the log).");
            }

            List<SocketIORemoteSocket> remote = await pending.WaitAsync(options.Timeout ?? Options.RequestsTimeout, Host.TimeProvider, "fetchSockets", cancellationToken).ConfigureAwait(false);
            return [.. local, .. remote];
        }
        finally
        {
            _requests.TryRemove(requestId, out _);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask ServerSideEmitAsync(EncodedPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        await TryPublishAsync(Message(SocketIOClusterMessageType.ServerSideEmit, ServerSideEmitData(packet, requestId: null)), "server-side emit").ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async ValueTask ServerSideEmitWithAckAsync(EncodedPacket packet, IBroadcastAckCollector collector)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(collector);
        string requestId = NewId();
        byte[] data = ServerSideEmitData(packet, requestId);
        _requests[requestId] = new PendingRequest(int.MaxValue, null, collector);
        if (!(await TryPublishAsync(Message(SocketIOClusterMessageType.ServerSideEmit, data), "server-side emit with acks").ConfigureAwait(false)).Published)
        {
            _requests.TryRemove(requestId, out _);
            throw new SocketIOClusterException("The server-side event could not be sent to the other servers: the broker is unreachable (see the log).");
        }

        _ = ForgetRequestLaterAsync(requestId);
    }

    // Task.Delay refuses more than about 49 days; nobody waits that long for an answer.
    private static TimeSpan Clamp(TimeSpan after) => after < TimeSpan.Zero ? TimeSpan.Zero : after > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : after;

    private async Task ForgetRequestLaterAsync(string requestId)
    {
        await Task.Delay(Clamp(Options.RequestsTimeout), Host.TimeProvider).ConfigureAwait(false);
        _requests.TryRemove(requestId, out _);
    }

    // {requestId?, packet: [event, ...args]} (requestId first, as Node writes it); takes over the packet's reference.
    private static byte[] ServerSideEmitData(EncodedPacket packet, string? requestId)
    {
        try
        {
            if (!EncodedEventReader.TryReadEvent(packet, out _, out _))
            {
                throw new ArgumentException("Only EVENT packets cross servers.", nameof(packet));
            }

            return SocketIOClusterWire.MsgPack((packet, requestId), static (ref SocketIOMsgPackWriter w, (EncodedPacket Packet, string? RequestId) s) =>
            {
                w.WriteMapHeader(s.RequestId is null ? 1 : 2);
                if (s.RequestId is not null)
                {
                    w.WriteString("requestId"u8);
                    w.WriteString(s.RequestId);
                }

                w.WriteString("packet"u8);
                SocketIOClusterWire.WriteEventArray(ref w, s.Packet);
            });
        }
        finally
        {
            packet.Release();
        }
    }

    [LoggerMessage(410, LogLevel.Warning, "Cluster adapter of {Namespace}: the {What} could not be published; the local sockets were still served")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string what, string @namespace);

    [LoggerMessage(411, LogLevel.Warning, "Cluster adapter of {Namespace}: a {What} message from the broker was dropped (not one this server can read)")]
    private static partial void LogDropped(ILogger logger, Exception? exception, string what, string @namespace);

    [LoggerMessage(412, LogLevel.Warning, "Cluster adapter: a message of {Size} bytes from {Where} was dropped unread (MaxMessageBytes is {Max})")]
    private static partial void LogOversized(ILogger logger, string where, long size, int max);
}
