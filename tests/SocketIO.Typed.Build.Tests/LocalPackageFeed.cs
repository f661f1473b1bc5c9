using System.Globalization;
using System.IO.Compression;

namespace SocketIO.Typed.Tests;

/// <summary>
/// SocketIO.Typed and SocketIO.Typed.AspNetCore packed by dotnet pack into a folder feed, once per test run, under a
/// version of their own (so the global package cache never serves an older build of the same version). Projects
/// written by the tests reference the packages through <see cref="WriteNuGetConfig"/>; nothing else of this
/// repository is visible to them.
/// </summary>
public sealed class LocalPackageFeed : IAsyncLifetime
{
    private static readonly string[] s_packages = ["SocketIO.Typed", "SocketIO.Typed.AspNetCore"];

    /// <summary>The folder the packages are in.</summary>
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "sio-feed-" + Guid.NewGuid().ToString("N"));

    /// <summary>The version the packages were packed with.</summary>
    public string Version { get; } = string.Create(
        CultureInfo.InvariantCulture,
        $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}");

    /// <summary>dotnet pack's output, for a failure message.</summary>
    public string PackLog { get; private set; } = "";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        using (await BuildLock.AcquireAsync())
        {
            foreach (string package in s_packages)
            {
                // PackageVersion (not Version): the assemblies stay as built, only the packages get the test version.
                (int exit, string log) = await Dotnet.RunAsync(
                    Dotnet.RepoRoot,
                    "pack", Path.Combine("src", "Runtime", package, package + ".csproj"),
                    "-c", Dotnet.Configuration, "-o", Folder, $"-p:PackageVersion={Version}");
                PackLog += log;
                if (exit != 0)
                {
                    throw new InvalidOperationException($"dotnet pack {package} failed:\n{log}");
                }
            }
        }
    }

    /// <summary>The file names inside a package of the feed.</summary>
    public IReadOnlyList<string> EntriesOf(string package)
    {
        using ZipArchive zip = ZipFile.OpenRead(Path.Combine(Folder, $"{package}.{Version}.nupkg"));
        return [.. zip.Entries.Select(static e => e.FullName)];
    }

    /// <summary>Writes a nuget.config into a folder that adds this feed to the machine's sources.</summary>
    public void WriteNuGetConfig(string directory) => File.WriteAllText(
        Path.Combine(directory, "nuget.config"),
        $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <add key="socketio-typed-local" value="{Folder}" />
          </packageSources>
        </configuration>
        """);

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        // The test version leaves nothing behind: neither the feed nor its copies in the global package cache.
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string package in s_packages)
        {
            TryDelete(Path.Combine(cache, package.ToLowerInvariant(), Version.ToLowerInvariant()));
        }

        TryDelete(Folder);
        return Task.CompletedTask;
    }

    internal static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder is not a test failure.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>The tests that share one packed feed.</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<LocalPackageFeed>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "packages";
}
