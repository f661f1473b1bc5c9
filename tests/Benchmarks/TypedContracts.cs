using System.Text.Json;
using System.Text.Json.Serialization;
using SocketIO.Typed.Server;

namespace SocketIO.Typed.Benchmarks;

// The contracts the typed benchmarks compile: the source generator writes their proxies, dispatchers and
// serializers into this assembly, so the benchmarks call them as an application would.

/// <summary>What a chat message is (a plain enum: a number on the wire, as System.Text.Json writes it).</summary>
public enum ChatMessageKind
{
    /// <summary>Text.</summary>
    Text,

    /// <summary>A system notice.</summary>
    Notice,
}

/// <summary>The author of a message (a nested record).</summary>
/// <param name="Id">The author's id.</param>
/// <param name="Name">The display name.</param>
/// <param name="Moderator">Whether the author moderates the room.</param>
public sealed record ChatAuthor(string Id, string Name, bool Moderator);

/// <summary>A realistic payload: strings, a nested record, a date, an enum, a list and an array.</summary>
/// <remarks>
/// <c>List</c> and an array rather than <c>IReadOnlyList</c>: both serializers (generated and System.Text.Json's) walk an
/// interface-typed list with <c>foreach</c>, which boxes its enumerator (32 B per list per write); concrete types keep the
/// comparison about the serializers, not the payload's declared types.
/// </remarks>
/// <param name="Room">The room.</param>
/// <param name="Author">Who wrote it.</param>
/// <param name="Text">The text.</param>
/// <param name="At">When.</param>
/// <param name="Kind">What it is.</param>
/// <param name="Tags">Tags.</param>
/// <param name="Mentions">Mentioned user numbers.</param>
/// <param name="Sequence">The room's sequence number.</param>
public sealed record ChatMessage(
    string Room,
    ChatAuthor Author,
    string Text,
    DateTimeOffset At,
    ChatMessageKind Kind,
    List<string> Tags,
    int[] Mentions,
    long Sequence);

/// <summary>One event carrying <see cref="ChatMessage"/>.</summary>
[SocketIOContract]
public interface IChatRoom
{
    /// <summary><c>message</c>.</summary>
    /// <param name="message">The message.</param>
    /// <returns>A task that completes once handled (or sent).</returns>
    Task Message(ChatMessage message);
}

/// <summary>The comparison: System.Text.Json's source generator, Web defaults (what the typed serializers promise to match).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ChatMessage))]
internal sealed partial class ChatJsonContext : JsonSerializerContext;

/// <summary>The payload of the load harness's fanout scenario (see samples/Benchmark.Server).</summary>
/// <param name="T">Send timestamp.</param>
/// <param name="S">Sequence number.</param>
/// <param name="P">Padding.</param>
public sealed record TickPayload(long T, long S, string P);

/// <summary>The harness's client events, as samples/Benchmark.Server declares them.</summary>
[SocketIOContract]
public interface IBenchServer
{
    /// <summary><c>echo</c>, acknowledged with its argument.</summary>
    /// <param name="payload">The string.</param>
    /// <returns>The same string.</returns>
    ValueTask<string> Echo(string payload);

    /// <summary><c>broadcast</c>: everyone gets <see cref="IBenchClient.Tick"/>.</summary>
    /// <param name="payload">The payload.</param>
    /// <returns>A task that completes once queued.</returns>
    ValueTask Broadcast(TickPayload payload);
}

/// <summary>The harness's server events.</summary>
[SocketIOContract]
public interface IBenchClient
{
    /// <summary><c>tick</c>.</summary>
    /// <param name="payload">The payload.</param>
    /// <returns>A task that completes once sent.</returns>
    Task Tick(TickPayload payload);
}

/// <summary>The typed hub of samples/Benchmark.Server, compiled here so the server benchmarks can map it.</summary>
[SocketIOHub]
public sealed partial class BenchHub : SocketHub<IBenchClient>, IBenchServer
{
    /// <inheritdoc/>
    public ValueTask<string> Echo(string payload) => ValueTask.FromResult(payload);

    /// <inheritdoc/>
    public ValueTask Broadcast(TickPayload payload) => Clients.All.Tick(payload);
}
