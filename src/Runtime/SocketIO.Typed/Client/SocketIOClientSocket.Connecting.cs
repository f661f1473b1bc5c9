using System.Text.Json;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client;

// The socket's lifecycle: connecting, auth, connection state recovery, disconnecting, and the packets of its namespace.
public sealed partial class SocketIOClientSocket
{
    // ------------------------------------------------------------------ connecting

    /// <summary>
    /// Connects to the namespace (opening the shared connection if needed) and completes when the server accepted.
    /// </summary>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>A task that completes when connected.</returns>
    /// <remarks>
    /// As socket.io-client's manager: when the connection cannot be opened and <see cref="SocketIOClientOptions.Reconnection"/>
    /// is on, <see cref="ConnectError"/> is raised for each failed attempt and the client keeps trying with its backoff
    /// until it connects or <see cref="SocketIOClientOptions.ConnectTimeout"/> passes. With reconnection off it fails at once.
    /// </remarks>
    /// <exception cref="SocketIOConnectException">The namespace refused the connection (message and data from the middleware).</exception>
    /// <exception cref="TimeoutException">Not connected within <see cref="SocketIOClientOptions.ConnectTimeout"/>.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        TaskCompletionSource tcs;
        lock (_gate)
        {
            if (_connected)
            {
                return;
            }

            _active = true;
            tcs = _connectTcs ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_client.Options.ConnectTimeout);
        try
        {
            await _client.EnsureOpenAsync(timeout.Token).ConfigureAwait(false);
            await SendConnectAsync().ConfigureAwait(false);
            await tcs.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                if (!_connected)
                {
                    _active = false;
                    _connectSent = false;
                    if (_connectTcs == tcs)
                    {
                        _connectTcs = null;
                    }
                }
            }

