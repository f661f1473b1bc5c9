using Microsoft.CodeAnalysis;

namespace SocketIO.Typed.SourceGeneration;

/// <summary>
/// Every diagnostic of SocketIO.Typed, in one place: the generator reports what stops it from generating (a contract or
/// hub it cannot turn into code), the analyzers the rest (how contracts, hubs and handlers are used). Each rule has a
/// section in docs/diagnostics.md with a wrong and a fixed example, and a row in the release files.
/// </summary>
internal static class SocketIODescriptors
{
    public const string ContractsCategory = "SocketIO.Contracts";
    public const string TypesCategory = "SocketIO.Types";
    public const string HubsCategory = "SocketIO.Hubs";
    public const string UsageCategory = "SocketIO.Usage";

    // ------------------------------------------------------------------ contracts (generator)

    public static readonly DiagnosticDescriptor UnsupportedMember = Create(
        "SIO0001", ContractsCategory, DiagnosticSeverity.Error,
        "Contract members must be methods",
        "'{0}' is not a method; a contract declares events as methods only");

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Create(
        "SIO0002", ContractsCategory, DiagnosticSeverity.Error,
        "Event methods return Task, ValueTask, Task<T> or ValueTask<T>",
        "Event method '{0}' returns '{1}'; return Task or ValueTask for a plain event, Task<T> or ValueTask<T> for an acknowledged one");

    public static readonly DiagnosticDescriptor GenericMember = Create(
        "SIO0003", ContractsCategory, DiagnosticSeverity.Error,
        "Contracts and event methods cannot be generic",
        "'{0}' is generic; a contract and its events must name concrete types");

    public static readonly DiagnosticDescriptor UnsupportedParameter = Create(
        "SIO0004", ContractsCategory, DiagnosticSeverity.Error,
        "Event parameters are plain values",
        "Parameter '{0}' of '{1}' is {2}; event parameters are passed by value");

    public static readonly DiagnosticDescriptor DuplicateEventName = Create(
        "SIO0005", ContractsCategory, DiagnosticSeverity.Error,
        "Event names are unique in a contract",
        "Event '{0}' of '{1}' is already declared by '{2}'; give one of them another name with [SocketIOEvent]");

    public static readonly DiagnosticDescriptor ReservedEventName = Create(
        "SIO0006", ContractsCategory, DiagnosticSeverity.Error,
        "Reserved event names cannot be used",
        "Event '{0}' of '{1}' uses a name socket.io reserves; rename it with [SocketIOEvent]");

    public static readonly DiagnosticDescriptor UnsupportedType = Create(
        "SIO0007", TypesCategory, DiagnosticSeverity.Error,
        "A payload type cannot be serialized",
        "'{0}' in '{1}' cannot be serialized: {2}");

    public static readonly DiagnosticDescriptor HubShape = Create(
        "SIO0008", HubsCategory, DiagnosticSeverity.Error,
        "A hub is a top-level, non-generic, non-abstract class that implements a contract",
        "Hub '{0}' cannot be generated: make it a non-abstract, non-generic top-level class with a public constructor that implements a [SocketIOContract] interface");

    public static readonly DiagnosticDescriptor CancellationTokenNotLast = Create(
        "SIO0009", ContractsCategory, DiagnosticSeverity.Error,
        "A CancellationToken comes last",
        "The CancellationToken '{0}' of '{1}' must be the last parameter; the parameters before it are the event's arguments");

    public static readonly DiagnosticDescriptor Overload = Create(
        "SIO0010", ContractsCategory, DiagnosticSeverity.Error,
        "Event methods cannot be overloaded",
        "'{0}' is declared more than once; an event has one signature, give the others their own names");

    public static readonly DiagnosticDescriptor EmptyEventName = Create(
        "SIO0011", ContractsCategory, DiagnosticSeverity.Error,
        "Event names are not empty",
        "[SocketIOEvent] on '{0}' gives an empty or blank event name");

    public static readonly DiagnosticDescriptor DelegateParameter = Create(
        "SIO0012", ContractsCategory, DiagnosticSeverity.Error,
        "Event parameters cannot be delegates",
        "Parameter '{0}' of '{1}' is a delegate; code does not travel over the wire (an acknowledgement is the method's return value)");

    public static readonly DiagnosticDescriptor ContractNotInterface = Create(
        "SIO0013", ContractsCategory, DiagnosticSeverity.Error,
        "A contract is an interface",
        "'{0}' is marked [SocketIOContract] but is not an interface; declare the events on an interface that hubs and handlers implement");

    // ------------------------------------------------------------------ hubs and handlers

    public static readonly DiagnosticDescriptor HubNotPartial = Create(
        "SIO0014", HubsCategory, DiagnosticSeverity.Error,
        "A hub is partial",
        "Hub '{0}' must be partial: the generator adds its creation and dispatch");

    public static readonly DiagnosticDescriptor NamespaceMismatch = Create(
        "SIO0015", HubsCategory, DiagnosticSeverity.Warning,
        "A contract is spoken on the namespace it declares",
        "'{0}' is used on namespace '{1}' but its contract '{2}' declares '{3}'; clients of the contract connect to '{3}'");

    public static readonly DiagnosticDescriptor NotAContract = Create(
        "SIO0016", UsageCategory, DiagnosticSeverity.Error,
        "Typed APIs take [SocketIOContract] interfaces",
        "'{0}' is not a [SocketIOContract] interface, so '{1}' has no generated code to use; pass a contract interface");

    public static readonly DiagnosticDescriptor AsyncVoidHandler = Create(
        "SIO0017", HubsCategory, DiagnosticSeverity.Warning,
        "Handlers return Task, not async void",
        "'{0}' is async void; an exception in it would crash the process and nobody can await it: return Task");

    public static readonly DiagnosticDescriptor BlockingCall = Create(
        "SIO0018", HubsCategory, DiagnosticSeverity.Warning,
        "Handlers do not block on tasks",
        "'{0}' blocks a thread-pool thread inside a handler (and can deadlock the socket's events); await it instead");

    public static readonly DiagnosticDescriptor BroadcastAckWithoutTimeout = Create(
        "SIO0019", UsageCategory, DiagnosticSeverity.Warning,
        "A broadcast that waits for answers needs a timeout",
        "EmitWithAckAsync on a broadcast waits for many sockets; call Timeout(...) first (it throws at run time without one)");

    public static readonly DiagnosticDescriptor UntypedEmitOfContractEvent = Create(
        "SIO0020", UsageCategory, DiagnosticSeverity.Info,
        "Use the typed call for a contract's event",
        "'{0}' is the event '{1}' of contract '{2}'; call it through the contract's proxy or target instead of by name");

    public static readonly DiagnosticDescriptor ReservedNameInUntypedCall = Create(
        "SIO0021", UsageCategory, DiagnosticSeverity.Error,
        "Reserved event names cannot be emitted or handled",
        "'{0}' is reserved by socket.io; {1} throws at run time with it");

    public static readonly DiagnosticDescriptor NamespaceWithoutSlash = Create(
        "SIO0022", UsageCategory, DiagnosticSeverity.Error,
        "Namespaces start with '/'",
        "The namespace '{0}' does not start with '/'; write '/{0}'");

    private static DiagnosticDescriptor Create(string id, string category, DiagnosticSeverity severity, string title, string message) => new(
        id,
        title,
        message,
        category,
        severity,
        isEnabledByDefault: true,
        helpLinkUri: "https://github.com/socketio-typed/socketio-typed/blob/main/docs/diagnostics.md#" + id.ToLowerInvariant());
}
