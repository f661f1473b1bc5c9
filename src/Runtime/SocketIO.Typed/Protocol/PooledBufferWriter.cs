using System.Buffers;

namespace SocketIO.Typed.Protocol;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over arrays rented from <see cref="ArrayPool{T}.Shared"/>. It keeps its
/// array across <see cref="Reset()"/> calls, so a reused instance writes without allocating.
/// </summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumSize = 256;
    private byte[] _buffer;
    private int _start;
    private int _written;

    /// <summary>Creates a writer with an initial capacity.</summary>
    /// <param name="initialCapacity">Bytes to rent up front.</param>
    public PooledBufferWriter(int initialCapacity = MinimumSize)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, MinimumSize));
    }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(_start, _written - _start);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(_start, _written - _start);

    /// <summary>The number of bytes written so far.</summary>
    public int WrittenCount => _written - _start;

    /// <inheritdoc/>
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _written += count;
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Forgets what was written; keeps the rented array (shrinking it when it grew very large).</summary>
    public void Reset() => Reset(0);

    /// <summary>
    /// Forgets what was written and leaves <paramref name="reservedPrefix"/> bytes free in front of what comes next,
    /// so a header can be put there later without copying the body (see <see cref="DetachBuffer"/>).
    /// </summary>
    /// <param name="reservedPrefix">Bytes to keep free at the start of the buffer.</param>
    public void Reset(int reservedPrefix)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(reservedPrefix);
        if (_buffer.Length > 1024 * 1024 || _buffer.Length < reservedPrefix + MinimumSize)
        {
            // Do not pin a huge array to a cached writer after one large message.
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = ArrayPool<byte>.Shared.Rent(reservedPrefix + MinimumSize);
        }

        _start = reservedPrefix;
        _written = reservedPrefix;
    }

    /// <summary>The free bytes in front of the written bytes (the prefix reserved by <see cref="Reset(int)"/>).</summary>
    internal Span<byte> Prefix => _buffer.AsSpan(0, _start);

    /// <summary>
    /// Gives the rented array (reserved prefix, then the written bytes) to the caller, who returns it to
    /// <see cref="ArrayPool{T}.Shared"/>; this writer rents a new one.
    /// </summary>
    /// <returns>The array.</returns>
    internal byte[] DetachBuffer()
    {
        byte[] buffer = _buffer;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(MinimumSize, Math.Min(buffer.Length, 64 * 1024)));
        _start = 0;
        _written = 0;
        return buffer;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        _start = 0;
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        int newSize = Math.Max(_buffer.Length * 2, _written + sizeHint);
        byte[] next = ArrayPool<byte>.Shared.Rent(newSize);
        _buffer.AsSpan(_start, _written - _start).CopyTo(next.AsSpan(_start));
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = next;
    }
}
