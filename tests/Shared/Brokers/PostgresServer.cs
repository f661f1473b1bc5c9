using System.Diagnostics;

namespace SocketIO.Typed.Tests;

/// <summary>
/// A private PostgreSQL (Debian's, installed by .ci/run) on a free loopback port: a data directory copied from one
/// initdb made per test run, no durability (fsync off), trust authentication for <c>postgres</c>. Stopped (killed, as a
/// crash) and started again on the same port to test a broker that goes away. As root it runs as the <c>postgres</c>
/// user (PostgreSQL refuses root).
/// </summary>
internal sealed class PostgresServer : IClusterBroker
{
    private static readonly SemaphoreSlim s_templateGate = new(1, 1);
    private static string? s_template;
    private readonly string _directory;
    private Process? _process;

    private PostgresServer(int port, string directory)
    {
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    /// <summary>For Npgsql.</summary>
    public string Configuration => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=true;Timeout=5;Command Timeout=10";

    /// <summary>For the Node clients and the sample.</summary>
    public string Url => $"postgres://postgres@127.0.0.1:{Port}/postgres";

    private static bool IsRoot => Environment.UserName == "root";

    public static async Task<PostgresServer> StartAsync()
    {
        string template = await TemplateAsync();
        string directory = Path.Combine(Path.GetTempPath(), "sio-pg-" + Guid.NewGuid().ToString("N")[..12]);
        await RunAsync("cp", ["-a", template, directory]);
        var server = new PostgresServer(ChildProcesses.FreePort(), directory);
        await server.RestartAsync();

        // Node's adapter leaves the attachments table to its users.
        await using Npgsql.NpgsqlDataSource db = Npgsql.NpgsqlDataSource.Create(server.Configuration);
        await SocketIO.Typed.Postgres.SocketIOPostgresAdapter.CreateAttachmentsTableAsync(db);
        return server;
    }

    /// <summary>Starts the server (again) on its port.</summary>
    public async Task RestartAsync()
    {
        string postgres = Path.Combine(BinDirectory(), "postgres");
        ProcessStartInfo start = Command(postgres, ["-D", _directory, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", _directory,
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        Process process = Process.Start(start) ?? throw new InvalidOperationException("postgres did not start.");
        _process = process;
        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        await ChildProcesses.WaitForLineAsync(process.StandardError, "ready to accept connections", "postgres", TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Stops the server at once, as a crash would (<c>pg_ctl stop -m immediate</c>: no checkpoint, connections cut), and
    /// waits until it is gone. (A killed postmaster may stay a zombie in a container without an init that reaps it, and
    /// its lock file would then stop the restart.)
    /// </summary>
    public async Task StopAsync()
    {
        Process? process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            try
            {
                await RunAsync(Path.Combine(BinDirectory(), "pg_ctl"), ["-D", _directory, "-m", "immediate", "-w", "stop"], asPostgres: true);
            }
            catch (InvalidOperationException)
            {
                // Already stopping: the kill below makes sure.
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await ChildProcesses.StopAsync(process);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        ChildProcesses.DeleteDirectory(_directory);
    }

    private static async Task<string> TemplateAsync()
    {
        await s_templateGate.WaitAsync();
        try
        {
            if (s_template is null)
            {
                string directory = Path.Combine(Path.GetTempPath(), "sio-pg-template-" + Environment.ProcessId);
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                Directory.CreateDirectory(directory);
                if (IsRoot)
                {
                    await RunAsync("chown", ["postgres:postgres", directory]);
                }

                await RunAsync(Path.Combine(BinDirectory(), "initdb"), ["-D", directory, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"], asPostgres: true);
                s_template = directory;
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    try
                    {
                        Directory.Delete(directory, recursive: true);
                    }
                    catch (IOException)
                    {
                    }
                };
            }

            return s_template;
        }
        finally
        {
            s_templateGate.Release();
        }
    }

    private static string BinDirectory()
    {
        string? bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(static d => Path.Combine(d, "bin")).Where(static d => File.Exists(Path.Combine(d, "postgres"))).OrderDescending(StringComparer.Ordinal).FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException("PostgreSQL was not found under /usr/lib/postgresql: install Debian's postgresql (.ci/run does).");
    }

    private static ProcessStartInfo Command(string path, string[] arguments, bool asPostgres = true)
    {
        ProcessStartInfo start;
        if (asPostgres && IsRoot)
        {
            start = new ProcessStartInfo("runuser");
            foreach (string argument in (string[])["-u", "postgres", "--", path])
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start = new ProcessStartInfo(path);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        return start;
    }

    private static async Task RunAsync(string path, string[] arguments, bool asPostgres = false)
    {
        using Process process = Process.Start(Command(path, arguments, asPostgres)) ?? throw new InvalidOperationException(path + " did not start.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{path} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error} {await output}");
        }
    }
}
