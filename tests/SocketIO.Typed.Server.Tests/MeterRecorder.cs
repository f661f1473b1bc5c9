using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace SocketIO.Typed.Server.Tests;

/// <summary>Records the long measurements of the server's instruments (any meter named SocketIO.Typed.Server) while alive.</summary>
internal sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, long Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

    public MeterRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SocketIOTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        _listener.Start();
    }

    /// <summary>The sum of an instrument's measurements that carry the tag.</summary>
    public long Sum(string instrument, string tag, string value) => _measurements
        .Where(m => m.Instrument == instrument && m.Tags.Any(t => t.Key == tag && Equals(t.Value, value)))
        .Sum(static m => m.Value);

    public void Dispose() => _listener.Dispose();
}
