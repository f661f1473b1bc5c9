using Microsoft.Extensions.Logging;

namespace SocketIO.Typed.Server;

internal static partial class SocketIOServerLog
{
    [LoggerMessage(101, LogLevel.Information, "Connection {Sid} sent a malformed Socket.IO packet ({Error}); closing it")]
    public static partial void MalformedPacket(ILogger logger, string sid, string error);

    [LoggerMessage(102, LogLevel.Information, "Connection {Sid} asked for namespace {Namespace}, which this server does not serve; the client got \"Invalid namespace\". Map it (io.Of(\"{Namespace}\") or MapNamespace<THub>(\"{Namespace}\")), or connect the client to a namespace the server has")]
    public static partial void UnknownNamespace(ILogger logger, string sid, string @namespace);

    [LoggerMessage(103, LogLevel.Information, "Socket {SocketId} refused by a middleware of {Namespace}: {Message} (the client got this message in its connect_error)")]
    public static partial void Refused(ILogger logger, string socketId, string @namespace, string message);

    [LoggerMessage(104, LogLevel.Error, "The handler of event {Event} on socket {SocketId} threw")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string @event, string socketId);

    [LoggerMessage(105, LogLevel.Debug, "Socket {SocketId} of {Namespace} disconnected: {Reason}")]
    public static partial void Disconnected(ILogger logger, string socketId, string @namespace, string reason);

    [LoggerMessage(106, LogLevel.Debug, "Connection {Sid} joined no namespace within the connect timeout; closing it")]
    public static partial void ConnectTimeout(ILogger logger, string sid);

    [LoggerMessage(107, LogLevel.Debug, "Volatile packet for socket {SocketId} dropped: the transport was busy")]
    public static partial void VolatileDropped(ILogger logger, string socketId);

    [LoggerMessage(108, LogLevel.Error, "A connection handler of {Namespace} threw for socket {SocketId}")]
    public static partial void ConnectionHandlerFailed(ILogger logger, Exception exception, string @namespace, string socketId);

    [LoggerMessage(109, LogLevel.Warning, "Connection {Sid} violated the protocol ({Violation}); {Count} violation(s) so far, later ones within 10 s are not logged")]
    public static partial void ProtocolViolation(ILogger logger, string sid, string violation, int count);

    [LoggerMessage(117, LogLevel.Warning, "Stopping: the disconnect handlers of {Count} socket(s) were still running when the wait for them ended (ShutdownTimeout {Timeout}, or the host's shutdown timeout); the adapters stop anyway, and what those handlers still ask of them fails")]
    public static partial void ShutdownHandlersStillRunning(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(113, LogLevel.Error, "The adapter of namespace {Namespace} failed")]
    public static partial void AdapterFailed(ILogger logger, Exception exception, string @namespace);

    [LoggerMessage(114, LogLevel.Error, "A server-side handler of '{Event}' in namespace {Namespace} threw")]
    public static partial void ServerSideHandlerFailed(ILogger logger, Exception exception, string @event, string @namespace);

    [LoggerMessage(112, LogLevel.Warning, "Connection {Sid} is closed after {Count} protocol violations")]
    public static partial void TooManyViolations(ILogger logger, string sid, int count);

    [LoggerMessage(110, LogLevel.Error, "Restoring a session in namespace {Namespace} failed; the client gets a new session")]
    public static partial void RecoveryFailed(ILogger logger, Exception exception, string @namespace);

    [LoggerMessage(111, LogLevel.Debug, "Socket {SocketId} of {Namespace} recovered its session; {Missed} missed packets replayed")]
    public static partial void Recovered(ILogger logger, string socketId, string @namespace, int missed);

    [LoggerMessage(115, LogLevel.Warning, "A server-side event '{Event}' for namespace {Namespace} does not fit its contract and is dropped: {Error}")]
    public static partial void ServerSideBindingFailed(ILogger logger, string @event, string @namespace, string error);

    [LoggerMessage(116, LogLevel.Information, "Socket {SocketId} of {Namespace} received event '{Event}', which has no handler, so it is ignored (as socket.io does). Handle it with socket.On(\"{Event}\", ...) or a contract method, or stop the client sending it. Logged once per event name")]
    public static partial void NoHandler(ILogger logger, string socketId, string @namespace, string @event);
}
