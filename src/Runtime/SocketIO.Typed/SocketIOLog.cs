using Microsoft.Extensions.Logging;

namespace SocketIO.Typed;

/// <summary>Log messages of the parts shared by the server and the client (event IDs 300-399).</summary>
internal static partial class SocketIOLog
{
    [LoggerMessage(301, LogLevel.Error, "An outgoing-event listener threw for '{EventName}'")]
    public static partial void OutgoingListenerFailed(ILogger logger, Exception exception, string eventName);

    [LoggerMessage(302, LogLevel.Warning, "{Peer}: the arguments of '{EventName}' could not be read: {Error}")]
    public static partial void BindingFailed(ILogger logger, string peer, string eventName, string error);

    [LoggerMessage(303, LogLevel.Error, "A {Event} listener of namespace {Namespace} threw for room '{Room}' and socket {SocketId}; the adapter went on")]
    public static partial void RoomListenerFailed(ILogger logger, Exception exception, string @event, string @namespace, string room, string socketId);
}
