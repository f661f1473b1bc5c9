using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Adapters.Cluster;
using SocketIO.Typed.Protocol;
using StackExchange.Redis;

namespace SocketIO.Typed.Redis;

/// <summary>The Redis adapter: what this server asks of the other servers (server count, sockets, room changes, server-side events), and the requests waiting for their answers.</summary>
public sealed partial class SocketIORedisAdapter
{
    // ------------------------------------------------------------------ requests to the other servers

    /// <inheritdoc/>
    public override async ValueTask<int> GetServerCountAsync(CancellationToken cancellationToken = default)
    {
        RedisResult result;
        try
        {
            result = await _redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", _requestChannel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SocketIOClusterException($"The server count could not be read: Redis is unreachable ({e.Message}).", e);
        }

        RedisResult[] pair = (RedisResult[])result!;
        return pair.Length >= 2 ? (int)(long)pair[1] : 0;
    }

    /// <inheritdoc/>
    public override async ValueTask<IReadOnlyList<SocketIORemoteSocket>> FetchSocketsAsync(BroadcastOptions options, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<SocketIORemoteSocket> local = await base.FetchSocketsAsync(options, cancellationToken).ConfigureAwait(false);
        if ((options.Flags & BroadcastFlags.Local) != 0)
        {
            return local;
        }

        int others = await GetServerCountAsync(cancellationToken).ConfigureAwait(false) - 1;
        if (others <= 0)
        {
            return local;
        }

        string requestId = NewId();
        var pending = new PendingRequest(RemoteFetch, others);
        _requests[requestId] = pending;
        try
        {
            byte[] request = Json(w =>
            {
                w.WriteString("uid"u8, _uid);
                w.WriteString("requestId"u8, requestId);
                w.WriteNumber("type"u8, RemoteFetch);
                w.WritePropertyName("opts"u8);
                WriteJsonOptions(w, options);
            });
            if (!await PublishAsync(_requestChannel, request, "fetch sockets").ConfigureAwait(false))
            {
                throw new SocketIOClusterException("The other servers could not be asked for their sockets: the Redis connection failed (see the log).");
            }

            List<JsonElement> answers = await pending.WaitAsync(_options.RequestsTimeout, Host.TimeProvider, "fetchSockets", cancellationToken).ConfigureAwait(false);
            var all = new List<SocketIORemoteSocket>(local);
            foreach (JsonElement answer in answers)
            {
                if (answer.TryGetProperty("sockets"u8, out JsonElement sockets) && sockets.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement socket in sockets.EnumerateArray())
                    {
                        try
                        {
                            all.Add(ReadSocket(socket));
                        }
                        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
                        {
                            Dropped(e, "fetch sockets answer");
                        }
                    }
                }
            }

            return all;
        }
        finally
        {
            _requests.TryRemove(requestId, out _);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask AddSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        await base.AddSocketsAsync(options, rooms).ConfigureAwait(false);
        if ((options.Flags & BroadcastFlags.Local) == 0)
        {
            await PublishRoomsRequestAsync(RemoteJoin, options, rooms).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask DeleteSocketsAsync(BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        ArgumentNullException.ThrowIfNull(rooms);
        await base.DeleteSocketsAsync(options, rooms).ConfigureAwait(false);
        if ((options.Flags & BroadcastFlags.Local) == 0)
        {
            await PublishRoomsRequestAsync(RemoteLeave, options, rooms).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask DisconnectSocketsAsync(BroadcastOptions options, bool close)
    {
        if ((options.Flags & BroadcastFlags.Local) == 0)
        {
            // Published first: the local sockets' disconnection changes the rooms the options name.
            byte[] request = Json(w =>
            {
                w.WriteString("uid"u8, _uid);
                w.WriteNumber("type"u8, RemoteDisconnect);
                w.WritePropertyName("opts"u8);
                WriteJsonOptions(w, options);
                w.WriteBoolean("close"u8, close);
            });
            await PublishAsync(_requestChannel, request, "disconnect sockets").ConfigureAwait(false);
        }

        await base.DisconnectSocketsAsync(options, close).ConfigureAwait(false);
    }

    private async ValueTask PublishRoomsRequestAsync(int type, BroadcastOptions options, IReadOnlyCollection<string> rooms)
    {
        byte[] request = Json(w =>
        {
            w.WriteString("uid"u8, _uid);
            w.WriteNumber("type"u8, type);
            w.WritePropertyName("opts"u8);
            WriteJsonOptions(w, options);
            w.WriteStartArray("rooms"u8);
            foreach (string room in rooms)
            {
                w.WriteStringValue(room);
            }

            w.WriteEndArray();
        });
        await PublishAsync(_requestChannel, request, type == RemoteJoin ? "sockets join" : "sockets leave").ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async ValueTask ServerSideEmitAsync(EncodedPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        await PublishAsync(_requestChannel, ServerSideEmitRequestOf(packet, requestId: null), "server-side emit").ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override async ValueTask ServerSideEmitWithAckAsync(EncodedPacket packet, IBroadcastAckCollector collector)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(collector);
        string requestId = NewId();
        byte[] request = ServerSideEmitRequestOf(packet, requestId);

        var pending = new PendingRequest(ServerSideEmitRequest, int.MaxValue) { Collector = collector };
        _requests[requestId] = pending;
        if (!await PublishAsync(_requestChannel, request, "server-side emit with acks").ConfigureAwait(false))
        {
            _requests.TryRemove(requestId, out _);
            return;
        }

        _ = ForgetRequestLaterAsync(requestId);
    }

    // {uid, requestId?, type: 6, data: [event, ...args]}; takes over the packet's reference.
    private byte[] ServerSideEmitRequestOf(EncodedPacket packet, string? requestId)
    {
        try
        {
            return Json(w =>
            {
                w.WriteString("uid"u8, _uid);
                if (requestId is not null)
                {
                    w.WriteString("requestId"u8, requestId);
                }

                w.WriteNumber("type"u8, ServerSideEmitRequest);
                w.WritePropertyName("data"u8);
                WriteEventData(w, packet);
            });
        }
        finally
        {
            packet.Release();
        }
    }

    private async Task ForgetRequestLaterAsync(string requestId)
    {
        await Task.Delay(_options.RequestsTimeout, Host.TimeProvider).ConfigureAwait(false);
        _requests.TryRemove(requestId, out _);
    }


    /// <summary>A request to the other servers waiting for their answers.</summary>
    private sealed class PendingRequest(int type, int expected)
    {
        private readonly TaskCompletionSource<List<JsonElement>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<JsonElement> _answers = [];

        public int Type { get; } = type;

        public IBroadcastAckCollector? Collector { get; init; }

        public void Add(JsonElement answer)
        {
            lock (_answers)
            {
                _answers.Add(answer);
                if (_answers.Count >= expected)
                {
                    _done.TrySetResult([.. _answers]);
                }
            }
        }

        public void Fail(Exception e) => _done.TrySetException(e);

        public async Task<List<JsonElement>> WaitAsync(TimeSpan timeout, TimeProvider time, string what, CancellationToken cancellationToken)
        {
            try
            {
                return await _done.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                int received;
                lock (_answers)
                {
                    received = _answers.Count;
                }

                throw new TimeoutException($"timeout reached while waiting for {what} response: {received} of {expected} servers answered within {timeout.TotalSeconds:0.###} s (SocketIORedisAdapterOptions.RequestsTimeout).", e);
            }
        }
    }
}
