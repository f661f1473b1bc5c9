using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Client;
using SocketIO.Typed.Protocol;
using SocketIO.Typed;

namespace SocketIO.Typed.Client;

// What a client socket receives: events (held until the CONNECT reply, then dispatched in order) and acknowledgements.
public sealed partial class SocketIOClientSocket
{
    // ------------------------------------------------------------------ receiving

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
                OnEvent(text, header, attachments);
                break;
            case SocketIOPacketType.Ack or SocketIOPacketType.BinaryAck:
                OnAck(text, header, attachments);
                break;
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

    private void OnEvent(ReadOnlySpan<byte> text, in SocketIOPacketHeader header, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        // The arguments own their bytes: handlers may keep them.
        byte[] payload = text.Slice(header.PayloadStart, header.PayloadLength).ToArray();
        var arguments = new SocketIOArguments(payload, 1, header.ArgumentsStart - header.PayloadStart, attachments, _client.Options.MaxJsonDepth);
        ReadOnlyMemory<byte> name = header.EventNameEscaped
            ? Encoding.UTF8.GetBytes(EncodedEventReader.DecodeEventName(text, header))
            : payload.AsMemory(header.EventNameStart - header.PayloadStart, header.EventNameLength);

        // Connection state recovery: the server appends the event's offset as a last string argument.
        if (header.AckId < 0 && _pid is not null)
        {
            int count = arguments.Count;
            if (count > 0 && arguments.GetElement(count - 1) is { ValueKind: JsonValueKind.String } last)
            {
                lock (_gate)
                {
                    _lastOffset = last.GetString();
                }
            }
        }

        var context = new SocketIOClientEventContext(this, name, arguments, header.AckId);
        lock (_gate)
        {
            if (!_connected)
            {
                // socket.io-client's receiveBuffer: an event that beats the CONNECT reply waits for it.
                if (_receiveBuffer.Count >= _client.Options.SendBufferLimit)
                {
                    SocketIOClientLog.EarlyEventDropped(_logger, context.EventName, Namespace);
                    return;
                }

                _receiveBuffer.Add(context);
                return;
            }
        }

        Deliver(context);
    }

    private void Deliver(SocketIOClientEventContext context)
    {
        if (_client.Options.ConcurrentEventHandlers)
        {
            _ = DispatchAsync(context);
        }
        else
        {
            _events.Writer.TryWrite(context);
        }
    }

    private async Task EventLoopAsync()
    {
        await Task.Yield();
        while (await _events.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_events.Reader.TryRead(out SocketIOClientEventContext? context))
            {
                await DispatchAsync(context).ConfigureAwait(false);
            }
        }
    }

    internal async Task DisposeEventsAsync()
    {
        _events.Writer.TryComplete();
        await _eventLoop.ConfigureAwait(false);
    }

    private async Task DispatchAsync(SocketIOClientEventContext context)
    {
        try
        {
            foreach (Func<string, SocketIOArguments, ValueTask> listener in _anyListeners)
            {
                await listener(context.EventName, context.Arguments).ConfigureAwait(false);
            }

            SocketIODispatchResult result = Dispatcher is { } dispatcher
                ? await dispatcher.DispatchAsync(context).ConfigureAwait(false)
                : await _handlers.DispatchAsync(context.EventNameUtf8.Span, context).ConfigureAwait(false);
            OnDispatched(context, result);
        }
        catch (SocketIOBindingException e)
        {
            // An untyped handler read an argument that is not there or not of the asked kind.
            OnDispatched(context, SocketIODispatchResult.BindingFailed(e.Message));
        }
#pragma warning disable CA1031 // a handler failure is logged; the connection stays up
        catch (Exception e)
#pragma warning restore CA1031
        {
            SocketIOClientLog.HandlerFailed(_logger, e, context.EventName, Namespace);
        }
    }

    private void OnDispatched(SocketIOClientEventContext context, SocketIODispatchResult result)
    {
        if (result.Status != SocketIODispatchStatus.BindingFailed)
        {
            return;
        }

        Interlocked.Increment(ref _bindingFailures);
        SocketIOLog.BindingFailed(_logger, Namespace, context.EventName, result.Error ?? string.Empty);
        if (_client.Options.BindingFailureAck == SocketIOBindingFailureAck.Error)
        {
            SocketIOAckAnswers.AnswerBindingFailure(context, result.Error);
        }
    }

    private void OnAck(ReadOnlySpan<byte> text, in SocketIOPacketHeader header, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        if (!_acks.TryTake(header.AckId, out ISocketIOPendingAck? pending))
        {
            SocketIOClientLog.UnknownAck(_logger, Namespace, header.AckId);
            return;
        }

        byte[] payload = text.Slice(header.PayloadStart, header.PayloadLength).ToArray();
        pending.Complete(null, new SocketIOArguments(payload, 0, header.ArgumentsStart - header.PayloadStart, attachments, _client.Options.MaxJsonDepth));
    }
}
