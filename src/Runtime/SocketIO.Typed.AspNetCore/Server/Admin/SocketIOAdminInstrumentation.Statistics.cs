using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server.Engine;

namespace SocketIO.Typed.Server;

/// <summary>The Admin UI instrumentation: the statistics, counted per second as engine.io counts them and sent every interval.</summary>
internal sealed partial class SocketIOAdminInstrumentation
{
    // ------------------------------------------------------------------ statistics

    private void OnEngineConnection(EngineIOSession session) => Count("rawConnection", 1, null, 0);

    void IEngineIOTrafficObserver.PacketReceived(long bytes)
    {
        if (bytes > 0)
        {
            Count("packetsIn", 1, "bytesIn", bytes);
        }
    }

    void IEngineIOTrafficObserver.PacketSent(int packets, long bytes) => Count("packetsOut", packets, "bytesOut", bytes);

    void IEngineIOTrafficObserver.Disconnected(string reason) => Count("rawDisconnection", 1, null, 0, reason);

    // One entry per second, type and sub-type, as the Node package's EventBuffer; its byte count beside it.
    private void Count(string type, long count, string? bytesType, long bytes, string? subType = null)
    {
        if (_stopped)
        {
            return;
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long second = now - (now % 1000);
        lock (_bufferGate)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_buffer, (second, type, subType), out _) += count;
            if (bytesType is not null)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(_buffer, (second, bytesType, null), out _) += bytes;
            }
        }
    }

    private void OnStatsTick()
    {
        try
        {
            SendStats();
        }
#pragma warning disable CA1031 // a timer callback must not throw (it would end the process)
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogReportFailed(_logger, e, "server_stats");
        }
    }

    private void SendStats()
    {
        KeyValuePair<(long Timestamp, string Type, string? SubType), long>[] events;
        lock (_bufferGate)
        {
            events = [.. _buffer];
            _buffer.Clear();
        }

        if (Volatile.Read(ref _admins) == 0)
        {
            return;
        }

        int polling = 0;
        int clients = 0;
        foreach (EngineIOSession session in _server.EngineIO.Sessions)
        {
            clients++;
            if (!session.IsWebSocket)
            {
                polling++;
            }
        }

        byte[] stats = Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("serverId"u8, _serverId);
            w.WriteString("hostname"u8, Environment.MachineName);
            w.WriteNumber("pid"u8, Environment.ProcessId);
            w.WriteNumber("uptime"u8, Math.Max(0, (_time.GetUtcNow() - s_processStarted).TotalSeconds));
            w.WriteNumber("clientsCount"u8, clients);
            w.WriteNumber("pollingClientsCount"u8, polling);
            w.WriteStartArray("aggregatedEvents"u8);
            foreach (KeyValuePair<(long Timestamp, string Type, string? SubType), long> entry in events)
            {
                w.WriteStartObject();
                w.WriteNumber("timestamp"u8, entry.Key.Timestamp);
                w.WriteString("type"u8, entry.Key.Type);
                if (entry.Key.SubType is not null)
                {
                    w.WriteString("subType"u8, entry.Key.SubType);
                }

                w.WriteNumber("count"u8, entry.Value);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("namespaces"u8);
            foreach (SocketIONamespace ns in _server.Namespaces)
            {
                w.WriteStartObject();
                w.WriteString("name"u8, ns.Name);
                w.WriteNumber("socketsCount"u8, ns.Sockets.Count);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        Enqueue(new AdminReport("server_stats", stats, null));
    }
}
