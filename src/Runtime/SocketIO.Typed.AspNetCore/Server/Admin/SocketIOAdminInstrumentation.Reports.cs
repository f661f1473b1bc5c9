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

/// <summary>The Admin UI instrumentation: the sockets snapshot, the development-mode reports of every socket, room and event, and the loop that sends them in order.</summary>
internal sealed partial class SocketIOAdminInstrumentation
{
    private async Task<byte[]> AllSocketsAsync(CancellationToken cancellationToken)
    {
        var sockets = new List<byte[]>();
        foreach (SocketIONamespace ns in _server.Namespaces)
        {
            IReadOnlyList<SocketIORemoteSocket> found;
            try
            {
                found = await ns.FetchSocketsAsync(cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // a namespace whose adapter cannot answer is left out of the list, not the whole list
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                LogReportFailed(_logger, e, "all_sockets");
                continue;
            }

            foreach (SocketIORemoteSocket socket in found)
            {
                try
                {
                    sockets.Add(Value(w => WriteSocket(w, socket, ns.Name)));
                }
#pragma warning disable CA1031 // one socket that cannot be described is left out, not the whole list
                catch (Exception e)
#pragma warning restore CA1031
                {
                    LogReportFailed(_logger, e, "all_sockets");
                }
            }
        }

        return Json(w =>
        {
            w.WriteStartArray();
            foreach (byte[] socket in sockets)
            {
                w.WriteRawValue(socket, skipInputValidation: true);
            }

            w.WriteEndArray();
        });
    }

    // ------------------------------------------------------------------ development mode: every socket, room and event

    private void Watch(SocketIONamespace ns)
    {
        string nsp = ns.Name;
        Action<string, string> joined = (room, id) => Report("room_joined", w =>
        {
            w.WriteStringValue(nsp);
            w.WriteStringValue(room);
            w.WriteStringValue(id);
            w.WriteStringValue(Now());
        });
        Action<string, string> left = (room, id) => Report("room_left", w =>
        {
            w.WriteStringValue(nsp);
            w.WriteStringValue(room);
            w.WriteStringValue(id);
            w.WriteStringValue(Now());
        });
        if (_watched.TryAdd(ns, (joined, left)))
        {
            ns.Adapter.RoomJoined += joined;
            ns.Adapter.RoomLeft += left;
        }
    }

    private void OnSocketConnected(SocketIOSocket socket)
    {
        string nsp = socket.Namespace.Name;
        string id = socket.Id;

        // Watched before the socket is described, so an upgrade in between is reported, not lost.
        EngineIOSession engine = socket.Connection.Engine;
        Action<EngineIOSession>? upgraded = null;
        if (!engine.IsWebSocket)
        {
            upgraded = _ => Report("socket_updated", w =>
            {
                w.WriteStartObject();
                w.WriteString("id"u8, id);
                w.WriteString("nsp"u8, nsp);
                w.WriteString("transport"u8, "websocket");
                w.WriteEndObject();
            });
            engine.Upgraded += upgraded;
        }

        Report("socket_connected", w =>
        {
            WriteSocket(w, socket.Id, ClientId(socket.ConnectionId), socket.Transport, nsp, socket.Handshake.ToRecord(), socket.Rooms, data => WriteData(data, socket.Data));
            w.WriteStringValue(Now());
        });

        if (socket.Namespace != Namespace)
        {
            socket.OnAny((name, args) =>
            {
                ReportEvent("event_received", nsp, id, name, args);
                return ValueTask.CompletedTask;
            });
            socket.OnAnyOutgoing((name, args) => ReportEvent("event_sent", nsp, id, name, args));
        }

        WhenGone(socket, reason =>
        {
            if (upgraded is not null)
            {
                engine.Upgraded -= upgraded;
            }

            Report("socket_disconnected", w =>
            {
                w.WriteStringValue(nsp);
                w.WriteStringValue(id);
                w.WriteStringValue(reason);
                w.WriteStringValue(Now());
            });
        });
    }

    private void ReportEvent(string report, string nsp, string id, string name, SocketIOArguments args) => Report(report, w =>
    {
        w.WriteStringValue(nsp);
        w.WriteStringValue(id);
        w.WriteStartArray();
        w.WriteStringValue(name);
        for (int i = 0; i < args.Count; i++)
        {
            w.WriteRawValue(args.GetRawJson(i).Span, skipInputValidation: true);
        }

        w.WriteEndArray();
        w.WriteStringValue(Now());
    });

    // ------------------------------------------------------------------ sending, in order

    private void Report(string report, Action<Utf8JsonWriter> writeElements)
    {
        if (Volatile.Read(ref _admins) == 0 || _stopped)
        {
            return; // nobody watches: nothing to tell (as the Node package, whose emit to an empty namespace reaches no one)
        }

        byte[] arguments;
        try
        {
            arguments = Json(writeElements);
        }
#pragma warning disable CA1031 // a report that cannot be written is logged; the server goes on
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogReportFailed(_logger, e, report);
            return;
        }

        Enqueue(new AdminReport(report, arguments, null));
    }

    private void Enqueue(AdminReport report)
    {
        if (!_reports.Writer.TryWrite(report) && !_stopped)
        {
            _server.Metrics.Dropped("admin_queue_full");
            if (Interlocked.Exchange(ref _dropLogged, 1) == 0)
            {
                LogReportsDropped(_logger, _options.MaxQueuedReports);
            }
        }
    }

    private async Task SendReportsAsync()
    {
        await foreach (AdminReport report in _reports.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await SendGate.ConfigureAwait(false);
                if (report.SnapshotFor is { } admin)
                {
                    byte[] sockets = await AllSocketsAsync(admin.Disconnected).ConfigureAwait(false);
                    await admin.EmitAsync(report.Event, SocketIOArguments.FromJsonArray(sockets)).ConfigureAwait(false);
                }
                else
                {
                    await Namespace.EmitAsync(report.Event, SocketIOArguments.FromJsonArray(report.Arguments)).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (report.SnapshotFor is { Connected: false })
            {
                // The admin left before its snapshot was taken.
            }
#pragma warning disable CA1031 // one failed report must not stop the others
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogReportFailed(_logger, e, report.Event);
            }
        }
    }

    /// <summary>A report for every admin socket, or (with <see cref="SnapshotFor"/>) the sockets snapshot for one.</summary>
    private readonly record struct AdminReport(string Event, byte[]? Arguments, SocketIOSocket? SnapshotFor);
}
