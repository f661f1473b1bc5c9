using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client.Transports;

/// <summary>How the Engine.IO client builds its URLs and requests (query, headers, WebSocket options).</summary>
internal static class EngineIOClientRequests
{
    public static Uri BuildUri(EngineIOClientSettings settings, string transport, string? sid, long counter, bool webSocket = false)
    {
        var builder = new StringBuilder();
        Uri server = settings.ServerUri;
        string scheme = server.Scheme;
        if (webSocket)
        {
            scheme = scheme is "https" or "wss" ? "wss" : "ws";
        }
        else
        {
            scheme = scheme is "wss" or "https" ? "https" : "http";
        }

        builder.Append(scheme).Append("://").Append(server.IdnHost);
        if (!server.IsDefaultPort)
        {
            builder.Append(':').Append(server.Port.ToString(CultureInfo.InvariantCulture));
        }

        string path = settings.Path.StartsWith('/') ? settings.Path : "/" + settings.Path;
        builder.Append(path.TrimEnd('/')).Append("/?EIO=4&transport=").Append(transport);
        if (!webSocket)
        {
            // engine.io-client's cache buster (a timestamp in "t"): some proxies cache GETs otherwise.
            builder.Append("&t=").Append(Environment.TickCount64.ToString("x", CultureInfo.InvariantCulture)).Append('.').Append(counter.ToString(CultureInfo.InvariantCulture));
        }

        if (sid is not null)
        {
            builder.Append("&sid=").Append(Uri.EscapeDataString(sid));
        }

        foreach (KeyValuePair<string, string> pair in settings.Query)
        {
            builder.Append('&').Append(Uri.EscapeDataString(pair.Key)).Append('=').Append(Uri.EscapeDataString(pair.Value));
        }

        return new Uri(builder.ToString());
    }

    public static HttpRequestMessage CreateRequest(EngineIOClientSettings settings, HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        foreach (KeyValuePair<string, string> header in settings.Headers)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return request;
    }

    public static void ConfigureWebSocket(EngineIOClientSettings settings, ClientWebSocket webSocket)
    {
        foreach (KeyValuePair<string, string> header in settings.Headers)
        {
            webSocket.Options.SetRequestHeader(header.Key, header.Value);
        }

        settings.ConfigureWebSocket?.Invoke(webSocket.Options);
    }
}
