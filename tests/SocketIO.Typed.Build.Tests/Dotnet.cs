using System.Diagnostics;
using System.Reflection;

namespace SocketIO.Typed.Tests;

/// <summary>Runs the dotnet CLI as a user would, and knows where the repository is.</summary>
internal static class Dotnet
{
    /// <summary>The repository root (the folder of Directory.Build.props).</summary>
    public static string RepoRoot { get; } = typeof(Dotnet).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(static a => a.Key == "RepoRoot").Value!;

    /// <summary>The configuration this test assembly was built in: the repository's projects are built in it already.</summary>
    public static string Configuration { get; } = ConfigurationOfTestOutput();

    /// <summary>Runs dotnet with the arguments in a folder; the exit code and everything it wrote.</summary>
    public static Task<(int Exit, string Output)> RunAsync(string workingDirectory, params string[] arguments) =>
        RunToolAsync("dotnet", workingDirectory, arguments);

    /// <summary>Runs a program (dotnet, node) in a folder, at most 10 minutes; the exit code and everything it wrote.</summary>
    public static async Task<(int Exit, string Output)> RunToolAsync(string file, string workingDirectory, params string[] arguments)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // A build inside a test must not reuse the test host's MSBuild node or its environment.
        info.Environment.Remove("MSBuildExtensionsPath");
        info.Environment.Remove("MSBUILD_EXE_PATH");
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException e)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in 10 minutes:\n{await stdout}{await stderr}", e);
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static string ConfigurationOfTestOutput()
    {
        string configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)))!;
        return configuration is "Debug" or "Release"
            ? configuration
            : throw new InvalidOperationException($"Unexpected test output folder {AppContext.BaseDirectory}");
    }
}
