namespace SocketIO.Typed.Server;

/// <summary>Instruments a server for the official Socket.IO Admin UI (<c>@socket.io/admin-ui</c>).</summary>
public static class SocketIOAdminExtensions
{
    /// <summary>
    /// Serves the Admin UI's namespace (<c>/admin</c>), as <c>instrument(io, options)</c> of <c>@socket.io/admin-ui</c> 0.5:
    /// the UI (the hosted one at admin.socket.io or its built files served by you) logs in, then sees this server's
    /// statistics every two seconds, its namespaces, sockets, rooms and events, and (unless
    /// <see cref="SocketIOAdminOptions.ReadOnly"/>) emits, joins, leaves and disconnects sockets. Call it once per server,
    /// before clients connect. A UI served from another origin needs CORS for it (<c>SocketIOServerOptions.Cors</c>, with
    /// credentials).
    /// </summary>
    /// <param name="server">The server.</param>
    /// <param name="configure">Sets the options; <see cref="SocketIOAdminOptions.Authentication"/> must be set.</param>
    /// <returns>The admin namespace.</returns>
    /// <exception cref="InvalidOperationException">No authentication was chosen, or the server is already instrumented.</exception>
    public static SocketIONamespace InstrumentAdminUI(this SocketIOServer server, Action<SocketIOAdminOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SocketIOAdminOptions();
        configure(options);
        if (options.Authentication is null)
        {
            throw new InvalidOperationException(
                "Choose how the Admin UI logs in: set SocketIOAdminOptions.Authentication to SocketIOAdminAuthentication.Basic(user, password), " +
                "SocketIOAdminAuthentication.Custom(...), or SocketIOAdminAuthentication.None to let anyone in.");
        }

        if (string.IsNullOrEmpty(options.Namespace) || options.StatsInterval <= TimeSpan.Zero || options.MaxQueuedReports < 1)
        {
            throw new InvalidOperationException("SocketIOAdminOptions needs a Namespace, a positive StatsInterval and a positive MaxQueuedReports.");
        }
        return SocketIOAdminInstrumentation.Start(server, options).Namespace;
    }
}
