using System.Buffers;
using System.Collections.Concurrent;

namespace SocketIO.Typed.Protocol;

/// <summary>
/// What a session sends as one unit: an optional Engine.IO text packet (type digit included, for example
/// <c>42["tick",1]</c>) followed by zero or more binary messages (Socket.IO attachments). It is encoded once
/// and shared by every recipient of a broadcast; a reference count returns its pooled buffer after the last
/// transport has written it.
/// </summary>
/// <remarks>
/// <para>
/// The ownership rule, everywhere in this library: a method that receives an <see cref="EncodedPacket"/>
/// (<c>Send</c>, <c>SendWithAckAsync</c>, <c>BroadcastAsync</c>, an adapter's broadcast, a transport's queue)
/// <b>takes over the caller's reference</b>. It releases that reference once the packet is written, dropped or
/// refused, and also when it throws. A caller that still needs the packet afterwards (to send it to one more
/// target, or to keep it) calls <see cref="AddRef"/> first.
/// </para>
/// <para>A packet fresh from a factory or from <c>SocketIOPacketWriter.ToPacket</c> holds one reference.</para>
/// </remarks>
public sealed class EncodedPacket
{
    private static readonly ConcurrentQueue<EncodedPacket> s_pool = new();
    private const int MaxPooled = 1024;
    private static int s_pooledCount;

    private byte[] _buffer = [];
    private int _offset;
    private int _length;
    private ReadOnlyMemory<byte>[] _attachments = [];
    private int _attachmentCount;
    private int _refCount;
    private readonly bool _static;

    private EncodedPacket(bool isStatic)
    {
        _static = isStatic;
    }

    /// <summary>The Engine.IO <c>ping</c> packet (<c>2</c>).</summary>
    public static EncodedPacket Ping { get; } = CreateStatic("2"u8);

    /// <summary>The Engine.IO <c>pong</c> packet (<c>3</c>), the client's answer to a ping.</summary>
    public static EncodedPacket Pong { get; } = CreateStatic("3"u8);

    /// <summary>The Engine.IO <c>pong</c> packet answering an upgrade probe (<c>3probe</c>).</summary>
    public static EncodedPacket PongProbe { get; } = CreateStatic("3probe"u8);

    /// <summary>The Engine.IO <c>noop</c> packet (<c>6</c>).</summary>
    public static EncodedPacket Noop { get; } = CreateStatic("6"u8);

    /// <summary>The Engine.IO <c>close</c> packet (<c>1</c>).</summary>
    public static EncodedPacket Close { get; } = CreateStatic("1"u8);

    /// <summary>The Engine.IO text packet (type digit included); empty when the packet is binary messages only.</summary>
    public ReadOnlyMemory<byte> Text => _buffer.AsMemory(_offset, _length);

    /// <summary>The number of binary messages that follow <see cref="Text"/>.</summary>
    public int AttachmentCount => _attachmentCount;

    /// <summary>Whether the transport may compress this packet (WebSocket permessage-deflate).</summary>
    public bool Compress { get; private set; } = true;

