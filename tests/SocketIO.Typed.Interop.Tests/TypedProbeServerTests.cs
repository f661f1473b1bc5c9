using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using Xunit.Abstractions;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>samples/Typed.Probe.Server as a process, as later checks drive it: PORT, namespace "/", the official client.</summary>
public sealed class TypedProbeServerTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("polling")]
    [InlineData("websocket")]
    [InlineData("upgrade")]
    public async Task The_probe_sample_serves_the_contract_to_the_official_client(string transport)
    {
        string projectDir = typeof(TypedProbeServerTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDir").Value!;
        string configuration = typeof(TypedProbeServerTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        string dll = Path.GetFullPath(Path.Combine(projectDir, "..", "..", "samples", "Typed.Probe.Server", "bin", configuration, "net10.0", "Typed.Probe.Server.dll"));
        Assert.True(File.Exists(dll), $"{dll} was not built");

        int port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using Process server = Process.Start(start)!;
        try
        {
            // The sample prints one line once it listens.
            string? line = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotNull(line);
            Assert.Contains("listening", line, StringComparison.Ordinal);

            JsonElement result = await NodeClient.RunAsync("probe", $"http://127.0.0.1:{port}", transport, output, new Dictionary<string, string> { ["PROBE_NAMESPACE"] = "/" });
            Assert.Equal("[7,70,700]", result.GetProperty("answers").GetRawText());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            output.WriteLine(await server.StandardError.ReadToEndAsync());
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
