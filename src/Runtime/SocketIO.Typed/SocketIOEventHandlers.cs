using System.Text;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed;

/// <summary>
/// The untyped handlers of one socket, by UTF-8 event name: the table behind <c>On</c>/<c>Off</c> on the server socket
/// and on the client socket. Handlers are few, so a copy-on-write array compared byte for byte beats a dictionary
/// and decodes no string per event.
/// </summary>
/// <typeparam name="TContext">The event context type of the side (server or client).</typeparam>
internal sealed class SocketIOEventHandlers<TContext>
{
    private readonly object _gate = new();
    private (byte[] Name, Func<TContext, ValueTask> Handler)[] _handlers = [];

    /// <summary>Adds a handler.</summary>
    public void Add(string eventName, Func<TContext, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(handler);
        SocketIOEventNames.ThrowIfReserved(eventName);
        byte[] name = Encoding.UTF8.GetBytes(eventName);
        lock (_gate)
        {
            _handlers = [.. _handlers, (name, handler)];
        }
    }

    /// <summary>Removes every handler of an event.</summary>
    public void Remove(string eventName)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        byte[] name = Encoding.UTF8.GetBytes(eventName);
        lock (_gate)
        {
            _handlers = Array.FindAll(_handlers, h => !h.Name.AsSpan().SequenceEqual(name));
        }
    }

    /// <summary>
    /// Starts every handler of <paramref name="eventName"/> (in registration order, as an event emitter calls its
    /// listeners) and returns a task for all of them.
    /// </summary>
    /// <param name="eventName">The event name as UTF-8.</param>
    /// <param name="context">The event.</param>
    /// <returns>Handled when at least one handler ran, otherwise no handler.</returns>
    public ValueTask<SocketIODispatchResult> DispatchAsync(ReadOnlySpan<byte> eventName, TContext context)
    {
        (byte[] Name, Func<TContext, ValueTask> Handler)[] handlers = _handlers;
        ValueTask? single = null;
        List<ValueTask>? more = null;
        foreach ((byte[] Name, Func<TContext, ValueTask> Handler) entry in handlers)
        {
            if (!eventName.SequenceEqual(entry.Name))
            {
                continue;
            }

            ValueTask task = entry.Handler(context);
            if (single is null)
            {
                single = task;
            }
            else
            {
                (more ??= []).Add(task);
            }
        }

        if (single is not { } first)
        {
            return ValueTask.FromResult(SocketIODispatchResult.NoHandler);
        }

        if (more is null)
        {
            return first.IsCompletedSuccessfully ? ValueTask.FromResult(SocketIODispatchResult.Handled) : AwaitOneAsync(first);
        }

        return AwaitAllAsync(first, more);
    }

    private static async ValueTask<SocketIODispatchResult> AwaitOneAsync(ValueTask task)
    {
        await task.ConfigureAwait(false);
        return SocketIODispatchResult.Handled;
    }

    private static async ValueTask<SocketIODispatchResult> AwaitAllAsync(ValueTask first, List<ValueTask> more)
    {
        await first.ConfigureAwait(false);
        foreach (ValueTask task in more)
        {
            await task.ConfigureAwait(false);
        }

        return SocketIODispatchResult.Handled;
    }
}
