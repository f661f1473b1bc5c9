using Microsoft.Extensions.DependencyInjection;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Server;

/// <summary>How a socket ends: an aborted registration, disconnecting on either side, its handlers and its service scope.</summary>
public sealed partial class SocketIOSocket
{
    /// <summary>Undoes a registration that did not complete (refused by a middleware, or the connection closed).</summary>
    internal void Abort()
    {
        if (_connected)
        {
            SocketIOMetrics.Add(Namespace.Server.Metrics.ActiveSockets, -1, Namespace.Name);
        }

        _connected = false;
        Namespace.Adapter.DeleteAll(Id);
        Namespace.Remove(this);
        Outbox.ReleaseHeld();
    }

    // ------------------------------------------------------------------ disconnecting

    /// <summary>Disconnects this socket from its namespace (reason <c>server namespace disconnect</c>).</summary>
    /// <param name="close">Also close the whole connection (all its namespaces; reason <c>forced server close</c>).</param>
    public void Disconnect(bool close = false)
    {
        if (!_connected)
        {
            return;
        }

        if (close)
        {
            // As socket.io: every namespace of the connection gets its DISCONNECT packet, then the connection closes.
            _connection.DisconnectAll();
            return;
        }

        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginRaw();
            packet = writer.ToRawPacket(SocketIOPacketType.Disconnect, Namespace.Name);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        SendOwned(packet);
        OnClose("server namespace disconnect");
    }

    internal void OnConnected()
    {
        _connected = true;
        SocketIOMetrics.Add(Namespace.Server.Metrics.ActiveSockets, 1, Namespace.Name);
        Namespace.Adapter.AddAll(Id, [Id]);
    }

    internal void OnClose(string reason)
    {
        if (!_connected)
        {
            return;
        }

        List<(Task Task, string Name)>? pending = StartHandlers(Volatile.Read(ref _disconnectingHandlers), reason, "disconnecting", null);
        _connected = false;
        SocketIOMetrics.Add(Namespace.Server.Metrics.ActiveSockets, -1, Namespace.Name);
        if (PrivateId is not null && IsRecoverable(reason))
        {
            ValueTask persisted = Namespace.Adapter.PersistSessionAsync(new SocketIOSessionState(Id, PrivateId, Namespace.Adapter.GetRooms(Id), Data));
            if (!persisted.IsCompletedSuccessfully)
            {
                _ = ObserveAsync(persisted);
            }
        }

        Namespace.Adapter.DeleteAll(Id);
        Namespace.Remove(this);
        _connection.Remove(this);
        Outbox.ReleaseHeld();
        _acks.FailAll(reason);
        _disconnected.Close();
        SocketIOServerLog.Disconnected(_logger, Id, Namespace.Name, reason);
        pending = StartHandlers(Volatile.Read(ref _disconnectHandlers), reason, "disconnect", pending);
        if (pending is not null)
        {
            Namespace.Server.TrackDisconnectHandlers(ObserveHandlersAsync(pending));
        }
        else
        {
            _ = DisposeScopeAsync();
        }
    }

    private async Task DisposeScopeAsync()
    {
        AsyncServiceScope? scope;
        lock (_gate)
        {
            scope = _scope;
            _scope = null;
        }

        if (scope is { } s)
        {
            try
            {
                await s.DisposeAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // a scoped service failing to dispose is logged; the socket is gone either way
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.HandlerFailed(_logger, e, "(scope dispose)", Id);
            }
        }
    }

    // Starts each handler (its synchronous part runs now); returns those still running, to be observed.
    private List<(Task Task, string Name)>? StartHandlers(Func<SocketIOSocket, string, ValueTask>[] handlers, string reason, string name, List<(Task Task, string Name)>? pending)
    {
        foreach (Func<SocketIOSocket, string, ValueTask> handler in handlers)
        {
            try
            {
                ValueTask task = handler(this, reason);
                if (!task.IsCompletedSuccessfully)
                {
                    (pending ??= []).Add((task.AsTask(), name));
                }
            }
#pragma warning disable CA1031 // a failing handler must not keep the socket connected, nor stop the other handlers
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.HandlerFailed(_logger, e, name, Id);
            }
        }

        return pending;
    }

    private async Task ObserveHandlersAsync(List<(Task Task, string Name)> pending)
    {
        foreach ((Task task, string name) in pending)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
#pragma warning disable CA1031 // logged: the socket is gone either way
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOServerLog.HandlerFailed(_logger, e, name, Id);
            }
        }

        await DisposeScopeAsync().ConfigureAwait(false);
    }

    // socket.io's RECOVERABLE_DISCONNECT_REASONS: the client did not leave on purpose.
    private static bool IsRecoverable(string reason) =>
        reason is "transport error" or "transport close" or "forced close" or "ping timeout" or "server shutting down" or "forced server close";
}
