namespace SocketIO.Typed;

/// <summary>A cluster operation could not be done (the broker failed); the message says what to check.</summary>
public sealed class SocketIOClusterException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SocketIOClusterException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public SocketIOClusterException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">Why.</param>
    public SocketIOClusterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
