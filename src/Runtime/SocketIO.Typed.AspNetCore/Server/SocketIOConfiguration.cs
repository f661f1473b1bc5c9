using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server.Engine;

namespace SocketIO.Typed.Server;

/// <summary>
/// Reads <see cref="SocketIOServerOptions"/> from configuration (an <c>appsettings.json</c> section, environment
/// variables such as <c>SocketIO__EngineIO__PingInterval</c>) without reflection, so it works under NativeAOT. Keys
/// are the option names; time spans use <c>hh:mm:ss</c>; lists (<c>Cors:AllowedOrigins</c>) are arrays.
/// </summary>
/// <example>
/// <code>
/// "SocketIO": {
///   "AckTimeout": "00:00:10",
///   "ShutdownTimeout": "00:00:05",
///   "ConnectionStateRecovery": { "MaxDisconnectionDuration": "00:02:00" },
///   "EngineIO": { "PingInterval": "00:00:25", "MaxHttpBufferSize": 1000000, "Cors": { "AllowedOrigins": [ "https://example.org" ] } }
/// }
/// </code>
/// </example>
public static class SocketIOConfiguration
{
    /// <summary>Applies the values present in <paramref name="section"/> to <paramref name="options"/>; absent keys keep their values.</summary>
    /// <param name="options">The options.</param>
    /// <param name="section">The section, for example <c>builder.Configuration.GetSection("SocketIO")</c>.</param>
    /// <exception cref="InvalidOperationException">A value cannot be read; the message names the key.</exception>
    public static void Bind(SocketIOServerOptions options, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(section);
        Read(section, "ConnectTimeout", ParseTimeSpan, v => options.ConnectTimeout = v);
        Read(section, "AckTimeout", ParseTimeSpan, v => options.AckTimeout = v);
        Read(section, "ShutdownTimeout", ParseTimeSpan, v => options.ShutdownTimeout = v);
        Read(section, "MaxAttachments", ParseInt, v => options.MaxAttachments = v);
        Read(section, "MaxJsonDepth", ParseInt, v => options.MaxJsonDepth = v);
        Read(section, "MaxProtocolViolations", ParseInt, v => options.MaxProtocolViolations = v);
        Read(section, "MaxEventsBeforeReady", ParseInt, v => options.MaxEventsBeforeReady = v);
        Read(section, "BindingFailureAck", Enum.Parse<SocketIOBindingFailureAck>, v => options.BindingFailureAck = v);

        IConfigurationSection recovery = section.GetSection("ConnectionStateRecovery");
        if (recovery.Exists())
        {
            ConnectionStateRecoveryOptions target = options.ConnectionStateRecovery ??= new ConnectionStateRecoveryOptions();
            Read(recovery, "MaxDisconnectionDuration", ParseTimeSpan, v => target.MaxDisconnectionDuration = v);
            Read(recovery, "SkipMiddlewares", bool.Parse, v => target.SkipMiddlewares = v);
        }

        IConfigurationSection engine = section.GetSection("EngineIO");
        EngineIOServerOptions e = options.EngineIO;
        Read(engine, "PingInterval", ParseTimeSpan, v => e.PingInterval = v);
        Read(engine, "PingTimeout", ParseTimeSpan, v => e.PingTimeout = v);
        Read(engine, "UpgradeTimeout", ParseTimeSpan, v => e.UpgradeTimeout = v);
        Read(engine, "MaxHttpBufferSize", ParseInt, v => e.MaxHttpBufferSize = v);
        Read(engine, "MaxQueuedPackets", ParseInt, v => e.MaxQueuedPackets = v);
        Read(engine, "Transports", Enum.Parse<EngineIOTransports>, v => e.Transports = v);
        Read(engine, "AllowUpgrades", bool.Parse, v => e.AllowUpgrades = v);
        Read(engine, "HttpCompression", bool.Parse, v => e.HttpCompression = v);
        Read(engine, "HttpCompressionThreshold", ParseInt, v => e.HttpCompressionThreshold = v);
        Read(engine, "PerMessageDeflate", bool.Parse, v => e.PerMessageDeflate = v);

        IConfigurationSection cors = engine.GetSection("Cors");
        Read(cors, "AllowCredentials", bool.Parse, v => e.Cors.AllowCredentials = v);
        ReadList(cors.GetSection("AllowedOrigins"), e.Cors.AllowedOrigins);
        ReadList(cors.GetSection("AllowedHeaders"), e.Cors.AllowedHeaders);

        IConfigurationSection cookie = engine.GetSection("Cookie");
        if (cookie.Exists())
        {
            EngineIOCookieOptions target = e.Cookie ??= new EngineIOCookieOptions();
            Read(cookie, "Name", static s => s, v => target.Name = v);
            Read(cookie, "Path", static s => s, v => target.Path = v);
            Read(cookie, "HttpOnly", bool.Parse, v => target.HttpOnly = v);
            Read(cookie, "SameSite", Enum.Parse<SameSiteMode>, v => target.SameSite = v);
        }
    }

    private static TimeSpan ParseTimeSpan(string value) => TimeSpan.Parse(value, CultureInfo.InvariantCulture);

    private static int ParseInt(string value) => int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static void Read<T>(IConfiguration section, string key, Func<string, T> parse, Action<T> apply)
    {
        string? value = section[key];
        if (value is null)
        {
            return;
        }

        try
        {
            apply(parse(value));
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            string path = section is IConfigurationSection s ? s.Path + ":" + key : key;
            throw new InvalidOperationException($"The Socket.IO option '{path}' has a value that cannot be read: '{value}'.", e);
        }
    }

    private static void ReadList(IConfigurationSection section, IList<string> target)
    {
        foreach (IConfigurationSection item in section.GetChildren())
        {
            if (item.Value is { } value && !target.Contains(value))
            {
                target.Add(value);
            }
        }
    }
}
