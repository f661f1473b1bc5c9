using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace SocketIO.Typed.Tests;

/// <summary>
/// The packages as a newcomer uses them: their layout, and a contract / server / client trio of fresh projects that
/// reference only the packages (no project of this repository), built with warnings as errors and run.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class PackageTests(LocalPackageFeed feed)
{
    [Fact]
    public void SocketIO_Typed_carries_the_runtime_for_both_frameworks_and_the_roslyn_components_as_analyzers()
    {
        IReadOnlyList<string> entries = feed.EntriesOf("SocketIO.Typed");
        foreach (string expected in new[]
        {
            "lib/net8.0/SocketIO.Typed.dll", "lib/net8.0/SocketIO.Typed.xml",
            "lib/net10.0/SocketIO.Typed.dll", "lib/net10.0/SocketIO.Typed.xml",
            "analyzers/dotnet/cs/SocketIO.Typed.Generator.dll",
            "analyzers/dotnet/cs/SocketIO.Typed.Analyzers.dll",
            "analyzers/dotnet/cs/SocketIO.Typed.Analyzers.CodeFixes.dll",
            "build/SocketIO.Typed.targets",
            "buildTransitive/SocketIO.Typed.targets",
            "README.md",
        })
        {
            Assert.Contains(expected, entries);
        }

        // Nothing of the compiler travels with it (the host compiler provides Roslyn).
        Assert.DoesNotContain(entries, static e => e.Contains("Microsoft.CodeAnalysis", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(feed.Folder, $"SocketIO.Typed.{feed.Version}.snupkg")), "no symbol package");

        XElement metadata = Nuspec("SocketIO.Typed");
        Assert.Equal("README.md", Value(metadata, "readme"));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")));
        Assert.Contains("socket.io", Value(metadata, "tags"), StringComparison.Ordinal);
    }

    [Fact]
    public void SocketIO_Typed_AspNetCore_depends_on_SocketIO_Typed_with_every_asset_so_the_generator_reaches_servers()
    {
        IReadOnlyList<string> entries = feed.EntriesOf("SocketIO.Typed.AspNetCore");
        Assert.Contains("lib/net8.0/SocketIO.Typed.AspNetCore.dll", entries);
        Assert.Contains("lib/net10.0/SocketIO.Typed.AspNetCore.dll", entries);
        Assert.Contains("lib/net10.0/SocketIO.Typed.AspNetCore.xml", entries);
        Assert.True(File.Exists(Path.Combine(feed.Folder, $"SocketIO.Typed.AspNetCore.{feed.Version}.snupkg")), "no symbol package");

        XElement[] dependencies = [.. Nuspec("SocketIO.Typed.AspNetCore").Descendants().Where(static e => e.Name.LocalName == "dependency")];
        Assert.NotEmpty(dependencies);
        Assert.All(dependencies, d =>
        {
            Assert.Equal("SocketIO.Typed", d.Attribute("id")?.Value);
            Assert.Equal(feed.Version, d.Attribute("version")?.Value);
            Assert.Null(d.Attribute("exclude"));                      // analyzers are not excluded: they flow
        });
    }

    [Fact]
    public async Task A_contract_server_and_client_trio_that_references_only_the_packages_builds_and_talks()
    {
        string root = Path.Combine(Path.GetTempPath(), "sio-trio-" + Guid.NewGuid().ToString("N"));
        string sources = Path.Combine(Dotnet.RepoRoot, "tests", "SocketIO.Typed.Build.Tests", "Trio");
        Process? server = null;
        try
        {
            Write(root, sources, "Contracts", "Microsoft.NET.Sdk", "Library", "SocketIO.Typed", references: false);
            Write(root, sources, "Server", "Microsoft.NET.Sdk.Web", "Exe", "SocketIO.Typed.AspNetCore", references: true);
            Write(root, sources, "Client", "Microsoft.NET.Sdk", "Exe", "SocketIO.Typed", references: true);
            feed.WriteNuGetConfig(root);

            foreach (string project in new[] { "Server", "Client" })
            {
                (int exit, string log) = await Dotnet.RunAsync(root, "build", Path.Combine(project, $"Trio.{project}.csproj"), "-c", "Release");
                Assert.True(exit == 0, $"The trio's {project} did not build:\n{log}");
            }

            // The package's build logic wrote the contracts' TypeScript declarations.
            string declarations = await File.ReadAllTextAsync(Path.Combine(root, "web", "contracts.d.ts"));
            Assert.Contains("export type ClientToServerEvents = ITrioServer;", declarations, StringComparison.Ordinal);
            Assert.Contains("say: (room: string, note: Note) => void;", declarations, StringComparison.Ordinal);
            Assert.Contains("join: (room: string, callback: (result: string) => void) => void;", declarations, StringComparison.Ordinal);

            // The generated code is in the built assemblies: the hub's dispatcher and the client's proxy.
            server = Start(Path.Combine(root, "Server", "bin", "Release", "net10.0", "Trio.Server.dll"), []);
            string url = await ReadUntilAsync(server, "listening ");
            (int clientExit, string clientOutput) = await Dotnet.RunAsync(
                root, Path.Combine(root, "Client", "bin", "Release", "net10.0", "Trio.Client.dll"), url);
            Assert.True(clientExit == 0, clientOutput);
            Assert.Contains("joined trio; heard server:client: hello 42", clientOutput, StringComparison.Ordinal);
        }
        finally
        {
            if (server is { HasExited: false })
            {
                server.Kill(entireProcessTree: true);
            }

            server?.Dispose();
            LocalPackageFeed.TryDelete(root);
        }
    }

    private void Write(string root, string sources, string name, string sdk, string outputType, string package, bool references)
    {
        string dir = Path.Combine(root, name);
        Directory.CreateDirectory(dir);
        foreach (string file in Directory.GetFiles(Path.Combine(sources, name), "*.cs"))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        string contracts = references ? """<ProjectReference Include="../Contracts/Trio.Contracts.csproj" />""" : "";
        string typescript = references ? "" : "<SocketIOTypeScriptOutput>$(MSBuildProjectDirectory)/../web/contracts.d.ts</SocketIOTypeScriptOutput>";
        File.WriteAllText(Path.Combine(dir, $"Trio.{name}.csproj"), $"""
            <Project Sdk="{sdk}">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>{outputType}</OutputType>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <GenerateDocumentationFile>true</GenerateDocumentationFile>
                {typescript}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{package}" Version="{feed.Version}" />
                {contracts}
              </ItemGroup>
            </Project>
            """);
    }

    private XElement Nuspec(string package)
    {
        using ZipArchive zip = ZipFile.OpenRead(Path.Combine(feed.Folder, $"{package}.{feed.Version}.nupkg"));
        using Stream stream = zip.GetEntry(package + ".nuspec")!.Open();
        return XDocument.Load(stream).Root!.Elements().Single(static e => e.Name.LocalName == "metadata");
    }

    private static string Value(XElement metadata, string name) =>
        metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

    private static Process Start(string dll, string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }

    // Reads the process's output until a line starts with the prefix; the rest of that line.
    private static async Task<string> ReadUntilAsync(Process process, string prefix)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var seen = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(limit.Token) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line[prefix.Length..];
            }

            seen.Add(line);
        }

        throw new InvalidOperationException($"The process ended before \"{prefix}\":\n{string.Join('\n', seen)}\n{await process.StandardError.ReadToEndAsync()}");
    }
}
