using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client;

/// <summary>Emits that are dropped, not buffered, while the socket is disconnected.</summary>
public readonly struct SocketIOClientVolatileEmitter : IEquatable<SocketIOClientVolatileEmitter>
{
    private readonly SocketIOClientSocket _socket;

    internal SocketIOClientVolatileEmitter(SocketIOClientSocket socket)
    {
        _socket = socket;
    }

    /// <summary>Sends an event if connected and the transport is not busy; otherwise drops it (counted in <see cref="SocketIOClientSocket.VolatileDroppedCount"/>).</summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="args">Plain values.</param>
    /// <returns>A completed task.</returns>
    public ValueTask EmitAsync(string eventName, params object?[] args)
    {
        SocketIOEventNames.ThrowIfReserved(eventName);
        _socket.Send(SocketIOEventEncoder.Encode(eventName, args, _socket.Namespace, -1), isVolatile: true);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public bool Equals(SocketIOClientVolatileEmitter other) => ReferenceEquals(_socket, other._socket);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SocketIOClientVolatileEmitter other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _socket?.GetHashCode() ?? 0;

    /// <summary>Equality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether equal.</returns>
    public static bool operator ==(SocketIOClientVolatileEmitter left, SocketIOClientVolatileEmitter right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether different.</returns>
    public static bool operator !=(SocketIOClientVolatileEmitter left, SocketIOClientVolatileEmitter right) => !left.Equals(right);
}
