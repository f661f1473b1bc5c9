using System.Diagnostics;
using System.Text.Json;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>Runs <c>python/client.py</c> (python-socketio's AsyncClient) and returns its JSON result line.</summary>
internal static class PythonClient
{
    // client.py ends itself after 15 s; this only guards against a python that hangs before running it.
    private static readonly TimeSpan s_processLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs a scenario and checks the common parts of its result: <c>ok</c>, and the transport the client ended on
    /// (<c>upgrade</c> must really have upgraded from polling to WebSocket).
    /// </summary>
    public static async Task<JsonElement> RunAsync(string scenario, string url, string transport, ITestOutputHelper output)
    {
        string script = Path.Combine(PythonPeer.Directory, "client.py");
        var start = new ProcessStartInfo(PythonPeer.Python)
        {
            WorkingDirectory = PythonPeer.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(scenario);
        start.ArgumentList.Add(url);
        start.ArgumentList.Add(transport);
        // Unbuffered, and no site packages of the user (a pip-installed python-socketio must not shadow Debian's).
        start.Environment["PYTHONUNBUFFERED"] = "1";
        start.Environment["PYTHONNOUSERSITE"] = "1";
        // SIO_INTEROP_DEBUG=1 turns on the client's own log (python-socketio and engineio loggers, on stderr).
        if (Environment.GetEnvironmentVariable("SIO_INTEROP_DEBUG") == "1")
        {
            start.Environment["SIO_INTEROP_DEBUG"] = "1";
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {PythonPeer.Python}.");
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
                Assert.Fail($"python did not exit within {s_processLimit.TotalSeconds} s.\nstderr:\n{await stderr}\nstdout:\n{await stdout}");
            }
        }

        string outText = await stdout;
        string errText = await stderr;
        output.WriteLine($"{PythonPeer.Python} client.py {scenario} {url} {transport} -> exit code {process.ExitCode}");
        output.WriteLine("stdout: " + outText.TrimEnd());
        if (errText.Length > 0)
        {
            output.WriteLine("stderr: " + errText.TrimEnd());
        }

        Assert.True(process.ExitCode == 0, $"python client.py {scenario} ({transport}) failed with exit code {process.ExitCode}:\n{errText}\n{outText}");

        string? line = outText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        Assert.False(string.IsNullOrEmpty(line), "python printed no result line.");
        using JsonDocument document = JsonDocument.Parse(line);
        JsonElement root = document.RootElement.Clone();

        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal(scenario, root.GetProperty("scenario").GetString());
        string expectedTransport = transport == "polling" ? "polling" : "websocket";
        Assert.Equal(expectedTransport, root.GetProperty("transport").GetString());
        Assert.Equal(transport == "upgrade", root.GetProperty("upgraded").GetBoolean());
        if (transport == "upgrade")
        {
            Assert.True(root.GetProperty("allUpgraded").GetBoolean(), "every connection should have upgraded to WebSocket.");
        }

        return root.GetProperty("result");
    }
}
