using System.Text.Json;

namespace SocketIO.Typed;

/// <summary>An acknowledgement did not arrive in time.</summary>
public sealed class SocketIOAckTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public SocketIOAckTimeoutException()
        : base("The acknowledgement did not arrive in time.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public SocketIOAckTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SocketIOAckTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The socket disconnected before an acknowledgement arrived, or an emit needed a connected socket.</summary>
public sealed class SocketIODisconnectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SocketIODisconnectedException()
        : base("The socket is disconnected.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message, usually with the disconnect reason.</param>
    public SocketIODisconnectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SocketIODisconnectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Thrown by a namespace middleware to refuse a connection: the client receives CONNECT_ERROR with
/// <c>{"message": Message, "data": Data}</c> (socket.io's <c>next(err)</c> with <c>err.data</c>).
/// </summary>
public sealed class SocketIOConnectException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SocketIOConnectException()
        : base("Connection refused.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message the client sees.</param>
    public SocketIOConnectException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message the client sees.</param>
    /// <param name="innerException">The cause (not sent).</param>
    public SocketIOConnectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with data for the client.</summary>
    /// <param name="message">The message the client sees.</param>
    /// <param name="data">Extra data the client sees as <c>err.data</c>.</param>
    public SocketIOConnectException(string message, JsonElement data)
        : base(message)
    {
        ErrorData = data;
    }

    /// <summary>Extra data for the client, or <see langword="null"/>.</summary>
    public JsonElement? ErrorData { get; }
}
