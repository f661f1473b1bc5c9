using Microsoft.Extensions.Logging;

namespace SocketIO.Typed.Server.Engine;

internal static partial class EngineIOServerLog
{
    [LoggerMessage(1, LogLevel.Debug, "Engine.IO session {Sid} opened over {Transport}")]
    public static partial void SessionOpened(ILogger logger, string sid, string transport);

    [LoggerMessage(2, LogLevel.Debug, "Engine.IO session {Sid} closed: {Reason}")]
    public static partial void SessionClosed(ILogger logger, string sid, string reason);

    [LoggerMessage(3, LogLevel.Debug, "Engine.IO request refused with code {Code}: {Message}")]
    public static partial void RequestRefused(ILogger logger, int code, string message);

    [LoggerMessage(4, LogLevel.Debug, "Engine.IO session {Sid} upgraded to WebSocket")]
    public static partial void Upgraded(ILogger logger, string sid);

    [LoggerMessage(5, LogLevel.Information, "Engine.IO session {Sid} sent a malformed packet; closing it")]
    public static partial void MalformedPacket(ILogger logger, string sid);

    [LoggerMessage(6, LogLevel.Warning, "Engine.IO session {Sid}: the message handler threw")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string sid);

    [LoggerMessage(7, LogLevel.Debug, "Engine.IO session {Sid}: transport error")]
    public static partial void TransportError(ILogger logger, Exception exception, string sid);

    [LoggerMessage(8, LogLevel.Information, "Engine.IO session {Sid} sent a message of {Size} bytes, more than MaxHttpBufferSize ({Max}); closing it. Raise EngineIO.MaxHttpBufferSize in AddSocketIO if messages that large are expected")]
    public static partial void PayloadTooLarge(ILogger logger, string sid, long size, int max);

    [LoggerMessage(9, LogLevel.Warning, "Engine.IO session {Sid} has more than {Max} packets waiting (a slow or vanished client); closing it")]
    public static partial void QueueFull(ILogger logger, string sid, int max);

    [LoggerMessage(10, LogLevel.Information, "Engine.IO request refused: origin {Origin} is not allowed by CORS. Add it to Cors.AllowedOrigins in AddSocketIO (or \"*\" for any origin) if pages from there should connect")]
    public static partial void OriginRefused(ILogger logger, string origin);
}