    /// <summary>The binary message at <paramref name="index"/>.</summary>
    /// <param name="index">0-based index, less than <see cref="AttachmentCount"/>.</param>
    /// <returns>The bytes of the binary message.</returns>
    public ReadOnlyMemory<byte> GetAttachment(int index)
    {
        if ((uint)index >= (uint)_attachmentCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        return _attachments[index];
    }

    /// <summary>Creates a packet whose text is <paramref name="type"/> followed by <paramref name="data"/>.</summary>
    /// <param name="type">The Engine.IO packet type.</param>
    /// <param name="data">The UTF-8 payload after the type digit.</param>
    /// <returns>A packet holding one reference, which the caller must <see cref="Release"/>.</returns>
    public static EncodedPacket CreateText(EngineIOPacketType type, ReadOnlySpan<byte> data)
    {
        EncodedPacket packet = Rent(data.Length + 1);
        packet._buffer[0] = (byte)('0' + (byte)type);
        data.CopyTo(packet._buffer.AsSpan(1));
        packet._length = data.Length + 1;
        return packet;
    }

    /// <summary>Creates a packet of one binary Engine.IO message.</summary>
    /// <param name="data">The message; it must not change until the packet is released.</param>
    /// <returns>A packet holding one reference, which the caller must <see cref="Release"/>.</returns>
    public static EncodedPacket CreateBinary(ReadOnlyMemory<byte> data)
    {
        EncodedPacket packet = Rent(0);
        packet.AddAttachment(data);
        return packet;
    }

    /// <summary>
    /// Creates a packet from a header and a body: the text is <c>header + body</c>. Used by the Socket.IO
    /// packet writer, which knows the header (attachment count, namespace, ack id) only after the body.
    /// </summary>
    internal static EncodedPacket Create(ReadOnlySpan<byte> header, ReadOnlySpan<byte> body)
    {
        EncodedPacket packet = Rent(header.Length + body.Length);
        header.CopyTo(packet._buffer);
        body.CopyTo(packet._buffer.AsSpan(header.Length));
        packet._length = header.Length + body.Length;
        return packet;
    }

    /// <summary>
    /// Creates a packet that adopts a buffer rented from <see cref="ArrayPool{T}.Shared"/> (the packet writer hands over
    /// its body buffer with the header written in front of the body, so the text is not copied again).
    /// </summary>
    internal static EncodedPacket Adopt(byte[] pooledBuffer, int offset, int length)
    {
        EncodedPacket packet = Rent(0);
        packet._buffer = pooledBuffer;
        packet._offset = offset;
        packet._length = length;
        return packet;
    }

    internal void AddAttachment(ReadOnlyMemory<byte> data)
    {
        if (_attachmentCount == _attachments.Length)
        {
            Array.Resize(ref _attachments, Math.Max(4, _attachments.Length * 2));
        }

        _attachments[_attachmentCount++] = data;
    }

    /// <summary>Sets whether the packet may be compressed (a broadcast's <c>compress(false)</c>, also from another server of a cluster).</summary>
    /// <param name="compress">Whether to compress.</param>
    public void SetCompress(bool compress) => Compress = compress;

    /// <summary>Takes one more reference, for one more queue that will send this packet.</summary>
    public void AddRef()
    {
        if (!_static)
        {
            Interlocked.Increment(ref _refCount);
        }
    }

    /// <summary>Gives back one reference; the last one returns the buffer to the pool.</summary>
    public void Release()
    {
        if (_static)
        {
            return;
        }

        int remaining = Interlocked.Decrement(ref _refCount);
        if (remaining > 0)
        {
            return;
        }

        if (remaining < 0)
        {
            throw new InvalidOperationException("EncodedPacket released more often than referenced.");
        }

        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = [];
        _offset = 0;
        _length = 0;
        Array.Clear(_attachments, 0, _attachmentCount);
        _attachmentCount = 0;
        Compress = true;
        if (Interlocked.Increment(ref s_pooledCount) <= MaxPooled)
        {
            s_pool.Enqueue(this);
        }
        else
        {
            Interlocked.Decrement(ref s_pooledCount);
        }
    }

    /// <summary>How many released packets wait in the pool to be reused (for tests).</summary>
    internal static int PooledCount => Volatile.Read(ref s_pooledCount);

    private static EncodedPacket Rent(int size)
    {
        if (s_pool.TryDequeue(out EncodedPacket? packet))
        {
            Interlocked.Decrement(ref s_pooledCount);
        }
        else
        {
            packet = new EncodedPacket(isStatic: false);
        }

        packet._refCount = 1;
        packet._buffer = size == 0 ? [] : ArrayPool<byte>.Shared.Rent(size);
        return packet;
    }

    private static EncodedPacket CreateStatic(ReadOnlySpan<byte> text)
    {
        var packet = new EncodedPacket(isStatic: true) { _buffer = text.ToArray(), _length = text.Length };
        return packet;
    }
}
