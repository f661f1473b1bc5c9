using SocketIO.Typed.Adapters;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Server;

/// <summary>The socket as its namespace's adapter sees it: deliveries, broadcast acknowledgements and its description across servers.</summary>
public sealed partial class SocketIOSocket
{
    // ------------------------------------------------------------------ as the adapter sees it

    void ISocketIOLocalSocket.Deliver(EncodedPacket packet, BroadcastFlags flags)
    {
        SocketIOMetrics.Add(Namespace.Server.Metrics.BroadcastDeliveries, Namespace.Name);
        Outbox.Deliver(packet, flags);
    }

    void ISocketIOLocalSocket.RegisterBroadcastAck(long ackId, IBroadcastAckCollector collector) => RegisterBroadcastAck(ackId, collector);

    SocketIORemoteSocket ISocketIOLocalSocket.Describe() =>
        new(Namespace.Adapter, this, Rooms, () => DescribeData(), Handshake.ToRecord());

    // The data as it crosses servers: JSON written with the event-argument rules (a value that cannot be written
    // without reflection is reported by its type).
    private System.Text.Json.JsonElement DescribeData()
    {
        using System.Text.Json.JsonDocument document = SocketIOPacketWriter.RenderValue(Data);
        return document.RootElement.Clone();
    }

    private sealed class BroadcastAck(IBroadcastAckCollector collector) : ISocketIOPendingAck
    {
        public void Complete(string? socketId, SocketIOArguments arguments) => collector.OnAck(socketId, arguments);

        public void Fail(Exception exception)
        {
            // A socket that leaves before answering simply does not answer; the collector's timeout reports it.
        }
    }
}
