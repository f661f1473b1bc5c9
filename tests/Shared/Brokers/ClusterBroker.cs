namespace SocketIO.Typed.Tests;

/// <summary>A private broker a cluster test starts (redis-server, PostgreSQL), stopped and restarted on the same port.</summary>
internal interface IClusterBroker : IAsyncDisposable
{
    /// <summary>The URL as Node's clients (and the cluster sample) take it: <c>redis://...</c>, <c>postgres://...</c>.</summary>
    string Url { get; }

    /// <summary>What the .NET client library takes: a StackExchange.Redis configuration, an Npgsql connection string.</summary>
    string Configuration { get; }

    Task StopAsync();

    Task RestartAsync();
}
