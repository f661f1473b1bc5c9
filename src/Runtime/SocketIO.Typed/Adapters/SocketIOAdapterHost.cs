using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Adapters;

/// <summary>
/// What a namespace offers its adapter (socket.io-adapter's <c>nsp</c>): its name, the server's identity and clock, its
/// local sockets, its ack ids, and where events from other servers (<c>serverSideEmit</c>) go. The adapter knows
/// nothing else of the server, so adapters live outside the ASP.NET Core package.
/// </summary>
public interface ISocketIOAdapterHost
{
    /// <summary>The namespace name, for example <c>/</c> or <c>/chat</c>.</summary>
    string Name { get; }

    /// <summary>This server's id, unique in a cluster (a new one per process).</summary>
    string ServerId { get; }

    /// <summary>The clock of timeouts and of the recovery window.</summary>
    TimeProvider TimeProvider { get; }

    /// <summary>Connection state recovery settings, or null when recovery is off.</summary>
    ConnectionStateRecoveryOptions? ConnectionStateRecovery { get; }

    /// <summary>Where the adapter logs.</summary>
    ILogger Logger { get; }

    /// <summary>The next acknowledgement id of the namespace (an adapter numbers the acks of broadcasts it relays).</summary>
    /// <returns>The id.</returns>
    long NextAckId();

    /// <summary>Finds a socket connected to this namespace on this server.</summary>
    /// <param name="socketId">The socket id.</param>
    /// <param name="socket">The socket.</param>
    /// <returns>Whether it is connected here.</returns>
    bool TryGetLocalSocket(string socketId, [NotNullWhen(true)] out ISocketIOLocalSocket? socket);

    /// <summary>
    /// Delivers an event another server sent with <c>ServerSideEmit</c> to this namespace's server-side handlers.
    /// </summary>
    /// <param name="eventName">The event name.</param>
    /// <param name="arguments">The arguments (they own their memory).</param>
    /// <param name="answer">When the sender waits for an answer: called once with the handler's answer; otherwise null.</param>
    /// <returns>A task that completes when the handlers ran.</returns>
    ValueTask OnServerSideEventAsync(string eventName, SocketIOArguments arguments, Action<EncodedPacket>? answer);
}

/// <summary>A socket connected to this server, as an adapter sees it.</summary>
public interface ISocketIOLocalSocket
{
    /// <summary>The socket id (a room of its own).</summary>
    string Id { get; }

    /// <summary>Queues a packet for this socket (one recipient of a broadcast); takes over the caller's reference.</summary>
    /// <param name="packet">The packet.</param>
    /// <param name="flags">The broadcast flags (a volatile packet is dropped when the transport is busy).</param>
    void Deliver(EncodedPacket packet, BroadcastFlags flags);

    /// <summary>Routes the acknowledgement with <paramref name="ackId"/> from this socket to <paramref name="collector"/>.</summary>
    /// <param name="ackId">The ack id the broadcast packet carries.</param>
    /// <param name="collector">The collector.</param>
    void RegisterBroadcastAck(long ackId, IBroadcastAckCollector collector);

    /// <summary>Joins rooms.</summary>
    /// <param name="rooms">The rooms.</param>
    void Join(IEnumerable<string> rooms);

    /// <summary>Leaves a room.</summary>
    /// <param name="room">The room.</param>
    void Leave(string room);

    /// <summary>Disconnects the socket (with its whole connection when <paramref name="close"/>).</summary>
    /// <param name="close">Whether to close the connection too.</param>
    void Disconnect(bool close = false);

    /// <summary>The socket as other servers see it (socket.io's <c>SocketDetails</c>): id, rooms, data, handshake.</summary>
    /// <returns>The description.</returns>
    SocketIORemoteSocket Describe();
}

/// <summary>
/// Creates the adapter of each namespace; register one in dependency injection to replace the in-memory adapter
/// (it takes precedence over <c>SocketIOServerOptions.AdapterFactory</c>).
/// </summary>
public interface ISocketIOAdapterFactory
{
    /// <summary>Creates the adapter of a namespace.</summary>
    /// <param name="host">The namespace.</param>
    /// <returns>The adapter.</returns>
    SocketIOAdapter Create(ISocketIOAdapterHost host);
}
