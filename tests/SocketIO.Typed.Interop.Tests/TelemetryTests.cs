using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using SocketIO.Typed.Client;
using SocketIO.Typed.Server;
using Xunit.Abstractions;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>
/// The server's metrics and spans as an application exports them: OpenTelemetry's SDK with its in-memory exporter,
/// our server in Kestrel, our client driving events, acknowledgements both ways, a broadcast, a failing handler, an
/// unanswered emit and an unknown namespace.
/// </summary>
public sealed class TelemetryTests(ITestOutputHelper output)
{
    // The meter factory of this test's application: other tests in this process run servers too (on the process-wide
    // meter or their own factory's), and OpenTelemetry selects meters by name, so a view keeps only this one's.
    private IMeterFactory? _factory;

    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private static readonly ActivitySource s_handlerSource = new("SocketIO.Typed.Tests.Handler");

    private sealed class Probe
    {
        public TaskCompletionSource<SocketIOSocket> Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Disconnected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string> LateOutcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private async Task<(WebApplication App, Probe Probe)> StartAsync(Action<IServiceCollection> telemetry)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
        telemetry(builder.Services);
        builder.Services.AddSocketIO();
        WebApplication app = builder.Build();
        _factory = app.Services.GetRequiredService<IMeterFactory>();
        var probe = new Probe();
        SocketIONamespace ns = app.MapSocketIO().Of("/t");
        ns.OnConnection(socket =>
        {
            socket.Join("room");
            socket.OnDisconnect((_, _) => probe.Disconnected.TrySetResult());
            socket.On("echo", static async context =>
            {
                using Activity? inner = s_handlerSource.StartActivity("inner work");
                await context.AckAsync(context.Arguments.GetString(0));
            });
            socket.On("boom", static _ => throw new InvalidOperationException("the handler failed"));
            socket.On("fan", context => ns.To("room").EmitAsync("fanned", context.Arguments.GetString(0)));
            socket.On("ask", async context =>
            {
                // The client answers "name"; it never answers "late", which times out.
                SocketIOArguments name = await socket.EmitWithAckAsync("name");
                try
                {
                    await socket.EmitWithAckAsync("late", TimeSpan.FromMilliseconds(50));
                    probe.LateOutcome.TrySetResult("answered");
                }
                catch (SocketIOAckTimeoutException)
                {
                    probe.LateOutcome.TrySetResult("timeout");
                }

                await context.AckAsync(name.GetString(0));
            });
            probe.Connected.TrySetResult(socket);
        });
        await app.StartAsync();
        return (app, probe);
    }

    private static async Task<SocketIOClientSocket> ConnectAsync(SocketIOManager io)
    {
        SocketIOClientSocket socket = io.Of("/t");
        socket.On("name", static context => context.AckAsync("ada"));
        socket.On("late", static _ => { });                              // handled, never answered
        socket.On("fanned", static _ => { });
        await socket.ConnectAsync().WaitAsync(s_wait);
        return socket;
    }

