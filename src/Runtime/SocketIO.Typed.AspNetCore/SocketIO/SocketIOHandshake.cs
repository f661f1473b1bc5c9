using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SocketIO.Typed.AspNetCore.SocketIO;

/// <summary>What a socket's connection looked like (socket.io's <c>socket.handshake</c>).</summary>
public sealed class SocketIOHandshake
{
    internal SocketIOHandshake(EngineIO.EngineIORequestInfo request, JsonElement auth)
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

    /// <summary>The authenticated user of the first request (ASP.NET Core authentication).</summary>
    public System.Security.Claims.ClaimsPrincipal User { get; }
}
