namespace SocketIO.Typed.Protocol;

/// <summary>The Socket.IO v5 packet types, written as one ASCII digit at the start of a packet.</summary>
public enum SocketIOPacketType : byte
{
    /// <summary>Connect to a namespace (client: optional auth object; server: <c>{"sid":…}</c>).</summary>
    Connect = 0,

    /// <summary>Disconnect from a namespace.</summary>
    Disconnect = 1,

    /// <summary>An event: a non-empty array whose first element is the event name.</summary>
    Event = 2,

    /// <summary>An acknowledgement: an array of the ack arguments.</summary>
    Ack = 3,

    /// <summary>A refused namespace connection: <c>{"message":…,"data"?:…}</c>.</summary>
    ConnectError = 4,

    /// <summary>An event with binary attachments.</summary>
    BinaryEvent = 5,

    /// <summary>An acknowledgement with binary attachments.</summary>
    BinaryAck = 6,
}
