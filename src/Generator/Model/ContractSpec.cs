using SocketIO.Typed.SourceGeneration;

namespace SocketIO.Typed.Generator.Model;

/// <summary>One <c>[SocketIOContract]</c> interface: its events and the payload types they reach.</summary>
/// <remarks>Cached by Roslyn: keep it immutable and value-equal; no symbols, syntax or locations.</remarks>
internal sealed record ContractSpec(
    string Namespace,
    string InterfaceFullName,
    string GeneratedName,
    bool IsPublic,
    string? DefaultNamespace,
    EquatableArray<EventSpec> Events,
    EquatableArray<TypeSpec> Types);

/// <summary>How an event answers.</summary>
internal enum ReturnKind
{
    Task,
    ValueTask,
    TaskOfT,
    ValueTaskOfT,
}

/// <summary>One event: a contract method.</summary>
/// <param name="EventName">The name on the wire.</param>
/// <param name="MethodName">The C# method name.</param>
/// <param name="Parameters">The arguments, in order (the trailing <c>CancellationToken</c> excluded).</param>
/// <param name="CancellationTokenName">The name of the trailing <c>CancellationToken</c> parameter, if any.</param>
/// <param name="Return">How the event answers.</param>
/// <param name="ReturnTypeSyntax">The declared return type, as C# (<c>global::System.Threading.Tasks.Task&lt;int&gt;</c>).</param>
/// <param name="AckTypeSyntax">The ack's C# type (<c>T</c> of <c>Task&lt;T&gt;</c>), or null for a plain event.</param>
/// <param name="AckValues">The ack's arguments: one, or the tuple's elements.</param>
/// <param name="AckIsTuple">Whether the ack is a tuple spread over several arguments.</param>
internal sealed record EventSpec(
    string EventName,
    string MethodName,
    EquatableArray<ValueSpec> Parameters,
    string? CancellationTokenName,
    ReturnKind Return,
    string ReturnTypeSyntax,
    string? AckTypeSyntax,
    EquatableArray<ValueSpec> AckValues,
    bool AckIsTuple)
{
    public bool IsAcknowledged => Return is ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT;
}

/// <summary>A value on the wire: an event argument, an ack argument or a tuple element.</summary>
/// <param name="Name">The parameter or tuple element name (<c>Item1</c> when unnamed).</param>
/// <param name="TypeKey">The key of its <see cref="TypeSpec"/>.</param>
/// <param name="TypeSyntax">Its C# type as declared (with nullable annotations).</param>
/// <param name="CanBeMissing">Whether a missing argument reads as null (a nullable type).</param>
internal sealed record ValueSpec(string Name, string TypeKey, string TypeSyntax, bool CanBeMissing);
