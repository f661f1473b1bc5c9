using Microsoft.Extensions.Logging;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed;

/// <summary>
/// The <c>OnAnyOutgoing</c> listeners of one socket (server or client): each event packet this socket sends, direct
/// or broadcast, is read back and shown to every listener; a listener that throws is logged and the packet still goes.
/// </summary>
internal sealed class SocketIOOutgoingListeners
{
    private readonly object _gate = new();
    private Action<string, SocketIOArguments>[] _listeners = [];

    /// <summary>Whether no listener is registered (the common case: nothing is decoded then).</summary>
    public bool IsEmpty => Volatile.Read(ref _listeners).Length == 0;

    /// <summary>Adds a listener.</summary>
    public void Add(Action<string, SocketIOArguments> listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        lock (_gate)
        {
            _listeners = [.. _listeners, listener];
        }
    }

    /// <summary>Removes a listener.</summary>
    public void Remove(Action<string, SocketIOArguments> listener)
    {
        lock (_gate)
        {
            _listeners = Array.FindAll(_listeners, l => l != listener);
        }
    }

    /// <summary>Shows an outgoing packet to the listeners if it is an event.</summary>
    /// <param name="packet">The packet (the caller holds a reference during the call).</param>
    /// <param name="logger">Where a failing listener is logged.</param>
    public void Notify(EncodedPacket packet, ILogger logger)
    {
        Action<string, SocketIOArguments>[] listeners = Volatile.Read(ref _listeners);
        if (listeners.Length == 0 || !EncodedEventReader.TryReadEvent(packet, out string name, out SocketIOArguments arguments))
        {
            return;
        }

        foreach (Action<string, SocketIOArguments> listener in listeners)
        {
            try
            {
                listener(name, arguments);
            }
#pragma warning disable CA1031 // a failing listener must not stop the packet
            catch (Exception e)
#pragma warning restore CA1031
            {
                SocketIOLog.OutgoingListenerFailed(logger, e, name);
            }
        }
    }
}
