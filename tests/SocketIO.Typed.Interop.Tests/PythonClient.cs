using System.Diagnostics;
using System.Text.Json;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>Runs <c>python/client.py</c> (python-socketio's AsyncClient) and returns its JSON result line.</summary>
internal static class PythonClient
{
    /// <summary>
    /// Runs a scenario and checks the common parts of its result: <c>ok</c>, and the transport the client ended on
    /// (<c>upgrade</c> must really have upgraded from polling to WebSocket).
    /// </summary>
    public static async Task<JsonElement> RunAsync(string scenario, string url, string transport, ITestOutputHelper output)
    {
        string script = Path.Combine(PythonPeer.Directory, "client.py");
        var start = new ProcessStartInfo(PythonPeer.Python) { WorkingDirectory = PythonPeer.Directory };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(scenario);
        start.ArgumentList.Add(url);
        start.ArgumentList.Add(transport);
        // Unbuffered, and no site packages of the user (a pip-installed python-socketio must not shadow Debian's).
        start.Environment["PYTHONUNBUFFERED"] = "1";
        start.Environment["PYTHONNOUSERSITE"] = "1";
        // SIO_INTEROP_DEBUG=1 turns on the client's own log (python-socketio and engineio loggers, on stderr).
        if (Environment.GetEnvironmentVariable("SIO_INTEROP_DEBUG") == "1")
        {
            start.Environment["SIO_INTEROP_DEBUG"] = "1";
        }

        return await ScenarioClient.RunAsync(start, "python client.py", scenario, transport, output);
    }
}
