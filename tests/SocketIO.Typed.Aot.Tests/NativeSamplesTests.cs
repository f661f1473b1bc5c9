using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Reflection;
using System.Text;
using SocketIO.Typed.Tests;
using Xunit.Abstractions;

namespace SocketIO.Typed.Aot.Tests;

/// <summary>
/// The typed samples published with NativeAOT (no warning allowed) and run against real peers: the native chat server
/// against the official JS client (the chat's smoke script) and against the native typed console client; the native
/// probe server against the official client's probe scenario; the native benchmark server (typed and untyped) against the
/// load harness's raw frames and the official client.
/// </summary>
public sealed class NativeSamplesTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string s_root = typeof(NativeSamplesTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;

    // What this test published (tens of MB each), removed when it ends.
    private readonly List<string> _published = [];

    public void Dispose()
    {
        foreach (string directory in _published)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A process of the test may still hold a file: the folder stays in the temp directory.
            }
            catch (UnauthorizedAccessException)
            {
                // Likewise.
            }
        }
    }

    [Fact]
    public async Task The_typed_chat_server_and_console_client_run_natively_against_the_official_client_and_each_other()
    {
        string server = await PublishAsync("samples/Chat", "Chat");
        string client = await PublishAsync("samples/Chat.Client", "Chat.Client");
        int port = FreePort();
        using Process chat = Start(server, [], new() { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Path.GetDirectoryName(server)!);
        try
        {
            await WaitListeningAsync(port);
            (int smokeExit, string smoke) = await RunAsync("node", [Path.Combine(s_root, "samples/Chat/client/smoke.mjs"), $"http://localhost:{port}"], TimeSpan.FromSeconds(60));
            Assert.True(smokeExit == 0, smoke);
            Assert.Contains("OK chat smoke test", smoke, StringComparison.Ordinal);

            // The native console client: joins, sends a line, leaves.
            (int clientExit, string console) = await RunAsync(client, [$"http://localhost:{port}", "native", "aot-room"], TimeSpan.FromSeconds(60), stdin: async input =>
            {
                await Task.Delay(3000);
                await input.WriteLineAsync("hello from a native client");
                await Task.Delay(1000);
                await input.WriteLineAsync("/quit");
            });
            Assert.True(clientExit == 0, console);
            Assert.Contains("* joined aot-room", console, StringComparison.Ordinal);
            Assert.Contains("* in aot-room: native", console, StringComparison.Ordinal);
            Assert.DoesNotContain("not delivered", console, StringComparison.Ordinal);
        }
        finally
        {
            chat.Kill(entireProcessTree: true);
            await chat.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task The_typed_probe_server_runs_natively_against_the_official_client()
    {
        string server = await PublishAsync("samples/Typed.Probe.Server", "Typed.Probe.Server");
        int port = FreePort();
        using Process probe = Start(server, [], new() { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Path.GetDirectoryName(server)!);
        try
        {
            await WaitListeningAsync(port);
            string clientScript = Path.Combine(s_root, "tests/SocketIO.Typed.Interop.Tests/node/client.mjs");
            foreach (string transport in new[] { "polling", "websocket", "upgrade" })
            {
                (int exit, string text) = await RunAsync("node", [clientScript, "probe", $"http://127.0.0.1:{port}", transport], TimeSpan.FromSeconds(60), environment: new() { ["PROBE_NAMESPACE"] = "/" }, workingDirectory: Path.GetDirectoryName(clientScript));
                Assert.True(exit == 0, text);
                Assert.Contains("\"answers\":[7,70,700]", text, StringComparison.Ordinal);
            }
        }
        finally
        {
            probe.Kill(entireProcessTree: true);
            await probe.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task The_benchmark_server_runs_natively_typed_and_untyped_against_the_harness_wire_format_and_the_official_client()
    {
        string server = await PublishAsync("samples/Benchmark.Server", "Benchmark.Server");
        string clientScript = Path.Combine(s_root, "tests/SocketIO.Typed.Aot.Tests/node/bench-client.mjs");

        // The first WebSocket connect of this (JIT-compiled) test process costs it hundreds of milliseconds: a first
        // start warms it up, so the times reported below are the server's.
        (Process warmUp, ClientWebSocket warmUpSocket, _) = await StartBenchAsync(server, "typed", "warm-up start");
        await StopAsync(warmUp, warmUpSocket);

        foreach (string api in new[] { "typed", "untyped" })
        {
            (Process bench, ClientWebSocket socket, int port) = await StartBenchAsync(server, api, api);
            try
            {
                // The harness's own view: raw Engine.IO/Socket.IO frames, checked byte for byte (BENCH-CONTRACT.md).
                string padding = new('x', 32);
                await SendTextAsync(socket, $"421[\"echo\",\"{padding}\"]");
                Assert.Equal($"431[\"{padding}\"]", await ReceiveTextAsync(socket));
                string tick = "{\"t\":912345678901234,\"s\":42,\"p\":\"" + new string('p', 54) + "\"}";
                await SendTextAsync(socket, $"42[\"broadcast\",{tick}]");
                Assert.Equal($"42[\"tick\",{tick}]", await ReceiveTextAsync(socket));

                // The official client, over both transports the harness uses.
                foreach (string transport in new[] { "websocket", "polling" })
                {
                    (int exit, string text) = await RunAsync("node", [clientScript, $"http://127.0.0.1:{port}", transport], TimeSpan.FromSeconds(60));
                    Assert.True(exit == 0, text);
                    Assert.Contains("\"ok\":true", text, StringComparison.Ordinal);
                }
            }
            finally
            {
                await StopAsync(bench, socket);
            }
        }
    }

    // Starts the benchmark server on a free port with BENCH_API=api, and reports how long after the start its first
    // Socket.IO connection was accepted.
    private async Task<(Process Process, ClientWebSocket Socket, int Port)> StartBenchAsync(string server, string api, string label)
    {
        int port = FreePort();
        var clock = Stopwatch.StartNew();
        Process process = Start(server, [], new() { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["BENCH_API"] = api }, Path.GetDirectoryName(server)!);
        try
        {
            ClientWebSocket socket = await FirstConnectAsync(port, clock);
            output.WriteLine($"Benchmark.Server ({label}): first Socket.IO connect accepted {clock.Elapsed.TotalMilliseconds:F0} ms after the process started");
            return (process, socket, port);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    private static async Task StopAsync(Process process, ClientWebSocket socket)
    {
        socket.Dispose();
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
    }

    // Polls from the moment the process started until a Socket.IO CONNECT to "/" over WebSocket is accepted:
    // 0{"sid":…} (Engine.IO open), then 40 answered with 40{"sid":…}.
    private static async Task<ClientWebSocket> FirstConnectAsync(int port, Stopwatch clock)
    {
        var uri = new Uri($"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket");
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var socket = new ClientWebSocket();
            try
            {
                await socket.ConnectAsync(uri, CancellationToken.None);
                Assert.StartsWith("0{", await ReceiveTextAsync(socket), StringComparison.Ordinal);
                await SendTextAsync(socket, "40");
                Assert.StartsWith("40{\"sid\":", await ReceiveTextAsync(socket), StringComparison.Ordinal);
                return socket;
            }
            catch (WebSocketException)
            {
                // Not listening yet.
                socket.Dispose();
                await Task.Delay(5);
            }
        }

        Assert.Fail($"no Socket.IO connection was accepted on port {port} within 30 s");
        return null!;
    }

    private static Task SendTextAsync(ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    private static async Task<string> ReceiveTextAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        int length = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
            length += result.Count;
        }
        while (!result.EndOfMessage);
        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    // dotnet publish -c Release -r linux-x64 (PublishAot is set in the sample's project): fails on any warning.
    private async Task<string> PublishAsync(string project, string name)
    {
        string outputDirectory = Path.Combine(Path.GetTempPath(), "sio-aot-" + name + "-" + Environment.ProcessId);
        _published.Add(outputDirectory);
        int exit;
        string log;
        using (await BuildLock.AcquireAsync())
        {
            (exit, log) = await RunAsync(
            "dotnet",
                ["publish", Path.Combine(s_root, project), "-c", "Release", "-r", "linux-x64", "-o", outputDirectory, "-nologo"],
                TimeSpan.FromMinutes(15));
        }
        Assert.True(exit == 0, log);
        string[] warnings = log.Split('\n').Where(static l => l.Contains("warning", StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.True(warnings.Length == 0, string.Join("\n", warnings));
        string binary = Path.Combine(outputDirectory, name);
        Assert.True(File.Exists(binary), $"{binary} was not produced");
        output.WriteLine($"{name}: {new FileInfo(binary).Length / 1024 / 1024.0:F1} MB native");
        return binary;
    }

    private static Process Start(string file, string[] arguments, Dictionary<string, string> environment, string workingDirectory)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (KeyValuePair<string, string> variable in environment)
        {
            start.Environment[variable.Key] = variable.Value;
        }

        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task<(int Exit, string Output)> RunAsync(
        string file,
        string[] arguments,
        TimeSpan limit,
        Func<StreamWriter, Task>? stdin = null,
        Dictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, WorkingDirectory = workingDirectory ?? s_root };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (KeyValuePair<string, string> variable in environment ?? [])
        {
            start.Environment[variable.Key] = variable.Value;
        }

        using var process = Process.Start(start)!;
        var text = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            await stdin(process.StandardInput);
            process.StandardInput.Close();
        }

        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException e)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {limit}:\n{text}", e);
        }

        string result;
        lock (text)
        {
            result = text.ToString();
        }

        output.WriteLine($"$ {file} {string.Join(' ', arguments)} -> {process.ExitCode}\n{result}");
        return (process.ExitCode, result);
    }

    private static async Task WaitListeningAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (int i = 0; i < 300; i++)
        {
            try
            {
                using HttpResponseMessage response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"nothing answered on port {port}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
