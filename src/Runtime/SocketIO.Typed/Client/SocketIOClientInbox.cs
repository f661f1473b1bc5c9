using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client;

/// <summary>
/// What a client socket receives: events (held until the namespace's CONNECT reply as socket.io-client's
/// <c>receiveBuffer</c>, then dispatched in order, one at a time unless handlers run concurrently) and the
/// acknowledgements of its emits. Binding failures are counted, logged and answered here.
/// </summary>
internal sealed class SocketIOClientInbox
{
    private readonly SocketIOClientSocket _socket;
    private readonly SocketIOClientOptions _options;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Channel<SocketIOClientEventContext> _events = Channel.CreateUnbounded<SocketIOClientEventContext>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly List<SocketIOClientEventContext> _held = [];
    private readonly Task _loop;
    private Func<string, SocketIOArguments, ValueTask>[] _anyListeners = [];
    private bool _open;
    private long _bindingFailures;
    private int _pending; // events queued or being handled by the loop

    public SocketIOClientInbox(SocketIOClientSocket socket)
    {
        _socket = socket;
        _options = socket.Client.Options;
        _logger = socket.Logger;
        _loop = EventLoopAsync();
    }

    /// <summary>The handlers registered with <c>On</c> (the default dispatcher).</summary>
    public SocketIOEventHandlers<SocketIOClientEventContext> Handlers { get; } = new();

    /// <summary>How many received events could not be bound to their handler's parameters.</summary>
    public long BindingFailures => Interlocked.Read(ref _bindingFailures);

    /// <summary>Adds a listener of every incoming event.</summary>
    public void AddAnyListener(Func<string, SocketIOArguments, ValueTask> listener)
    {
        lock (_gate)
        {
            _anyListeners = [.. _anyListeners, listener];
        }
    }

    /// <summary>An EVENT or BINARY_EVENT packet of this namespace.</summary>
    public void OnEvent(ReadOnlySpan<byte> text, in SocketIOPacketHeader header, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        // The arguments own their bytes: handlers may keep them.
        byte[] payload = text.Slice(header.PayloadStart, header.PayloadLength).ToArray();
        var arguments = new SocketIOArguments(payload, 1, header.ArgumentsStart - header.PayloadStart, attachments, _options.MaxJsonDepth);
        ReadOnlyMemory<byte> name = header.EventNameEscaped
            ? Encoding.UTF8.GetBytes(EncodedEventReader.DecodeEventName(text, header))
            : payload.AsMemory(header.EventNameStart - header.PayloadStart, header.EventNameLength);
        if (header.AckId < 0)
        {
            _socket.NoteOffset(arguments);
        }

        var context = new SocketIOClientEventContext(_socket, name, arguments, header.AckId);
        lock (_gate)
        {
            if (!_open)
            {
                // socket.io-client's receiveBuffer: an event that beats the CONNECT reply waits for it.
                if (_held.Count >= _options.SendBufferLimit)
                {
                    SocketIOClientLog.EarlyEventDropped(_logger, context.EventName, _socket.Namespace);
                    return;
                }

                _held.Add(context);
                return;
            }
        }

        Deliver(context);
    }

    /// <summary>An ACK or BINARY_ACK packet: completes the emit waiting on its id.</summary>
    public void OnAck(ReadOnlySpan<byte> text, in SocketIOPacketHeader header, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        if (!_socket.Acks.TryTake(header.AckId, out ISocketIOPendingAck? pending))
        {
            SocketIOClientLog.UnknownAck(_logger, _socket.Namespace, header.AckId);
            return;
        }

        byte[] payload = text.Slice(header.PayloadStart, header.PayloadLength).ToArray();
        pending.Complete(null, new SocketIOArguments(payload, 0, header.ArgumentsStart - header.PayloadStart, attachments, _options.MaxJsonDepth));
    }

    /// <summary>
    /// The namespace connected: events that arrived before the CONNECT reply (python-socketio sends what its connect
    /// handler emits first) are delivered now, in order, with the socket's id set and their acks working.
    /// </summary>
    public void Open()
    {
        lock (_gate)
        {
            foreach (SocketIOClientEventContext early in _held)
            {
                Deliver(early);
            }

            _held.Clear();
            _open = true;
        }
    }

    /// <summary>The namespace disconnected: events are held again until the next CONNECT reply.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _open = false;
        }
    }

    /// <summary>The connection attempt ended without a CONNECT reply: the held events have nobody to go to.</summary>
    public void DiscardHeld()
    {
        lock (_gate)
        {
            _held.Clear();
        }
    }

    /// <summary>
    /// Stops the event loop after the events already queued. It waits for the loop when it is idle; while a handler runs
    /// or events are still queued it does not: the socket is disconnected by then (handlers' tokens are cancelled), and
    /// a handler that ignores its token must not keep the client from closing, so the rest finishes in the background
    /// (logged).
    /// </summary>
    public Task DisposeAsync()
    {
        _events.Writer.TryComplete();
        if (_loop.IsCompleted || Volatile.Read(ref _pending) == 0)
        {
            return _loop;
        }

        SocketIOClientLog.HandlersStillRunning(_logger, _socket.Namespace);
        return Task.CompletedTask;
    }

    private void Deliver(SocketIOClientEventContext context)
    {
        if (_options.ConcurrentEventHandlers)
        {
            _ = DispatchAsync(context);
        }
        else
        {
            Interlocked.Increment(ref _pending);
            if (!_events.Writer.TryWrite(context))
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }

    private async Task EventLoopAsync()
    {
        await Task.Yield();
        while (await _events.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_events.Reader.TryRead(out SocketIOClientEventContext? context))
            {
                try
                {
                    await DispatchAsync(context).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _pending);
                }
            }
        }
    }

    private async Task DispatchAsync(SocketIOClientEventContext context)
    {
        try
        {
            foreach (Func<string, SocketIOArguments, ValueTask> listener in Volatile.Read(ref _anyListeners))
            {
                await listener(context.EventName, context.Arguments).ConfigureAwait(false);
            }

            SocketIODispatchResult result = _socket.Dispatcher is { } dispatcher
                ? await dispatcher.DispatchAsync(context).ConfigureAwait(false)
                : await Handlers.DispatchAsync(context.EventNameUtf8.Span, context).ConfigureAwait(false);
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
            SocketIOClientLog.HandlerFailed(_logger, e, context.EventName, _socket.Namespace);
        }
    }

    private void OnDispatched(SocketIOClientEventContext context, SocketIODispatchResult result)
    {
        if (result.Status != SocketIODispatchStatus.BindingFailed)
        {
            return;
        }

        Interlocked.Increment(ref _bindingFailures);
        SocketIOLog.BindingFailed(_logger, _socket.Namespace, context.EventName, result.Error ?? string.Empty);
        if (_options.BindingFailureAck == SocketIOBindingFailureAck.Error)
        {
            SocketIOAckAnswers.AnswerBindingFailure(context, result.Error);
        }
    }
}
