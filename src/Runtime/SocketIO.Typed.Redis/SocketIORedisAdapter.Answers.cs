using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Adapters.Cluster;
using SocketIO.Typed.Protocol;
using StackExchange.Redis;

namespace SocketIO.Typed.Redis;

/// <summary>The Redis adapter: the requests of the other servers (answered here) and their answers to this server's requests.</summary>
public sealed partial class SocketIORedisAdapter
{
    // ------------------------------------------------------------------ requests from the other servers

    private async Task OnRequestMessageAsync(ChannelMessage message)
    {
        try
        {
            if (Bytes(message) is not { } bytes || bytes.Length == 0)
            {
                return;
            }

            if (bytes[0] == (byte)'{')
            {
                using JsonDocument document = JsonDocument.Parse(bytes);
                await OnJsonRequestAsync(document.RootElement).ConfigureAwait(false);
            }
            else
            {
                await OnBroadcastRequestAsync(bytes).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // whatever another process publishes, this server goes on
        catch (Exception e)
#pragma warning restore CA1031
        {
            Dropped(e, "request");
        }
    }

    private async Task OnJsonRequestAsync(JsonElement request)
    {
        if (!request.TryGetProperty("type"u8, out JsonElement typeElement) || !typeElement.TryGetInt32(out int type))
        {
            return;
        }

        string? uid = request.TryGetProperty("uid"u8, out JsonElement u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        string? requestId = request.TryGetProperty("requestId"u8, out JsonElement r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        switch (type)
        {
            case SocketsRequest when requestId is not null && uid != _uid && !_requests.ContainsKey(requestId):
                IReadOnlyCollection<string> ids = GetSockets(request.TryGetProperty("rooms"u8, out JsonElement rooms) ? Strings(rooms) : []);
                await RespondAsync(uid, Json(w =>
                {
                    w.WriteString("requestId"u8, requestId);
                    WriteStrings(w, "sockets"u8, ids);
                })).ConfigureAwait(false);
                break;
            case AllRoomsRequest when requestId is not null && uid != _uid && !_requests.ContainsKey(requestId):
                IReadOnlyCollection<string> all = Rooms;
                await RespondAsync(uid, Json(w =>
                {
                    w.WriteString("requestId"u8, requestId);
                    WriteStrings(w, "rooms"u8, all);
                })).ConfigureAwait(false);
                break;
            case RemoteJoin or RemoteLeave or RemoteDisconnect when uid != _uid && request.TryGetProperty("opts"u8, out JsonElement opts):
                // Applied here already when this server asked (Node servers apply their own through the echo).
                BroadcastOptions options = ReadJsonOptions(opts);
                if (type == RemoteDisconnect)
                {
                    await base.DisconnectSocketsAsync(options, request.TryGetProperty("close"u8, out JsonElement close) && close.ValueKind == JsonValueKind.True).ConfigureAwait(false);
                }
                else
                {
                    string[] targetRooms = request.TryGetProperty("rooms"u8, out JsonElement list) ? Strings(list) : [];
                    await (type == RemoteJoin ? base.AddSocketsAsync(options, targetRooms) : base.DeleteSocketsAsync(options, targetRooms)).ConfigureAwait(false);
                }

                break;
            case RemoteFetch when requestId is not null && uid != _uid && !_requests.ContainsKey(requestId):
                BroadcastOptions fetch = request.TryGetProperty("opts"u8, out JsonElement fetchOpts) ? ReadJsonOptions(fetchOpts) : new BroadcastOptions([], [], BroadcastFlags.None);
                IReadOnlyList<SocketIORemoteSocket> sockets = await base.FetchSocketsAsync(fetch).ConfigureAwait(false);
                await RespondAsync(uid, Json(w =>
                {
                    w.WriteString("requestId"u8, requestId);
                    w.WriteStartArray("sockets"u8);
                    foreach (SocketIORemoteSocket socket in sockets)
                    {
                        WriteSocket(w, socket);
                    }

                    w.WriteEndArray();
                })).ConfigureAwait(false);
                break;
            case ServerSideEmitRequest when uid != _uid && request.TryGetProperty("data"u8, out JsonElement data) && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0 && data[0].ValueKind == JsonValueKind.String:
                string eventName = data[0].GetString()!;
                SocketIOArguments arguments = SocketIOArguments.FromJsonArray(Json(w =>
                {
                    int i = 0;
                    foreach (JsonElement item in data.EnumerateArray())
                    {
                        if (i++ > 0)
                        {
                            item.WriteTo(w);
                        }
                    }
                }, array: true));
                Action<EncodedPacket>? answer = requestId is null ? null : packet => AnswerServerSideEmit(requestId, packet);

                // Not awaited: a slow handler must not hold up the messages behind it (joins, broadcasts, answers).
                _ = RunServerSideHandlersAsync(eventName, arguments, answer);
                break;
        }
    }

    private async Task RunServerSideHandlersAsync(string eventName, SocketIOArguments arguments, Action<EncodedPacket>? answer)
    {
        try
        {
            await Host.OnServerSideEventAsync(eventName, arguments, answer).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a failing handler is logged; the adapter goes on
        catch (Exception e)
#pragma warning restore CA1031
        {
            Dropped(e, "server-side event");
        }
    }

    // A server-side handler answered: its first value goes back as {type: 6, requestId, data} on the shared channel
    // (JSON, binary as Node writes a Buffer).
    private void AnswerServerSideEmit(string requestId, EncodedPacket packet)
    {
        try
        {
            byte[] text = packet.Text.Length > 1 ? packet.Text[1..].ToArray() : [];
            ReadOnlyMemory<byte> first = default;
            IReadOnlyList<ReadOnlyMemory<byte>> attachments = [.. Enumerable.Range(0, packet.AttachmentCount).Select(packet.GetAttachment)];
            if (SocketIOParser.TryParse(text, out SocketIOPacketHeader header) == SocketIOParseError.None)
            {
                SocketIOArguments answer = SocketIOArguments.FromJsonArray(header.GetPayload(text), attachments);
                if (answer.Count > 0)
                {
                    first = answer.GetRawJson(0);
                }
            }

            byte[] response = Json(w =>
            {
                w.WriteNumber("type"u8, ServerSideEmitRequest);
                w.WriteString("requestId"u8, requestId);
                w.WritePropertyName("data"u8);
                if (first.IsEmpty)
                {
                    w.WriteNullValue();
                }
                else
                {
                    SocketIOMsgPackJson.WriteNodeJson(w, first.Span, attachments);
                }
            });
            _ = PublishAsync(_responseChannel, response, "server-side emit answer");
        }
        finally
        {
            packet.Release();
        }
    }

    private async Task OnBroadcastRequestAsync(byte[] bytes)
    {
        string? requestId = null;
        string? uid = null;
        int packetAt = -1;
        int optsAt = -1;
        long type = -1;
        var reader = new SocketIOMsgPackReader(bytes);
        for (int entries = reader.ReadMapHeader(); entries > 0; entries--)
        {
            string? key = reader.NextType == SocketIOMsgPackType.String ? reader.ReadString() : null;
            switch (key)
            {
                case "uid" when reader.NextType == SocketIOMsgPackType.String:
                    uid = reader.ReadString();
                    break;
                case "requestId" when reader.NextType == SocketIOMsgPackType.String:
                    requestId = reader.ReadString();
                    break;
                case "type" when reader.NextType == SocketIOMsgPackType.Integer:
                    type = reader.ReadInt64();
                    break;
                case "packet":
                    packetAt = reader.Position;
                    reader.Skip();
                    break;
                case "opts":
                    optsAt = reader.Position;
                    reader.Skip();
                    break;
                default:
                    if (key is null)
                    {
                        reader.Skip();
                    }

                    reader.Skip();
                    break;
            }
        }

        if (type != BroadcastRequest || requestId is null || uid == _uid || _ackRequests.ContainsKey(requestId))
        {
            return;
        }

        var forward = new ForwardingCollector(this, requestId, uid);
        EncodedPacket? packet = null;
        BroadcastOptions options = new([], [], BroadcastFlags.None);
        long ackId = Host.NextAckId();
        try
        {
            if (optsAt >= 0)
            {
                var optsReader = new SocketIOMsgPackReader(bytes.AsSpan(optsAt));
                options = SocketIOClusterWire.ReadOptions(ref optsReader);
            }

            if (packetAt >= 0)
            {
                var packetReader = new SocketIOMsgPackReader(bytes.AsSpan(packetAt));
                packet = SocketIOClusterPacket.Read(ref packetReader, Host.Name, ackId);
            }
        }
        catch (FormatException e)
        {
            Dropped(e, "broadcast with acks");
        }

        if (packet is null)
        {
            // The asking server counts one report per server: this one reaches nobody.
            forward.AddExpected(0);
            return;
        }

        if ((options.Flags & BroadcastFlags.NoCompress) != 0)
        {
            packet.SetCompress(false);
        }

        await base.BroadcastWithAckAsync(packet, ackId, options with { Flags = options.Flags | BroadcastFlags.Local }, forward).ConfigureAwait(false);
    }

    // The answers of this server's sockets to a broadcast another server made: counted, then each sent back.
    private sealed class ForwardingCollector(SocketIORedisAdapter adapter, string requestId, string? requester) : IBroadcastAckCollector
    {
        public void AddExpected(int count)
        {
            byte[] response = Json(w =>
            {
                w.WriteNumber("type"u8, BroadcastClientCount);
                w.WriteString("requestId"u8, requestId);
                w.WriteNumber("clientCount"u8, count);
            });
            _ = adapter.RespondAsync(requester, response);
        }

        public void OnAck(string? socketId, SocketIOArguments arguments)
        {
            byte[] response = MsgPack((ref SocketIOMsgPackWriter w) =>
            {
                w.WriteMapHeader(3);
                w.WriteString("type"u8);
                w.WriteInt64(BroadcastAck);
                w.WriteString("requestId"u8);
                w.WriteString(requestId);
                w.WriteString("packet"u8);
                if (arguments.Count > 0)
                {
                    SocketIOMsgPackJson.WriteJson(ref w, arguments.GetRawJson(0).Span, arguments.Attachments);
                }
                else
                {
                    w.WriteNil();
                }
            });
            _ = adapter.RespondAsync(requester, response);
        }
    }

    private Task<bool> RespondAsync(string? requester, byte[] response) =>
        PublishAsync(_options.PublishOnSpecificResponseChannel && requester is not null ? _responseChannel + requester + "#" : _responseChannel, response, "response");

    // ------------------------------------------------------------------ answers to this server's requests

    private void OnResponseMessage(ChannelMessage message)
    {
        try
        {
            if (Bytes(message) is not { } bytes || bytes.Length == 0)
            {
                return;
            }

            if (bytes[0] == (byte)'{')
            {
                using JsonDocument document = JsonDocument.Parse(bytes);
                JsonElement response = document.RootElement;
                if (!response.TryGetProperty("requestId"u8, out JsonElement idElement) || idElement.GetString() is not { } requestId)
                {
                    return;
                }

                if (_ackRequests.TryGetValue(requestId, out IBroadcastAckCollector? collector))
                {
                    if (response.TryGetProperty("type"u8, out JsonElement type) && type.TryGetInt32(out int t) && t == BroadcastClientCount
                        && response.TryGetProperty("clientCount"u8, out JsonElement count) && count.TryGetInt32(out int clients))
                    {
                        collector.AddExpected(Math.Max(0, clients));
                    }
                }
                else if (_requests.TryGetValue(requestId, out PendingRequest? pending))
                {
                    if (pending.Type == ServerSideEmitRequest && pending.Collector is { } serverSide)
                    {
                        // Each other server answers once: one more expected answer, and the answer.
                        serverSide.AddExpected(1);
                        serverSide.OnAck(null, SocketIOArguments.FromJsonArray(Json(w =>
                        {
                            if (response.TryGetProperty("data"u8, out JsonElement data))
                            {
                                data.WriteTo(w);
                            }
                            else
                            {
                                w.WriteNullValue();
                            }
                        }, array: true)));
                    }
                    else
                    {
                        pending.Add(response.Clone());
                    }
                }

                return;
            }

            OnBroadcastAckMessage(bytes);
        }
#pragma warning disable CA1031 // whatever another process publishes, this server goes on
        catch (Exception e)
#pragma warning restore CA1031
        {
            Dropped(e, "response");
        }
    }

    private void OnBroadcastAckMessage(byte[] bytes)
    {
        string? requestId = null;
        long type = -1;
        int packetAt = -1;
        var reader = new SocketIOMsgPackReader(bytes);
        for (int entries = reader.ReadMapHeader(); entries > 0; entries--)
        {
            string? key = reader.NextType == SocketIOMsgPackType.String ? reader.ReadString() : null;
            if (key is null)
            {
                reader.Skip();
                reader.Skip();
            }
            else if (key == "requestId" && reader.NextType == SocketIOMsgPackType.String)
            {
                requestId = reader.ReadString();
            }
            else if (key == "type" && reader.NextType == SocketIOMsgPackType.Integer)
            {
                type = reader.ReadInt64();
            }
            else
            {
                if (key == "packet")
                {
                    packetAt = reader.Position;
                }

                reader.Skip();
            }
        }

        if (requestId is null || !_ackRequests.TryGetValue(requestId, out IBroadcastAckCollector? collector))
        {
            return;
        }

        if (type == BroadcastAck && packetAt >= 0)
        {
            var value = new SocketIOMsgPackReader(bytes.AsSpan(packetAt));
            SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
            try
            {
                writer.BeginAck();
                SocketIOMsgPackJson.ReadToJson(ref value, writer);
                collector.OnAck(null, writer.ToArguments());
            }
            finally
            {
                SocketIOPacketWriter.Return(writer);
            }
        }
        else if (type == BroadcastClientCount)
        {
            // A count sent as MessagePack (the JSON form is the usual one).
            var again = new SocketIOMsgPackReader(bytes);
            for (int entries = again.ReadMapHeader(); entries > 0; entries--)
            {
                if (again.NextType == SocketIOMsgPackType.String && again.ReadString() == "clientCount")
                {
                    collector.AddExpected((int)Math.Clamp(again.ReadInt64(), 0, int.MaxValue));
                    return;
                }

                again.Skip();
            }
        }
    }
}
