using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;

namespace SocketIO.Typed.Browser.Tests;

/// <summary>
/// A sample started as a user starts it (dotnet its.dll), or a Node server of the tests (node script.mjs), its output
/// collected line by line, its input writable.
/// </summary>
internal sealed class SampleProcess : IAsyncDisposable
{
    public static readonly string RepoRoot = typeof(SampleProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(static a => a.Key == "RepoRoot").Value!;

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly ITestOutputHelper _output;
    private readonly string _name;
    private bool _disposed;

    private SampleProcess(Process process, string name, ITestOutputHelper output)
    {
        _process = process;
        _name = name;
        _output = output;
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The configuration the tests were built in (the samples are built in it too).</summary>
    public static string Configuration { get; } = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)))!;

    /// <summary>Starts samples/<paramref name="sample"/> from its build output, in its own folder.</summary>
    public static SampleProcess Start(string sample, ITestOutputHelper output, Dictionary<string, string>? environment = null, params string[] arguments)
    {
        string folder = Path.Combine(RepoRoot, "samples", sample);
        string dll = Path.Combine(folder, "bin", Configuration, "net10.0", sample + ".dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution first.");
        }

        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (KeyValuePair<string, string> variable in environment ?? [])
        {
            info.Environment[variable.Key] = variable.Value;
        }

        return new SampleProcess(Process.Start(info)!, sample, output);
    }

    /// <summary>Starts tests/SocketIO.Typed.Interop.Tests/node/<paramref name="script"/> (its packages restored by that project's build).</summary>
    public static SampleProcess StartNode(string script, ITestOutputHelper output, params string[] arguments)
    {
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = Path.Combine(RepoRoot, "tests", "SocketIO.Typed.Interop.Tests", "node"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,   // the script exits when its input closes, with this process
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return new SampleProcess(Process.Start(info)!, Path.GetFileNameWithoutExtension(script), output);
    }

    /// <summary>Waits for an output line that contains <paramref name="text"/> (seen before or after this call).</summary>
    public async Task WaitForLineAsync(string text, TimeSpan? limit = null)
    {
        using var deadline = new CancellationTokenSource(limit ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            lock (_lines)
            {
                if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }

                if (deadline.IsCancellationRequested || _process.HasExited)
                {
                    throw new InvalidOperationException($"{_name} never wrote \"{text}\"{(_process.HasExited ? " (it exited)" : string.Empty)}; it wrote:\n{string.Join('\n', _lines)}");
                }
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    /// <summary>Types a line into the process's standard input.</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }

        try
        {
            _output.WriteLine($"[{_name}] {line}");
        }
        catch (InvalidOperationException)
        {
            // The test already ended.
        }
    }
}