            _client.OnSocketInactive();
            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // A server that has nothing at the path may not answer at all (a Node http server): say where we looked.
                string endpoint = new Uri(_client.Uri, _client.Options.Path.TrimEnd('/') + "/").GetLeftPart(UriPartial.Path);
                throw new TimeoutException(
                    $"Connecting to namespace {Namespace} did not complete within {_client.Options.ConnectTimeout.TotalMilliseconds} ms. "
                    + $"Is a Socket.IO server answering at {endpoint}? Check the URL and the path (SocketIOClientOptions.Path; socket.io's default is /socket.io/).",
                    e);
            }

            throw;
        }
    }

    /// <summary>Disconnects from the namespace (reason <c>io client disconnect</c>); no reconnection follows.</summary>
    /// <returns>A task that completes when done.</returns>
    public ValueTask DisconnectAsync()
    {
        bool wasConnected;
        TaskCompletionSource? pending;
        lock (_gate)
        {
            wasConnected = _connected;
            _active = false;
            _connectSent = false;
            pending = _connectTcs;
            _connectTcs = null;
        }

        Inbox.DiscardHeld();
        pending?.TrySetException(new SocketIODisconnectedException("DisconnectAsync was called before the connection completed."));
        if (wasConnected)
        {
            Outbox.SendControl(SocketIOPacketType.Disconnect);
            OnClose("io client disconnect");
        }

        _client.OnSocketInactive();
        return ValueTask.CompletedTask;
    }

    internal void OnEngineOpen() => _ = SendConnectAsync();

    private async Task SendConnectAsync()
    {
        string? pid;
        string? offset;
        lock (_gate)
        {
            if (!_active || _connectSent || _connected || _client.Engine is null)
            {
                return;
            }

            _connectSent = true;
            pid = _pid;
            offset = _lastOffset;
        }

        object? auth;
        try
        {
            auth = _client.Options.AuthProvider is { } provider
                ? await provider(Namespace, CancellationToken.None).ConfigureAwait(false)
                : _client.Options.Auth;
        }
#pragma warning disable CA1031 // an auth callback failure is a connect error of this namespace
        catch (Exception e)
#pragma warning restore CA1031
        {
            FailConnect(new SocketIOConnectException("The auth provider failed: " + e.Message, e));
            return;
        }

        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginRaw();
            WriteAuth(writer, auth, pid, offset);
            packet = writer.ToRawPacket(SocketIOPacketType.Connect, Namespace);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        // Straight to the connection: the namespace is not connected yet, so the outbox would hold it.
        Outbox.SendNow(packet);
    }

    // socket.io-client sends Object.assign({ pid, offset }, auth) once the server gave a pid.
    private static void WriteAuth(SocketIOPacketWriter writer, object? auth, string? pid, string? offset)
    {
        if (pid is null)
        {
            if (auth is not null)
            {
                writer.WriteValue(auth);
            }

            return;
        }

        Utf8JsonWriter json = writer.Json;
        json.WriteStartObject();
        json.WriteString("pid"u8, pid);
        if (offset is not null)
        {
            json.WriteString("offset"u8, offset);
        }

        switch (auth)
        {
            case null:
                break;
            case JsonElement { ValueKind: JsonValueKind.Object } element:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    property.WriteTo(json);
                }

                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (KeyValuePair<string, object?> pair in pairs)
                {
                    json.WritePropertyName(pair.Key);
                    writer.WriteValue(pair.Value);
                }

                break;
            case IEnumerable<KeyValuePair<string, string>> pairs:
                foreach (KeyValuePair<string, string> pair in pairs)
                {
                    json.WriteString(pair.Key, pair.Value);
                }

                break;
            default:
                // Any other kind the auth option accepts (a JsonNode or JsonDocument object, a SocketIOJsonValue, ...):
                // render it as socket.io-client would send it, then merge its properties (Object.assign).
                using (JsonDocument rendered = SocketIOPacketWriter.RenderValue(auth))
                {
                    if (rendered.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        foreach (JsonProperty property in rendered.RootElement.EnumerateObject())
                        {
                            property.WriteTo(json);
                        }
                    }
                }

                break;
        }

        json.WriteEndObject();
    }

    internal void OnEngineClose(string reason, Exception? error)
    {
        bool wasConnected;
        TaskCompletionSource? pending = null;
        lock (_gate)
        {
            _connectSent = false;
            wasConnected = _connected;
            if (!wasConnected && _connectTcs is not null && !_client.Options.Reconnection)
            {
                pending = _connectTcs;
                _connectTcs = null;
            }
        }

        if (pending is not null)
        {
            string message = $"The connection closed ({reason}) before the namespace connected.";
            pending.TrySetException(error is null ? new SocketIODisconnectedException(message) : new SocketIODisconnectedException(message, error));
        }
        if (wasConnected)
        {
            OnClose(reason);
        }
    }

    // The connection could not be opened (first try or a reconnection attempt): a socket that waits to connect sees
    // connect_error, as socket.io-client's sockets do for every failed attempt of their manager.
    internal void OnOpenFailed(Exception error)
    {
        lock (_gate)
        {
            if (_connected || !_active)
            {
                return;
            }
        }

        RaiseConnectError(error);
    }

    internal void OnReconnectFailed()
    {
        TaskCompletionSource? pending;
        lock (_gate)
        {
            pending = _connectTcs;
            _connectTcs = null;
        }

        pending?.TrySetException(new SocketIODisconnectedException("Reconnection gave up."));
    }

    private void FailConnect(Exception error)
    {
        TaskCompletionSource? pending;
        Inbox.DiscardHeld();
        lock (_gate)
        {
            _active = false;
            _connectSent = false;
            pending = _connectTcs;
            _connectTcs = null;
        }

        SocketIOClientLog.ConnectRefused(_logger, Namespace, error.Message);
        pending?.TrySetException(error);
        RaiseConnectError(error);
        _client.OnSocketInactive();
    }

    // ------------------------------------------------------------------ packets of this namespace

    internal void OnPacket(ReadOnlySpan<byte> text, in SocketIOPacketHeader header, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        switch (header.Type)
        {
            case SocketIOPacketType.Connect:
                OnConnectReply(text, header);
                break;
            case SocketIOPacketType.ConnectError:
                FailConnect(ReadConnectError(text, header));
                break;
            case SocketIOPacketType.Disconnect:
                // The server disconnected this socket: no reconnection (socket.io-client's "io server disconnect").
                lock (_gate)
                {
                    _active = false;
                    _connectSent = false;
                }

                OnClose("io server disconnect");
                _client.OnSocketInactive();
                break;
            case SocketIOPacketType.Event or SocketIOPacketType.BinaryEvent:
                Inbox.OnEvent(text, header, attachments);
                break;
            case SocketIOPacketType.Ack or SocketIOPacketType.BinaryAck:
                Inbox.OnAck(text, header, attachments);
                break;
        }
    }

    internal Task DisposeEventsAsync() => Inbox.DisposeAsync();

    // Connection state recovery: the server appends each event's offset as its last string argument; the next
    // CONNECT sends the last one seen.
    internal void NoteOffset(SocketIOArguments arguments)
    {
        if (System.Threading.Volatile.Read(ref _pid) is null)
        {
            return;
        }

        int count = arguments.Count;
        if (count > 0 && arguments.GetElement(count - 1) is { ValueKind: JsonValueKind.String } last)
        {
            lock (_gate)
            {
                _lastOffset = last.GetString();
            }
        }
    }

    private static SocketIOConnectException ReadConnectError(ReadOnlySpan<byte> text, in SocketIOPacketHeader header)
    {
        if (header.PayloadLength == 0)
        {
            return new SocketIOConnectException("The namespace refused the connection.");
        }

        var reader = new Utf8JsonReader(text.Slice(header.PayloadStart, header.PayloadLength));
        using JsonDocument document = JsonDocument.ParseValue(ref reader);
        JsonElement root = document.RootElement;
        if (root.ValueKind == JsonValueKind.String)
        {
            return new SocketIOConnectException(root.GetString() ?? string.Empty);
        }

        string message = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message"u8, out JsonElement m) && m.ValueKind == JsonValueKind.String
            ? m.GetString() ?? string.Empty
            : "The namespace refused the connection.";
        return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data"u8, out JsonElement data)
            ? new SocketIOConnectException(message, data.Clone())
            : new SocketIOConnectException(message);
    }

    private void OnConnectReply(ReadOnlySpan<byte> text, in SocketIOPacketHeader header)
    {
        string? sid = null;
        string? pid = null;
        if (header.PayloadLength > 0)
        {
            var reader = new Utf8JsonReader(text.Slice(header.PayloadStart, header.PayloadLength));
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (document.RootElement.TryGetProperty("sid"u8, out JsonElement s) && s.ValueKind == JsonValueKind.String)
                {
                    sid = s.GetString();
                }

                if (document.RootElement.TryGetProperty("pid"u8, out JsonElement p) && p.ValueKind == JsonValueKind.String)
                {
                    pid = p.GetString();
                }
            }
        }

        TaskCompletionSource? pending;
        lock (_gate)
        {
            if (_connected || !_active)
            {
                return;
            }

            Recovered = pid is not null && pid == _pid;
            if (!Recovered)
            {
                _lastOffset = null;
            }

            _pid = pid;
            Id = sid;
            _connected = true;
            pending = _connectTcs;
            _connectTcs = null;
        }

        // As socket.io-client's emitBuffered: what was emitted while disconnected goes out, in order, before anything
        // newer; events that arrived before the CONNECT reply (python-socketio sends what its connect handler emits
        // first) are delivered, with the id set and their acks working (the outbox is open for their answers); then
        // the retry queue resumes.
        _disconnected.Open();
        Outbox.Open();
        Inbox.Open();
        SocketIOClientLog.Connected(_logger, Namespace, sid ?? "?", Recovered);
        pending?.TrySetResult();
        Raise(Connected);
        Retries.Drain();
    }

    private void OnClose(string reason)
    {
        lock (_gate)
        {
            if (!_connected)
            {
                return;
            }

            _connected = false;
            Id = null;
        }

        Outbox.Close();
        Inbox.Close();
        _disconnected.Close();
        SocketIOClientLog.Disconnected(_logger, Namespace, reason);
        Acks.FailAll(reason);

        try
        {
            Disconnected?.Invoke(this, reason);
        }
#pragma warning disable CA1031 // a failing listener must not break the connection logic
        catch (Exception e)
#pragma warning restore CA1031
        {
            SocketIOClientLog.ListenerFailed(_logger, e);
        }
    }
}
