using System.Reflection;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>Where python-socketio runs from: Debian's python3 with python3-socketio and python3-aiohttp (.ci/run installs them).</summary>
internal static class PythonPeer
{
    public static string Directory { get; } = Path.Combine(
        typeof(PythonPeer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDir").Value!,
        "python");

    /// <summary>Debian's interpreter: a python3 earlier on PATH (pyenv, a virtualenv) may not have the Debian packages.</summary>
    public static string Python { get; } = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}
