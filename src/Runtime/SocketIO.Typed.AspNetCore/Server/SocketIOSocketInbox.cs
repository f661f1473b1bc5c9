using System.Buffers;
using System.Diagnostics;
using System.Text;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Server;

/// <summary>
/// What a socket receives: events (held while its connection handlers run, then dispatched with their arguments in a
/// pooled buffer, binding failures answered as the options say) and acknowledgements (handed to the waiting sender).
/// </summary>
internal sealed class SocketIOSocketInbox(SocketIOSocket socket)
{
    private readonly SocketIOSocket _socket = socket;
    private bool _ready;
    private Queue<(byte[] Text, SocketIOPacketHeader Header, IReadOnlyList<ReadOnlyMemory<byte>>? Attachments)>? _early;


    // Events that arrive while the connection handlers still run wait for them, so no event beats its handler.
    public void MarkReady()
    {
        while (true)
        {
            (byte[] Text, SocketIOPacketHeader Header, IReadOnlyList<ReadOnlyMemory<byte>>? Attachments) early;
            lock (_socket.Gate)
            {
                if (_early is null || _early.Count == 0)
                {
                    _ready = true;
                    _early = null;
                    return;
                }

                early = _early.Dequeue();
            }

            DispatchEvent(early.Text, early.Header, early.Attachments);
        }
    }

    public void HandleEvent(ReadOnlySpan<byte> text, in SocketIOPacketHeader header, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        SocketIOMetrics.Add(_socket.Namespace.Server.Metrics.EventsReceived, _socket.Namespace.Name);
        if (!Volatile.Read(ref _ready))
        {
            lock (_socket.Gate)
            {
                if (!_ready)
                {
                    _early ??= new();
                    if (_early.Count >= _socket.Namespace.Server.Options.MaxEventsBeforeReady)
                    {
                        // A documented drop: a client that floods a socket whose connection handlers have not finished.
                        _socket.Namespace.Server.Metrics.Dropped("before_ready");
                        _socket.Connection.ReportViolation($"more than {_socket.Namespace.Server.Options.MaxEventsBeforeReady} events before the connection handlers of socket {_socket.Id} finished; dropped");
                        return;
                    }

                    _early.Enqueue((text.ToArray(), header, attachments));
                    return;
                }
            }
        }

        DispatchEvent(text, header, attachments);
    }

    private void DispatchEvent(ReadOnlySpan<byte> text, in SocketIOPacketHeader header, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        // Copy the payload into a pooled buffer that lives until the handler's task completes.
        int length = header.PayloadLength;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        text.Slice(header.PayloadStart, length).CopyTo(buffer);
        var arguments = new SocketIOArguments(buffer.AsMemory(0, length), 1, header.ArgumentsStart - header.PayloadStart, attachments, _socket.Namespace.Server.Options.MaxJsonDepth);
        ReadOnlyMemory<byte> name = header.EventNameEscaped
            ? Encoding.UTF8.GetBytes(EncodedEventReader.DecodeEventName(text, header))
            : buffer.AsMemory(header.EventNameStart - header.PayloadStart, header.EventNameLength);
        SocketIOAckResponder? responder = null;
        int version = 0;
        if (header.AckId >= 0)
        {
            responder = SocketIOAckResponder.Rent(_socket, header.AckId, out version);
        }

        Activity? previous = null;
        Activity? activity = null;
        bool traced = SocketIOTelemetry.Source.HasListeners();
        if (traced)
        {
            // Current while the handler runs (its own outgoing calls nest under it), then the inbox's context again.
            previous = Activity.Current;
            activity = SocketIOActivities.StartProcess(_socket.Namespace.Name, Encoding.UTF8.GetString(name.Span), _socket.Id, header.AckId >= 0);
        }

        var context = new SocketIOEventContext(_socket, name, arguments, header.AckId, responder, version, activity);
        ValueTask<SocketIODispatchResult> task;

        try
        {
            task = DispatchCoreAsync(context);
        }
#pragma warning disable CA1031 // a handler failure is logged; the connection stays up
        catch (Exception e)
#pragma warning restore CA1031
        {
            OnHandlerFailed(context, e);
            ArrayPool<byte>.Shared.Return(buffer);
            return;
        }
        finally
        {
            if (traced)
            {
                Activity.Current = previous;
            }
        }

        if (task.IsCompletedSuccessfully)
        {
            OnDispatched(context, task.Result);
            ArrayPool<byte>.Shared.Return(buffer);
            return;
        }

        _ = AwaitHandlerAsync(task, buffer, context);
    }

