using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using SocketIO.Typed.Generated;
using SocketIO.Typed.Protocol;
using SocketIO.Typed.Serialization;

namespace SocketIO.Typed.Benchmarks;

/// <summary>
/// The generated code against System.Text.Json's source-generated path on the same payload and the same bytes.
/// Encode: the generated proxy writes the whole <c>message</c> event packet (rent the thread's packet writer, event
/// name, generated serializer, finish the packet, hand it to the socket) against the same framing with
/// <c>JsonSerializer.Serialize(writer.Json, message, ChatJsonContext.Default.ChatMessage)</c> in place of the
/// generated serializer. Decode: the generated dispatcher (match the event name, bind the argument, call the
/// handler) against the same steps with <c>JsonSerializer.Deserialize(ref reader, ChatJsonContext.Default.ChatMessage)</c>.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TypedCodecBenchmarks
{
    private static readonly JsonEncodedText s_message = SocketIOPacketWriter.EncodeEventName("message");

    private readonly PacketSink _sink = new();
    private readonly MessageHandler _handler = new();
    private ChatMessage _payload = null!;
    private IChatRoom _proxy = null!;
    private EventContext _context;

    [GlobalSetup]
    public void Setup()
    {
        _payload = new ChatMessage(
            "general",
            new ChatAuthor("u-1042", "Ada Lovelace", Moderator: false),
            "Has anyone benchmarked the typed proxies against System.Text.Json yet?",
            new DateTimeOffset(2026, 11, 30, 14, 5, 9, 120, TimeSpan.FromHours(1)),
            ChatMessageKind.Text,
            ["question", "perf"],
            [7, 19, 23],
            48213);
        _proxy = new ChatRoomProxy(_sink);

        // Both encoders must write the same packet, byte for byte.
        byte[] typed = EncodeOnce(EncodeTyped);
        byte[] stj = EncodeOnce(EncodeStj);
        if (!typed.AsSpan().SequenceEqual(stj))
        {
            throw new InvalidOperationException($"The encoders differ:\n typed {Encoding.UTF8.GetString(typed)}\n STJ   {Encoding.UTF8.GetString(stj)}");
        }

        // Decode the packet the encoders wrote: its arguments, after the event name.
        string text = Encoding.UTF8.GetString(typed);
        int arguments = text.IndexOf(',', StringComparison.Ordinal) + 1;
        _context = new EventContext("message"u8.ToArray(), SocketIOArguments.FromJsonArray(Encoding.UTF8.GetBytes("[" + text[arguments..])));

        // Both decoders must read the same message (compared through System.Text.Json's output).
        DecodeTyped();
        ChatMessage typedMessage = _handler.Last!;
        DecodeStj();
        ChatMessage stjMessage = _handler.Last!;
        if (ReferenceEquals(typedMessage, stjMessage)
            || JsonSerializer.Serialize(typedMessage, ChatJsonContext.Default.ChatMessage) != JsonSerializer.Serialize(_payload, ChatJsonContext.Default.ChatMessage)
            || JsonSerializer.Serialize(stjMessage, ChatJsonContext.Default.ChatMessage) != JsonSerializer.Serialize(_payload, ChatJsonContext.Default.ChatMessage))
        {
            throw new InvalidOperationException("The decoders did not read the message that was written.");
        }
    }

    [Benchmark(Baseline = true, Description = "Encode: STJ source-gen (Web) + same packet framing")]
    [BenchmarkCategory("Encode")]
    public int EncodeStj()
    {
        EncodedPacket packet;
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginEvent(s_message);
            JsonSerializer.Serialize(writer.Json, _payload, ChatJsonContext.Default.ChatMessage);
            packet = writer.ToPacket(_sink.NamespaceName);
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }

        _sink.Send(packet);
        return _sink.Length;
    }

    [Benchmark(Description = "Encode: generated proxy (typed emit)")]
    [BenchmarkCategory("Encode")]
    public int EncodeTyped()
    {
        // The generated method completes synchronously (Task.CompletedTask) once the packet is handed over.
        _ = _proxy.Message(_payload);
        return _sink.Length;
    }

    [Benchmark(Baseline = true, Description = "Decode: STJ source-gen (Web), same dispatch steps")]
    [BenchmarkCategory("Decode")]
    public SocketIODispatchStatus DecodeStj()
    {
        // What a dispatcher written by hand over System.Text.Json does: match the name, bind, call.
        if (!_context.EventNameUtf8.Span.SequenceEqual("message"u8))
        {
            return SocketIODispatchStatus.NoHandler;
        }

        Utf8JsonReader reader = _context.Arguments.CreateReader();
        if (!SocketIOJson.NextArgument(ref reader))
        {
            return SocketIODispatchStatus.BindingFailed;
        }

        ChatMessage message = JsonSerializer.Deserialize(ref reader, ChatJsonContext.Default.ChatMessage)!;
        _ = _handler.Message(message);
        return SocketIODispatchStatus.Handled;
    }

    [Benchmark(Description = "Decode: generated dispatcher (typed dispatch)")]
    [BenchmarkCategory("Decode")]
    public SocketIODispatchStatus DecodeTyped() => ChatRoomDispatcher.DispatchAsync(_handler, _context).Result.Status;

    [Benchmark(Description = "Decode: generated reader only (SocketIOTypedJson)")]
    [BenchmarkCategory("Decode")]
    public ChatMessage DecodeTypedReader()
    {
        SocketIOArguments arguments = _context.Arguments;
        Utf8JsonReader reader = arguments.CreateReader();
        SocketIOJson.NextArgument(ref reader);
        return SocketIOTypedJson.Read_SocketIO_DTyped_DBenchmarks_DChatMessage(ref reader, arguments)!;
    }

    private byte[] EncodeOnce(Func<int> encode)
    {
        _sink.Keep = true;
        encode();
        _sink.Keep = false;
        return _sink.Kept!;
    }

    /// <summary>The socket a proxy sends through: takes the packet's length and releases it, as a transport does after writing.</summary>
    private sealed class PacketSink : ISocketIOEmitter
    {
        public string NamespaceName => "/";

        public int Length { get; private set; }

        public bool Keep { get; set; }

        public byte[]? Kept { get; private set; }

        public void Send(EncodedPacket packet)
        {
            Length = packet.Text.Length;
            if (Keep)
            {
                Kept = packet.Text.ToArray();
            }

            packet.Release();
        }

        public long NextAckId() => throw new NotSupportedException();

        public Task<SocketIOArguments> SendWithAckAsync(EncodedPacket packet, long ackId, TimeSpan? timeout, CancellationToken cancellationToken, string? eventName) =>
            throw new NotSupportedException();
    }

    /// <summary>The handler: keeps the last message, so the binding cannot be optimized away.</summary>
    private sealed class MessageHandler : IChatRoom
    {
        public ChatMessage? Last { get; private set; }

        public Task Message(ChatMessage message)
        {
            Last = message;
            return Task.CompletedTask;
        }
    }

    /// <summary>A received event without acknowledgement, as the server's context presents it to a dispatcher.</summary>
    private readonly struct EventContext(ReadOnlyMemory<byte> name, SocketIOArguments arguments) : ISocketIOEventContext
    {
        public ReadOnlyMemory<byte> EventNameUtf8 { get; } = name;

        public string EventName => Encoding.UTF8.GetString(EventNameUtf8.Span);

        public SocketIOArguments Arguments { get; } = arguments;

        public long AckId => -1;

        public bool CanAck => false;

        // Not a member of ISocketIOEventContext in every revision; harmless where it is not.
        public CancellationToken CancellationToken => default;

        public bool SendAck(SocketIOPacketWriter writer) => false;
    }
}
