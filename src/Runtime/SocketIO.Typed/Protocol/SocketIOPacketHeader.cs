namespace SocketIO.Typed.Protocol;

/// <summary>
/// A decoded Socket.IO packet header with offsets into the packet text; the bytes themselves stay where they
/// were read from, so decoding allocates nothing.
/// </summary>
public readonly struct SocketIOPacketHeader
{
    internal SocketIOPacketHeader(SocketIOPacketType type, int attachments, int namespaceStart, int namespaceLength, long ackId,
        int payloadStart, int payloadLength, int eventNameStart, int eventNameLength, bool eventNameEscaped, int argumentsStart)
    {
        Type = type;
        Attachments = attachments;
        NamespaceStart = namespaceStart;
        NamespaceLength = namespaceLength;
        AckId = ackId;
        PayloadStart = payloadStart;
        PayloadLength = payloadLength;
        EventNameStart = eventNameStart;
        EventNameLength = eventNameLength;
        EventNameEscaped = eventNameEscaped;
        ArgumentsStart = argumentsStart;
    }

    /// <summary>The packet type.</summary>
    public SocketIOPacketType Type { get; }

    /// <summary>The number of binary attachments that follow the packet (binary types only).</summary>
    public int Attachments { get; }

    /// <summary>Offset of the namespace in the packet text; meaningful when <see cref="NamespaceLength"/> is not 0.</summary>
    public int NamespaceStart { get; }

    /// <summary>Length of the namespace; 0 means the main namespace <c>/</c>.</summary>
    public int NamespaceLength { get; }

    /// <summary>The acknowledgement id, or -1 when the packet has none.</summary>
    public long AckId { get; }

    /// <summary>Offset of the JSON payload.</summary>
    public int PayloadStart { get; }

    /// <summary>Length of the JSON payload; 0 when the packet has none.</summary>
    public int PayloadLength { get; }

    /// <summary>For events: offset of the event name (the string contents, without quotes, or a number's text).</summary>
    public int EventNameStart { get; }

    /// <summary>For events: length of the event name bytes.</summary>
    public int EventNameLength { get; }

    /// <summary>For events: whether the name contains JSON escapes that must be decoded.</summary>
    public bool EventNameEscaped { get; }

    /// <summary>For events and acks: offset of the first argument inside the payload array, or the offset of <c>]</c> when there is none.</summary>
    public int ArgumentsStart { get; }

    /// <summary>Whether the packet carries an acknowledgement id.</summary>
    public bool HasAckId => AckId >= 0;

    /// <summary>The namespace bytes of <paramref name="packet"/>, or <c>/</c> for the main namespace.</summary>
    /// <param name="packet">The packet text this header was decoded from.</param>
    /// <returns>The namespace as UTF-8.</returns>
    public ReadOnlySpan<byte> GetNamespace(ReadOnlySpan<byte> packet) =>
        NamespaceLength == 0 ? "/"u8 : packet.Slice(NamespaceStart, NamespaceLength);

    /// <summary>The payload bytes of <paramref name="packet"/>.</summary>
    /// <param name="packet">The packet text this header was decoded from.</param>
    /// <returns>The JSON payload (empty when the packet has none).</returns>
    public ReadOnlyMemory<byte> GetPayload(ReadOnlyMemory<byte> packet) => packet.Slice(PayloadStart, PayloadLength);
}
