using BenchmarkDotNet.Running;

namespace SocketIO.Typed.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project tests/Benchmarks -- --filter '*' --job short</c>, or
/// <c>-- --memory [N]</c> for the managed bytes one connected socket holds (N polling sessions, no network).
/// </summary>
internal static class Program
{
    private static async Task Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--memory")
        {
            int clients = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2000;
            await MeasureMemoryAsync(clients);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    // Managed heap growth per connected socket (Engine.IO session + Socket.IO connection + socket + handlers),
    // without Kestrel's per-connection buffers, which the load harness's connect scenario adds.
    private static async Task MeasureMemoryAsync(int clients)
    {
        await using (await InMemoryServer.StartAsync(10))
        {
            // Warm up code paths and pools first.
        }

        long before = GC.GetTotalMemory(forceFullCollection: true);
        await using InMemoryServer server = await InMemoryServer.StartAsync(clients);
        server.Drain();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"{clients} sockets: {(after - before) / 1024.0 / clients:F2} KiB managed heap per connected socket");
        GC.KeepAlive(server);
    }
}
