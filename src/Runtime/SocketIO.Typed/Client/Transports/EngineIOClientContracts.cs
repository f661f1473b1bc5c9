using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Client.Transports;

/// <summary>Receives what an <see cref="EngineIOClientSession"/> reads, one message at a time (never concurrently).</summary>
internal interface IEngineIOClientHandler
{
    /// <summary>A message; <paramref name="data"/> is valid during the call only.</summary>
    void OnMessage(ReadOnlyMemory<byte> data, bool isBinary);

    /// <summary>The session ended (engine.io-client's reasons: <c>transport close</c>, <c>transport error</c>, <c>ping timeout</c>, <c>parse error</c>, <c>forced close</c>).</summary>
    void OnClose(string reason, Exception? error);
}

/// <summary>Where and how an <see cref="EngineIOClientSession"/> connects.</summary>
internal sealed record EngineIOClientSettings(
    Uri ServerUri,
    string Path,
    IReadOnlyDictionary<string, string> Query,
    IReadOnlyDictionary<string, string> Headers,
    bool Polling,
    bool WebSocket,
    bool Upgrade,
    HttpClient Http,
    Action<ClientWebSocketOptions>? ConfigureWebSocket,
    TimeProvider TimeProvider,
    ILogger Logger);
