using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>What the tests that start processes share: a free port, a built sample's dll, stopping a process tree.</summary>
internal static class SampleProcesses
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>samples/<paramref name="sample"/>'s dll as this test project's build made it (a project reference builds it first).</summary>
    public static string SampleDll(string sample)
    {
        Assembly tests = typeof(SampleProcesses).Assembly;
        string projectDir = tests.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDir").Value!;
        string configuration = tests.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        string dll = Path.GetFullPath(Path.Combine(projectDir, "..", "..", "samples", sample, "bin", configuration, "net10.0", sample + ".dll"));
        Assert.True(File.Exists(dll), $"{dll} was not built");
        return dll;
    }

    /// <summary>Starts <c>dotnet sample.dll</c> with its output redirected and the given environment.</summary>
    public static Process StartSample(string sample, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(SampleDll(sample));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (KeyValuePair<string, string> variable in environment)
        {
            start.Environment[variable.Key] = variable.Value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"{sample} did not start.");
    }

    /// <summary>
    /// Reads <paramref name="output"/> until a line contains <paramref name="ready"/> (a broker's "ready" line), then keeps
    /// the pipe drained; throws with what it printed when the process ends first or the wait is over.
    /// </summary>
    public static async Task WaitForLineAsync(StreamReader output, string ready, string what, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        var seen = new System.Text.StringBuilder();
        while (true)
        {
            string? line = await output.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                throw new InvalidOperationException($"{what} exited before it was ready: {seen}");
            }

            seen.AppendLine(line);
            if (line.Contains(ready, StringComparison.Ordinal))
            {
                break;
            }
        }

        _ = output.ReadToEndAsync(CancellationToken.None);
    }

    /// <summary>Kills the process and its children if still running, waits for the exit and disposes it.</summary>
    public static async Task StopAsync(Process? process)
    {
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        process.Dispose();
    }
}
