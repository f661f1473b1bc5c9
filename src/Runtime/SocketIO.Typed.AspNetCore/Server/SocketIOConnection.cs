using System.Text;
using System.Text.Json;
using SocketIO.Typed.Adapters;
using SocketIO.Typed.Server.Engine;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Server;

/// <summary>
/// The Socket.IO side of one Engine.IO session (socket.io's <c>Client</c>): decodes packets, reassembles binary
/// attachments, routes packets to the namespace sockets multiplexed over the session.
/// </summary>
internal sealed class SocketIOConnection : IEngineIOSessionHandler
{
    private static readonly JsonElement s_emptyAuth = JsonDocument.Parse("{}").RootElement.Clone();
    private readonly SocketIOServer _server;
    private readonly object _gate = new();
    private readonly Dictionary<string, SocketIOSocket> _sockets = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closed = new();
    private SocketIOSocket? _main;
    private ITimer? _connectTimer;
    private int _violations;
    private long _lastViolationLog = long.MinValue;

    // Parses packets and puts binary packets back together with their attachments.
    private readonly SocketIOPacketAssembler _assembler;

    public SocketIOConnection(SocketIOServer server, EngineIOSession engine)
    {
        _server = server;
        Engine = engine;
        _assembler = new SocketIOPacketAssembler(server.Options.MaxAttachments, server.Options.EngineIO.MaxHttpBufferSize, server.Options.MaxJsonDepth);
        _connectTimer = server.Options.EngineIO.TimeProvider.CreateTimer(
            static s => ((SocketIOConnection)s!).OnConnectTimeout(), this, server.Options.ConnectTimeout, Timeout.InfiniteTimeSpan);
    }

    public EngineIOSession Engine { get; }

    public CancellationToken Closed => _closed.Token;

    /// <summary>Whether a volatile packet would be written now rather than queued behind others.</summary>
    public bool IsWritable => Engine.IsWritable;

    public void OnMessage(EngineIOSession socket, ReadOnlyMemory<byte> data, bool isBinary)
    {
        switch (_assembler.Add(data, isBinary, out ReadOnlyMemory<byte> text, out SocketIOPacketHeader packet, out IReadOnlyList<ReadOnlyMemory<byte>>? attachments, out string? error))
        {
            case SocketIOAssembleResult.Packet:
                Route(text.Span, packet, attachments);
                break;
            case SocketIOAssembleResult.Error:
                Fail(error!);
                break;
        }
    }

    /// <summary>
    /// Counts a protocol violation of the peer (a packet that is well-formed but makes no sense, such as an
    /// acknowledgement nobody waits for): logged at most once every 10 seconds, and past
    /// <see cref="SocketIOServerOptions.MaxProtocolViolations"/> the connection is closed.
    /// </summary>
    internal void ReportViolation(string violation)
    {
        _server.CountProtocolViolation();
        int count = Interlocked.Increment(ref _violations);
        int max = _server.Options.MaxProtocolViolations;
        if (max > 0 && count > max)
        {
            if (count == max + 1)
            {
                SocketIOServerLog.TooManyViolations(_server.Logger, Engine.Id, count);
                CloseAll("parse error");
            }

            return;
        }

        TimeProvider time = _server.Options.EngineIO.TimeProvider;
        long now = time.GetTimestamp();
        long last = Interlocked.Read(ref _lastViolationLog);
        if ((last == long.MinValue || time.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(10)) &&
            Interlocked.CompareExchange(ref _lastViolationLog, now, last) == last)
        {
            SocketIOServerLog.ProtocolViolation(_server.Logger, Engine.Id, violation, count);
        }
    }

    private void Fail(string error)
    {
        // socket.io: every socket of the connection closes with "parse error", then the session closes
        // gracefully, so a polling client still receives the close packet.
        SocketIOServerLog.MalformedPacket(_server.Logger, Engine.Id, error);
        _assembler.Reset();
        CloseAll("parse error");
    }

    private void Route(ReadOnlySpan<byte> text, in SocketIOPacketHeader packet, IReadOnlyList<ReadOnlyMemory<byte>>? attachments)
    {
        ReadOnlySpan<byte> nsp = packet.GetNamespace(text);
        if (packet.Type == SocketIOPacketType.Connect)
        {
            string name = Encoding.UTF8.GetString(nsp);
            JsonElement auth = s_emptyAuth;
            if (packet.PayloadLength > 0)
            {
                var reader = new Utf8JsonReader(text.Slice(packet.PayloadStart, packet.PayloadLength), new JsonReaderOptions { MaxDepth = _server.Options.MaxJsonDepth });
                auth = JsonElement.ParseValue(ref reader);
            }

            _ = ConnectAsync(name, auth);
            return;
        }

        SocketIOSocket? socket = Find(nsp);
        if (socket is null)
        {
            // socket.io ignores packets for a namespace the client has not joined.
            return;
        }

        switch (packet.Type)
        {
            case SocketIOPacketType.Disconnect:
                socket.OnClose("client namespace disconnect");
                break;
            case SocketIOPacketType.Event or SocketIOPacketType.BinaryEvent:
                socket.Inbox.HandleEvent(text, packet, attachments);
                break;
            case SocketIOPacketType.Ack or SocketIOPacketType.BinaryAck:
                socket.Inbox.HandleAck(text, packet, attachments);
                break;
            default:
                // CONNECT_ERROR from a client has no meaning; ignored like socket.io does.
                break;
        }
    }

