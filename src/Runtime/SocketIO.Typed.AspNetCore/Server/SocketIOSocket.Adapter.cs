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
    // without reflection is shown by its type name; the others are still written).
    private System.Text.Json.JsonElement DescribeData()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            WriteData(writer, Data, skipKey: null);
        }

        using var document = System.Text.Json.JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>Writes socket data as a JSON object, each value with the event-argument rules or, failing that, its type name.</summary>
    internal static void WriteData(System.Text.Json.Utf8JsonWriter writer, IDictionary<string, object?> data, string? skipKey)
    {
        writer.WriteStartObject();
        foreach (KeyValuePair<string, object?> entry in data)
        {
            if (entry.Key == skipKey)
            {
                continue;
            }

            writer.WritePropertyName(entry.Key);
            try
            {
                using System.Text.Json.JsonDocument value = SocketIOPacketWriter.RenderValue(entry.Value);
                value.RootElement.WriteTo(writer);
            }
#pragma warning disable CA1031 // a value that cannot be written is shown by its type; the others still are
            catch (Exception)
#pragma warning restore CA1031
            {
                writer.WriteStringValue("(" + (entry.Value?.GetType().Name ?? "null") + ")");
            }
        }

        writer.WriteEndObject();
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
