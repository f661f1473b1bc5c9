using BenchmarkDotNet.Running;
using Microsoft.Extensions.DependencyInjection;
using SocketIO.Typed.Server;

namespace SocketIO.Typed.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project tests/Benchmarks -- --filter '*' --job short</c>, or
/// <c>-- --memory [N] [typed]</c> for the managed bytes one connected socket holds (N polling sessions, no network;
/// <c>typed</c>: each socket served by the benchmark server's generated hub).
/// </summary>
internal static class Program
{
    private static async Task Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--memory")
        {
            int clients = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2000;
            bool typed = args.Length > 2 && args[2] == "typed";
            await MeasureMemoryAsync(clients, typed);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    // Managed heap growth per connected socket (Engine.IO session + Socket.IO connection + socket + handlers or hub),
    // without Kestrel's per-connection buffers, which the load harness's connect scenario adds.
    private static async Task MeasureMemoryAsync(int clients, bool typed)
    {
        // A hub is created from its socket's service scope: the typed server gets services, as AddSocketIO gives it.
        await using ServiceProvider services = new ServiceCollection().BuildServiceProvider();
        Action<SocketIOServer>? configure = typed ? static server => server.MapNamespace<BenchHub>("/") : null;
        await using (await InMemoryServer.StartAsync(10, configure, services))
        {
            // Warm up code paths and pools first.
        }

        long before = GC.GetTotalMemory(forceFullCollection: true);
        await using InMemoryServer server = await InMemoryServer.StartAsync(clients, configure, services);
        server.Drain();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"{clients} sockets{(typed ? " (typed hub)" : "")}: {(after - before) / 1024.0 / clients:F2} KiB managed heap per connected socket");
        GC.KeepAlive(server);
    }
}
