using System.Runtime.CompilerServices;
using SocketIO.Typed.Client;

namespace SocketIO.Typed;

/// <summary>
/// What the generator emits for one <see cref="SocketIOContractAttribute"/> interface: a proxy that sends the
/// contract's events and a dispatcher that calls a handler implementing it. Generated code registers one instance per
/// contract with <see cref="SocketIOContracts.Register{TContract}"/>; the runtime's generic typed API finds it there.
/// </summary>
/// <typeparam name="TContract">The contract interface.</typeparam>
public abstract class SocketIOContract<TContract>
    where TContract : class
{
    /// <summary>The namespace the contract names (<see cref="SocketIOContractAttribute.Namespace"/>), or <see langword="null"/>.</summary>
    public abstract string? Namespace { get; }

    /// <summary>A proxy whose methods send the contract's events to one socket.</summary>
    /// <param name="emitter">The socket (either side).</param>
    /// <returns>The proxy.</returns>
    public abstract TContract CreateProxy(ISocketIOEmitter emitter);

    /// <summary>Dispatches one event a client socket received to a handler implementing the contract.</summary>
    /// <param name="handler">The handler.</param>
    /// <param name="context">The event.</param>
    /// <returns>What happened (handled, no such event, or a binding failure).</returns>
    public abstract ValueTask<SocketIODispatchResult> DispatchAsync(TContract handler, SocketIOClientEventContext context);

    /// <summary>Dispatches one event of any other context (a server-side event from another server) to a handler implementing the contract.</summary>
    /// <param name="handler">The handler.</param>
    /// <param name="context">The event.</param>
    /// <returns>What happened (handled, no such event, or a binding failure).</returns>
    public abstract ValueTask<SocketIODispatchResult> DispatchAsync(TContract handler, ISocketIOEventContext context);
}

/// <summary>
/// The generated contracts of the process. The generator registers each contract from a module initializer of the
/// assembly that declares it; <see cref="Get{TContract}"/> runs that initializer if it has not run yet.
/// </summary>
public static class SocketIOContracts
{
    /// <summary>Registers the generated code of a contract (called by generated code).</summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <param name="contract">Its generated proxy factory and dispatcher.</param>
    public static void Register<TContract>(SocketIOContract<TContract> contract)
        where TContract : class
    {
        ArgumentNullException.ThrowIfNull(contract);
        Holder<TContract>.Contract = contract;
    }

    /// <summary>The generated code of a contract.</summary>
    /// <typeparam name="TContract">The contract interface, marked <see cref="SocketIOContractAttribute"/>.</typeparam>
    /// <returns>Its proxy factory and dispatcher.</returns>
    /// <exception cref="InvalidOperationException">No generated code exists for <typeparamref name="TContract"/>.</exception>
    public static SocketIOContract<TContract> Get<TContract>()
        where TContract : class
    {
        if (Holder<TContract>.Contract is { } contract)
        {
            return contract;
        }

        // The registration is a module initializer of the contract's assembly; the runtime runs it before any code of
        // that assembly, but a contract assembly may have run none yet (its interfaces have no code).
        RuntimeHelpers.RunModuleConstructor(typeof(TContract).Module.ModuleHandle);
        return Holder<TContract>.Contract ?? throw new InvalidOperationException(
            $"No generated code was found for '{typeof(TContract).FullName}': mark the interface [SocketIOContract] and reference the SocketIO.Typed package (which runs the generator) from the project that declares it.");
    }

    private static class Holder<TContract>
        where TContract : class
    {
        public static SocketIOContract<TContract>? Contract;
    }
}
