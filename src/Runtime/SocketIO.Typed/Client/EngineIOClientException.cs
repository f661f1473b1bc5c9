namespace SocketIO.Typed.Client;

/// <summary>The Engine.IO connection could not be opened or failed.</summary>
public sealed class EngineIOClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EngineIOClientException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public EngineIOClientException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public EngineIOClientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
