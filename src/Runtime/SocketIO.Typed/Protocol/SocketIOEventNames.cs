using System.Text.Json;

namespace SocketIO.Typed.Protocol;

/// <summary>
/// The event names socket.io reserves for its own use (socket.io-parser's <c>RESERVED_EVENTS</c>): a packet that
/// carries one is malformed, and neither side may emit or handle one as an application event. The one list both the
/// parser and the emit/handler APIs check.
/// </summary>
public static class SocketIOEventNames
{
    /// <summary>The reserved names: <c>connect</c>, <c>connect_error</c>, <c>disconnect</c>, <c>disconnecting</c>, <c>newListener</c>, <c>removeListener</c>.</summary>
    public static IReadOnlyList<string> Reserved { get; } = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

    /// <summary>Whether <paramref name="eventName"/> is reserved.</summary>
    /// <param name="eventName">The name.</param>
    /// <returns>Whether it is reserved.</returns>
    public static bool IsReserved(string eventName) =>
        eventName is "connect" or "connect_error" or "disconnect" or "disconnecting" or "newListener" or "removeListener";

    /// <summary>Whether the UTF-8 name (already unescaped) is reserved.</summary>
    /// <param name="utf8EventName">The name as UTF-8.</param>
    /// <returns>Whether it is reserved.</returns>
    public static bool IsReserved(ReadOnlySpan<byte> utf8EventName) =>
        utf8EventName.SequenceEqual("connect"u8) || utf8EventName.SequenceEqual("connect_error"u8) ||
        utf8EventName.SequenceEqual("disconnect"u8) || utf8EventName.SequenceEqual("disconnecting"u8) ||
        utf8EventName.SequenceEqual("newListener"u8) || utf8EventName.SequenceEqual("removeListener"u8);

    /// <summary>Whether a JSON string token (quotes included), possibly with escapes, names a reserved event once unescaped.</summary>
    internal static bool IsReservedJsonString(ReadOnlySpan<byte> quotedToken)
    {
        // The longest reserved name has 14 characters; an escaped form of one is at most 6 times as long.
        if (quotedToken.Length > (14 * 6) + 2)
        {
            return false;
        }

        var reader = new Utf8JsonReader(quotedToken);
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[quotedToken.Length];
        int written = reader.CopyString(buffer);
        return IsReserved(buffer[..written]);
    }

    /// <summary>Throws for a reserved name.</summary>
    /// <param name="eventName">The name.</param>
    /// <exception cref="ArgumentException">The name is reserved.</exception>
    public static void ThrowIfReserved(string eventName)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        if (IsReserved(eventName))
        {
            throw new ArgumentException(
                $"'{eventName}' is a reserved Socket.IO event name; use the socket's Connected/Disconnected events for the lifecycle.",
                nameof(eventName));
        }
    }
}
