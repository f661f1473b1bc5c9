using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SocketIO.Typed.Adapters;

namespace SocketIO.Typed.Server;

/// <summary>What a socket's connection looked like (socket.io's <c>socket.handshake</c>).</summary>
public sealed class SocketIOHandshake
{
    internal SocketIOHandshake(Engine.EngineIORequestInfo request, JsonElement auth)
    {
        Headers = request.Headers;
        Query = request.Query;
        Auth = auth;
        Address = request.RemoteAddress;
        Time = request.Time;
        Secure = request.Secure;
        Url = request.Url;
        User = request.User;
    }

    /// <summary>The headers of the first HTTP request.</summary>
    public IHeaderDictionary Headers { get; }

    /// <summary>The query parameters of the first HTTP request.</summary>
    public IQueryCollection Query { get; }

    /// <summary>The auth payload of the CONNECT packet; an empty object when the client sent none.</summary>
    public JsonElement Auth { get; }

    /// <summary>The client's address.</summary>
    public IPAddress? Address { get; }

    /// <summary>When the connection was made.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>Whether the connection is over TLS.</summary>
    public bool Secure { get; }

    /// <summary>The first request's path and query.</summary>
    public string Url { get; }

    /// <summary>Whether the request was cross-origin (it carried an <c>Origin</c> header).</summary>
    public bool CrossDomain => Headers.ContainsKey("Origin");

    /// <summary>
    /// The authenticated user of the first request: what ASP.NET Core authentication (<c>app.UseAuthentication()</c> in
    /// front of <c>MapSocketIO</c>, a cookie or a bearer token on the handshake request) made of it. Unauthenticated
    /// requests have an empty principal. It stays on this server: it does not cross a cluster.
    /// </summary>
    public System.Security.Claims.ClaimsPrincipal User { get; }

    /// <summary>The handshake as it crosses servers (socket.io's handshake object): headers, query, auth, address, time.</summary>
    /// <returns>The record.</returns>
    public SocketIOHandshakeRecord ToRecord()
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in Headers)
        {
            headers[header.Key] = header.Value.ToString();
        }

        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> pair in Query)
        {
            query[pair.Key] = pair.Value.ToString();
        }

        return new SocketIOHandshakeRecord(headers, Time, Address?.ToString(), CrossDomain, Secure, Url, query, Auth);
    }
}
