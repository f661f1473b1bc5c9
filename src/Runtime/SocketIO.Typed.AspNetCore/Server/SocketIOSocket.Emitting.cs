using System.Diagnostics;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Server;

/// <summary>What a socket sends: events, acknowledged emits and their answers, and its rooms and broadcast operators.</summary>
public sealed partial class SocketIOSocket
{
    // ------------------------------------------------------------------ emitting

    /// <summary>Sends an event to this client.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values (see <see cref="SocketIOPacketWriter.WriteValue(object?)"/>); byte arrays travel as binary attachments.</param>
    /// <returns>A task that completes when the packet is queued.</returns>
    public ValueTask EmitAsync(string eventName, params object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        Send(SocketIOEventEncoder.Encode(eventName, args, Namespace.Name, -1), BroadcastFlags.None);
        return ValueTask.CompletedTask;
    }

    /// <summary>Sends an event whose arguments are received arguments, unchanged.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="arguments">The arguments.</param>
    /// <returns>A task that completes when the packet is queued.</returns>
    public ValueTask EmitAsync(string eventName, SocketIOArguments arguments)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        Send(SocketIOEventEncoder.Encode(eventName, arguments, Namespace.Name, -1), BroadcastFlags.None);
        return ValueTask.CompletedTask;
    }

    /// <summary>Sends an already encoded packet (the seam generated proxies write through).</summary>
    /// <param name="packet">The packet; this call takes over the caller's reference.</param>
    /// <param name="flags">Volatile or no-compress flags.</param>
    public void Send(EncodedPacket packet, BroadcastFlags flags)
    {
        ArgumentNullException.ThrowIfNull(packet);
        SocketIOMetrics.Add(Namespace.Server.Metrics.EventsSent, Namespace.Name);
        if ((flags & BroadcastFlags.NoCompress) != 0)
        {
            packet.SetCompress(false);
        }

        if (Namespace.Server.Options.ConnectionStateRecovery is null)
        {
            Outbox.Deliver(packet, flags);
            return;
        }

        // As socket.io: with recovery on, a direct emit goes through the adapter, which stores the event (with its
        // offset) so a recovered socket still receives it. The adapter takes over the reference.
        ValueTask task = Namespace.Adapter.BroadcastAsync(packet, new BroadcastOptions([Id], [], flags));
        if (!task.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(task);
        }
    }

    private async Task ObserveAsync(ValueTask task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the emit is fire-and-forget: an adapter failure is logged
        catch (Exception e)
#pragma warning restore CA1031
        {
            SocketIOServerLog.HandlerFailed(_logger, e, "(emit)", Id);
        }
    }

    /// <summary>
    /// The next acknowledgement id of this socket's namespace, for a packet that <see cref="SendWithAckAsync"/> will
    /// send: write it with <c>writer.ToPacket(socket.Namespace.Name, ackId)</c>.
    /// </summary>
    /// <returns>The id.</returns>
    public long NextAckId() => Namespace.NextAckId();

    /// <summary>
    /// Sends a packet that asks for an acknowledgement and waits for the answer (the seam generated proxies drive:
    /// take an id from <see cref="NextAckId"/>, write the packet with it, send it here, read the answer with
    /// <see cref="SocketIOArguments.CreateReader"/>).
    /// </summary>
    /// <param name="packet">The packet, written with <paramref name="ackId"/>; this call takes over the caller's reference.</param>
    /// <param name="ackId">The id the packet carries.</param>
    /// <param name="timeout">How long to wait; <see langword="null"/> uses <see cref="SocketIOServerOptions.AckTimeout"/>.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="eventName">The event name, for the timeout message (optional).</param>
    /// <returns>The acknowledgement's arguments (they own their memory).</returns>
    /// <exception cref="SocketIOAckTimeoutException">No answer in time.</exception>
    /// <exception cref="SocketIODisconnectedException">The socket disconnected first.</exception>
    public Task<SocketIOArguments> SendWithAckAsync(EncodedPacket packet, long ackId, TimeSpan? timeout = null, CancellationToken cancellationToken = default, string? eventName = null)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (!_connected)
        {
            packet.Release();
            return Task.FromException<SocketIOArguments>(new SocketIODisconnectedException("The socket is disconnected."));
        }

        Task<SocketIOArguments> answer = _acks.Wait(
            ackId, timeout ?? Namespace.Server.Options.AckTimeout, Namespace.Server.Options.EngineIO.TimeProvider, cancellationToken, eventName, $"socket {Id}");
        SocketIOMetrics metrics = Namespace.Server.Metrics;
        if (metrics.WantsAckOutcome)
        {
            // Only when someone listens: the span and the outcome cost an observer task per emit.
            Activity? activity = SocketIOActivities.StartSend(Namespace.Name, eventName, Id);
            long started = Stopwatch.GetTimestamp();
            Send(packet, BroadcastFlags.None);
            _ = SocketIOAckTelemetry.ObserveAsync(answer, activity, metrics, Namespace.Name, started);
            return answer;
        }

        Send(packet, BroadcastFlags.None);
        return answer;
    }

    /// <summary>Sends an event and waits for the client's acknowledgement, with <see cref="SocketIOServerOptions.AckTimeout"/>.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The acknowledgement's arguments.</returns>
    /// <exception cref="SocketIOAckTimeoutException">No answer in time (the message names the event).</exception>
    /// <exception cref="SocketIODisconnectedException">The socket disconnected first.</exception>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, params object?[] args) =>
        EmitWithAckCore(eventName, null, CancellationToken.None, args);

    /// <summary>Sends an event and waits for the client's acknowledgement at most <paramref name="timeout"/>.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The acknowledgement's arguments.</returns>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, TimeSpan timeout, params object?[] args) =>
        EmitWithAckCore(eventName, timeout, CancellationToken.None, args);

    /// <summary>Sends an event and waits for the client's acknowledgement until it arrives, the default timeout passes or the token is cancelled.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The acknowledgement's arguments.</returns>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, CancellationToken cancellationToken, params object?[] args) =>
        EmitWithAckCore(eventName, null, cancellationToken, args);

    /// <summary>Sends an event and waits for the client's acknowledgement.</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>The acknowledgement's arguments.</returns>
    public Task<SocketIOArguments> EmitWithAckAsync(string eventName, TimeSpan timeout, CancellationToken cancellationToken, params object?[] args) =>
        EmitWithAckCore(eventName, timeout, cancellationToken, args);

    private Task<SocketIOArguments> EmitWithAckCore(string eventName, TimeSpan? timeout, CancellationToken cancellationToken, object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        if (!_connected)
        {
            return Task.FromException<SocketIOArguments>(new SocketIODisconnectedException("The socket is disconnected."));
        }

        long id = NextAckId();
        return SendWithAckAsync(SocketIOEventEncoder.Encode(eventName, args, Namespace.Name, id), id, timeout, cancellationToken, eventName);
    }

    /// <summary>Sends an acknowledgement packet (from <see cref="SocketIOAckResponder"/>); takes over the reference.</summary>
    internal void SendAckPacket(EncodedPacket packet)
    {
        SocketIOMetrics.Add(Namespace.Server.Metrics.AcksSent, Namespace.Name);
        _connection.Engine.Send(packet);
    }

    private void SendOwned(EncodedPacket packet) => _connection.Engine.Send(packet);

    // ------------------------------------------------------------------ rooms and broadcasting

    /// <summary>Joins a room.</summary>
    /// <param name="room">The room.</param>
    public void Join(string room)
    {
        ArgumentNullException.ThrowIfNull(room);
        Namespace.Adapter.AddAll(Id, [room]);
    }

    /// <summary>Joins several rooms.</summary>
    /// <param name="rooms">The rooms.</param>
    public void Join(IEnumerable<string> rooms) => Namespace.Adapter.AddAll(Id, rooms);

    /// <summary>Leaves a room.</summary>
    /// <param name="room">The room.</param>
    public void Leave(string room) => Namespace.Adapter.Delete(Id, room);

    /// <summary>A broadcast to a room, leaving this socket out (socket.io's <c>socket.to(room)</c>).</summary>
    /// <param name="room">The room.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator To(string room) => Broadcast.To(room);

    /// <summary>A broadcast to several rooms, leaving this socket out.</summary>
    /// <param name="rooms">The rooms.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator To(IEnumerable<string> rooms) => Broadcast.To(rooms);

    /// <summary>Same as <see cref="To(string)"/>.</summary>
    /// <param name="room">The room.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator In(string room) => To(room);

    /// <summary>A broadcast to everyone but this socket and the given room's members.</summary>
    /// <param name="room">The room to leave out.</param>
    /// <returns>The operator.</returns>
    public BroadcastOperator Except(string room) => Broadcast.Except(room);

    /// <summary>A broadcast to every other socket of the namespace (socket.io's <c>socket.broadcast</c>).</summary>
    public BroadcastOperator Broadcast => new BroadcastOperator(Namespace).Except(Id);

    /// <inheritdoc/>
    string ISocketIOEmitter.NamespaceName => Namespace.Name;

    /// <inheritdoc/>
    void ISocketIOEmitter.Send(EncodedPacket packet) => Send(packet, BroadcastFlags.None);

    /// <inheritdoc/>
    Task<SocketIOArguments> ISocketIOEmitter.SendWithAckAsync(EncodedPacket packet, long ackId, TimeSpan? timeout, CancellationToken cancellationToken, string? eventName) =>
        SendWithAckAsync(packet, ackId, timeout, cancellationToken, eventName);
}
