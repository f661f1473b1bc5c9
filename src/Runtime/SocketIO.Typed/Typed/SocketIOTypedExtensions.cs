namespace SocketIO.Typed;

/// <summary>
/// Typed views of the untyped targets: a contract's proxy over one socket (either side) and its broadcast target over a
/// broadcast operator. What the SIO0020 code fix writes in place of an untyped emit by name.
/// </summary>
public static class SocketIOTypedExtensions
{
    /// <summary>
    /// The contract's generated proxy over one socket: <c>socket.As&lt;IChatClient&gt;().Said("hi")</c> sends the
    /// contract's <c>said</c> event to that socket with the generated serializers (and waits for the answer of an
    /// acknowledged event). Each call creates a small proxy; keep it when you send often.
    /// </summary>
    /// <typeparam name="TContract">The contract of the events the peer handles.</typeparam>
    /// <param name="emitter">The socket (the server's <c>SocketIOSocket</c> or the client's <c>SocketIOClientSocket</c>).</param>
    /// <returns>The proxy.</returns>
    /// <exception cref="InvalidOperationException">No generated code exists for <typeparamref name="TContract"/>.</exception>
    public static TContract As<TContract>(this ISocketIOEmitter emitter)
        where TContract : class
    {
        ArgumentNullException.ThrowIfNull(emitter);
        return SocketIOContracts.Get<TContract>().CreateProxy(emitter);
    }

    /// <summary>
    /// The contract's broadcast target over a broadcast operator: <c>io.To("room").As&lt;IChatClient&gt;().Said("hi")</c>
    /// encodes the event once for every recipient. Acknowledged events need <c>.Timeout(...)</c> first, as on a hub's
    /// <c>Clients</c>.
    /// </summary>
    /// <typeparam name="TContract">The contract of the events the recipients handle.</typeparam>
    /// <param name="broadcaster">The operator (rooms, exceptions and flags already applied).</param>
    /// <returns>The typed target.</returns>
    public static SocketIOBroadcastTarget<TContract> As<TContract>(this ISocketIOBroadcaster broadcaster)
        where TContract : class
    {
        ArgumentNullException.ThrowIfNull(broadcaster);
        return new SocketIOBroadcastTarget<TContract>(broadcaster);
    }
}
