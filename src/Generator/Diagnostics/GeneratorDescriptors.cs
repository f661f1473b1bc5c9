using Microsoft.CodeAnalysis;

namespace SocketIO.Typed.Generator.Diagnostics;

/// <summary>What the generator reports: only what stops it from generating (SIO0001–SIO0019); every other rule is an analyzer's.</summary>
internal static class GeneratorDescriptors
{
    private const string Category = "SocketIO.Typed.Generator";

    public static readonly DiagnosticDescriptor UnsupportedMember = Create(
        "SIO0001",
        "Contract members must be methods",
        "'{0}' is not a method; a contract declares events as methods only");

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Create(
        "SIO0002",
        "Event methods return Task, ValueTask, Task<T> or ValueTask<T>",
        "Event method '{0}' returns '{1}'; return Task or ValueTask for a plain event, Task<T> or ValueTask<T> for an acknowledged one");

    public static readonly DiagnosticDescriptor GenericMember = Create(
        "SIO0003",
        "Contracts and event methods cannot be generic",
        "'{0}' is generic; a contract and its events must name concrete types");

    public static readonly DiagnosticDescriptor UnsupportedParameter = Create(
        "SIO0004",
        "Event parameters are plain values",
        "Parameter '{0}' of '{1}' is {2}; event parameters are passed by value, and a CancellationToken may only come last");

    public static readonly DiagnosticDescriptor DuplicateEventName = Create(
        "SIO0005",
        "Event names are unique in a contract",
        "Event '{0}' of '{1}' is already declared by '{2}'; give one of them another name with [SocketIOEvent]");

    public static readonly DiagnosticDescriptor ReservedEventName = Create(
        "SIO0006",
        "Reserved event names cannot be used",
        "Event '{0}' of '{1}' uses a name socket.io reserves; rename it with [SocketIOEvent]");

    public static readonly DiagnosticDescriptor UnsupportedType = Create(
        "SIO0007",
        "A payload type cannot be serialized",
        "'{0}' in '{1}' cannot be serialized: {2}");

    public static readonly DiagnosticDescriptor HubShape = Create(
        "SIO0008",
        "A hub is a partial, top-level, non-generic class that implements a contract",
        "Hub '{0}' cannot be generated: make it a partial, non-abstract, non-generic top-level class with a public constructor that implements a [SocketIOContract] interface");

    private static DiagnosticDescriptor Create(string id, string title, string message) => new(
        id,
        title,
        message,
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: "https://github.com/socketio-typed/socketio-typed/blob/main/docs/diagnostics.md#" + id.ToLowerInvariant());
}
