namespace SocketIO.Typed.Benchmarks;

/// <summary>
/// A clock whose timers never fire. The in-memory sessions of the server benchmarks have no client answering
/// pings, so with real time the heartbeat would close them halfway through a run (and its timer callbacks
/// would allocate on the thread pool while BenchmarkDotNet counts allocated bytes process-wide).
/// </summary>
internal sealed class FrozenTimeProvider : TimeProvider
{
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NeverTimer();

    private sealed class NeverTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
