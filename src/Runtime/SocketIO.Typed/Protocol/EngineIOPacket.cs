namespace SocketIO.Typed.Protocol;

/// <summary>One decoded Engine.IO packet. <see cref="Data"/> points into the buffer it was read from.</summary>
/// <param name="Type">The packet type.</param>
/// <param name="Data">The payload after the type digit (text packets), or the raw bytes (binary messages).</param>
/// <param name="IsBinary"><see langword="true"/> for a binary message.</param>
public readonly record struct EngineIOPacket(EngineIOPacketType Type, ReadOnlyMemory<byte> Data, bool IsBinary);
