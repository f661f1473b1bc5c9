using BenchmarkDotNet.Running;

namespace SocketIO.Typed.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project tests/Benchmarks -- --filter '*' --job short</c>.</summary>
internal static class Program
{
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
