// Cross-node broadcast benchmark driver: N receivers on node A join room "r"; one publisher on node B emits
// to-room("r", payload) (the cluster sample's and its Node twin's event), keeping at most W broadcasts not yet delivered
// to every receiver. Each broadcast crosses the broker from B to A. Raw Engine.IO v4 / Socket.IO v5 over WebSockets (no
// client library, so the driver costs little). Prints one JSON line: deliveries per second, and the CPU the two node
// processes used per delivery.
//
//   Benchmarks.Cluster --a http://127.0.0.1:3001 --b http://127.0.0.1:3002 --clients 200 --seconds 10 --warmup 5
//                      --payload 100 --window 8 --pids 123,456 --label ours
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;

string Arg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

var a = new Uri(Arg("--a", "http://127.0.0.1:3001"));
var b = new Uri(Arg("--b", "http://127.0.0.1:3002"));
int clients = int.Parse(Arg("--clients", "200"), CultureInfo.InvariantCulture);
int seconds = int.Parse(Arg("--seconds", "10"), CultureInfo.InvariantCulture);
int warmup = int.Parse(Arg("--warmup", "5"), CultureInfo.InvariantCulture);
int payload = int.Parse(Arg("--payload", "100"), CultureInfo.InvariantCulture);
int window = int.Parse(Arg("--window", "8"), CultureInfo.InvariantCulture);
string label = Arg("--label", "server");
int[] pids = [.. Arg("--pids", string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(static p => int.Parse(p, CultureInfo.InvariantCulture))];

long delivered = 0;
var receivers = new List<Task>();
using var stop = new CancellationTokenSource();
var sockets = new List<ClientWebSocket>();
for (int i = 0; i < clients; i++)
{
    ClientWebSocket ws = await OpenAsync(a);
    await SendAsync(ws, "421[\"join\",\"r\"]");
    await ReadUntilAsync(ws, static m => m.StartsWith("431", StringComparison.Ordinal));
    sockets.Add(ws);
    receivers.Add(ReceiveAsync(ws, stop.Token));
}

ClientWebSocket publisher = await OpenAsync(b);
string message = "42[\"to-room\",\"r\",\"" + new string('x', payload) + "\"]";
long sent = 0;
Task publishing = PublishAsync(stop.Token);

await Task.Delay(TimeSpan.FromSeconds(warmup));
long startDelivered = Interlocked.Read(ref delivered);
TimeSpan startCpu = Cpu(pids);
var clock = Stopwatch.StartNew();
await Task.Delay(TimeSpan.FromSeconds(seconds));
long count = Interlocked.Read(ref delivered) - startDelivered;
double elapsed = clock.Elapsed.TotalSeconds;
TimeSpan cpu = Cpu(pids) - startCpu;
stop.Cancel();
double perSecond = count / elapsed;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"label\":\"{label}\",\"clients\":{clients},\"payload\":{payload},\"window\":{window},\"deliveries_per_s\":{perSecond:0},\"servers_cpu_us_per_delivery\":{(count == 0 ? 0 : cpu.TotalMicroseconds / count):0.00},\"broadcasts\":{Interlocked.Read(ref sent)}}}"));
foreach (ClientWebSocket ws in sockets)
{
    ws.Abort();
}

publisher.Abort();
return 0;

async Task PublishAsync(CancellationToken cancellationToken)
{
    try
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            // At most `window` broadcasts ahead of what every receiver got.
            if (Interlocked.Read(ref sent) * clients - Interlocked.Read(ref delivered) >= (long)window * clients)
            {
                await Task.Delay(1, cancellationToken);
                continue;
            }

            await SendAsync(publisher, message);
            Interlocked.Increment(ref sent);
        }
    }
    catch (OperationCanceledException)
    {
    }
}

async Task ReceiveAsync(ClientWebSocket ws, CancellationToken cancellationToken)
{
    byte[] buffer = new byte[64 * 1024];
    try
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            (string text, _) = await ReadAsync(ws, buffer, cancellationToken);
            if (text.StartsWith("42[\"room-msg\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref delivered);
            }
            else if (text == "2")
            {
                await SendAsync(ws, "3");
            }
        }
    }
    catch (Exception e) when (e is OperationCanceledException or WebSocketException)
    {
    }
}

static async Task<ClientWebSocket> OpenAsync(Uri server)
{
    var ws = new ClientWebSocket();
    var uri = new UriBuilder(server) { Scheme = server.Scheme == "https" ? "wss" : "ws", Path = "/socket.io/", Query = "EIO=4&transport=websocket" }.Uri;
    await ws.ConnectAsync(uri, CancellationToken.None);
    await ReadUntilAsync(ws, static m => m.StartsWith('0'));
    await SendAsync(ws, "40");
    await ReadUntilAsync(ws, static m => m.StartsWith("40", StringComparison.Ordinal));
    return ws;
}

static async Task ReadUntilAsync(ClientWebSocket ws, Func<string, bool> done)
{
    byte[] buffer = new byte[64 * 1024];
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    while (true)
    {
        (string text, _) = await ReadAsync(ws, buffer, timeout.Token);
        if (done(text))
        {
            return;
        }

        if (text == "2")
        {
            await SendAsync(ws, "3");
        }
    }
}

static async Task<(string Text, int Length)> ReadAsync(ClientWebSocket ws, byte[] buffer, CancellationToken cancellationToken)
{
    int length = 0;
    while (true)
    {
        ValueWebSocketReceiveResult result = await ws.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            throw new WebSocketException("closed by the server");
        }

        length += result.Count;
        if (result.EndOfMessage)
        {
            return (Encoding.UTF8.GetString(buffer, 0, length), length);
        }
    }
}

static Task SendAsync(ClientWebSocket ws, string text) =>
    ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

// utime + stime of the node processes (clock ticks of 10 ms).
static TimeSpan Cpu(int[] pids)
{
    long ticks = 0;
    foreach (int pid in pids)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
        }
    }

    return TimeSpan.FromMilliseconds(ticks * 10);
}
