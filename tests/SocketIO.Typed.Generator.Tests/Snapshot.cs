using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace SocketIO.Typed.Generator.Tests;

/// <summary>
/// Our own verified-file snapshots (the Verify packages are not served here), named as Verify names them:
/// <c>Snapshots/{TestClass}.{TestName}#{HintName}.verified.cs</c>. A mismatch writes <c>*.received.cs</c> beside it and
/// fails with the first differing line; <c>SIO_ACCEPT_SNAPSHOTS=1</c> accepts the output instead.
/// </summary>
internal static class Snapshot
{
    public static void Verify(GeneratorDriverRunResult run, string testClass, [CallerMemberName] string testName = "")
    {
        string directory = Path.Combine(GeneratorHarness.ProjectDirectory, "Snapshots");
        string prefix = $"{testClass}.{testName}#";
        var expected = Directory.Exists(directory)
            ? Directory.GetFiles(directory, prefix + "*.verified.cs").Select(static f => Path.GetFileName(f)).ToHashSet(StringComparer.Ordinal)
            : [];
        bool accept = Environment.GetEnvironmentVariable("SIO_ACCEPT_SNAPSHOTS") == "1";
        var failures = new List<string>();
        var produced = new HashSet<string>(StringComparer.Ordinal);
        foreach (SyntaxTree tree in run.GeneratedTrees.OrderBy(static t => t.FilePath, StringComparer.Ordinal))
        {
            string hint = Path.GetFileNameWithoutExtension(tree.FilePath);
            string name = prefix + hint + ".verified.cs";
            produced.Add(name);
            string verified = Path.Combine(directory, name);
            string actual = Normalize(tree.ToString());
            if (File.Exists(verified) && Normalize(File.ReadAllText(verified)) == actual)
            {
                continue;
            }

            if (accept)
            {
                Directory.CreateDirectory(directory);
                File.WriteAllText(verified, actual);
                continue;
            }

            string received = Path.Combine(directory, prefix + hint + ".received.cs");
            File.WriteAllText(received, actual);
            failures.Add(File.Exists(verified)
                ? $"{name}: differs at line {FirstDifference(Normalize(File.ReadAllText(verified)), actual)}"
                : $"{name}: no verified file (see {Path.GetFileName(received)})");
        }

        foreach (string stale in expected.Where(e => !produced.Contains(e)))
        {
            if (accept)
            {
                File.Delete(Path.Combine(directory, stale));
            }
            else
            {
                failures.Add($"{stale}: verified but no longer generated");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures) + "\nSet SIO_ACCEPT_SNAPSHOTS=1 to accept the generated output (review the diff).");
    }

    private static string Normalize(string text)
    {
        string version = typeof(ContractGenerator).Assembly.GetName().Version?.ToString() ?? "0.0.0";
        return text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace($"\"{version}\"", "\"{VERSION}\"", StringComparison.Ordinal);
    }

    private static int FirstDifference(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (!string.Equals(a[i], b[i], StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        return Math.Min(a.Length, b.Length) + 1;
    }
}
