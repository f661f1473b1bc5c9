namespace SocketIO.Typed.Protocol;

/// <summary>The values of the Engine.IO <c>open</c> packet.</summary>
/// <param name="Sid">The session id.</param>
/// <param name="Upgrades">Transports the client may upgrade to (<c>["websocket"]</c> on polling, empty on WebSocket).</param>
/// <param name="PingIntervalMs">Heartbeat period in milliseconds.</param>
/// <param name="PingTimeoutMs">How long the client has to answer a ping, in milliseconds.</param>
/// <param name="MaxPayload">The largest polling payload the server accepts, in bytes.</param>
public sealed record EngineIOHandshake(string Sid, IReadOnlyList<string> Upgrades, long PingIntervalMs, long PingTimeoutMs, long MaxPayload);
