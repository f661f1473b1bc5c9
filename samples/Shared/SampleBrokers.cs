// Turns a broker URL, as every ecosystem writes it, into what the .NET client libraries take (shared by the cluster
// samples: linked into Chat, Cluster.Server and Cluster.Emitter).
using System.Globalization;
using Npgsql;
using StackExchange.Redis;

internal static class SampleBrokers
{
    /// <summary>Where each broker listens by default on this machine, for when SIO_ADAPTER_CONNECTION is not set.</summary>
    public static string DefaultUrl(string adapter) => adapter switch
    {
        "postgres" => "postgres://postgres@127.0.0.1:5432/postgres",
        "rabbitmq" => "amqp://guest:guest@127.0.0.1:5672/",
        _ => "redis://127.0.0.1:6379",
    };

    /// <summary>redis://[user:password@]host:port[/db] -> a StackExchange.Redis configuration.</summary>
    public static string RedisConfiguration(string url)
    {
        var uri = new Uri(url);
        var options = new ConfigurationOptions { AbortOnConnectFail = false };
        options.EndPoints.Add(uri.Host, uri.Port > 0 ? uri.Port : 6379);
        if (uri.UserInfo.Length > 0)
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            options.User = parts.Length == 2 && parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
            options.Password = Uri.UnescapeDataString(parts[^1]);
        }

        if (uri.AbsolutePath.Length > 1 && int.TryParse(uri.AbsolutePath[1..], CultureInfo.InvariantCulture, out int database))
        {
            options.DefaultDatabase = database;
        }

        return options.ToString(includePassword: true);
    }

    /// <summary>postgres://[user[:password]@]host[:port][/database] -> an Npgsql connection string.</summary>
    public static string PostgresConnectionString(string url)
    {
        var uri = new Uri(url);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = uri.AbsolutePath.Length > 1 ? Uri.UnescapeDataString(uri.AbsolutePath[1..]) : "postgres",
        };
        if (uri.UserInfo.Length > 0)
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            builder.Password = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : null;
        }

        return builder.ConnectionString;
    }
}
