using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>Runs <c>node/client.mjs</c> (the official socket.io-client) and returns its JSON result line.</summary>
internal static class NodeClient
{
    /// <summary>The folder with package.json, package-lock.json and client.mjs.</summary>
    public static string NodeDirectory { get; } = Path.Combine(
        typeof(NodeClient).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDir").Value!,
        "node");

    /// <summary>
    /// Runs a scenario and checks the common parts of its result: <c>ok</c>, and the transport the client ended on
    /// (<c>upgrade</c> must really have upgraded from polling to WebSocket).
    /// </summary>
    public static async Task<JsonElement> RunAsync(string scenario, string url, string transport, ITestOutputHelper output, IReadOnlyDictionary<string, string>? environment = null)
    {
        string node = FindNode()
            ?? throw new InvalidOperationException("'node' (Node.js 20+) was not found on PATH; the interop tests need it.");
        if (!File.Exists(Path.Combine(NodeDirectory, "node_modules", "socket.io-client", "package.json")))
        {
            throw new InvalidOperationException($"socket.io-client is not installed: run 'npm ci' in {NodeDirectory}.");
        }

        var start = new ProcessStartInfo(node) { WorkingDirectory = NodeDirectory };
        start.ArgumentList.Add("client.mjs");
        start.ArgumentList.Add(scenario);
        start.ArgumentList.Add(url);
        start.ArgumentList.Add(transport);
        foreach (KeyValuePair<string, string> variable in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable.Key] = variable.Value;
        }

        // SIO_INTEROP_DEBUG=1 turns on the client's own debug log (on stderr, shown in the test output).
        if (Environment.GetEnvironmentVariable("SIO_INTEROP_DEBUG") == "1")
        {
            start.Environment["DEBUG"] = "socket.io-client*,engine.io-client*";
        }

        return await ScenarioClient.RunAsync(start, "node client.mjs", scenario, transport, output);
    }

    internal static string? FindNode()
    {
        string[] names = OperatingSystem.IsWindows() ? ["node.exe", "node.cmd"] : ["node"];
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (string directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string name in names)
            {
                string candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
