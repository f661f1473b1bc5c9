using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client.Transports;

/// <summary>
/// One way of moving an <see cref="EngineIOClientSession"/>'s packets (engine.io-client's <c>Transport</c>): it writes
/// what the session's queue holds, reads frames and hands them to <see cref="EngineIOClientSession.HandleFrame"/>, and
/// says goodbye when the session closes. The session serialises writes: <see cref="WriteAsync"/> and
/// <see cref="CloseAsync"/> never run concurrently.
/// </summary>
internal abstract class EngineIOClientTransport(EngineIOClientSession session)
{
    /// <summary>The session this transport carries.</summary>
    protected EngineIOClientSession Session { get; } = session;

    /// <summary>The transport's name on the wire: <c>polling</c> or <c>websocket</c>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Writes what is queued now (at least one packet is); releases every packet it takes from the reader.
    /// </summary>
    public abstract Task WriteAsync(ChannelReader<EncodedPacket> queue);

    /// <summary>Tells the server that the client closes, after the last write (engine.io-client's <c>close</c>).</summary>
    public abstract Task CloseAsync();

    /// <summary>Drops the connection without a goodbye (the session failed).</summary>
    public abstract void Abort();

    /// <summary>Reads an Engine.IO open packet (<c>0{...}</c>).</summary>
    protected static bool TryReadOpen(ReadOnlySpan<byte> packet, [NotNullWhen(true)] out EngineIOHandshake? handshake)
    {
        handshake = null;
        return !packet.IsEmpty && packet[0] == (byte)'0' && EngineIOParser.TryReadOpenPacket(packet[1..], out handshake) && handshake is not null;
    }
}
