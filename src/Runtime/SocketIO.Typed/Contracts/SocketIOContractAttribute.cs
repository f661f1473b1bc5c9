namespace SocketIO.Typed;

/// <summary>
/// Marks an interface as a Socket.IO contract: each method is one event, its parameters the event's arguments in order,
/// and its return type says whether the event is acknowledged (<c>Task</c>/<c>ValueTask</c>: a plain event;
/// <c>Task&lt;T&gt;</c>/<c>ValueTask&lt;T&gt;</c>: the ack carries a <c>T</c>, a tuple for several ack arguments). The
/// source generator turns a contract into typed proxies, dispatchers and serializers; see <c>docs/contracts.md</c>.
/// </summary>
/// <example>
/// <code>
/// [SocketIOContract(Namespace = "/chat")]
/// public interface IChatServer
/// {
///     Task SendMessage(string room, string text);   // event "sendMessage"
///     Task&lt;JoinResult&gt; Join(string room);           // acknowledged event "join"
///     [SocketIOEvent("typing")] Task SetTyping(bool on);
/// }
/// </code>
/// </example>
// Classes and structs are allowed by the attribute so that the analyzers can say what to do (SIO0013), not CS0592.
[AttributeUsage(AttributeTargets.Interface | AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class SocketIOContractAttribute : Attribute
{
    /// <summary>How method names become event names when a method has no <see cref="SocketIOEventAttribute"/> (default camelCase).</summary>
    public SocketIOEventNaming Naming { get; set; } = SocketIOEventNaming.CamelCase;

    /// <summary>
    /// The namespace this contract is spoken on when a hub or a client does not name one (for example <c>/chat</c>);
    /// null means the main namespace <c>/</c>. It must start with <c>/</c>.
    /// </summary>
    public string? Namespace { get; set; }

    /// <summary>
    /// A <c>System.Text.Json</c> source-generated <c>JsonSerializerContext</c> for payload types the generator cannot
    /// serialize itself (an interface or abstract type with <c>[JsonPolymorphic]</c>, <c>object</c>, a type with a custom
    /// converter, a dictionary with non-string keys...). Such a type must be listed with <c>[JsonSerializable]</c> on the
    /// context; it is then read and written through the context's <c>JsonTypeInfo</c>, with the context's options (use
    /// <c>[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]</c> to match the rest of the payload). Binary inside
    /// such a type travels as base64 text, not as an attachment.
    /// </summary>
    public Type? JsonContext { get; set; }
}

/// <summary>Gives a contract method its wire event name, whatever the contract's <see cref="SocketIOContractAttribute.Naming"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class SocketIOEventAttribute : Attribute
{
    /// <summary>Names the event.</summary>
    /// <param name="name">The event name on the wire, for example <c>chat:message</c>; not empty, not a reserved name.</param>
    public SocketIOEventAttribute(string name)
    {
        Name = name;
    }

    /// <summary>The event name on the wire.</summary>
    public string Name { get; }
}

/// <summary>How a contract's method names become event names.</summary>
public enum SocketIOEventNaming
{
    /// <summary><c>SendMessage</c> → <c>sendMessage</c> (the default: what JavaScript code expects, like the camelCase JSON of the payloads).</summary>
    CamelCase,

    /// <summary>The method name unchanged: <c>SendMessage</c> → <c>SendMessage</c>.</summary>
    AsDeclared,

    /// <summary><c>SendMessage</c> → <c>send_message</c> (python-socketio code often names events this way).</summary>
    SnakeCaseLower,

    /// <summary><c>SendMessage</c> → <c>send-message</c>.</summary>
    KebabCaseLower,
}
