namespace SocketIO.Typed.Protocol;

/// <summary>The Engine.IO v4 packet types. On the wire a text packet starts with the type as one ASCII digit.</summary>
public enum EngineIOPacketType : byte
{
    /// <summary>Server to client: the handshake, with a JSON payload.</summary>
    Open = 0,

    /// <summary>Either side: close the session.</summary>
    Close = 1,

    /// <summary>Heartbeat request (server to client in v4), or <c>2probe</c> during an upgrade.</summary>
    Ping = 2,

    /// <summary>Heartbeat answer, or <c>3probe</c> during an upgrade.</summary>
    Pong = 3,

    /// <summary>Application payload, text or binary.</summary>
    Message = 4,

    /// <summary>Client to server on the new transport: the upgrade is complete.</summary>
    Upgrade = 5,

    /// <summary>Server to client: releases a pending long-polling request during an upgrade.</summary>
    Noop = 6,
}
