using System.Diagnostics;

namespace SocketIO.Typed.Tests;

/// <summary>
/// A private redis-server (Debian's, installed by .ci/run) on a free loopback port, no persistence; stopped and
/// started again on the same port to test a broker that goes away.
/// </summary>
internal sealed class RedisServer : IClusterBroker
{
    private Process? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>For StackExchange.Redis.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false";

    /// <summary>For the Node clients.</summary>
    public string Url => $"redis://127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(ChildProcesses.FreePort());
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts the server (again) on its port.</summary>
    public async Task RestartAsync()
    {
        string path = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"])
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server was not found: install Debian's redis-server (.ci/run does).", e);
        }

        _process = process;
        process.BeginErrorReadLine();
        await ChildProcesses.WaitForLineAsync(process.StandardOutput, "Ready to accept connections", "redis-server", TimeSpan.FromSeconds(30));
    }

    public async Task StopAsync()
    {
        Process? process = _process;
        _process = null;
        await ChildProcesses.StopAsync(process);
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
