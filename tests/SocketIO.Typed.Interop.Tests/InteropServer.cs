using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server;
using SocketIO.Typed;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>
/// Our server in-process on Kestrel (127.0.0.1, a free port), with the handlers every scenario of
/// <c>node/client.mjs</c> talks to. What the server itself observed goes into <see cref="Probe"/>.
/// </summary>
internal sealed class InteropServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ITestOutputHelper _output;

    private InteropServer(WebApplication app, ServerProbe probe, ITestOutputHelper output)
    {
        _app = app;
        _output = output;
        Probe = probe;
        Url = app.Urls.Single();
    }

    /// <summary>The server's base URL, for example <c>http://127.0.0.1:41234</c>.</summary>
    public string Url { get; }

    /// <summary>What the server saw.</summary>
    public ServerProbe Probe { get; }

    public static async Task<InteropServer> StartAsync(ITestOutputHelper output, Action<SocketIOServerOptions>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("SocketIO.Typed", LogLevel.Information);
        builder.Services.AddSocketIO(configure);

        WebApplication app = builder.Build();
        SocketIOServer io = app.MapSocketIO("/socket.io");
        var probe = new ServerProbe();
        Configure(io, probe);

        await app.StartAsync();
        return new InteropServer(app, probe, output);
    }

    /// <summary>Runs one scenario of <c>node/client.mjs</c> against this server.</summary>
    public Task<JsonElement> RunClientAsync(string scenario, string transport) => NodeClient.RunAsync(scenario, Url, transport, _output);

    /// <summary>Runs one scenario of <c>python/client.py</c> (python-socketio) against this server.</summary>
    public Task<JsonElement> RunPythonClientAsync(string scenario, string transport) => PythonClient.RunAsync(scenario, Url, transport, _output);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static void Configure(SocketIOServer io, ServerProbe probe)
    {
        SocketIONamespace observer = io.Of("/observer");
        observer.OnConnection(socket =>
        {
            // Connection state recovery: what a client cut off from the main namespace misses, sent from here.
            socket.On("recovery-broadcast", async ctx =>
            {
                string missingSocket = ctx.Arguments.GetString(0)!;
                await io.To("r1").EmitAsync("missed-room", 1);
                await io.EmitAsync("missed-all", 2);
                await io.To(missingSocket).EmitAsync("missed-direct", 3);
                await io.To("elsewhere").EmitAsync("not-for-you", 4);
                await io.Sockets.Volatile.EmitAsync("volatile-missed", 5);
                await io.Sockets.Except("r1").EmitAsync("excluded", 6);
                await io.To("r1").EmitAsync("missed-binary", new byte[] { 1, 2, 3 });
                await ctx.AckAsync(true);
            });
        });

        io.OnConnection(socket =>
        {
            probe.Set("auth:" + socket.Id, socket.Handshake.Auth.Clone());
            _ = socket.EmitAsync("hello", socket.Id, socket.Handshake.Auth);

            socket.OnDisconnect(async (s, reason) =>
            {
                probe.Set("disconnect:" + s.Id, reason);
                await observer.EmitAsync("peer-disconnected", s.Id, reason);
            });

            // ---- events
            socket.On("echo", async ctx =>
            {
                SocketIOArguments args = ctx.Arguments;
                await ctx.Socket.EmitAsync("echo-back", args);
                JsonElement obj = args.GetElement(10);
                var parsed = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["count"] = args.Count,
                    ["int"] = args.GetInt32(0),
                    ["negative"] = args.GetInt32(1),
                    ["double"] = args.GetDouble(2),
                    ["long"] = args.GetInt64(3),
                    ["text"] = args.GetString(4),
                    ["escaped"] = args.GetString(5),
                    ["bool"] = args.GetBoolean(7),
                    ["isNull"] = args.GetElement(9).ValueKind == JsonValueKind.Null,
                    ["deep"] = obj.GetProperty("a").GetProperty("b")[4].GetProperty("c").GetString(),
                    ["key"] = obj.GetProperty("ключ").GetString(),
                };
                probe.Set("events:parsed", string.Join('|', parsed.Select(p => p.Key + "=" + Convert.ToString(p.Value, CultureInfo.InvariantCulture))));
                await ctx.Socket.EmitAsync("echo-parsed", parsed);
            });
            socket.On("get-values", async ctx =>
            {
                using JsonDocument element = JsonDocument.Parse("""{"fromJsonElement":[1,"é✓"]}""");
                await ctx.Socket.EmitAsync(
                    "server-values",
                    42,
                    -7L,
                    3.25,
                    9007199254740991L,
                    "é✓ 😀",
                    true,
                    false,
                    null,
                    new Dictionary<string, object?>(StringComparer.Ordinal)
                    {
                        ["list"] = new List<object?> { 1, "x", null },
                        ["é"] = "✓",
                        ["nested"] = new Dictionary<string, object?>(StringComparer.Ordinal) { ["deeper"] = new List<object?> { true } },
                    },
                    new List<object?> { 1.5, new Dictionary<string, object?>(StringComparer.Ordinal) },
                    element.RootElement);
            });
            socket.On("événement✓", ctx => ctx.Socket.EmitAsync("événement✓-back", ctx.Arguments));

            // ---- binary
            socket.On("bin", async ctx =>
            {
                SocketIOArguments args = ctx.Arguments;
                await ctx.Socket.EmitAsync("bin-echo", args);
                var obj = (Dictionary<string, object?>)args.ToObject(0)!;
                byte[] data = (byte[])obj["data"]!;
                var list = (List<object?>)((Dictionary<string, object?>)obj["nested"]!)["list"]!;
                byte[] text = (byte[])list[0]!;
                byte[] big = (byte[])list[2]!;
                byte[] extra = args.GetBytes(1).ToArray();
                byte[] all = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
                probe.Set("binary:received", Convert.ToHexStringLower(data));
                await ctx.Socket.EmitAsync(
                    "bin-built",
                    all,
                    new Dictionary<string, object?>(StringComparer.Ordinal)
                    {
                        ["reversed"] = data.AsEnumerable().Reverse().ToArray(),
                        ["text"] = text,
                        ["bigLength"] = big.Length,
                        ["bigSum"] = big.Sum(b => (long)b),
                        ["extra"] = extra,
                    },
                    "tail");
            });

            // ---- acknowledgements
            socket.On("sum", ctx =>
            {
                SocketIOArguments args = ctx.Arguments;
                probe.Set("ack:sum-has-ack", ctx.HasAck);
                return ctx.AckAsync(
                    args.GetInt32(0) + args.GetInt32(1),
                    "é✓",
                    args.GetBytes(2).ToArray().AsEnumerable().Reverse().ToArray(),
                    new Dictionary<string, object?>(StringComparer.Ordinal) { ["bin"] = new byte[] { 0xFF, 0 }, ["ok"] = true });
            });
            socket.On("ack-empty", ctx => ctx.AckAsync());
            socket.On("ask-me", async ctx =>
            {
                SocketIOSocket s = ctx.Socket;
                SocketIOArguments answer = await s.EmitWithAckAsync("question", TimeSpan.FromSeconds(5), CancellationToken.None, 7, new byte[] { 1, 2, 3 });
                var nested = (Dictionary<string, object?>)answer.ToObject(2)!;
                var first = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["n"] = answer.GetInt32(0),
                    ["bytes"] = Convert.ToHexStringLower(answer.GetBytes(1).Span),
                    ["nested"] = Convert.ToHexStringLower((byte[])nested["nested"]!),
                    ["ok"] = nested["ok"],
                };
                SocketIOArguments empty = await s.EmitWithAckAsync("question-empty", TimeSpan.FromSeconds(5), CancellationToken.None);
                string ignored;
                try
                {
                    await s.EmitWithAckAsync("question-ignored", TimeSpan.FromMilliseconds(300), CancellationToken.None, "x");
                    ignored = "answered";
                }
                catch (SocketIOAckTimeoutException)
                {
                    ignored = "timeout";
                }

                var report = new Dictionary<string, object?>(StringComparer.Ordinal) { ["first"] = first, ["emptyCount"] = empty.Count, ["ignored"] = ignored };
                probe.Set("ack:server-side", $"{first["n"]}|{first["bytes"]}|{first["nested"]}|{first["ok"]}|{empty.Count}|{ignored}");
                await s.EmitAsync("answers", report);
            });

            // ---- connection state recovery
            socket.On("recovery-setup", async ctx =>
            {
                ctx.Socket.Join("r1");
                ctx.Socket.Data["tag"] = "kept";
                await ctx.Socket.EmitAsync("before-cut", 0);
                await ctx.AckAsync(ctx.Socket.Recovered);
            });
            socket.On("recovery-state", async ctx =>
            {
                SocketIOSocket s = ctx.Socket;
                object? tag = s.Data.TryGetValue("tag", out object? t) ? t : null;
                probe.Set("recovery:state:" + s.Id, $"{s.Recovered}|{string.Join(',', s.Rooms.Order(StringComparer.Ordinal))}|{tag}");
                await ctx.AckAsync(s.Recovered, s.Rooms.Order(StringComparer.Ordinal).ToList(), tag);
                await io.To("r1").EmitAsync("live", 7);
            });

            // ---- namespaces
            socket.On("which", Which);

            // ---- rooms
            socket.On("join", ctx =>
            {
                ctx.Socket.Join(ctx.Arguments.GetString(0)!);
                return ctx.AckAsync(true);
            });
            socket.On("leave", ctx =>
            {
                ctx.Socket.Leave(ctx.Arguments.GetString(0)!);
                return ctx.AckAsync(true);
            });
            socket.On("broadcast", async ctx =>
            {
                int round = ctx.Arguments.GetInt32(0);
                await io.To("r").EmitAsync("room-msg", round, "to r");
                await ctx.Socket.To("r").EmitAsync("room-excl", round, ctx.Socket.Id);
                // A barrier: every client sees it after the room messages that were meant for it.
                await io.EmitAsync("done", round);
                await ctx.AckAsync(true);
            });

            // ---- broadcast with acknowledgements
            socket.On("start-ask", async ctx =>
            {
                int timeoutMs = ctx.Arguments.GetInt32(0);
                SocketIOBroadcastAckResult result = await io.Sockets.Timeout(TimeSpan.FromMilliseconds(timeoutMs)).EmitWithAckAsync("ask", 1);
                List<object?> answers = [.. result.Responses.Select(r => (object?)r.Arguments.GetElement(0))];
                probe.Set(
                    "broadcast-ack:" + timeoutMs,
                    $"{result.Responses.Count}|{result.Expected}|{result.AllResponded}|" +
                    string.Join(',', result.Responses.Select(r => r.Arguments.GetElement(0).GetProperty("who").GetString()).Order(StringComparer.Ordinal)));
                await ctx.AckAsync(result.Responses.Count, result.Expected, result.AllResponded, answers);
            });

            // ---- disconnection
            socket.On("kick-me", ctx => ctx.Socket.Disconnect());
        });

        io.Of("/chat").OnConnection(socket =>
        {
            _ = socket.EmitAsync("welcome", socket.Namespace.Name, socket.Id);
            socket.On("which", Which);
        });

        io.Of("/secure")
            .Use(async (socket, cancellationToken) =>
            {
                await Task.Yield();
                JsonElement auth = socket.Handshake.Auth;
                if (auth.ValueKind == JsonValueKind.Object &&
                    auth.TryGetProperty("token", out JsonElement token) &&
                    token.ValueKind == JsonValueKind.String &&
                    token.ValueEquals("good"))
                {
                    return;
                }

                probe.Increment("secure:refused");
                using JsonDocument data = JsonDocument.Parse("""{"code":42}""");
                throw new SocketIOConnectException("Not authorized", data.RootElement.Clone());
            })
            .OnConnection(socket =>
            {
                probe.Increment("secure:connected");
                socket.On("whoami", ctx => ctx.AckAsync(ctx.Socket.Handshake.Auth.GetProperty("token").GetString(), ctx.Socket.Namespace.Name));
            });

        static ValueTask Which(SocketIOEventContext ctx) => ctx.AckAsync(ctx.Socket.Namespace.Name, ctx.Socket.Id, ctx.Socket.ConnectionId);
    }
}

/// <summary>Values the server records for the tests to await.</summary>
internal sealed class ServerProbe
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<object?>> _values = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _counters = new(StringComparer.Ordinal);

    public void Set(string key, object? value) => Get(key).TrySetResult(value);

    public void Increment(string key) => _counters.AddOrUpdate(key, 1, static (_, n) => n + 1);

    public int Count(string key) => _counters.GetValueOrDefault(key);

    public async Task<T> WaitAsync<T>(string key)
    {
        try
        {
            return (T)(await Get(key).Task.WaitAsync(s_wait))!;
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The server never recorded '{key}' (waited {s_wait.TotalSeconds} s).");
            throw;
        }
    }

    private TaskCompletionSource<object?> Get(string key) =>
        _values.GetOrAdd(key, static _ => new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>Writes the server's log to the test output (ignored once the test has finished).</summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"[server {logLevel} {category}] {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test is over: xunit refuses output now.
            }
        }
    }
}
