using SocketIO.Typed.SourceGeneration;

namespace SocketIO.Typed.Generator.Model;

/// <summary>One <c>[SocketIOHub]</c> class: how to create it and which contract dispatchers serve it.</summary>
/// <remarks>Cached by Roslyn: keep it immutable and value-equal; no symbols, syntax or locations.</remarks>
/// <param name="Namespace">The C# namespace of the hub ("" for the global one).</param>
/// <param name="ClassName">The hub's name.</param>
/// <param name="FullName">The hub's fully qualified name.</param>
/// <param name="IsSealed">Whether the class is sealed (the declaration repeats its modifiers only where needed).</param>
/// <param name="DefaultNamespace">The Socket.IO namespace from the attribute or the first contract, or null.</param>
/// <param name="ConstructorParameters">The constructor's parameters, in order.</param>
/// <param name="Dispatchers">The generated dispatchers of the contracts the hub implements (fully qualified), tried in order.</param>
/// <param name="ClientContract">The <c>TClient</c> of a <c>SocketHub&lt;TClient&gt;</c> hub (fully qualified), or null for a <c>SocketHub</c>.</param>
internal sealed record HubSpec(
    string Namespace,
    string ClassName,
    string FullName,
    string? DefaultNamespace,
    EquatableArray<HubParameterSpec> ConstructorParameters,
    EquatableArray<string> Dispatchers,
    string? ClientContract);

/// <summary>A typed hub whose <c>ISocketIOHubContext&lt;THub, TClient&gt;</c> the compilation registers.</summary>
/// <param name="Hub">The hub (fully qualified).</param>
/// <param name="Client">Its client contract (fully qualified).</param>
internal sealed record HubContextSpec(string Hub, string Client);

/// <summary>A constructor parameter of a hub, resolved from the socket's services.</summary>
internal sealed record HubParameterSpec(string TypeSyntax, bool IsServiceProvider, bool IsOptional, string? DefaultValue);
