using System.Buffers.Binary;
using System.Text;

namespace SocketIO.Typed.Adapters.Cluster;

/// <summary>The kind of the next MessagePack value.</summary>
public enum SocketIOMsgPackType
{
    /// <summary>nil.</summary>
    Nil,

    /// <summary>true or false.</summary>
    Boolean,

    /// <summary>A signed or unsigned integer.</summary>
    Integer,

    /// <summary>float32 or float64.</summary>
    Float,

    /// <summary>A UTF-8 string.</summary>
    String,

    /// <summary>Binary data.</summary>
    Binary,

    /// <summary>An array.</summary>
    Array,

    /// <summary>A map.</summary>
    Map,

    /// <summary>An extension (a JavaScript Date is the timestamp extension, type -1).</summary>
    Extension,
}

/// <summary>
/// Reads MessagePack from a buffer: every format of the specification, with bounds checked (a truncated or malformed
/// message throws <see cref="FormatException"/>, never reads outside the buffer) and nesting limited.
/// </summary>
public ref struct SocketIOMsgPackReader
{
    /// <summary>How deep <see cref="Skip()"/> and the transcoders follow nested arrays and maps.</summary>
    public const int MaxDepth = 64;

    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    /// <summary>Creates a reader.</summary>
    /// <param name="buffer">The MessagePack bytes.</param>
    public SocketIOMsgPackReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Where the next value starts.</summary>
    public readonly int Position => _position;

    /// <summary>Whether every byte was read.</summary>
    public readonly bool End => _position >= _buffer.Length;

    /// <summary>The kind of the next value.</summary>
    public readonly SocketIOMsgPackType NextType
    {
        get
        {
            byte b = Peek();
            return b switch
            {
                <= 0x7f or >= 0xe0 => SocketIOMsgPackType.Integer,
                >= 0x80 and <= 0x8f => SocketIOMsgPackType.Map,
                >= 0x90 and <= 0x9f => SocketIOMsgPackType.Array,
                >= 0xa0 and <= 0xbf => SocketIOMsgPackType.String,
                0xc0 => SocketIOMsgPackType.Nil,
                0xc2 or 0xc3 => SocketIOMsgPackType.Boolean,
                0xc4 or 0xc5 or 0xc6 => SocketIOMsgPackType.Binary,
                0xc7 or 0xc8 or 0xc9 or 0xd4 or 0xd5 or 0xd6 or 0xd7 or 0xd8 => SocketIOMsgPackType.Extension,
                0xca or 0xcb => SocketIOMsgPackType.Float,
                >= 0xcc and <= 0xd3 => SocketIOMsgPackType.Integer,
                0xd9 or 0xda or 0xdb => SocketIOMsgPackType.String,
                0xdc or 0xdd => SocketIOMsgPackType.Array,
                0xde or 0xdf => SocketIOMsgPackType.Map,
                _ => throw Malformed($"the byte 0x{b:x2} starts no value"),
            };
        }
    }

    /// <summary>Reads nil if it comes next.</summary>
    /// <returns>Whether it was nil.</returns>
    public bool TryReadNil()
    {
        if (Peek() == 0xc0)
        {
            _position++;
            return true;
        }

        return false;
    }

    /// <summary>Reads a boolean.</summary>
    /// <returns>The value.</returns>
    public bool ReadBoolean() => Take() switch
    {
        0xc2 => false,
        0xc3 => true,
        byte b => throw Malformed($"expected a boolean, found 0x{b:x2}"),
    };

    /// <summary>Reads an integer that fits in 64 signed bits.</summary>
    /// <returns>The value.</returns>
    public long ReadInt64()
    {
        byte b = Take();
        switch (b)
        {
            case <= 0x7f:
                return b;
            case >= 0xe0:
                return unchecked((sbyte)b);
            case 0xcc:
                return Bytes(1)[0];
            case 0xcd:
                return BinaryPrimitives.ReadUInt16BigEndian(Bytes(2));
            case 0xce:
                return BinaryPrimitives.ReadUInt32BigEndian(Bytes(4));
            case 0xcf:
                ulong u = BinaryPrimitives.ReadUInt64BigEndian(Bytes(8));
                return u <= long.MaxValue ? (long)u : throw Malformed("an unsigned integer beyond 64 signed bits");
            case 0xd0:
                return unchecked((sbyte)Bytes(1)[0]);
            case 0xd1:
                return BinaryPrimitives.ReadInt16BigEndian(Bytes(2));
            case 0xd2:
                return BinaryPrimitives.ReadInt32BigEndian(Bytes(4));
            case 0xd3:
                return BinaryPrimitives.ReadInt64BigEndian(Bytes(8));
            default:
                throw Malformed($"expected an integer, found 0x{b:x2}");
        }
    }

    /// <summary>Reads a number: an integer (uint64 included) or a float.</summary>
    /// <returns>The value.</returns>
    public double ReadDouble()
    {
        byte b = Peek();
        switch (b)
        {
            case 0xca:
                _position++;
                return BinaryPrimitives.ReadSingleBigEndian(Bytes(4));
            case 0xcb:
                _position++;
                return BinaryPrimitives.ReadDoubleBigEndian(Bytes(8));
            case 0xcf:
                _position++;
                return BinaryPrimitives.ReadUInt64BigEndian(Bytes(8));
            default:
                return ReadInt64();
        }
    }

    /// <summary>Reads a string, or null for nil.</summary>
    /// <returns>The value.</returns>
    public string? ReadString()
    {
        if (TryReadNil())
        {
            return null;
        }

        return Encoding.UTF8.GetString(ReadStringSpan());
    }

    /// <summary>Reads a string's UTF-8 bytes.</summary>
    /// <returns>The bytes, a slice of the buffer.</returns>
    public ReadOnlySpan<byte> ReadStringSpan()
    {
        byte b = Take();
        int length = b switch
        {
            >= 0xa0 and <= 0xbf => b & 0x1f,
            0xd9 => Bytes(1)[0],
            0xda => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2)),
            0xdb => Length(BinaryPrimitives.ReadUInt32BigEndian(Bytes(4))),
            _ => throw Malformed($"expected a string, found 0x{b:x2}"),
        };
        return Bytes(length);
    }

    /// <summary>Reads binary data.</summary>
    /// <returns>The bytes, a slice of the buffer.</returns>
    public ReadOnlySpan<byte> ReadBinary()
    {
        byte b = Take();
        int length = b switch
        {
            0xc4 => Bytes(1)[0],
            0xc5 => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2)),
            0xc6 => Length(BinaryPrimitives.ReadUInt32BigEndian(Bytes(4))),
            _ => throw Malformed($"expected binary data, found 0x{b:x2}"),
        };
        return Bytes(length);
    }

    /// <summary>Reads an array header.</summary>
    /// <returns>The number of items that follow.</returns>
    public int ReadArrayHeader()
    {
        byte b = Take();
        int count = b switch
        {
            >= 0x90 and <= 0x9f => b & 0x0f,
            0xdc => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2)),
            0xdd => Length(BinaryPrimitives.ReadUInt32BigEndian(Bytes(4))),
            _ => throw Malformed($"expected an array, found 0x{b:x2}"),
        };

        // Every item takes at least a byte: a count beyond what is left is a lie, refused before anyone allocates for it.
        return count <= _buffer.Length - _position ? count : throw Malformed($"an array of {count} items in {_buffer.Length - _position} bytes");
    }

    /// <summary>Reads a map header.</summary>
    /// <returns>The number of entries (key and value each) that follow.</returns>
    public int ReadMapHeader()
    {
        byte b = Take();
        int count = b switch
        {
            >= 0x80 and <= 0x8f => b & 0x0f,
            0xde => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2)),
            0xdf => Length(BinaryPrimitives.ReadUInt32BigEndian(Bytes(4))),
            _ => throw Malformed($"expected a map, found 0x{b:x2}"),
        };
        return count <= (_buffer.Length - _position) / 2 ? count : throw Malformed($"a map of {count} entries in {_buffer.Length - _position} bytes");
    }

    /// <summary>Reads an extension value.</summary>
    /// <param name="type">The extension type (-1: timestamp).</param>
    /// <returns>Its data, a slice of the buffer.</returns>
    public ReadOnlySpan<byte> ReadExtension(out sbyte type)
    {
        byte b = Take();
        int length = b switch
        {
            0xd4 => 1,
            0xd5 => 2,
            0xd6 => 4,
            0xd7 => 8,
            0xd8 => 16,
            0xc7 => Bytes(1)[0],
            0xc8 => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2)),
            0xc9 => Length(BinaryPrimitives.ReadUInt32BigEndian(Bytes(4))),
            _ => throw Malformed($"expected an extension, found 0x{b:x2}"),
        };
        type = unchecked((sbyte)Bytes(1)[0]);
        return Bytes(length);
    }

    /// <summary>Reads a timestamp extension (a JavaScript Date).</summary>
    /// <param name="data">The extension's data (type -1).</param>
    /// <returns>The time.</returns>
    public static DateTimeOffset ReadTimestamp(ReadOnlySpan<byte> data)
    {
        long seconds;
        long nanoseconds;
        switch (data.Length)
        {
            case 4:
                seconds = BinaryPrimitives.ReadUInt32BigEndian(data);
                nanoseconds = 0;
                break;
            case 8:
                ulong value = BinaryPrimitives.ReadUInt64BigEndian(data);
                nanoseconds = (long)(value >> 34);
                seconds = (long)(value & 0x3_ffff_ffffUL);
                break;
            case 12:
                nanoseconds = BinaryPrimitives.ReadUInt32BigEndian(data);
                seconds = BinaryPrimitives.ReadInt64BigEndian(data[4..]);
                break;
            default:
                throw Malformed($"a timestamp of {data.Length} bytes");
        }

        try
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / 100);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new FormatException("Malformed MessagePack: a timestamp out of range.", e);
        }
    }

    /// <summary>Skips the next value, nested ones included.</summary>
    public void Skip() => SkipNested(0);

    /// <summary>Skips the next value, nested ones included, and tells whether it holds binary anywhere (Node's <c>hasBinary</c>).</summary>
    /// <returns>Whether a <c>bin</c> value was skipped.</returns>
    public bool SkipFindingBinary() => SkipNested(0);

    private bool SkipNested(int depth)
    {
        if (depth > MaxDepth)
        {
            throw Malformed($"nested deeper than {MaxDepth}");
        }

        bool binary = false;
        switch (NextType)
        {
            case SocketIOMsgPackType.Nil:
            case SocketIOMsgPackType.Boolean:
                _position++;
                break;
            case SocketIOMsgPackType.Integer:
                ReadInt64OrUInt64();
                break;
            case SocketIOMsgPackType.Float:
                ReadDouble();
                break;
            case SocketIOMsgPackType.String:
                ReadStringSpan();
                break;
            case SocketIOMsgPackType.Binary:
                ReadBinary();
                binary = true;
                break;
            case SocketIOMsgPackType.Extension:
                ReadExtension(out _);
                break;
            case SocketIOMsgPackType.Array:
                for (int i = ReadArrayHeader(); i > 0; i--)
                {
                    binary |= SkipNested(depth + 1);
                }

                break;
            default:
                for (int i = ReadMapHeader(); i > 0; i--)
                {
                    binary |= SkipNested(depth + 1);
                    binary |= SkipNested(depth + 1);
                }

                break;
        }

        return binary;
    }

    private void ReadInt64OrUInt64()
    {
        if (Peek() == 0xcf)
        {
            _position++;
            Bytes(8);
        }
        else
        {
            ReadInt64();
        }
    }

    private readonly byte Peek() => _position < _buffer.Length ? _buffer[_position] : throw Malformed("it ends too early");

    private byte Take()
    {
        byte b = Peek();
        _position++;
        return b;
    }

    private ReadOnlySpan<byte> Bytes(int count)
    {
        if (count < 0 || count > _buffer.Length - _position)
        {
            throw Malformed("it ends too early");
        }

        ReadOnlySpan<byte> bytes = _buffer.Slice(_position, count);
        _position += count;
        return bytes;
    }

    private static int Length(uint length) => length <= int.MaxValue ? (int)length : throw Malformed("a length beyond 2 GB");

    private static FormatException Malformed(string what) => new("Malformed MessagePack: " + what + ".");
}
