using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SocketIO.Typed.Tests;

/// <summary>What the tests that start processes (brokers, samples, Node servers) share: a free port, waiting for a ready line, stopping a process tree.</summary>
internal static class ChildProcesses
{
    /// <summary>A loopback port that is free at the moment of the call.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

    /// <summary>Removes a broker's data folder; one that cannot be removed (a file still held) stays in the temp directory.</summary>
    public static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
