using SocketIO.Typed.Adapters;

namespace SocketIO.Typed;

/// <summary>
/// Sockets chosen by rooms and exceptions, typed by the contract of the events they handle. The generator adds the
/// contract's plain events to it as extension methods (its broadcast view); acknowledged events are reachable only
/// after <see cref="Timeout"/>, because an answer from many sockets needs a deadline.
/// </summary>
/// <typeparam name="TContract">The contract of the events the recipients handle.</typeparam>
public readonly struct SocketIOBroadcastTarget<TContract> : IEquatable<SocketIOBroadcastTarget<TContract>>
    where TContract : class
{
    /// <summary>Wraps a broadcaster.</summary>
    /// <param name="broadcaster">The server's broadcast operator.</param>
    public SocketIOBroadcastTarget(ISocketIOBroadcaster broadcaster)
    {
        ArgumentNullException.ThrowIfNull(broadcaster);
        Broadcaster = broadcaster;
    }

    /// <summary>The broadcaster generated code sends through.</summary>
    public ISocketIOBroadcaster Broadcaster { get; }

    /// <summary>Also the sockets in <paramref name="room"/>.</summary>
    /// <param name="room">The room.</param>
    /// <returns>The narrowed target.</returns>
    public SocketIOBroadcastTarget<TContract> To(string room) => new(Broadcaster.To(room));

    /// <summary>Not the sockets in <paramref name="room"/> (a socket id is a room of its own).</summary>
    /// <param name="room">The room or socket id.</param>
    /// <returns>The narrowed target.</returns>
    public SocketIOBroadcastTarget<TContract> Except(string room) => new(Broadcaster.Except(room));

    /// <summary>Events that may be dropped when a recipient's transport is busy (socket.io's <c>volatile</c>).</summary>
    public SocketIOBroadcastTarget<TContract> Volatile => new(Broadcaster.Volatile);

    /// <summary>Only the sockets of this server, not the cluster (socket.io's <c>local</c>).</summary>
    public SocketIOBroadcastTarget<TContract> Local => new(Broadcaster.Local);

    /// <summary>Whether to compress the packets (permessage-deflate, when negotiated).</summary>
    /// <param name="compress">Whether to compress.</param>
    /// <returns>The target with the flag.</returns>
    public SocketIOBroadcastTarget<TContract> Compress(bool compress) => new(Broadcaster.Compress(compress));

    /// <summary>
    /// Acknowledged events wait at most <paramref name="timeout"/> for the recipients' answers and return every
    /// answer with the id of the socket that gave it (socket.io's <c>timeout(ms).emitWithAck</c>).
    /// </summary>
    /// <param name="timeout">How long to wait for the answers.</param>
    /// <returns>A target that exposes the contract's acknowledged events.</returns>
    public SocketIOTimedBroadcastTarget<TContract> Timeout(TimeSpan timeout) => new(Broadcaster.Timeout(timeout));

    /// <inheritdoc/>
    public bool Equals(SocketIOBroadcastTarget<TContract> other) => ReferenceEquals(Broadcaster, other.Broadcaster);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SocketIOBroadcastTarget<TContract> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Broadcaster?.GetHashCode() ?? 0;

    /// <summary>Whether two targets wrap the same broadcaster.</summary>
    /// <param name="left">A target.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(SocketIOBroadcastTarget<TContract> left, SocketIOBroadcastTarget<TContract> right) => left.Equals(right);

    /// <summary>Whether two targets wrap different broadcasters.</summary>
    /// <param name="left">A target.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(SocketIOBroadcastTarget<TContract> left, SocketIOBroadcastTarget<TContract> right) => !left.Equals(right);
}

/// <summary>
/// A broadcast target with an answer deadline: the generator adds the contract's events to it as extension methods,
/// acknowledged ones returning <see cref="SocketIOBroadcastAnswers{T}"/>.
/// </summary>
/// <typeparam name="TContract">The contract of the events the recipients handle.</typeparam>
public readonly struct SocketIOTimedBroadcastTarget<TContract> : IEquatable<SocketIOTimedBroadcastTarget<TContract>>
    where TContract : class
{
    /// <summary>Wraps a broadcaster that has a timeout.</summary>
    /// <param name="broadcaster">The server's broadcast operator.</param>
    public SocketIOTimedBroadcastTarget(ISocketIOBroadcaster broadcaster)
    {
        ArgumentNullException.ThrowIfNull(broadcaster);
        Broadcaster = broadcaster;
    }

    /// <summary>The broadcaster generated code sends through.</summary>
    public ISocketIOBroadcaster Broadcaster { get; }

    /// <inheritdoc/>
    public bool Equals(SocketIOTimedBroadcastTarget<TContract> other) => ReferenceEquals(Broadcaster, other.Broadcaster);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SocketIOTimedBroadcastTarget<TContract> other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Broadcaster?.GetHashCode() ?? 0;

    /// <summary>Whether two targets wrap the same broadcaster.</summary>
    /// <param name="left">A target.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(SocketIOTimedBroadcastTarget<TContract> left, SocketIOTimedBroadcastTarget<TContract> right) => left.Equals(right);

    /// <summary>Whether two targets wrap different broadcasters.</summary>
    /// <param name="left">A target.</param>
    /// <param name="right">Another.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(SocketIOTimedBroadcastTarget<TContract> left, SocketIOTimedBroadcastTarget<TContract> right) => !left.Equals(right);
}

/// <summary>One socket's answer to an acknowledged broadcast.</summary>
/// <typeparam name="T">The answer's type.</typeparam>
/// <param name="SocketId">The socket that answered.</param>
/// <param name="Value">Its answer.</param>
public readonly record struct SocketIOBroadcastAnswer<T>(string SocketId, T Value);

/// <summary>The answers to an acknowledged broadcast, typed.</summary>
/// <typeparam name="T">The answer's type.</typeparam>
public sealed class SocketIOBroadcastAnswers<T>
{
    /// <summary>Creates the result.</summary>
    /// <param name="answers">The answers that could be read as <typeparamref name="T"/>.</param>
    /// <param name="unreadable">The answers that could not (a recipient that does not follow the contract).</param>
    /// <param name="expected">How many sockets were expected to answer.</param>
    /// <param name="allResponded">Whether every expected socket answered before the timeout.</param>
    public SocketIOBroadcastAnswers(IReadOnlyList<SocketIOBroadcastAnswer<T>> answers, IReadOnlyList<SocketIOBroadcastAck> unreadable, int expected, bool allResponded)
    {
        Answers = answers;
        Unreadable = unreadable;
        Expected = expected;
        AllResponded = allResponded;
    }

    /// <summary>The answers, with the id of the socket that gave each.</summary>
    public IReadOnlyList<SocketIOBroadcastAnswer<T>> Answers { get; }

    /// <summary>Answers that arrived but could not be read as <typeparamref name="T"/> (kept raw, never dropped silently).</summary>
    public IReadOnlyList<SocketIOBroadcastAck> Unreadable { get; }

    /// <summary>How many sockets were expected to answer (across the cluster).</summary>
    public int Expected { get; }

    /// <summary>Whether every expected socket answered before the timeout; <see langword="false"/> means the result is partial.</summary>
    public bool AllResponded { get; }
}
