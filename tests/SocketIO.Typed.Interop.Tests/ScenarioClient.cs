using System.Diagnostics;
using System.Text.Json;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>
/// Runs one scenario of a client script (node/client.mjs, python/client.py) and checks the common parts of its result
/// line: <c>ok</c>, the scenario, and the transport the client ended on (<c>upgrade</c> must really have upgraded).
/// </summary>
internal static class ScenarioClient
{
    // The scripts end themselves after 15 s; this only guards against an interpreter that hangs before running them.
    private static readonly TimeSpan s_processLimit = TimeSpan.FromSeconds(30);

    /// <param name="start">The process: the interpreter with the script and its arguments (scenario, url, transport).</param>
    /// <param name="label">How the client is named in messages, for example <c>node client.mjs</c>.</param>
    /// <param name="scenario">The scenario.</param>
    /// <param name="transport">polling, websocket or upgrade.</param>
    /// <param name="output">The test output.</param>
    public static async Task<JsonElement> RunAsync(ProcessStartInfo start, string label, string scenario, string transport, ITestOutputHelper output)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {label}.");
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
                Assert.Fail($"{label} did not exit within {s_processLimit.TotalSeconds} s.\nstderr:\n{await stderr}\nstdout:\n{await stdout}");
            }
        }

        string outText = await stdout;
        string errText = await stderr;
        output.WriteLine($"{label} {string.Join(' ', start.ArgumentList.Skip(1))} -> exit code {process.ExitCode}");
        output.WriteLine("stdout: " + outText.TrimEnd());
        if (errText.Length > 0)
        {
            output.WriteLine("stderr: " + errText.TrimEnd());
        }

        Assert.True(process.ExitCode == 0, $"{label} {scenario} ({transport}) failed with exit code {process.ExitCode}:\n{errText}\n{outText}");

        string? line = outText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        Assert.False(string.IsNullOrEmpty(line), $"{label} printed no result line.");
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
}
