using System.Diagnostics;
using System.Globalization;

namespace SocketIO.Typed.Tests;

/// <summary>
/// A private RabbitMQ (Debian's rabbitmq-server, installed by .ci/run) on a free loopback port, its node name, data
/// and Erlang cookie in a directory of its own, no plugins; stopped (killed) and started again on the same port to
/// test a broker that goes away. The default guest user may connect from loopback.
/// </summary>
internal sealed class RabbitMQServer : IClusterBroker
{
    private readonly string _directory;
    private readonly int _distributionPort;
    private Process? _process;

    private RabbitMQServer(int port, int distributionPort, string directory)
    {
        Port = port;
        _distributionPort = distributionPort;
        _directory = directory;
    }

    public int Port { get; }

    public string Url => $"amqp://guest:guest@127.0.0.1:{Port}/";

    /// <summary>For RabbitMQ.Client: the same URL.</summary>
    public string Configuration => Url;

    public static async Task<RabbitMQServer> StartAsync()
    {
        string directory = Path.Combine(Path.GetTempPath(), "sio-rabbit-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "enabled_plugins"), "[].");
        var server = new RabbitMQServer(ChildProcesses.FreePort(), ChildProcesses.FreePort(), directory);
        await server.RestartAsync();
        return server;
    }

    public async Task RestartAsync()
    {
        string path = File.Exists("/usr/lib/rabbitmq/bin/rabbitmq-server") ? "/usr/lib/rabbitmq/bin/rabbitmq-server" : "rabbitmq-server";
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        string port = Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["HOME"] = _directory;
        start.Environment["RABBITMQ_NODE_PORT"] = port;
        start.Environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        start.Environment["RABBITMQ_NODENAME"] = "sio-" + port + "@localhost";
        start.Environment["RABBITMQ_DIST_PORT"] = _distributionPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(_directory, "mnesia");
        start.Environment["RABBITMQ_LOG_BASE"] = Path.Combine(_directory, "log");
        start.Environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_directory, "enabled_plugins");
        start.Environment["RABBITMQ_PID_FILE"] = Path.Combine(_directory, "pid");
        start.Environment["RABBITMQ_LOGS"] = "-";

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("rabbitmq-server did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("rabbitmq-server was not found: install Debian's rabbitmq-server (.ci/run does).", e);
        }

        _process = process;
        process.BeginErrorReadLine();
        await ChildProcesses.WaitForLineAsync(process.StandardOutput, "Server startup complete", "rabbitmq-server", TimeSpan.FromSeconds(90));
    }

    public async Task StopAsync()
    {
        Process? process = _process;
        _process = null;
        await ChildProcesses.StopAsync(process);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        ChildProcesses.DeleteDirectory(_directory);
    }
}
