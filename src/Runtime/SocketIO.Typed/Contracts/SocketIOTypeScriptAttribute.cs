namespace SocketIO.Typed;

/// <summary>
/// Asks the source generator for TypeScript declarations of a pair of contracts, for socket.io's typed
/// <c>Socket&lt;ServerToClientEvents, ClientToServerEvents&gt;</c>: an event map per contract (acknowledged events take
/// socket.io's trailing callback), <c>ClientToServerEvents</c> and <c>ServerToClientEvents</c>, and every payload type
/// with the JSON names the generated serializers use. Set the MSBuild property <c>SocketIOTypeScriptOutput</c> to the
/// <c>.d.ts</c> file the build writes them to; see <c>docs/typescript.md</c>.
/// </summary>
/// <example>
/// <code>
/// [assembly: SocketIOTypeScript(typeof(IChatServer), typeof(IChatClient))]
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true, Inherited = false)]
public sealed class SocketIOTypeScriptAttribute : Attribute
{
    /// <summary>Declares the pair.</summary>
    /// <param name="clientToServer">The contract clients call (the server implements it).</param>
    /// <param name="serverToClient">The contract the server calls (clients implement it).</param>
    public SocketIOTypeScriptAttribute(Type clientToServer, Type serverToClient)
    {
        ClientToServer = clientToServer;
        ServerToClient = serverToClient;
    }

    /// <summary>The contract clients call.</summary>
    public Type ClientToServer { get; }

    /// <summary>The contract the server calls.</summary>
    public Type ServerToClient { get; }

    /// <summary>
    /// A prefix for the two event-map names when a project declares several pairs (<c>"Chat"</c> gives
    /// <c>ChatClientToServerEvents</c>); none by default.
    /// </summary>
    public string? Prefix { get; set; }
}
