namespace SocketIO.Typed;

/// <summary>What a dispatcher did with an event.</summary>
public enum SocketIODispatchStatus
{
    /// <summary>A handler ran.</summary>
    Handled,

    /// <summary>No handler is registered for the event name (socket.io ignores such events).</summary>
    NoHandler,

    /// <summary>
    /// The arguments could not be read as the handler expects (wrong count or type from a peer that does not follow
    /// the contract). The socket logs it with the event name and answers an acknowledged event as its options say;
    /// the connection stays up.
    /// </summary>
    BindingFailed,
}

/// <summary>
/// The outcome of dispatching one event: handled, no handler, or a binding failure with its reason. A failure is a
/// value, not an exception, so a peer that sends wrong arguments costs a log line, never the connection.
/// </summary>
public readonly struct SocketIODispatchResult : IEquatable<SocketIODispatchResult>
{
    private SocketIODispatchResult(SocketIODispatchStatus status, string? error)
    {
        Status = status;
        Error = error;
    }

    /// <summary>A handler ran.</summary>
    public static SocketIODispatchResult Handled => new(SocketIODispatchStatus.Handled, null);

    /// <summary>No handler for the event.</summary>
    public static SocketIODispatchResult NoHandler => new(SocketIODispatchStatus.NoHandler, null);

    /// <summary>What happened.</summary>
    public SocketIODispatchStatus Status { get; }

    /// <summary>Why binding failed (for <see cref="SocketIODispatchStatus.BindingFailed"/>), otherwise null.</summary>
    public string? Error { get; }

    /// <summary>The arguments could not be bound.</summary>
    /// <param name="error">Why, for example <c>argument 0 (room): expected a string, got a number</c>.</param>
    /// <returns>The result.</returns>
    public static SocketIODispatchResult BindingFailed(string error) => new(SocketIODispatchStatus.BindingFailed, error ?? "binding failed");

    /// <inheritdoc/>
    public bool Equals(SocketIODispatchResult other) => Status == other.Status && string.Equals(Error, other.Error, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SocketIODispatchResult other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Status, Error);

    /// <inheritdoc/>
    public override string ToString() => Error is null ? Status.ToString() : $"{Status}: {Error}";

    /// <summary>Equality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether equal.</returns>
    public static bool operator ==(SocketIODispatchResult left, SocketIODispatchResult right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether different.</returns>
    public static bool operator !=(SocketIODispatchResult left, SocketIODispatchResult right) => !left.Equals(right);
}

/// <summary>What a socket answers to an acknowledged event whose arguments could not be bound.</summary>
public enum SocketIOBindingFailureAck
{
    /// <summary>No answer (the default, as socket.io when a handler fails): the peer's ack times out.</summary>
    None,

    /// <summary>Answer with one argument <c>{"error":"binding","message":"…"}</c>, so the peer learns at once.</summary>
    Error,
}

/// <summary>
/// The arguments of an event could not be read as asked (a missing argument, or a value of another JSON kind). Thrown
/// by <see cref="SocketIOArguments"/> readers; a handler that lets it escape is treated as a binding failure (see
/// <see cref="SocketIODispatchStatus.BindingFailed"/>), not as a handler crash.
/// </summary>
public sealed class SocketIOBindingException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public SocketIOBindingException()
        : base("The event arguments could not be read.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What could not be read.</param>
    public SocketIOBindingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What could not be read.</param>
    /// <param name="innerException">The reader's exception.</param>
    public SocketIOBindingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
