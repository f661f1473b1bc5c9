using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace SocketIO.Typed.Server;

/// <summary>
/// The names under which the server reports metrics (<see cref="System.Diagnostics.Metrics"/>) and traces
/// (<see cref="ActivitySource"/>): add them to OpenTelemetry with <c>.AddMeter(SocketIOTelemetry.MeterName)</c> and
/// <c>.AddSource(SocketIOTelemetry.ActivitySourceName)</c>. The instruments are listed in docs/observability.md.
/// </summary>
public static class SocketIOTelemetry
{
    /// <summary>The meter of the server's instruments (<c>socketio.server.*</c>).</summary>
    public const string MeterName = "SocketIO.Typed.Server";

    /// <summary>The activity source of the server's spans: one per handled event, one per emit that waits for an answer.</summary>
    public const string ActivitySourceName = "SocketIO.Typed.Server";

    internal static readonly string Version = typeof(SocketIOTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    internal static readonly ActivitySource Source = new(ActivitySourceName, Version);
}

/// <summary>
/// The server's instruments, named after ASP.NET Core SignalR's (<c>signalr.server.active_connections</c>,
/// <c>signalr.server.connection.duration</c>) under <c>socketio.server.</c>, with OpenTelemetry's attribute names
/// where one applies (<c>error.type</c>). Recording costs a check of <c>Enabled</c> when nobody listens.
/// </summary>
internal sealed class SocketIOMetrics
{
    // Attribute (tag) names.
    public const string NamespaceTag = "socketio.namespace";
    public const string TransportTag = "socketio.transport";
    public const string CloseReasonTag = "socketio.close_reason";
    public const string AckOutcomeTag = "socketio.ack.outcome";
    public const string DropReasonTag = "socketio.drop_reason";
    public const string ErrorTypeTag = "error.type";

    private static SocketIOMetrics? s_default;
    private static readonly ConditionalWeakTable<IMeterFactory, SocketIOMetrics> s_byFactory = new();
    private readonly Meter _meter;

    // The servers recording here, weakly: one observable instrument sums their namespaces without keeping them alive.
    private readonly ConditionalWeakTable<object, Func<int>> _namespaceCounts = new();

