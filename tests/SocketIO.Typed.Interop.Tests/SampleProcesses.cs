using System.Diagnostics;
using System.Reflection;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>Starting the samples as processes: a built sample's dll, run with dotnet (ports and stopping: <see cref="ChildProcesses"/>).</summary>
internal static class SampleProcesses
{
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
}