    private SocketIOSocket? Find(ReadOnlySpan<byte> nsp)
    {
        if (nsp.Length == 1 && nsp[0] == (byte)'/')
        {
            return _main;
        }

        lock (_gate)
        {
            foreach (KeyValuePair<string, SocketIOSocket> pair in _sockets)
            {
                if (Encoding.UTF8.GetByteCount(pair.Key) == nsp.Length && Matches(pair.Key, nsp))
                {
                    return pair.Value;
                }
            }
        }

        return null;
    }

    private static bool Matches(string name, ReadOnlySpan<byte> utf8)
    {
        Span<byte> buffer = name.Length <= 128 ? stackalloc byte[256] : new byte[Encoding.UTF8.GetMaxByteCount(name.Length)];
        int n = Encoding.UTF8.GetBytes(name, buffer);
        return buffer[..n].SequenceEqual(utf8);
    }

    private async Task ConnectAsync(string name, JsonElement auth)
    {
        lock (_gate)
        {
            if (_sockets.ContainsKey(name))
            {
                // Already connected to this namespace: socket.io ignores a second CONNECT.
                return;
            }
        }

        var handshake = new SocketIOHandshake(Engine.Request, auth);
        SocketIONamespace? ns = _server.ResolveNamespace(name, handshake);
        if (ns is null)
        {
            SocketIOServerLog.UnknownNamespace(_server.Logger, Engine.Id, name);
            _server.Metrics.Error("unknown_namespace");
            SendConnectError(name, "Invalid namespace", null);
            return;
        }

        await ns.ConnectAsync(this, handshake).ConfigureAwait(false);
    }

    internal void Add(SocketIOSocket socket)
    {
        lock (_gate)
        {
            _sockets[socket.Namespace.Name] = socket;
            if (socket.Namespace.Name == "/")
            {
                _main = socket;
            }

            _connectTimer?.Dispose();
            _connectTimer = null;
        }
    }

    internal void Remove(SocketIOSocket socket)
    {
        lock (_gate)
        {
            if (_sockets.TryGetValue(socket.Namespace.Name, out SocketIOSocket? current) && current == socket)
            {
                _sockets.Remove(socket.Namespace.Name);
                if (_main == socket)
                {
                    _main = null;
                }
            }
        }
    }

    internal void SendConnectReply(SocketIONamespace ns, SocketIOSocket socket)
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginRaw();
            writer.Json.WriteStartObject();
            writer.Json.WriteString("sid"u8, socket.Id);
            if (socket.PrivateId is not null)
            {
                writer.Json.WriteString("pid"u8, socket.PrivateId);
            }
            writer.Json.WriteEndObject();
            packet = writer.ToRawPacket(SocketIOPacketType.Connect, ns.Name);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        SendOwned(packet);
    }

    internal void SendConnectError(string ns, string message, JsonElement? data)
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        EncodedPacket packet;
        try
        {
            writer.BeginRaw();
            writer.Json.WriteStartObject();
            writer.Json.WriteString("message"u8, message);
            if (data is { } d)
            {
                writer.Json.WritePropertyName("data"u8);
                d.WriteTo(writer.Json);
            }

            writer.Json.WriteEndObject();
            packet = writer.ToRawPacket(SocketIOPacketType.ConnectError, ns);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        SendOwned(packet);
    }

    private void SendOwned(EncodedPacket packet) => Engine.Send(packet);

    private void OnConnectTimeout()
    {
        lock (_gate)
        {
            if (_sockets.Count > 0 || _connectTimer is null)
            {
                return;
            }
        }

        SocketIOServerLog.ConnectTimeout(_server.Logger, Engine.Id);
        Engine.Close();
    }

    /// <summary>Disconnects every namespace socket (each gets its DISCONNECT packet) and closes the session (socket.io's <c>client._disconnect()</c>).</summary>
    internal void DisconnectAll()
    {
        SocketIOSocket[] sockets;
        lock (_gate)
        {
            sockets = [.. _sockets.Values];
        }

        foreach (SocketIOSocket s in sockets)
        {
            s.Disconnect();
        }

        Engine.Close();
    }

    /// <summary>Closes every namespace socket without telling the client, then the Engine.IO session (after a parse error).</summary>
    internal void CloseAll(string reason)
    {
        CloseSockets(reason);
        Engine.Close();
    }

    public void OnClose(EngineIOSession socket, string reason)
    {
        _closed.Cancel();
        lock (_gate)
        {
            _connectTimer?.Dispose();
            _connectTimer = null;
        }

        CloseSockets(reason);
    }

    private void CloseSockets(string reason)
    {
        SocketIOSocket[] sockets;
        lock (_gate)
        {
            sockets = [.. _sockets.Values];
        }

        foreach (SocketIOSocket s in sockets)
        {
            s.OnClose(reason);
        }
    }
}
