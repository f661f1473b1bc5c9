using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SocketIO.Typed.Server.Engine;
using SocketIO.Typed.Server;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Benchmarks;

/// <summary>
/// A real <see cref="SocketIOServer"/> with clients connected to the main namespace over long-polling, made
/// without a network: each client's handshake GET and its <c>40</c> CONNECT POST go through
/// <see cref="SocketIOServer.HandleRequestAsync"/> with a <see cref="DefaultHttpContext"/>.
/// </summary>
/// <remarks>
/// No transport drains the sessions' send queues (no client polls), so <see cref="Drain"/> plays the transport:
/// it takes every queued packet through the session's own dequeue (as the polling and WebSocket transports do, so
/// the count behind <c>MaxQueuedPackets</c> stays right) and releases it, as the transports do after writing.
/// </remarks>
internal sealed class InMemoryServer : IAsyncDisposable
{
    private InMemoryServer(SocketIOServer server, EngineIOSession[] sessions)
    {
        Server = server;
        Sessions = sessions;
    }

    public SocketIOServer Server { get; }

    public EngineIOSession[] Sessions { get; }

    /// <summary>Starts a server and connects <paramref name="clients"/> clients to "/".</summary>
    /// <param name="clients">How many clients.</param>
    /// <param name="configure">Maps handlers or hubs before the clients connect.</param>
    /// <param name="services">The application's services: hubs are created from each socket's scope of them.</param>
    /// <returns>The server with its sessions.</returns>
    public static async Task<InMemoryServer> StartAsync(int clients, Action<SocketIOServer>? configure = null, IServiceProvider? services = null)
    {
        var options = new SocketIOServerOptions();
        options.EngineIO.TimeProvider = new FrozenTimeProvider();
        var server = new SocketIOServer(options, loggerFactory: null, services);
        configure?.Invoke(server);
        var sessions = new EngineIOSession[clients];
        for (int i = 0; i < clients; i++)
        {
            string sid = await OpenAsync(server);
            await ConnectMainNamespaceAsync(server, sid);
            if (!server.EngineIO.TryGetSession(sid, out EngineIOSession? session))
            {
                throw new InvalidOperationException($"Session {sid} was not created.");
            }

            sessions[i] = session;
        }

        if (server.Sockets.Sockets.Count != clients)
        {
            throw new InvalidOperationException($"{server.Sockets.Sockets.Count} of {clients} sockets connected.");
        }

        var result = new InMemoryServer(server, sessions);

        // One CONNECT reply per client; fewer means a socket was registered but its connection failed (for example a
        // hub that could not be created), and every benchmark on it would measure nothing.
        int replies = result.Drain();
        if (replies != clients)
        {
            throw new InvalidOperationException($"{replies} CONNECT replies for {clients} clients.");
        }

        return result;
    }

    /// <summary>Takes and releases every queued packet of every session.</summary>
    /// <returns>The number of packets taken.</returns>
    public int Drain()
    {
        int count = 0;
        foreach (EngineIOSession session in Sessions)
        {
            while (session.TryDequeue(out EncodedPacket? packet))
            {
                packet.Release();
                count++;
            }
        }

        return count;
    }

    public ValueTask DisposeAsync()
    {
        Drain();
        return Server.DisposeAsync();
    }

    private static async Task<string> OpenAsync(SocketIOServer server)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.QueryString = new QueryString("?EIO=4&transport=polling");
        using var body = new MemoryStream();
        context.Response.Body = body;
        await server.HandleRequestAsync(context);

        // 0{"sid":"…","upgrades":["websocket"],…}
        byte[] open = body.ToArray();
        if (context.Response.StatusCode != StatusCodes.Status200OK || open.Length < 2 || open[0] != (byte)'0')
        {
            throw new InvalidOperationException("Handshake failed: HTTP " + context.Response.StatusCode);
        }

        using var json = JsonDocument.Parse(open.AsMemory(1));
        return json.RootElement.GetProperty("sid").GetString()!;
    }

    private static async Task ConnectMainNamespaceAsync(SocketIOServer server, string sid)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.QueryString = new QueryString("?EIO=4&transport=polling&sid=" + sid);
        context.Request.ContentType = "text/plain;charset=UTF-8";
        byte[] connect = "40"u8.ToArray();
        using var requestBody = new MemoryStream(connect);
        context.Request.Body = requestBody;
        context.Request.ContentLength = connect.Length;
        await server.HandleRequestAsync(context);
        if (context.Response.StatusCode != StatusCodes.Status200OK)
        {
            throw new InvalidOperationException("CONNECT failed: HTTP " + context.Response.StatusCode);
        }
    }
}
