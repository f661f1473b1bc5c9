using Microsoft.Extensions.Logging;

namespace SocketIO.Typed.Client.Transports;

internal static partial class EngineIOClientLog
{
    [LoggerMessage(1, LogLevel.Debug, "Engine.IO session {Sid} closed: {Reason}")]
    public static partial void Closed(ILogger logger, string sid, string reason);

    [LoggerMessage(2, LogLevel.Debug, "Engine.IO session {Sid} upgraded to WebSocket")]
    public static partial void Upgraded(ILogger logger, string sid);

    [LoggerMessage(3, LogLevel.Debug, "Engine.IO session {Sid}: the upgrade to WebSocket failed; staying on polling")]
    public static partial void UpgradeFailed(ILogger logger, string sid, Exception? exception);

    [LoggerMessage(4, LogLevel.Debug, "Engine.IO session {Sid}: transport error")]
    public static partial void TransportError(ILogger logger, Exception exception, string sid);

    [LoggerMessage(5, LogLevel.Error, "Engine.IO session {Sid}: a handler threw")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string sid);
}