    [Fact]
    public async Task The_server_counts_connections_sockets_events_acks_broadcasts_drops_bytes_and_errors()
    {
        var exported = new List<MetricSnapshot>();
        (WebApplication app, Probe probe) = await StartAsync(services => services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(SocketIOTelemetry.MeterName)
                .AddView(instrument => ReferenceEquals(instrument.Meter.Scope, _factory) ? null : MetricStreamConfiguration.Drop)
                .AddInMemoryExporter(exported)));
        await using (app)
        {
            MeterProvider provider = app.Services.GetRequiredService<MeterProvider>();
            var io = new SocketIOManager(new Uri(app.Urls.Single()), new SocketIOClientOptions { Reconnection = false });
            SocketIOClientSocket socket = await ConnectAsync(io);
            await probe.Connected.Task.WaitAsync(s_wait);

            Assert.Equal("hi", (await socket.EmitWithAckAsync("echo", "hi").WaitAsync(s_wait)).GetString(0));
            await socket.EmitAsync("boom");
            await socket.EmitAsync("fan", "to everyone");
            Assert.Equal("ada", (await socket.EmitWithAckAsync("ask").WaitAsync(s_wait)).GetString(0));
            Assert.Equal("timeout", await probe.LateOutcome.Task.WaitAsync(s_wait));
            Assert.Equal("hi", (await socket.EmitWithAckAsync("echo", "hi").WaitAsync(s_wait)).GetString(0)); // after boom and fan

            SocketIOClientSocket nowhere = io.Of("/nowhere");
            var refused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            nowhere.ConnectError += (_, _) => refused.TrySetResult();
            _ = nowhere.ConnectAsync();
            await refused.Task.WaitAsync(s_wait);

            // An emit-with-ack's outcome is recorded by a continuation of its answer: wait until both are in.
            Dictionary<string, List<MetricSnapshot>> live;
            using (var limit = new CancellationTokenSource(s_wait))
            {
                while (!(live = Flush(provider, exported)).ContainsKey("socketio.server.ack.duration")
                    || Count(live, "socketio.server.ack.duration", ("socketio.ack.outcome", "answered")) + Count(live, "socketio.server.ack.duration", ("socketio.ack.outcome", "timeout")) < 2)
                {
                    await Task.Delay(20, limit.Token);
                }
            }

            Assert.Equal(1, Sum(live, "socketio.server.active_connections"));
            Assert.Equal(1, Sum(live, "socketio.server.active_sockets", ("socketio.namespace", "/t")));
            Assert.Equal(5, Sum(live, "socketio.server.events.received", ("socketio.namespace", "/t")));          // echo, boom, fan, ask, echo
            Assert.Equal(2, Sum(live, "socketio.server.events.sent", ("socketio.namespace", "/t")));              // name, late
            Assert.Equal(3, Sum(live, "socketio.server.acks.sent", ("socketio.namespace", "/t")));                // echo, ask, echo
            Assert.Equal(1, Sum(live, "socketio.server.broadcasts", ("socketio.namespace", "/t")));
            Assert.Equal(1, Sum(live, "socketio.server.broadcast.deliveries", ("socketio.namespace", "/t")));
            Assert.Equal(1, Count(live, "socketio.server.ack.duration", ("socketio.ack.outcome", "answered")));
            Assert.Equal(1, Count(live, "socketio.server.ack.duration", ("socketio.ack.outcome", "timeout")));
            Assert.Equal(1, Sum(live, "socketio.server.ack.timeouts", ("socketio.namespace", "/t")));
            Assert.Equal(1, Sum(live, "socketio.server.errors", ("error.type", "handler_exception")));
            Assert.Equal(1, Sum(live, "socketio.server.errors", ("error.type", "unknown_namespace")));
            Assert.True(Sum(live, "socketio.server.namespaces") >= 2, $"namespaces: {Sum(live, "socketio.server.namespaces")}");                              // "/" and "/t"
            Assert.True(Sum(live, "socketio.server.bytes.received") > 0, "bytes received");
            Assert.True(Sum(live, "socketio.server.bytes.sent") > 0, "bytes sent");

            await io.DisposeAsync();
            await probe.Disconnected.Task.WaitAsync(s_wait);

            // The socket leaves on the client's DISCONNECT packet; the Engine.IO connection closes just after it.
            using (var limit = new CancellationTokenSource(s_wait))
            {
                while (Sum(live = Flush(provider, exported), "socketio.server.active_connections") != 0)
                {
                    await Task.Delay(20, limit.Token);
                }
            }

            Assert.Equal(0, Sum(live, "socketio.server.active_sockets", ("socketio.namespace", "/t")));
            // One connection ended (over WebSocket, or still polling when the upgrade had not finished on a slow machine).
            Assert.Equal(1, Count(live, "socketio.server.connection.duration", null));
        }
    }

    [Fact]
    public async Task A_handled_event_is_a_consumer_span_and_an_emit_with_ack_a_producer_span_with_its_outcome()
    {
        var spans = new List<Activity>();
        (WebApplication app, Probe probe) = await StartAsync(services => services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(SocketIOTelemetry.ActivitySourceName, s_handlerSource.Name).AddInMemoryExporter(spans)));
        await using (app)
        {
            Assert.NotNull(app.Services.GetService<TracerProvider>());
            await using var io = new SocketIOManager(new Uri(app.Urls.Single()));
            SocketIOClientSocket socket = await ConnectAsync(io);
            Assert.Equal("hi", (await socket.EmitWithAckAsync("echo", "hi").WaitAsync(s_wait)).GetString(0));
            await socket.EmitAsync("boom");
            Assert.Equal("ada", (await socket.EmitWithAckAsync("ask").WaitAsync(s_wait)).GetString(0));
            await probe.LateOutcome.Task.WaitAsync(s_wait);

            // Spans are exported when they end (just after the answers went out): wait for the four expected.
            // Other tests of this process run servers too: only this socket's spans count.
            Activity echo = await SpanAsync(spans, "process echo", socket.Id);
            Activity boom = await SpanAsync(spans, "process boom", socket.Id);
            Activity name = await SpanAsync(spans, "send name", socket.Id);
            Activity late = await SpanAsync(spans, "send late", socket.Id);
            Activity inner = await SpanAsync(spans, "inner work", null);

            Assert.Equal(ActivityKind.Consumer, echo.Kind);
            Assert.Equal("socket.io", echo.GetTagItem("messaging.system"));
            Assert.Equal("process", echo.GetTagItem("messaging.operation.type"));
            Assert.Equal("echo", echo.GetTagItem("messaging.destination.name"));
            Assert.Equal("/t", echo.GetTagItem("socketio.namespace"));
            Assert.Equal(socket.Id, echo.GetTagItem("socketio.socket.id"));
            Assert.Equal(true, echo.GetTagItem("socketio.ack"));
            Assert.Equal(ActivityStatusCode.Unset, echo.Status);
            Assert.Equal(default, echo.ParentSpanId);                  // a root span, not a child of the connection's request
            Assert.Equal(echo.SpanId, inner.ParentSpanId);                                                          // the handler's work nests

            Assert.Equal(ActivityStatusCode.Error, boom.Status);
            Assert.Equal(typeof(InvalidOperationException).FullName, boom.GetTagItem("error.type"));

            Assert.Equal(ActivityKind.Producer, name.Kind);
            Assert.Equal("answered", name.GetTagItem("socketio.ack.outcome"));
            Assert.Equal(ActivityStatusCode.Unset, name.Status);
            Assert.Equal("timeout", late.GetTagItem("socketio.ack.outcome"));
            Assert.Equal(ActivityStatusCode.Error, late.Status);
        }
    }

    private static async Task<Activity> SpanAsync(List<Activity> spans, string name, string? socketId)
    {
        using var limit = new CancellationTokenSource(s_wait);
        while (true)
        {
            lock (spans)
            {
                if (spans.FirstOrDefault(s => s.DisplayName == name && (socketId is null || Equals(s.GetTagItem("socketio.socket.id"), socketId))) is { } span)
                {
                    return span;
                }
            }

            if (limit.IsCancellationRequested)
            {
                lock (spans)
                {
                    throw new InvalidOperationException($"No span \"{name}\" among: {string.Join(", ", spans.Select(static s => s.DisplayName))}");
                }
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    // One export of every instrument (cumulative temporality: the totals), by name; an instrument of the same name on
    // another meter (the process-wide one of servers made without dependency injection) is in the same list.
    private static Dictionary<string, List<MetricSnapshot>> Flush(MeterProvider provider, List<MetricSnapshot> exported)
    {
        exported.Clear();
        Assert.True(provider.ForceFlush());
        var byName = new Dictionary<string, List<MetricSnapshot>>(StringComparer.Ordinal);
        foreach (MetricSnapshot metric in exported)
        {
            if (!byName.TryGetValue(metric.Name, out List<MetricSnapshot>? list))
            {
                byName[metric.Name] = list = [];
            }

            list.Add(metric);
        }

        return byName;
    }

    private static long Sum(Dictionary<string, List<MetricSnapshot>> live, string name, (string Key, string Value)? tag = null)
    {
        Assert.True(live.TryGetValue(name, out List<MetricSnapshot>? metrics), $"{name} was not exported");
        long total = 0;
        foreach (MetricSnapshot metric in metrics!)
        {
            foreach (MetricPoint point in metric.MetricPoints)
            {
                if (tag is { } t && !Has(point, t))
                {
                    continue;
                }

                total += metric.MetricType switch
                {
                    MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong(),
                    MetricType.LongGauge => point.GetGaugeLastValueLong(),
                    _ => throw new InvalidOperationException($"{name} is {metric.MetricType}"),
                };
            }
        }

        return total;
    }

    private static long Count(Dictionary<string, List<MetricSnapshot>> live, string name, (string Key, string Value)? tag)
    {
        Assert.True(live.TryGetValue(name, out List<MetricSnapshot>? metrics), $"{name} was not exported");
        return metrics!.SelectMany(static m => m.MetricPoints).Where(p => tag is not { } t || Has(p, t)).Sum(static p => p.GetHistogramCount());
    }

    private static bool Has(MetricPoint point, (string Key, string Value) tag)
    {
        foreach (KeyValuePair<string, object?> pair in point.Tags)
        {
            if (pair.Key == tag.Key && Equals(pair.Value, tag.Value))
            {
                return true;
            }
        }

        return false;
    }
}
