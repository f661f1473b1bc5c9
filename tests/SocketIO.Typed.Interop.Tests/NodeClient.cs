using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>Runs <c>node/client.mjs</c> (the official socket.io-client) and returns its JSON result line.</summary>
internal static class NodeClient
{
    // client.mjs ends itself after 15 s; this only guards against a node that hangs before running it.
    private static readonly TimeSpan s_processLimit = TimeSpan.FromSeconds(30);

    /// <summary>The folder with package.json, package-lock.json and client.mjs.</summary>
    public static string NodeDirectory { get; } = Path.Combine(
        typeof(NodeClient).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDir").Value!,
        "node");

    /// <summary>
    /// Runs a scenario and checks the common parts of its result: <c>ok</c>, and the transport the client ended on
    /// (<c>upgrade</c> must really have upgraded from polling to WebSocket).
    /// </summary>
    public static async Task<JsonElement> RunAsync(string scenario, string url, string transport, ITestOutputHelper output)
    {
        string node = FindNode()
            ?? throw new InvalidOperationException("'node' (Node.js 20+) was not found on PATH; the interop tests need it.");
        if (!File.Exists(Path.Combine(NodeDirectory, "node_modules", "socket.io-client", "package.json")))
        {
            throw new InvalidOperationException($"socket.io-client is not installed: run 'npm ci' in {NodeDirectory}.");
        }

        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = NodeDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("client.mjs");
        start.ArgumentList.Add(scenario);
        start.ArgumentList.Add(url);
        start.ArgumentList.Add(transport);
        // SIO_INTEROP_DEBUG=1 turns on the client's own debug log (on stderr, shown in the test output).
        if (Environment.GetEnvironmentVariable("SIO_INTEROP_DEBUG") == "1")
        {
            start.Environment["DEBUG"] = "socket.io-client*,engine.io-client*";
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(s_processLimit))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                Assert.Fail($"node did not exit within {s_processLimit.TotalSeconds} s.\nstderr:\n{await stderr}\nstdout:\n{await stdout}");
            }
        }

        string outText = await stdout;
        string errText = await stderr;
        output.WriteLine($"node client.mjs {scenario} {url} {transport} -> exit code {process.ExitCode}");
        output.WriteLine("stdout: " + outText.TrimEnd());
        if (errText.Length > 0)
        {
            output.WriteLine("stderr: " + errText.TrimEnd());
        }

        Assert.True(process.ExitCode == 0, $"node client.mjs {scenario} ({transport}) failed with exit code {process.ExitCode}:\n{errText}\n{outText}");

        string? line = outText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        Assert.False(string.IsNullOrEmpty(line), "node printed no result line.");
        using JsonDocument document = JsonDocument.Parse(line);
        JsonElement root = document.RootElement.Clone();

        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal(scenario, root.GetProperty("scenario").GetString());
        string expectedTransport = transport == "polling" ? "polling" : "websocket";
        Assert.Equal(expectedTransport, root.GetProperty("transport").GetString());
        Assert.Equal(transport == "upgrade", root.GetProperty("upgraded").GetBoolean());
        if (transport == "upgrade")
        {
            Assert.True(root.GetProperty("allUpgraded").GetBoolean(), "every connection still open should have upgraded to WebSocket.");
        }

        return root.GetProperty("result");
    }

    internal static string? FindNode()
    {
        string[] names = OperatingSystem.IsWindows() ? ["node.exe", "node.cmd"] : ["node"];
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (string directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string name in names)
            {
                string candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