    /// <summary>Instruments on a meter from the application's factory (which owns it), or on the process-wide one.</summary>
    private SocketIOMetrics(IMeterFactory? factory)
    {
        _meter = factory is not null
            ? factory.Create(new MeterOptions(SocketIOTelemetry.MeterName) { Version = SocketIOTelemetry.Version })
            : new Meter(SocketIOTelemetry.MeterName, SocketIOTelemetry.Version);

        ActiveConnections = _meter.CreateUpDownCounter<long>("socketio.server.active_connections", "{connection}", "Engine.IO connections open now.");
        ConnectionDuration = _meter.CreateHistogram<double>(
            "socketio.server.connection.duration",
            "s",
            "How long Engine.IO connections lasted.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300] });
        ActiveSockets = _meter.CreateUpDownCounter<long>("socketio.server.active_sockets", "{socket}", "Sockets connected to a namespace now.");
        EventsReceived = _meter.CreateCounter<long>("socketio.server.events.received", "{event}", "Events received from clients.");
        EventsSent = _meter.CreateCounter<long>("socketio.server.events.sent", "{event}", "Events emitted to one socket.");
        Broadcasts = _meter.CreateCounter<long>("socketio.server.broadcasts", "{broadcast}", "Broadcasts (to everyone, rooms, or with exceptions), each counted once.");
        BroadcastDeliveries = _meter.CreateCounter<long>("socketio.server.broadcast.deliveries", "{event}", "Broadcast events queued for a local socket.");
        AcksSent = _meter.CreateCounter<long>("socketio.server.acks.sent", "{ack}", "Acknowledgements the server sent for events it handled.");
        AckDuration = _meter.CreateHistogram<double>(
            "socketio.server.ack.duration",
            "s",
            "From an emit that asks for an answer to its outcome (answered, timeout, disconnected, cancelled).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        AckTimeouts = _meter.CreateCounter<long>("socketio.server.ack.timeouts", "{ack}", "Emits whose answer did not come in time (a broadcast counts once when any recipient was late).");
        PacketsDropped = _meter.CreateCounter<long>("socketio.server.packets.dropped", "{packet}", "Packets not sent or not handled on purpose (volatile on a busy transport, a full queue, a flood before the connection handlers finished).");
        BytesReceived = _meter.CreateCounter<long>("socketio.server.bytes.received", "By", "Engine.IO message payload bytes received.");
        BytesSent = _meter.CreateCounter<long>("socketio.server.bytes.sent", "By", "Engine.IO message payload bytes queued to send.");
        _meter.CreateObservableUpDownCounter("socketio.server.namespaces", CountNamespaces, "{namespace}", "Namespaces of the servers (dynamic children included).");
        Errors = _meter.CreateCounter<long>("socketio.server.errors", "{error}", "Failures, by error.type: handler_exception, binding_failure, protocol_violation, connect_refused, unknown_namespace.");
    }

    /// <summary>The instruments of servers and Engine.IO servers made without dependency injection (one meter per process).</summary>
    public static SocketIOMetrics Default => LazyInitializer.EnsureInitialized(ref s_default, static () => new SocketIOMetrics(null));

    /// <summary>The instruments of a server: on the application's meter factory when it has one.</summary>
    public static SocketIOMetrics For(IServiceProvider? services) =>
        services?.GetService(typeof(IMeterFactory)) is IMeterFactory factory
            ? s_byFactory.GetValue(factory, static f => new SocketIOMetrics(f))   // one set of instruments per factory
            : Default;

    public UpDownCounter<long> ActiveConnections { get; }

    public Histogram<double> ConnectionDuration { get; }

    public UpDownCounter<long> ActiveSockets { get; }

    public Counter<long> EventsReceived { get; }

    public Counter<long> EventsSent { get; }

    public Counter<long> Broadcasts { get; }

    public Counter<long> BroadcastDeliveries { get; }

    public Counter<long> AcksSent { get; }

    public Histogram<double> AckDuration { get; }

    public Counter<long> AckTimeouts { get; }

    public Counter<long> PacketsDropped { get; }

    public Counter<long> BytesReceived { get; }

    public Counter<long> BytesSent { get; }

    public Counter<long> Errors { get; }

    /// <summary>Adds a server's namespaces to <c>socketio.server.namespaces</c> for as long as the server lives.</summary>
    public void ObserveNamespaces(object server, Func<int> count) => _namespaceCounts.AddOrUpdate(server, count);

    private long CountNamespaces()
    {
        long total = 0;
        foreach (KeyValuePair<object, Func<int>> server in _namespaceCounts)
        {
            total += server.Value();
        }

        return total;
    }

    public static void Add(Counter<long> counter, string @namespace)
    {
        if (counter.Enabled)
        {
            counter.Add(1, new KeyValuePair<string, object?>(NamespaceTag, @namespace));
        }
    }

    public static void Add(UpDownCounter<long> counter, long delta, string @namespace)
    {
        if (counter.Enabled)
        {
            counter.Add(delta, new KeyValuePair<string, object?>(NamespaceTag, @namespace));
        }
    }

    public void Dropped(string reason)
    {
        if (PacketsDropped.Enabled)
        {
            PacketsDropped.Add(1, new KeyValuePair<string, object?>(DropReasonTag, reason));
        }
    }

    public void Error(string type)
    {
        if (Errors.Enabled)
        {
            Errors.Add(1, new KeyValuePair<string, object?>(ErrorTypeTag, type));
        }
    }

    /// <summary>True when an emit-with-ack's outcome is wanted (a metric listener or a trace listener).</summary>
    public bool WantsAckOutcome => AckDuration.Enabled || AckTimeouts.Enabled || SocketIOTelemetry.Source.HasListeners();
}

/// <summary>The server's spans: OpenTelemetry messaging attributes with <c>messaging.system</c> = <c>socket.io</c>.</summary>
internal static class SocketIOActivities
{
    /// <summary>
    /// A span for one handled event (kind Consumer), current while its handler runs; null when nobody listens. It is a
    /// root span linked to what was current (the HTTP request that carries the connection, which lasts as long as the
    /// connection and is usually not sampled): as a child of that request, a parent-based sampler would drop it. The
    /// caller restores <see cref="Activity.Current"/>.
    /// </summary>
    public static Activity? StartProcess(string @namespace, string eventName, string socketId, bool ack)
    {
        Activity? carrier = Activity.Current;
        Activity.Current = null;
        ActivityLink[]? links = carrier is { TraceId: var traceId } && traceId != default ? [new ActivityLink(carrier.Context)] : null;
        Activity? activity = SocketIOTelemetry.Source.StartActivity("process " + eventName, ActivityKind.Consumer, default(ActivityContext), tags: null, links: links);
        if (activity is { IsAllDataRequested: true })
        {
            SetCommon(activity, "process", @namespace, eventName, socketId);
            activity.SetTag("socketio.ack", ack);
        }

        return activity;
    }

    /// <summary>A span for one emit that waits for its answer (kind Producer), ended with the outcome.</summary>
    public static Activity? StartSend(string @namespace, string? eventName, string socketId)
    {
        Activity? previous = Activity.Current;
        Activity? activity = SocketIOTelemetry.Source.StartActivity("send " + (eventName ?? "event"), ActivityKind.Producer);
        if (activity is null)
        {
            return null;
        }

        if (activity.IsAllDataRequested)
        {
            SetCommon(activity, "send", @namespace, eventName, socketId);
            activity.SetTag("socketio.ack", true);
        }

        // The span lives until the answer comes; the caller's own context stays current.
        Activity.Current = previous;
        return activity;
    }

    public static void Fail(Activity activity, string errorType, string? description)
    {
        activity.SetStatus(ActivityStatusCode.Error, description);
        activity.SetTag(SocketIOMetrics.ErrorTypeTag, errorType);
    }

    private static void SetCommon(Activity activity, string operation, string @namespace, string? eventName, string socketId)
    {
        activity.SetTag("messaging.system", "socket.io");
        activity.SetTag("messaging.operation.type", operation);
        activity.SetTag("messaging.destination.name", eventName);
        activity.SetTag(SocketIOMetrics.NamespaceTag, @namespace);
        activity.SetTag("socketio.socket.id", socketId);
    }
}

/// <summary>The outcome of an emit that waits for an answer: <c>socketio.server.ack.duration</c>, timeouts and the span.</summary>
internal static class SocketIOAckTelemetry
{
    public static async Task ObserveAsync(Task<SocketIOArguments> answer, Activity? activity, SocketIOMetrics metrics, string @namespace, long started)
    {
        string outcome;
        try
        {
            await answer.ConfigureAwait(false);
            outcome = "answered";
        }
        catch (SocketIOAckTimeoutException)
        {
            outcome = "timeout";
        }
        catch (SocketIODisconnectedException)
        {
            outcome = "disconnected";
        }
        catch (OperationCanceledException)
        {
            outcome = "cancelled";
        }
#pragma warning disable CA1031 // only observed here; the caller gets the same exception from the task it awaits
        catch (Exception)
#pragma warning restore CA1031
        {
            outcome = "error";
        }

        Record(metrics, @namespace, outcome, Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (activity is not null)
        {
            activity.SetTag(SocketIOMetrics.AckOutcomeTag, outcome);
            if (outcome != "answered")
            {
                SocketIOActivities.Fail(activity, outcome, "The acknowledgement did not come: " + outcome);
            }

            activity.Stop();
        }
    }

    public static void Record(SocketIOMetrics metrics, string @namespace, string outcome, double seconds)
    {
        if (metrics.AckDuration.Enabled)
        {
            metrics.AckDuration.Record(
                seconds,
                new KeyValuePair<string, object?>(SocketIOMetrics.NamespaceTag, @namespace),
                new KeyValuePair<string, object?>(SocketIOMetrics.AckOutcomeTag, outcome));
        }

        if (outcome == "timeout")
        {
            SocketIOMetrics.Add(metrics.AckTimeouts, @namespace);
        }
    }
}
