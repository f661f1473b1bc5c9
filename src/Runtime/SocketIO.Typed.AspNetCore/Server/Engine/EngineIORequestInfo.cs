using System.Net;
using Microsoft.AspNetCore.Http;

namespace SocketIO.Typed.Server.Engine;

/// <summary>What the handshake request looked like, kept for the session's lifetime.</summary>
public sealed class EngineIORequestInfo
{
    internal EngineIORequestInfo(HttpContext context, DateTimeOffset time)
    {
        HttpRequest request = context.Request;
        var headers = new HeaderDictionary();
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in request.Headers)
        {
            headers[header.Key] = header.Value;
        }

        Headers = headers;
        Query = request.Query;
        RemoteAddress = context.Connection.RemoteIpAddress;
        RemotePort = context.Connection.RemotePort;
        Secure = request.IsHttps;
        Url = request.Path + request.QueryString;
        Time = time;
        User = context.User;
    }

    /// <summary>The request headers.</summary>
    public IHeaderDictionary Headers { get; }

    /// <summary>The query string parameters.</summary>
    public IQueryCollection Query { get; }

    /// <summary>The client's address.</summary>
    public IPAddress? RemoteAddress { get; }

    /// <summary>The client's port.</summary>
    public int RemotePort { get; }

    /// <summary>Whether the request came over TLS.</summary>
    public bool Secure { get; }

    /// <summary>The request path and query.</summary>
    public string Url { get; }

    /// <summary>When the handshake happened.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>The authenticated user of the handshake request (ASP.NET Core authentication).</summary>
    public System.Security.Claims.ClaimsPrincipal User { get; }
}
