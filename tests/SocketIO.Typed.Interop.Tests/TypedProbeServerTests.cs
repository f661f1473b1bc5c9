using System.Diagnostics;
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
        int port = ChildProcesses.FreePort();
        using Process server = SampleProcesses.StartSample("Typed.Probe.Server", new Dictionary<string, string> { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
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
}
