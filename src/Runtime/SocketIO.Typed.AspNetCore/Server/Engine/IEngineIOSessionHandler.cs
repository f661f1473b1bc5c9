namespace SocketIO.Typed.Server.Engine;

/// <summary>Receives what happens on one Engine.IO session. Calls for one session never overlap.</summary>
public interface IEngineIOSessionHandler
{
    /// <summary>A message arrived.</summary>
    /// <param name="socket">The session.</param>
    /// <param name="data">The message; valid only during the call (copy what you keep).</param>
    /// <param name="isBinary">Whether it is a binary message.</param>
    void OnMessage(EngineIOSession socket, ReadOnlyMemory<byte> data, bool isBinary);

    /// <summary>The session closed; called once.</summary>
    /// <param name="socket">The session.</param>
    /// <param name="reason">Why, in engine.io's words: <c>transport close</c>, <c>transport error</c>, <c>ping timeout</c>, <c>parse error</c>, <c>forced close</c>, <c>server shutting down</c>.</param>
    void OnClose(EngineIOSession socket, string reason);
}
