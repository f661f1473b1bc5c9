using System.Diagnostics;
using System.Net;
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
/// A server the .NET client tests talk to: the official Node socket.io (<c>node/server.mjs</c>), python-socketio
/// (<c>python/server.py</c>, Debian's python3-socketio) or ours with the same handlers. Each can be stopped and started
/// again on the same port (to prove reconnection).
/// </summary>
internal abstract class ScenarioServer : IAsyncDisposable
{
    public int Port { get; protected set; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <summary>Whether the server keeps sessions for connection state recovery (python-socketio 5.7 does not).</summary>
    public virtual bool RecoversSessions => true;

    /// <param name="kind"><c>node</c>, <c>python</c> or <c>dotnet</c>.</param>
    /// <param name="output">The test output.</param>
    /// <param name="path">The server's path instead of <c>/socket.io</c> (only that path is served then).</param>
    public static async Task<ScenarioServer> StartAsync(string kind, ITestOutputHelper output, string? path = null)
    {
        ScenarioServer server = kind switch
        {
            "node" => new ProcessScenarioServer(output, "node", path),
            "python" => new ProcessScenarioServer(output, "python", path),
            "dotnet" => new DotNetScenarioServer(output, path),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "node, python or dotnet"),
        };
        await server.StartAsync(0);
        return server;
    }

    public abstract Task StartAsync(int port);

    public abstract Task StopAsync();

    public async ValueTask DisposeAsync() => await StopAsync();
}

/// <summary><c>node server.mjs --port N</c> or <c>python3 server.py --port N</c>.</summary>
internal sealed class ProcessScenarioServer(ITestOutputHelper output, string kind, string? path, IReadOnlyList<string>? script = null) : ScenarioServer
{
    private Process? _process;

    public override bool RecoversSessions => kind == "node";

    public override async Task StartAsync(int port)
    {
        ProcessStartInfo start;
        if (kind == "node")
        {
            string node = NodeClient.FindNode() ?? throw new InvalidOperationException("'node' (Node.js 20+) was not found on PATH.");
            start = new ProcessStartInfo(node) { WorkingDirectory = NodeClient.NodeDirectory };
            foreach (string argument in script ?? ["server.mjs"])
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start = new ProcessStartInfo(PythonPeer.Python) { WorkingDirectory = PythonPeer.Directory };
            start.ArgumentList.Add("server.py");
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (path is not null)
        {
            start.ArgumentList.Add("--path");
            start.ArgumentList.Add(path);
        }
        Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start the {kind} server.");
        _process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Log($"[{kind} stderr] " + e.Data);
            }
        };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            string? line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                throw new InvalidOperationException($"The {kind} server exited before listening.");
            }

            if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                Port = int.Parse(line["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                return;
            }
        }
    }

    public override async Task StopAsync()
    {
        Process? process = _process;
        _process = null;
        await ChildProcesses.StopAsync(process);
    }

    private void Log(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test is over.
        }
    }
}

/// <summary>Our server with the handlers of node/server.mjs.</summary>
internal sealed class DotNetScenarioServer(ITestOutputHelper output, string? path) : ScenarioServer
{
    private WebApplication? _app;

