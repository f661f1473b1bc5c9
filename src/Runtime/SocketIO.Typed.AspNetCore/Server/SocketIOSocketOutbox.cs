using SocketIO.Typed.Adapters;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Server;

/// <summary>
/// What a socket sends: every packet for it (direct emits and each broadcast it receives) passes here, where outgoing
/// listeners see it, a volatile one is dropped when the transport is busy, and everything waits until the CONNECT
/// reply (and, for a recovered socket, its missed packets) went out, so nothing overtakes them.
/// </summary>
internal sealed class SocketIOSocketOutbox(SocketIOSocket socket)
{
    private readonly SocketIOSocket _socket = socket;

    // Until the CONNECT reply (and, for a recovered socket, its missed packets) is written, outgoing packets wait here.
    private bool _holding = true;
    private List<EncodedPacket>? _held;

    /// <summary>
    /// Queues a packet for this socket (a direct emit, or one recipient of a broadcast); takes over the reference.
    /// Outgoing listeners see it first; a volatile packet is dropped when the transport is busy.
    /// </summary>
    public void Deliver(EncodedPacket packet, BroadcastFlags flags)
    {
        if (!_socket.Connected)
        {
            packet.Release();
            return;
        }

        if ((flags & BroadcastFlags.Volatile) != 0 && !_socket.Connection.IsWritable)
        {
            // A documented drop: volatile packets are skipped when the transport is busy (counted and logged).
            _socket.Namespace.Server.CountVolatileDrop();
            SocketIOServerLog.VolatileDropped(_socket.Logger, _socket.Id);
            packet.Release();
            return;
        }

        if (!_socket.Outgoing.IsEmpty)
        {
            _socket.Outgoing.Notify(packet, _socket.Logger);
        }

        if (Volatile.Read(ref _holding))
        {
            lock (_socket.Gate)
            {
                if (_holding)
                {
                    (_held ??= []).Add(packet);
                    return;
                }
            }
        }

        _socket.Connection.Engine.Send(packet);
    }

    /// <summary>After the CONNECT reply: writes the missed packets (recovery), then what waited, then goes live.</summary>
    /// <param name="missed">Packets to replay, each holding a reference this call takes over.</param>
    public void FinishConnect(IReadOnlyList<EncodedPacket>? missed)
    {
        if (missed is not null)
        {
            foreach (EncodedPacket packet in missed)
            {
                _socket.Connection.Engine.Send(packet);
            }
        }

        lock (_socket.Gate)
        {
            if (_held is not null)
            {
                foreach (EncodedPacket packet in _held)
                {
                    _socket.Connection.Engine.Send(packet);
                }

                _held = null;
            }

            _holding = false;
        }
    }

    public void ReleaseHeld()
    {
        lock (_socket.Gate)
        {
            if (_held is not null)
            {
                foreach (EncodedPacket packet in _held)
                {
                    packet.Release();
                }

                _held = null;
            }
        }
    }
}
