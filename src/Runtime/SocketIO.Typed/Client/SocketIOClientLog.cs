using Microsoft.Extensions.Logging;

namespace SocketIO.Typed.Client;

internal static partial class SocketIOClientLog
{
    [LoggerMessage(201, LogLevel.Debug, "Connection opened (Engine.IO session {Sid} over {Transport})")]
    public static partial void Opened(ILogger logger, string sid, string transport);

    [LoggerMessage(202, LogLevel.Debug, "Connection closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, string reason, Exception? exception);

    [LoggerMessage(203, LogLevel.Warning, "Reconnection gave up after {Attempts} attempts")]
    public static partial void ReconnectFailed(ILogger logger, int attempts);

    [LoggerMessage(204, LogLevel.Information, "Reconnected after {Attempts} attempts")]
    public static partial void Reconnected(ILogger logger, int attempts);

    [LoggerMessage(205, LogLevel.Debug, "Reconnection attempt {Attempt} failed")]
    public static partial void ReconnectAttemptFailed(ILogger logger, Exception exception, int attempt);

    [LoggerMessage(206, LogLevel.Warning, "A received packet was malformed ({Error}); closing the connection")]
    public static partial void MalformedPacket(ILogger logger, string error);

    [LoggerMessage(207, LogLevel.Error, "An event listener threw")]
    public static partial void ListenerFailed(ILogger logger, Exception exception);

    [LoggerMessage(208, LogLevel.Debug, "Namespace {Namespace} connected as {SocketId} (recovered: {Recovered})")]
    public static partial void Connected(ILogger logger, string @namespace, string socketId, bool recovered);

    [LoggerMessage(209, LogLevel.Debug, "Namespace {Namespace} disconnected: {Reason}")]
    public static partial void Disconnected(ILogger logger, string @namespace, string reason);

    [LoggerMessage(210, LogLevel.Information, "Namespace {Namespace} refused the connection: {Message}")]
    public static partial void ConnectRefused(ILogger logger, string @namespace, string message);

    [LoggerMessage(211, LogLevel.Error, "The handler of '{EventName}' on {Namespace} threw")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string eventName, string @namespace);

    [LoggerMessage(212, LogLevel.Warning, "{Namespace}: an acknowledgement with unknown id {AckId} was ignored")]
    public static partial void UnknownAck(ILogger logger, string @namespace, long ackId);

    [LoggerMessage(213, LogLevel.Debug, "{Namespace}: a volatile emit was dropped while disconnected")]
    public static partial void VolatileDropped(ILogger logger, string @namespace);

    [LoggerMessage(214, LogLevel.Debug, "{Namespace}: an acknowledgement was dropped: the socket is disconnected")]
    public static partial void AckDropped(ILogger logger, string @namespace);

    [LoggerMessage(216, LogLevel.Warning, "'{EventName}' on {Namespace} arrived before the CONNECT reply and the receive buffer is full; dropped")]
    public static partial void EarlyEventDropped(ILogger logger, string eventName, string @namespace);

    [LoggerMessage(215, LogLevel.Warning, "'{EventName}' on {Namespace} was dropped after {Tries} unacknowledged tries")]
    public static partial void RetriesExhausted(ILogger logger, string eventName, string @namespace, int tries);

    [LoggerMessage(217, LogLevel.Debug, "{Namespace}: the client was disposed while event handlers were still running or queued; they finish in the background")]
    public static partial void HandlersStillRunning(ILogger logger, string @namespace);
}
