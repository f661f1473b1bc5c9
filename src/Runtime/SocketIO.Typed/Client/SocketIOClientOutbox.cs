using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client;

/// <summary>
/// Every packet a client socket sends: events go out at once while the namespace is connected and wait in the send
/// buffer otherwise (socket.io-client's <c>sendBuffer</c>, flushed in order by <see cref="Open"/>); volatile events are
/// dropped instead when disconnected or when the transport is busy; acknowledgements and control packets go straight
/// to the connection. Outgoing listeners see each event as it is written.
/// </summary>
internal sealed class SocketIOClientOutbox(SocketIOClientSocket socket)
{
    private readonly SocketIOClientSocket _socket = socket;
    private readonly object _gate = new();
    private readonly List<EncodedPacket> _buffer = [];
    private bool _open;
    private long _volatileDropped;

    /// <summary>The outgoing listeners (<see cref="SocketIOClientSocket.OnAnyOutgoing"/>).</summary>
    public SocketIOOutgoingListeners Listeners { get; } = new();

    /// <summary>How many volatile events were dropped.</summary>
    public long VolatileDropped => Interlocked.Read(ref _volatileDropped);

    private SocketIOClientOptions Options => _socket.Client.Options;

    /// <summary>
    /// Sends an event packet, takes over the reference: now when connected; otherwise a volatile packet is dropped and
    /// any other is buffered (or refused, as <see cref="SocketIOClientOptions.DisconnectedEmits"/> says).
    /// </summary>
    /// <exception cref="SocketIODisconnectedException">Disconnected and emits fail, or the send buffer is full.</exception>
    public void Send(EncodedPacket packet, bool isVolatile)
    {
        lock (_gate)
        {
            if (_open && (!isVolatile || _socket.Client.Engine?.IsWritable == true))
            {
                SendNotified(packet);
                return;
            }

            if (isVolatile)
            {
                // A documented drop, as socket.io-client: volatile emits are skipped while disconnected or while the
                // transport is busy writing (counted and logged).
                Interlocked.Increment(ref _volatileDropped);
                SocketIOClientLog.VolatileDropped(_socket.Logger, _socket.Namespace);
                packet.Release();
                return;
            }

            if (Options.DisconnectedEmits == SocketIODisconnectedEmitBehavior.Fail)
            {
                packet.Release();
                throw new SocketIODisconnectedException($"The socket of {_socket.Namespace} is not connected.");
            }

            if (_buffer.Count >= Options.SendBufferLimit)
            {
                packet.Release();
                throw new SocketIODisconnectedException($"The socket of {_socket.Namespace} is not connected and its send buffer is full ({Options.SendBufferLimit} packets).");
            }

            _buffer.Add(packet);
        }
    }

    /// <summary>Sends an acknowledgement packet (from an event context); takes over the reference.</summary>
    public void SendAck(EncodedPacket packet)
    {
        lock (_gate)
        {
            if (_open)
            {
                SendNow(packet);
                return;
            }
        }

        // An answer to a server that is gone has nobody to go to (socket.io-client drops it too).
        SocketIOClientLog.AckDropped(_socket.Logger, _socket.Namespace);
        packet.Release();
    }

    /// <summary>Sends a packet without payload (DISCONNECT) at once.</summary>
    public void SendControl(SocketIOPacketType type)
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginRaw();
            packet = writer.ToRawPacket(type, _socket.Namespace);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        SendNow(packet);
    }

    /// <summary>
    /// Hands a packet to the connection (takes over the reference): queued when the connection is open, released
    /// otherwise. CONNECT packets go this way: the namespace is not connected yet.
    /// </summary>
    public void SendNow(EncodedPacket packet)
    {
        if (_socket.Client.Engine is { } engine)
        {
            engine.Send(packet);
        }
        else
        {
            packet.Release();
        }
    }

    /// <summary>The namespace connected: what was emitted while disconnected goes out, in order, before anything newer.</summary>
    public void Open()
    {
        lock (_gate)
        {
            foreach (EncodedPacket packet in _buffer)
            {
                SendNotified(packet);
            }

            _buffer.Clear();
            _open = true;
        }
    }

    /// <summary>The namespace disconnected: events wait in the buffer again.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _open = false;
        }
    }

    private void SendNotified(EncodedPacket packet)
    {
        if (!Listeners.IsEmpty)
        {
            Listeners.Notify(packet, _socket.Logger);
        }

        SendNow(packet);
    }
}
