using System.Text.Json;

namespace SocketIO.Typed.Tests;

/// <summary>
/// The samples are what a newcomer copies: built through dotnet build, they show no SocketIO.Typed diagnostic at any
/// level, info included. Each sample writes the compiler's SARIF log (Directory.Build.targets) when it compiles.
/// </summary>
public sealed class SamplesBuildTests
{
    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (string project in Directory.GetFiles(Path.Combine(Dotnet.RepoRoot, "samples"), "*.csproj", SearchOption.AllDirectories)
            .Where(static p => !p.Contains("/node_modules/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Dotnet.RepoRoot, project));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task A_sample_built_with_dotnet_build_shows_no_SocketIO_Typed_diagnostic(string project)
    {
        // Normally already built by the solution build: then this is quick and the log is the one of that compile.
        int exit;
        string log;
        using (await BuildLock.AcquireAsync())
        {
            (exit, log) = await Dotnet.RunAsync(Dotnet.RepoRoot, "build", project, "-c", Dotnet.Configuration);
        }

        Assert.True(exit == 0, log);
        string sarif = Path.Combine(Dotnet.RepoRoot, Path.GetDirectoryName(project)!, "obj", Dotnet.Configuration, "diagnostics.sarif");
        Assert.True(File.Exists(sarif), $"{sarif} was not written:\n{log}");

        using JsonDocument document = JsonDocument.Parse(await File.ReadAllTextAsync(sarif));
        JsonElement run = document.RootElement.GetProperty("runs")[0];
        string[] found = [.. run.GetProperty("results").EnumerateArray()
            // A diagnostic suppressed in source (#pragma with a reason beside it) is the author's decision, not a finding.
            .Where(static r => !r.TryGetProperty("suppressions", out JsonElement suppressions) || suppressions.GetArrayLength() == 0)
            .Select(static r => (Id: r.GetProperty("ruleId").GetString()!, Message: r.GetProperty("message").GetProperty("text").GetString()))
            .Where(static r => r.Id.StartsWith("SIO", StringComparison.Ordinal))
            .Select(static r => $"{r.Id}: {r.Message}")];
        Assert.Empty(found);

        // The log is of a compile that loaded the analyzers: the run lists their rules (a generator lists none; the
        // typed samples do not compile without it).
        Assert.Contains("\"SIO0020\"", run.GetProperty("tool").GetRawText(), StringComparison.Ordinal);
    }
}
