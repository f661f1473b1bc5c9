using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Server;

namespace SocketIO.Typed.Server.Tests;

/// <summary>A Kestrel host with the Socket.IO server on a free loopback port, its log lines recorded.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, SocketIOServer io, RecordingLoggerProvider logs)
    {
        _app = app;
        Io = io;
        Logs = logs;
        Http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    }

    public SocketIOServer Io { get; }

    public HttpClient Http { get; }

    public RecordingLoggerProvider Logs { get; }

    public Uri Url => Http.BaseAddress!;

    public static async Task<TestServer> StartAsync(
        Action<SocketIOServerOptions>? configure = null,
        Action<SocketIOServer>? map = null,
        Action<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>? kestrel = null,
        Action<IServiceCollection>? services = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (kestrel is not null)
        {
            builder.WebHost.ConfigureKestrel(kestrel);
        }

        builder.Logging.ClearProviders();
        var logs = new RecordingLoggerProvider();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSocketIO(configure);
        services?.Invoke(builder.Services);
        WebApplication app = builder.Build();
        SocketIOServer io = app.MapSocketIO();
        map?.Invoke(io);
        await app.StartAsync();
        return new TestServer(app, io, logs);
    }

    /// <summary>A raw long-polling peer of this server.</summary>
    public PollingPeer Peer() => new(Http);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A Socket.IO peer speaking raw Engine.IO long-polling, so tests see every byte.</summary>
internal sealed class PollingPeer(HttpClient http)
{
    public string Sid { get; private set; } = string.Empty;

    public async Task<PollingPeer> OpenAsync()
    {
        string body = await http.GetStringAsync("/socket.io/?EIO=4&transport=polling");
        using JsonDocument doc = JsonDocument.Parse(body[1..]);
        Sid = doc.RootElement.GetProperty("sid").GetString()!;
        return this;
    }

    public async Task PostAsync(string body)
    {
        using HttpResponseMessage response = await http.PostAsync(
            $"/socket.io/?EIO=4&transport=polling&sid={Sid}", new StringContent(body, Encoding.UTF8, "text/plain"));
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    public async Task<HttpResponseMessage> TryPostAsync(string body) =>
        await http.PostAsync($"/socket.io/?EIO=4&transport=polling&sid={Sid}", new StringContent(body, Encoding.UTF8, "text/plain"));

    /// <summary>One poll: the packets it carried (split at the record separator), pings answered and left out.</summary>
    public async Task<IReadOnlyList<string>> PollAsync()
    {
        while (true)
        {
            string body = await http.GetStringAsync($"/socket.io/?EIO=4&transport=polling&sid={Sid}");
            List<string> packets = [.. body.Split('\u001e')];
            if (packets.Remove("2"))
            {
                await PostAsync("3");
            }

            if (packets.Count > 0)
            {
                return packets;
            }
        }
    }

    /// <summary>Polls until a packet matching <paramref name="match"/> arrives; returns it and what came before.</summary>
    public async Task<(string Packet, List<string> Before)> PollUntilAsync(Func<string, bool> match)
    {
        var before = new List<string>();
        while (true)
        {
            foreach (string packet in await PollAsync())
            {
                if (match(packet))
                {
                    return (packet, before);
                }

                before.Add(packet);
            }
        }
    }

    /// <summary>Joins a namespace; returns the socket id.</summary>
    public async Task<string> ConnectAsync(string nsp = "/")
    {
        string prefix = nsp == "/" ? "40" : $"40{nsp},";
        await PostAsync(prefix);
        (string reply, _) = await PollUntilAsync(p => p.StartsWith(prefix + "{", StringComparison.Ordinal));
        using JsonDocument doc = JsonDocument.Parse(reply[prefix.Length..]);
        return doc.RootElement.GetProperty("sid").GetString()!;
    }
}

/// <summary>Records log entries (event id, level, message).</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(int EventId, LogLevel Level, string Message)> Entries { get; } = new();

    public int Count(int eventId) => Entries.Count(e => e.EventId == eventId);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
    }
}
