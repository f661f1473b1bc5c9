using System.Net;
using System.Text;
using System.Threading.Channels;

namespace SocketIO.Typed.Client.Tests;

/// <summary>
/// An Engine.IO v4 long-polling server in memory, behind an <see cref="HttpMessageHandler"/>: the client under test talks
/// to it without a network. The test sends packets with <see cref="Send"/> and reads what the client posted from
/// <see cref="Received"/>; a poll waits until something is sent.
/// </summary>
internal sealed class FakePollingServer : HttpMessageHandler
{
    private readonly object _gate = new();
    private Channel<string> _outgoing = Channel.CreateUnbounded<string>();
    private int _sessions;

    public FakePollingServer(int pingIntervalMs = 25_000, int pingTimeoutMs = 20_000)
    {
        PingIntervalMs = pingIntervalMs;
        PingTimeoutMs = pingTimeoutMs;
    }

    public int PingIntervalMs { get; }

    public int PingTimeoutMs { get; }

    /// <summary>When set, handshakes fail as if nothing listened.</summary>
    public bool Down { get; set; }

    /// <summary>How many handshakes were attempted.</summary>
    public int Handshakes => Volatile.Read(ref _sessions);

    /// <summary>Every packet the client posted, in order.</summary>
    public Channel<string> Received { get; } = Channel.CreateUnbounded<string>();

    public Uri Url { get; } = new("http://fake.test");

    /// <summary>Queues packets for the client's next poll.</summary>
    public void Send(params string[] packets)
    {
        lock (_gate)
        {
            _outgoing.Writer.TryWrite(string.Join('\u001e', packets));
        }
    }

    /// <summary>The next packet the client posted (waits for it).</summary>
    public async Task<string> NextAsync() => await Received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string query = request.RequestUri!.Query;
        if (!query.Contains("sid=", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _sessions);
            if (Down)
            {
                throw new HttpRequestException("Connection refused (fake server is down).");
            }

            lock (_gate)
            {
                _outgoing = Channel.CreateUnbounded<string>();
            }

            return Text($"0{{\"sid\":\"s{_sessions}\",\"upgrades\":[],\"pingInterval\":{PingIntervalMs},\"pingTimeout\":{PingTimeoutMs},\"maxPayload\":1000000}}");
        }

        if (request.Method == HttpMethod.Post)
        {
            string body = await request.Content!.ReadAsStringAsync(cancellationToken);
            foreach (string packet in body.Split('\u001e'))
            {
                Received.Writer.TryWrite(packet);
            }

            return Text("ok");
        }

        Channel<string> outgoing;
        lock (_gate)
        {
            outgoing = _outgoing;
        }

        var parts = new List<string> { await outgoing.Reader.ReadAsync(cancellationToken) };
        while (outgoing.Reader.TryRead(out string? more))
        {
            parts.Add(more);
        }

        return Text(string.Join('\u001e', parts));
    }

    private static HttpResponseMessage Text(string body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
}
