using System.Text.Json.Serialization;
using SocketIO.Typed;

// The page (samples/Chat/client/src/app.ts) is typed from these contracts: the build writes their TypeScript
// declarations to samples/Chat/client/src/generated/contracts.d.ts (SocketIOTypeScriptOutput in the project).
[assembly: SocketIOTypeScript(typeof(Chat.Contracts.IChatServer), typeof(Chat.Contracts.IChatClient))]

namespace Chat.Contracts;

/// <summary>The answer to <see cref="IChatServer.Join"/>.</summary>
/// <param name="Ok">Whether the socket joined.</param>
/// <param name="Room">The room joined.</param>
/// <param name="Nick">The nickname taken.</param>
/// <param name="Users">The room's members.</param>
/// <param name="Error">Why not, when <paramref name="Ok"/> is false.</param>
public sealed record JoinReply(
    bool Ok,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Room = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Nick = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Users = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

/// <summary>The answer to a message or an image: the page turns "pending" into "delivered".</summary>
/// <param name="Ok">Whether it was delivered.</param>
/// <param name="Id">Its id.</param>
/// <param name="Time">When the server took it (ISO 8601).</param>
/// <param name="Error">Why not, when <paramref name="Ok"/> is false.</param>
public sealed record SendReply(
    bool Ok,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Time = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

/// <summary>A message in a room.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Nick">Who wrote it.</param>
/// <param name="Text">The text.</param>
/// <param name="Time">When (ISO 8601).</param>
public sealed record ChatMessage(string Id, string Nick, string Text, string Time);

/// <summary>An image in a room; <paramref name="Data"/> travels as a binary attachment (an ArrayBuffer in the page).</summary>
/// <param name="Id">Its id.</param>
/// <param name="Nick">Who sent it.</param>
/// <param name="Type">Its MIME type.</param>
/// <param name="Data">The bytes.</param>
/// <param name="Time">When (ISO 8601).</param>
public sealed record ChatImage(string Id, string Nick, string Type, byte[] Data, string Time);

/// <summary>The events a chat client sends (the server's hub handles them).</summary>
[SocketIOContract]
public interface IChatServer
{
    /// <summary>Joins one room at a time (leaving the previous one) under a nickname.</summary>
    Task<JoinReply> Join(string nick, string room);

    /// <summary>Sends a message to the room; the answer says it was delivered.</summary>
    Task<SendReply> Message(string text);

    /// <summary>Sends an image to the room.</summary>
    Task<SendReply> Image(string mimeType, byte[] bytes);

    /// <summary>Says whether the user is typing (dropped rather than queued for a busy client).</summary>
    Task Typing(bool isTyping);
}

/// <summary>The events the chat server sends (clients handle them).</summary>
[SocketIOContract]
public interface IChatClient
{
    /// <summary>A message of another member.</summary>
    Task Message(ChatMessage message);

    /// <summary>An image of another member.</summary>
    Task Image(ChatImage image);

    /// <summary>A member started or stopped typing.</summary>
    Task Typing(string nick, bool isTyping);

    /// <summary>The room's members, after every join and leave.</summary>
    Task Users(IReadOnlyList<string> users);

    /// <summary>A notice: "Ann joined", "Bob left".</summary>
    Task Notice(string text);
}
