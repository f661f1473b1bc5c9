using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace SocketIO.Typed.Adapters.Cluster;

/// <summary>
/// Writes MessagePack as the Node adapters' encoders do (notepack.io and @msgpack/msgpack agree on these forms):
/// the smallest integer form, float64 for any other number, fix/str8/str16/str32 strings, bin8/16/32 binary, and
/// fix/16-bit/32-bit arrays and maps. A small codec of our own rather than a package's: cluster messages need these
/// few forms only, with no resolver, no reflection and no allocation.
/// </summary>
public ref struct SocketIOMsgPackWriter
{
    private readonly IBufferWriter<byte> _output;

    /// <summary>Creates a writer.</summary>
    /// <param name="output">Where the bytes go.</param>
    public SocketIOMsgPackWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Writes nil.</summary>
    public readonly void WriteNil() => WriteByte(0xc0);

    /// <summary>Writes a boolean.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteBoolean(bool value) => WriteByte(value ? (byte)0xc3 : (byte)0xc2);

    /// <summary>Writes an integer in its smallest form.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteInt64(long value)
    {
        if (value >= 0)
        {
            WriteUInt64((ulong)value);
            return;
        }

        Span<byte> span = _output.GetSpan(9);
        int n;
        if (value >= -32)
        {
            span[0] = unchecked((byte)(sbyte)value);
            n = 1;
        }
        else if (value >= sbyte.MinValue)
        {
            span[0] = 0xd0;
            span[1] = unchecked((byte)(sbyte)value);
            n = 2;
        }
        else if (value >= short.MinValue)
        {
            span[0] = 0xd1;
            BinaryPrimitives.WriteInt16BigEndian(span[1..], (short)value);
            n = 3;
        }
        else if (value >= int.MinValue)
        {
            span[0] = 0xd2;
            BinaryPrimitives.WriteInt32BigEndian(span[1..], (int)value);
            n = 5;
        }
        else
        {
            span[0] = 0xd3;
            BinaryPrimitives.WriteInt64BigEndian(span[1..], value);
            n = 9;
        }

        _output.Advance(n);
    }

    /// <summary>Writes a non-negative integer in its smallest form.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteUInt64(ulong value)
    {
        Span<byte> span = _output.GetSpan(9);
        int n;
        if (value <= 0x7f)
        {
            span[0] = (byte)value;
            n = 1;
        }
        else if (value <= byte.MaxValue)
        {
            span[0] = 0xcc;
            span[1] = (byte)value;
            n = 2;
        }
        else if (value <= ushort.MaxValue)
        {
            span[0] = 0xcd;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)value);
            n = 3;
        }
        else if (value <= uint.MaxValue)
        {
            span[0] = 0xce;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)value);
            n = 5;
        }
        else
        {
            span[0] = 0xcf;
            BinaryPrimitives.WriteUInt64BigEndian(span[1..], value);
            n = 9;
        }

        _output.Advance(n);
    }

    /// <summary>
    /// Writes a number as JavaScript's encoders do: an integral value (within 64 bits) in its integer form, anything
    /// else as float64.
    /// </summary>
    /// <param name="value">The value.</param>
    public readonly void WriteNumber(double value)
    {
        if (double.IsFinite(value) && Math.Floor(value) == value && value >= -9.2233720368547758E18 && value < 1.8446744073709552E19)
        {
            if (value >= 0)
            {
                WriteUInt64((ulong)value);
            }
            else
            {
                WriteInt64((long)value);
            }

            return;
        }

        WriteDouble(value);
    }

    /// <summary>Writes a float64.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteDouble(double value)
    {
        Span<byte> span = _output.GetSpan(9);
        span[0] = 0xcb;
        BinaryPrimitives.WriteDoubleBigEndian(span[1..], value);
        _output.Advance(9);
    }

    /// <summary>Writes a string (or nil for null).</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteString(string? value)
    {
        if (value is null)
        {
            WriteNil();
            return;
        }

        int length = Encoding.UTF8.GetByteCount(value);
        WriteStringHeader(length);
        Span<byte> span = _output.GetSpan(length);
        Encoding.UTF8.GetBytes(value, span);
        _output.Advance(length);
    }

    /// <summary>Writes a string given as UTF-8.</summary>
    /// <param name="utf8">The UTF-8 bytes.</param>
    public readonly void WriteString(ReadOnlySpan<byte> utf8)
    {
        WriteStringHeader(utf8.Length);
        WriteRaw(utf8);
    }

    /// <summary>Writes the header of a string of <paramref name="byteLength"/> UTF-8 bytes (the bytes follow).</summary>
    /// <param name="byteLength">The length in bytes.</param>
    public readonly void WriteStringHeader(int byteLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteLength);
        Span<byte> span = _output.GetSpan(5);
        int n;
        if (byteLength < 32)
        {
            span[0] = (byte)(0xa0 | byteLength);
            n = 1;
        }
        else if (byteLength <= byte.MaxValue)
        {
            span[0] = 0xd9;
            span[1] = (byte)byteLength;
            n = 2;
        }
        else if (byteLength <= ushort.MaxValue)
        {
            span[0] = 0xda;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)byteLength);
            n = 3;
        }
        else
        {
            span[0] = 0xdb;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)byteLength);
            n = 5;
        }

        _output.Advance(n);
    }

    /// <summary>Writes binary data (bin8/16/32).</summary>
    /// <param name="data">The bytes.</param>
    public readonly void WriteBinary(ReadOnlySpan<byte> data)
    {
        Span<byte> span = _output.GetSpan(5);
        int n;
        if (data.Length <= byte.MaxValue)
        {
            span[0] = 0xc4;
            span[1] = (byte)data.Length;
            n = 2;
        }
        else if (data.Length <= ushort.MaxValue)
        {
            span[0] = 0xc5;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)data.Length);
            n = 3;
        }
        else
        {
            span[0] = 0xc6;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)data.Length);
            n = 5;
        }

        _output.Advance(n);
        WriteRaw(data);
    }

    /// <summary>Writes the header of an array of <paramref name="count"/> items (the items follow).</summary>
    /// <param name="count">The number of items.</param>
    public readonly void WriteArrayHeader(int count) => WriteContainerHeader(count, 0x90, 0xdc, 0xdd);

    /// <summary>Writes the header of a map of <paramref name="count"/> entries (each key then value follow).</summary>
    /// <param name="count">The number of entries.</param>
    public readonly void WriteMapHeader(int count) => WriteContainerHeader(count, 0x80, 0xde, 0xdf);

    /// <summary>Writes bytes as they are (an already encoded value).</summary>
    /// <param name="bytes">The bytes.</param>
    public readonly void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        Span<byte> span = _output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        _output.Advance(bytes.Length);
    }

    private readonly void WriteContainerHeader(int count, byte fix, byte sixteen, byte thirtyTwo)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Span<byte> span = _output.GetSpan(5);
        int n;
        if (count < 16)
        {
            span[0] = (byte)(fix | count);
            n = 1;
        }
        else if (count <= ushort.MaxValue)
        {
            span[0] = sixteen;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)count);
            n = 3;
        }
        else
        {
            span[0] = thirtyTwo;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)count);
            n = 5;
        }

        _output.Advance(n);
    }

    private readonly void WriteByte(byte value)
    {
        _output.GetSpan(1)[0] = value;
        _output.Advance(1);
    }
}
