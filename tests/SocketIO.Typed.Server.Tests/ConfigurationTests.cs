using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SocketIO.Typed.Server.Engine;
using SocketIO.Typed.Server;
using SocketIO.Typed;

namespace SocketIO.Typed.Server.Tests;

/// <summary>Options read from configuration, as other ASP.NET Core options are.</summary>
public sealed class ConfigurationTests
{
    private static SocketIOServerOptions Options(Dictionary<string, string?> values, Action<SocketIOServerOptions>? configure = null)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddSocketIO(configuration.GetSection("SocketIO"), configure);
        using ServiceProvider provider = services.BuildServiceProvider();
        return provider.GetRequiredService<SocketIOServerOptions>();
    }

    [Fact]
    public void A_section_sets_the_options_it_names_and_code_can_adjust_them_after()
    {
        SocketIOServerOptions options = Options(new()
        {
            ["SocketIO:AckTimeout"] = "00:00:07",
            ["SocketIO:ShutdownTimeout"] = "00:00:12",
            ["SocketIO:MaxAttachments"] = "20",
            ["SocketIO:BindingFailureAck"] = "Error",
            ["SocketIO:ConnectionStateRecovery:MaxDisconnectionDuration"] = "00:05:00",
            ["SocketIO:EngineIO:PingInterval"] = "00:00:10",
            ["SocketIO:EngineIO:MaxHttpBufferSize"] = "2000000",
            ["SocketIO:EngineIO:Transports"] = "WebSocket",
            ["SocketIO:EngineIO:Cors:AllowedOrigins:0"] = "https://a.example",
            ["SocketIO:EngineIO:Cors:AllowedOrigins:1"] = "https://b.example",
            ["SocketIO:EngineIO:Cookie:Name"] = "sio",
        }, o => o.ConnectTimeout = TimeSpan.FromSeconds(3));

        Assert.Equal(TimeSpan.FromSeconds(7), options.AckTimeout);
        Assert.Equal(TimeSpan.FromSeconds(12), options.ShutdownTimeout);
        Assert.Equal(20, options.MaxAttachments);
        Assert.Equal(SocketIOBindingFailureAck.Error, options.BindingFailureAck);
        Assert.Equal(TimeSpan.FromMinutes(5), options.ConnectionStateRecovery!.MaxDisconnectionDuration);
        Assert.True(options.ConnectionStateRecovery.SkipMiddlewares);
        Assert.Equal(TimeSpan.FromSeconds(10), options.EngineIO.PingInterval);
        Assert.Equal(TimeSpan.FromSeconds(20), options.EngineIO.PingTimeout);
        Assert.Equal(2_000_000, options.EngineIO.MaxHttpBufferSize);
        Assert.Equal(EngineIOTransports.WebSocket, options.EngineIO.Transports);
        Assert.Equal(["https://a.example", "https://b.example"], options.Cors.AllowedOrigins);
        Assert.Equal("sio", options.EngineIO.Cookie!.Name);
        Assert.Equal(TimeSpan.FromSeconds(3), options.ConnectTimeout);
    }

    [Fact]
    public void An_empty_section_keeps_the_defaults()
    {
        SocketIOServerOptions options = Options([]);
        Assert.Null(options.ConnectionStateRecovery);
        Assert.Null(options.EngineIO.Cookie);
        Assert.Equal(TimeSpan.FromSeconds(25), options.EngineIO.PingInterval);
        Assert.Empty(options.Cors.AllowedOrigins);
    }

    [Fact]
    public void A_value_that_cannot_be_read_is_reported_with_its_key()
    {
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => Options(new() { ["SocketIO:EngineIO:PingInterval"] = "soon" }));
        Assert.Contains("SocketIO:EngineIO:PingInterval", e.Message, StringComparison.Ordinal);
        Assert.Contains("'soon'", e.Message, StringComparison.Ordinal);

        // Read but out of range: the option's own check, reported the same way.
        e = Assert.Throws<InvalidOperationException>(() => Options(new() { ["SocketIO:ShutdownTimeout"] = "-00:00:01" }));
        Assert.Contains("SocketIO:ShutdownTimeout", e.Message, StringComparison.Ordinal);
        Assert.IsType<ArgumentOutOfRangeException>(e.InnerException);
    }
}