    private ValueTask<SocketIODispatchResult> DispatchCoreAsync(SocketIOEventContext context)
    {
        if (_socket.AnyListeners.Length == 0)
        {
            return _socket.Dispatcher.DispatchAsync(context);
        }

        return DispatchWithAnyAsync(context);
    }

    private async ValueTask<SocketIODispatchResult> DispatchWithAnyAsync(SocketIOEventContext context)
    {
        string name = context.EventName;
        foreach (Func<string, SocketIOArguments, ValueTask> listener in _socket.AnyListeners)
        {
            await listener(name, context.Arguments).ConfigureAwait(false);
        }

        return await _socket.Dispatcher.DispatchAsync(context).ConfigureAwait(false);
    }

    private async Task AwaitHandlerAsync(ValueTask<SocketIODispatchResult> task, byte[] buffer, SocketIOEventContext context)
    {
        try
        {
            OnDispatched(context, await task.ConfigureAwait(false));
        }
#pragma warning disable CA1031 // a handler failure is logged; the connection stays up
        catch (Exception e)
#pragma warning restore CA1031
        {
            OnHandlerFailed(context, e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void OnHandlerFailed(SocketIOEventContext context, Exception e)
    {
        if (e is SocketIOBindingException)
        {
            // An untyped handler read an argument that is not there or not of the asked kind: a binding failure.
            OnDispatched(context, SocketIODispatchResult.BindingFailed(e.Message));
            return;
        }

        _socket.Namespace.Server.Metrics.Error("handler_exception");
        SocketIOServerLog.HandlerFailed(_socket.Logger, e, context.EventName, _socket.Id);
        if (context.Activity is { } activity)
        {
            SocketIOActivities.Fail(activity, e.GetType().FullName ?? "handler_exception", e.Message);
            activity.Stop();
        }
    }

    private void OnDispatched(SocketIOEventContext context, SocketIODispatchResult result)
    {
        if (context.Activity is { } activity)
        {
            if (result.Status == SocketIODispatchStatus.BindingFailed)
            {
                SocketIOActivities.Fail(activity, "binding_failure", result.Error);
            }

            activity.Stop();
        }

        if (result.Status == SocketIODispatchStatus.NoHandler && _socket.AnyListeners.Length == 0)
        {
            _socket.Namespace.Server.ReportNoHandler(_socket, context.EventName);
            return;
        }

        if (result.Status != SocketIODispatchStatus.BindingFailed)
        {
            return;
        }

        _socket.Namespace.Server.CountBindingFailure();
        SocketIOLog.BindingFailed(_socket.Logger, $"socket {_socket.Id}", context.EventName, result.Error ?? string.Empty);
        if (_socket.Namespace.Server.Options.BindingFailureAck == SocketIOBindingFailureAck.Error)
        {
            SocketIOAckAnswers.AnswerBindingFailure(context, result.Error);
        }
    }

    public void HandleAck(ReadOnlySpan<byte> text, in SocketIOPacketHeader header, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        if (!_socket.Acks.TryTake(header.AckId, out ISocketIOPendingAck? pending))
        {
            _socket.Connection.ReportViolation($"acknowledgement with unknown id {header.AckId} on socket {_socket.Id}");
            return;
        }

        // The waiting caller keeps the arguments, so they own their memory.
        byte[] payload = text.Slice(header.PayloadStart, header.PayloadLength).ToArray();
        pending.Complete(_socket.Id, new SocketIOArguments(payload, 0, header.ArgumentsStart - header.PayloadStart, attachments, _socket.Namespace.Server.Options.MaxJsonDepth));
    }
}
