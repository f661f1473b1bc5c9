using System.Text.Json;
using System.Text.RegularExpressions;

namespace SocketIO.Typed.Tests;

/// <summary>
/// The generator and analyzers as a user gets them: from the packages, loaded by dotnet build. Deliberately broken
/// projects that reference only a package report every rule at the line its "expect" comment marks.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed partial class BrokenProjectTests(LocalPackageFeed feed)
{
    [GeneratedRegex(@"// expect: (?<id>SIO\d{4})")]
    private static partial Regex Expect();

    [GeneratedRegex(@"^(?<id>SIO\d{4}) \|", RegexOptions.Multiline)]
    private static partial Regex ReleaseRow();

    [Fact]
    public async Task A_server_project_referencing_only_the_AspNetCore_package_reports_every_rule_at_its_line()
    {
        string[] expected = await BuildAndCompareAsync("Broken", "Microsoft.NET.Sdk.Web", "SocketIO.Typed.AspNetCore");

        // Every rule of the catalogue (the analyzer release files list each descriptor) is in the broken project.
        string releases = await File.ReadAllTextAsync(Path.Combine(Dotnet.RepoRoot, "src", "Shared", "AnalyzerReleases.Shipped.md"))
            + await File.ReadAllTextAsync(Path.Combine(Dotnet.RepoRoot, "src", "Shared", "AnalyzerReleases.Unshipped.md"));
        string[] catalogue = [.. ReleaseRow().Matches(releases).Select(static m => m.Groups["id"].Value).Distinct().Order(StringComparer.Ordinal)];
        Assert.True(catalogue.Length >= 20, $"The release files list {catalogue.Length} rules");
        Assert.Equal(catalogue, expected.Select(static e => e[..7]).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_client_project_referencing_only_the_SocketIO_Typed_package_gets_the_generator_and_analyzers()
    {
        await BuildAndCompareAsync("ClientOnly", "Microsoft.NET.Sdk", "SocketIO.Typed");
    }

    // Copies Name/Name.cs into a fresh folder with a project that references only the package, builds it with
    // dotnet build and compares the SIO diagnostics of the SARIF log with the file's markers.
    private async Task<string[]> BuildAndCompareAsync(string name, string sdk, string package)
    {
        string source = Path.Combine(Dotnet.RepoRoot, "tests", "SocketIO.Typed.Build.Tests", name, name + ".cs");
        string dir = Path.Combine(Path.GetTempPath(), $"sio-{name.ToLowerInvariant()}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.Copy(source, Path.Combine(dir, name + ".cs"));
            await File.WriteAllTextAsync(Path.Combine(dir, name + ".csproj"), $"""
                <Project Sdk="{sdk}">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <OutputType>Library</OutputType>
                    <Nullable>enable</Nullable>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="{package}" Version="{feed.Version}" />
                  </ItemGroup>
                </Project>
                """);
            feed.WriteNuGetConfig(dir);

            string sarif = Path.Combine(dir, "diagnostics.sarif");
            (int exit, string log) = await Dotnet.RunAsync(dir, "build", name + ".csproj", $"-p:ErrorLog={sarif}%2Cversion%3D2.1");
            Assert.True(exit != 0, $"The broken project {name} built without errors:\n{log}");
            Assert.True(File.Exists(sarif), $"No error log was written (did the restore fail?):\n{log}");

            string[] lines = await File.ReadAllLinesAsync(source);
            string[] expected = [.. lines
                .Select(static (line, index) => (Match: Expect().Match(line), Line: index + 1))
                .Where(static x => x.Match.Success)
                .Select(static x => $"{x.Match.Groups["id"].Value} line {x.Line}")
                .Order(StringComparer.Ordinal)];

            using JsonDocument document = JsonDocument.Parse(await File.ReadAllTextAsync(sarif));
            string[] actual = [.. document.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()
                .Where(static r => r.GetProperty("ruleId").GetString()!.StartsWith("SIO", StringComparison.Ordinal))
                .Select(static r => (Id: r.GetProperty("ruleId").GetString()!, Location: r.GetProperty("locations")[0].GetProperty("physicalLocation")))
                .Where(r => r.Location.GetProperty("artifactLocation").GetProperty("uri").GetString()!.EndsWith(name + ".cs", StringComparison.Ordinal))
                .Select(static r => $"{r.Id} line {r.Location.GetProperty("region").GetProperty("startLine").GetInt32()}")
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)];

            Assert.Equal(expected, actual);
            return expected;
        }
        finally
        {
            LocalPackageFeed.TryDelete(dir);
        }
    }
}
