using System.Security.Cryptography;
using System.Text;

namespace SocketIO.Typed.Server;

/// <summary>What the Admin UI instrumentation reports.</summary>
public enum SocketIOAdminMode
{
    /// <summary>
    /// Everything (the <c>@socket.io/admin-ui</c> default): every socket with its handshake, data and rooms, every event
    /// received and sent, rooms joined and left, plus the aggregated statistics. Costs a copy of every event.
    /// </summary>
    Development,

    /// <summary>The server statistics and aggregated events only (the Node package's <c>mode: "production"</c>).</summary>
    Production,
}

/// <summary>
/// Options of <see cref="SocketIOAdminExtensions.InstrumentAdminUI"/>, as <c>instrument(io, options)</c> of
/// <c>@socket.io/admin-ui</c>.
/// </summary>
public sealed class SocketIOAdminOptions
{
    /// <summary>The namespace the Admin UI connects to. Default <c>/admin</c>.</summary>
    public string Namespace { get; set; } = "/admin";

    /// <summary>
    /// Who may connect: <see cref="SocketIOAdminAuthentication.Basic"/>, <see cref="SocketIOAdminAuthentication.Custom"/>,
    /// or <see cref="SocketIOAdminAuthentication.None"/> to allow anyone (say so explicitly, as the Node package requires).
    /// Must be set.
    /// </summary>
    public SocketIOAdminAuthentication? Authentication { get; set; }

    /// <summary>
    /// Whether the UI may only watch: no emitting, joining, leaving or disconnecting from the UI (the Node package's
    /// <c>readonly</c>). Default false.
    /// </summary>
    public bool ReadOnly { get; set; }

    /// <summary>The name this server has in the UI's server list; default the host name.</summary>
    public string? ServerId { get; set; }

    /// <summary>How much is reported; default <see cref="SocketIOAdminMode.Development"/>, as the Node package.</summary>
    public SocketIOAdminMode Mode { get; set; } = SocketIOAdminMode.Development;

    /// <summary>How often the server statistics are sent. Default 2 seconds, as the Node package.</summary>
    public TimeSpan StatsInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a session id given to a UI after a successful login stays valid. Default one day.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How many reports (socket connected, event received, ...) may wait to be sent to the UI; beyond that new ones are
    /// dropped, counted in <c>socketio.server.packets.dropped</c> with reason <c>admin_queue_full</c> and logged once.
    /// Default 10 000.
    /// </summary>
    public int MaxQueuedReports { get; set; } = 10_000;
}

/// <summary>How an Admin UI proves who it is (the <c>auth</c> option of <c>@socket.io/admin-ui</c>).</summary>
public sealed class SocketIOAdminAuthentication
{
    private readonly Func<string, string, CancellationToken, ValueTask<bool>>? _verify;

    private SocketIOAdminAuthentication(Func<string, string, CancellationToken, ValueTask<bool>>? verify) => _verify = verify;

    /// <summary>Anyone may connect to the admin namespace (the Node package's <c>auth: false</c>); for a local machine only.</summary>
    public static SocketIOAdminAuthentication None { get; } = new(null);

    /// <summary>Whether this is <see cref="None"/>.</summary>
    public bool AllowsAnyone => _verify is null;

    /// <summary>
    /// The UI's login form must give this user name and password (compared in constant time). Keep the password out of
    /// source code: read it from configuration or a secret store. (The Node package takes a bcrypt hash; to check one,
    /// use <see cref="Custom"/> with a bcrypt library.)
    /// </summary>
    /// <param name="username">The user name.</param>
    /// <param name="password">The password.</param>
    /// <returns>The authentication.</returns>
    public static SocketIOAdminAuthentication Basic(string username, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentException.ThrowIfNullOrEmpty(password);
        byte[] expectedUser = SHA256.HashData(Encoding.UTF8.GetBytes(username));
        byte[] expectedPassword = SHA256.HashData(Encoding.UTF8.GetBytes(password));
        return new SocketIOAdminAuthentication((user, pass, _) =>
        {
            // Both compared, always: the time taken says nothing about which one was wrong.
            bool userMatches = CryptographicOperations.FixedTimeEquals(expectedUser, SHA256.HashData(Encoding.UTF8.GetBytes(user)));
            bool passwordMatches = CryptographicOperations.FixedTimeEquals(expectedPassword, SHA256.HashData(Encoding.UTF8.GetBytes(pass)));
            return ValueTask.FromResult(userMatches & passwordMatches);
        });
    }

    /// <summary>The login form's user name and password are checked by <paramref name="verify"/> (a user store, a hash, ...).</summary>
    /// <param name="verify">Returns whether the user name and password are right.</param>
    /// <returns>The authentication.</returns>
    public static SocketIOAdminAuthentication Custom(Func<string, string, CancellationToken, ValueTask<bool>> verify)
    {
        ArgumentNullException.ThrowIfNull(verify);
        return new SocketIOAdminAuthentication(verify);
    }

    internal ValueTask<bool> VerifyAsync(string username, string password, CancellationToken cancellationToken) =>
        _verify is null ? ValueTask.FromResult(true) : _verify(username, password, cancellationToken);
}
