namespace SocketIO.Typed.Protocol;

/// <summary>What <see cref="SocketIOPacketAssembler.Add"/> made of a message.</summary>
internal enum SocketIOAssembleResult
{
    /// <summary>A whole packet is ready.</summary>
    Packet,

    /// <summary>A binary packet waits for more attachments.</summary>
    NeedMore,

    /// <summary>The message is malformed or unexpected (the connection closes with <c>parse error</c>).</summary>
    Error,
}

/// <summary>
/// Turns the Engine.IO messages of one connection into Socket.IO packets: parses text packets and reassembles a
/// binary packet with the binary messages that follow it (socket.io-parser's decoder). Not thread-safe: one
/// connection reads one message at a time.
/// </summary>
internal sealed class SocketIOPacketAssembler
{
    private readonly int _maxAttachments;
    private readonly long _maxPendingBytes;
    private readonly int _maxDepth;
    private byte[]? _pendingText;
    private SocketIOPacketHeader _pendingHeader;
    private List<ReadOnlyMemory<byte>>? _pendingAttachments;
    private long _pendingBytes;

    /// <summary>Creates an assembler with limits on what one binary packet may hold while it is put together.</summary>
    /// <param name="maxAttachments">The most attachments one packet may declare (socket.io-parser's <c>maxAttachments</c>, 10 by default there).</param>
    /// <param name="maxPendingBytes">The most bytes (packet text and attachments) one binary packet may hold before it is complete.</param>
    /// <param name="maxDepth">The deepest JSON nesting a packet may have (0: 64).</param>
    public SocketIOPacketAssembler(int maxAttachments, long maxPendingBytes, int maxDepth)
    {
        _maxAttachments = maxAttachments;
        _maxPendingBytes = maxPendingBytes;
        _maxDepth = maxDepth;
    }

    /// <summary>The deepest JSON nesting accepted, for the readers of the arguments.</summary>
    public int MaxDepth => _maxDepth;

    /// <summary>Takes one message.</summary>
    /// <param name="data">The message (valid during the call only).</param>
    /// <param name="isBinary">Whether it is a binary message.</param>
    /// <param name="text">The packet text; for a packet without attachments it is <paramref name="data"/>, otherwise an owned copy.</param>
    /// <param name="header">The parsed header.</param>
    /// <param name="attachments">The attachments (owned copies), or null.</param>
    /// <param name="error">Why the message was refused.</param>
    /// <returns>The outcome.</returns>
    public SocketIOAssembleResult Add(
        ReadOnlyMemory<byte> data,
        bool isBinary,
        out ReadOnlyMemory<byte> text,
        out SocketIOPacketHeader header,
        out IReadOnlyList<ReadOnlyMemory<byte>>? attachments,
        out string? error)
    {
        text = default;
        header = default;
        attachments = null;
        error = null;
        if (isBinary)
        {
            if (_pendingAttachments is null)
            {
                error = "unexpected binary message";
                return SocketIOAssembleResult.Error;
            }

            _pendingBytes += data.Length;
            if (_pendingBytes > _maxPendingBytes)
            {
                // Without a bound a peer could make the other side keep any amount of memory for a packet it never finishes.
                Reset();
                error = $"the attachments of a binary packet exceed {_maxPendingBytes} bytes";
                return SocketIOAssembleResult.Error;
            }

            _pendingAttachments.Add(data.ToArray());
            if (_pendingAttachments.Count < _pendingHeader.Attachments)
            {
                return SocketIOAssembleResult.NeedMore;
            }

            text = _pendingText;
            header = _pendingHeader;
            attachments = _pendingAttachments;
            _pendingText = null;
            _pendingAttachments = null;
            _pendingBytes = 0;
            return SocketIOAssembleResult.Packet;
        }

        if (_pendingAttachments is not null)
        {
            // socket.io-parser: plain text while reconstructing a binary packet is an error.
            Reset();
            error = "text packet while waiting for binary attachments";
            return SocketIOAssembleResult.Error;
        }

        SocketIOParseError parseError = SocketIOParser.TryParse(data.Span, out header, _maxDepth);
        if (parseError != SocketIOParseError.None)
        {
            error = parseError.ToString();
            return SocketIOAssembleResult.Error;
        }

        if (header.Attachments > _maxAttachments)
        {
            error = $"{header.Attachments} attachments declared, at most {_maxAttachments} allowed";
            return SocketIOAssembleResult.Error;
        }

        if (header.Attachments > 0)
        {
            if (data.Length > _maxPendingBytes)
            {
                error = $"the attachments of a binary packet exceed {_maxPendingBytes} bytes";
                return SocketIOAssembleResult.Error;
            }

            _pendingBytes = data.Length;
            _pendingText = data.ToArray();
            _pendingHeader = header;
            _pendingAttachments = new List<ReadOnlyMemory<byte>>(header.Attachments);
            return SocketIOAssembleResult.NeedMore;
        }

        text = data;
        return SocketIOAssembleResult.Packet;
    }

    /// <summary>Forgets a half-received binary packet.</summary>
    public void Reset()
    {
        _pendingText = null;
        _pendingAttachments = null;
        _pendingBytes = 0;
    }
}
