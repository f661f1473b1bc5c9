namespace SocketIO.Typed.Tests;

/// <summary>
/// A lock shared by the test processes that run dotnet build or publish on this repository's projects (the NativeAOT
/// publishes and the analyzer build test): two builds of the same project at once race on its obj folder.
/// </summary>
internal static class BuildLock
{
    private static readonly string s_path = Path.Combine(Path.GetTempPath(), "socketio-typed-build.lock");

    /// <summary>Waits until no other test process builds, then holds the lock until disposed.</summary>
    public static async Task<IDisposable> AcquireAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(30);
        while (true)
        {
            try
            {
                return new FileStream(s_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }
}
