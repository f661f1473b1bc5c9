using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using SocketIO.Typed.SourceGeneration;

namespace SocketIO.Typed.Analyzers.Tests;

/// <summary>
/// The generator and analyzers as dotnet build loads them (referenced as analyzers, not in process): a deliberately
/// broken project (Broken/) reports every rule of the catalogue at the line its "expect" comment marks.
/// </summary>
public sealed partial class BuildTests
{
    private static readonly string s_projectDir = typeof(BuildTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(static a => a.Key == "ProjectDir").Value!;

    [GeneratedRegex(@"// expect: (?<id>SIO\d{4})")]
    private static partial Regex Expect();

    [Fact]
    public async Task A_broken_project_built_with_dotnet_build_reports_every_rule_at_its_line()
    {
        string dir = Path.Combine(s_projectDir, "Broken");
        foreach (string output in new[] { "bin", "obj" })
        {
            // A fresh compile every time, so the error log is written (only this project: its references stay built).
            string path = Path.Combine(dir, output);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }

        // The configuration this test assembly was built in: the referenced projects are built in it already.
        string configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)))!;
        Assert.True(configuration is "Debug" or "Release", $"Unexpected test output folder {AppContext.BaseDirectory}");
        string sarif = Path.Combine(Path.GetTempPath(), $"sio-broken-{Guid.NewGuid():N}.sarif");
        int exit;
        string log;
        using (await BuildLock.AcquireAsync())
        {
            (exit, log) = await RunAsync("dotnet", ["build", Path.Combine(dir, "Broken.csproj"), "-c", configuration, $"-p:ErrorLog={sarif}%2Cversion%3D2.1"]);
        }

        Assert.True(exit != 0, "The broken project built without errors:\n" + log);
        Assert.True(File.Exists(sarif), "No error log was written:\n" + log);

        string[] lines = await File.ReadAllLinesAsync(Path.Combine(dir, "Broken.cs"));
        string[] expected = [.. lines
            .Select(static (line, index) => (Match: Expect().Match(line), Line: index + 1))
            .Where(static x => x.Match.Success)
            .Select(static x => $"{x.Match.Groups["id"].Value} line {x.Line}")
            .Order(StringComparer.Ordinal)];

        using JsonDocument document = JsonDocument.Parse(await File.ReadAllTextAsync(sarif));
        string[] actual = [.. document.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()
            .Where(static r => r.GetProperty("ruleId").GetString()!.StartsWith("SIO", StringComparison.Ordinal))
            .Select(static r => (Id: r.GetProperty("ruleId").GetString()!, Location: r.GetProperty("locations")[0].GetProperty("physicalLocation")))
            .Where(static r => r.Location.GetProperty("artifactLocation").GetProperty("uri").GetString()!.EndsWith("Broken.cs", StringComparison.Ordinal))
            .Select(static r => $"{r.Id} line {r.Location.GetProperty("region").GetProperty("startLine").GetInt32()}")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
        File.Delete(sarif);

        Assert.Equal(expected, actual);

        // Every rule of the catalogue is in the broken project.
        string[] catalogue = [.. typeof(SocketIODescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(static f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(static f => ((DiagnosticDescriptor)f.GetValue(null)!).Id)
            .Order(StringComparer.Ordinal)];
        Assert.Equal(catalogue, expected.Select(static e => e[..7]).Distinct().Order(StringComparer.Ordinal));
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
