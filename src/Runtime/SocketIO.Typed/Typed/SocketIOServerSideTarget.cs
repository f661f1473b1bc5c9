namespace SocketIO.Typed;

/// <summary>
/// The other servers of a cluster, as a server-to-server contract's typed target (socket.io's <c>serverSideEmit</c>):
/// the contract's events without acknowledgement are extension methods generated on it; acknowledged events need
/// <see cref="Timeout"/>, since every server answers (or not) on its own.
/// </summary>
/// <typeparam name="TContract">The server-to-server contract.</typeparam>
public readonly struct SocketIOServerSideTarget<TContract> : IEquatable<SocketIOServerSideTarget<TContract>>
    where TContract : class
{
    /// <summary>A target over a broadcaster that publishes to the other servers.</summary>
    /// <param name="broadcaster">The broadcaster (the server's adapter: <c>ServerSideEmit</c>).</param>
    public SocketIOServerSideTarget(ISocketIOBroadcaster broadcaster)
    {
        ArgumentNullException.ThrowIfNull(broadcaster);
        Broadcaster = broadcaster;
    }

    /// <summary>What generated code sends through.</summary>
    public ISocketIOBroadcaster Broadcaster { get; }

    /// <summary>
    /// Acknowledged events: every other server's answer within <paramref name="timeout"/> (socket.io's
    /// <c>serverSideEmitWithAck</c>); the answers carry no socket id.
    /// </summary>
    /// <param name="timeout">How long to wait for the answers.</param>
    /// <returns>The timed target.</returns>
    public SocketIOTimedBroadcastTarget<TContract> Timeout(TimeSpan timeout) => new(Broadcaster.Timeout(timeout));

    /// <inheritdoc/>
    public bool Equals(SocketIOServerSideTarget<TContract> other) => ReferenceEquals(Broadcaster, other.Broadcaster);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SocketIOServerSideTarget<TContract> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Broadcaster?.GetHashCode() ?? 0;

    /// <summary>Whether two targets send through the same broadcaster.</summary>
    /// <param name="left">One target.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(SocketIOServerSideTarget<TContract> left, SocketIOServerSideTarget<TContract> right) => left.Equals(right);

    /// <summary>Whether two targets send through different broadcasters.</summary>
    /// <param name="left">One target.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(SocketIOServerSideTarget<TContract> left, SocketIOServerSideTarget<TContract> right) => !left.Equals(right);
}