    public override async Task StartAsync(int port)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(output));
        builder.Logging.SetMinimumLevel(Environment.GetEnvironmentVariable("SIO_TEST_SERVER_LOG") == "debug" ? LogLevel.Debug : LogLevel.Warning);
        builder.Services.AddSocketIO(o =>
        {
            o.EngineIO.PingInterval = TimeSpan.FromMilliseconds(1000);
            o.EngineIO.PingTimeout = TimeSpan.FromMilliseconds(500);
            o.EngineIO.MaxHttpBufferSize = 1_000_000;
            o.ConnectionStateRecovery = new ConnectionStateRecoveryOptions { MaxDisconnectionDuration = TimeSpan.FromSeconds(10) };
        });
        WebApplication app = builder.Build();
        Configure(app.MapSocketIO(path ?? "/socket.io"));
        await app.StartAsync();
        _app = app;
        string address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.Single();
        Port = new Uri(address).Port;
    }

    public override async Task StopAsync()
    {
        WebApplication? app = _app;
        _app = null;
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task AskEarlyAsync(SocketIOSocket socket)
    {
        try
        {
            SocketIOArguments answer = await socket.EmitWithAckAsync("early", TimeSpan.FromSeconds(10), socket.Id);
            s_early[socket.Id] = answer.GetString(0);
        }
        catch (Exception e) when (e is SocketIOAckTimeoutException or SocketIODisconnectedException)
        {
            // No answer: early-answer reports null.
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> s_flaky = new(StringComparer.Ordinal);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> s_early = new(StringComparer.Ordinal);

    private static void Configure(SocketIOServer io)
    {
        // "early" is emitted by the connection handler with an ack; "early-answer" tells what the client answered.
        io.Of("/early").OnConnection(socket =>
        {
            _ = AskEarlyAsync(socket);
            socket.On("early-answer", ctx => ctx.AckAsync(s_early.GetValueOrDefault(ctx.Socket.Id)));
        });

        SocketIONamespace control = io.Of("/control");
        control.OnConnection(socket => socket.On("broadcast-missed", async ctx =>
        {
            string room = ctx.Arguments.GetString(0)!;
            await io.To(room).EmitAsync("missed", 1);
            await io.To(room).EmitAsync("missed", 2, new byte[] { 9, 8 });
            await ctx.AckAsync(true);
        }));

        io.OnConnection(socket =>
        {
            AttachCommon(socket);
            socket.OnDisconnect((s, reason) => control.EmitAsync("peer-disconnected", s.Id, reason));
        });
        io.Of("/chat").OnConnection(AttachCommon);
        io.Of("/secure")
            .Use((socket, _) =>
            {
                JsonElement auth = socket.Handshake.Auth;
                if (auth.ValueKind == JsonValueKind.Object && auth.TryGetProperty("token", out JsonElement token) && token.ValueEquals("good"))
                {
                    return ValueTask.CompletedTask;
                }

                using JsonDocument data = JsonDocument.Parse("""{"code":42}""");
                throw new SocketIOConnectException("Not authorized", data.RootElement.Clone());
            })
            .OnConnection(AttachCommon);
    }

    private static void AttachCommon(SocketIOSocket socket)
    {
        _ = socket.EmitAsync(
            "hello",
            socket.Id,
            socket.Handshake.Auth,
            socket.Handshake.Query.TryGetValue("q", out Microsoft.Extensions.Primitives.StringValues q) ? q.ToString() : null,
            socket.Handshake.Headers.TryGetValue("x-test", out Microsoft.Extensions.Primitives.StringValues h) ? h.ToString() : null,
            socket.Recovered);
        socket.On("echo", ctx => ctx.Socket.EmitAsync("echo-back", ctx.Arguments));
        socket.On("echo-ack", ctx => ctx.AckAsync(ctx.Arguments));
        socket.On("ask-client", async ctx =>
        {
            Dictionary<string, object?> reply;
            try
            {
                SocketIOArguments answer = await ctx.Socket.EmitWithAckAsync("question", TimeSpan.FromSeconds(5), CancellationToken.None, 7, new byte[] { 1, 2, 3 });
                reply = new Dictionary<string, object?>(StringComparer.Ordinal) { ["answer"] = answer.Count > 0 ? answer.ToObject(0) : null };
            }
            catch (Exception e) when (e is SocketIOAckTimeoutException or SocketIODisconnectedException)
            {
                reply = new Dictionary<string, object?>(StringComparer.Ordinal) { ["error"] = e.Message };
            }

            await ctx.AckAsync(reply);
        });
        socket.On("never-ack", _ => { });
        socket.On("join", ctx =>
        {
            ctx.Socket.Join(ctx.Arguments.GetString(0)!);
            return ctx.AckAsync(true);
        });
        socket.On("kick-me", ctx => ctx.Socket.Disconnect());
        socket.On("flaky", ctx =>
        {
            string key = ctx.Arguments.GetString(0)!;
            int seen = s_flaky.AddOrUpdate(key, 1, static (_, n) => n + 1);
            return seen >= ctx.Arguments.GetInt32(1) ? ctx.AckAsync(seen) : ValueTask.CompletedTask;
        });
        socket.On("flaky-count", ctx => ctx.AckAsync(s_flaky.GetValueOrDefault(ctx.Arguments.GetString(0)!)));
        socket.On("whoami", ctx => ctx.AckAsync(ctx.Socket.Namespace.Name, ctx.Socket.Id, ctx.Socket.Handshake.Auth));
    }
}
