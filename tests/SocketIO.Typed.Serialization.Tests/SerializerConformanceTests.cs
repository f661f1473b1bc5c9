using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using SocketIO.Typed.Generated;
using SocketIO.Typed.Protocol;

namespace SocketIO.Typed.Serialization.Tests;

/// <summary>
/// For random values, the generated writer's output is byte for byte what <c>JsonSerializer</c> with
/// <c>JsonSerializerDefaults.Web</c> writes (with the packet writer's escaping), and the generated reader reads back
/// what <c>JsonSerializer</c> writes.
/// </summary>
public sealed class SerializerConformanceTests
{
    private static readonly JsonSerializerOptions s_web = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private delegate void Writer<in T>(SocketIOPacketWriter writer, T value);

    private delegate T Reader<out T>(ref Utf8JsonReader reader, in SocketIOArguments arguments);

    private static string Write<T>(Writer<T> write, T value)
    {
        SocketIOPacketWriter writer = SocketIOPacketWriter.Rent();
        try
        {
            writer.BeginAck();
            write(writer, value);
            EncodedPacket packet = writer.ToPacket("/", 0);
            try
            {
                string text = Encoding.UTF8.GetString(packet.Text.Span);
                int start = text.IndexOf('[', StringComparison.Ordinal);
                return text[(start + 1)..^1];
            }
            finally
            {
                packet.Release();
            }
        }
        finally
        {
            SocketIOPacketWriter.Return(writer);
        }
    }

    private static T Read<T>(Reader<T> read, string json)
    {
        SocketIOArguments arguments = SocketIOArguments.FromJsonArray(Encoding.UTF8.GetBytes("[" + json + "]"));
        Utf8JsonReader reader = arguments.CreateReader();
        Assert.True(reader.Read());
        return read(ref reader, arguments);
    }

    private static void Conforms<T>(Func<Random, T> create, Writer<T> write, Reader<T> read) =>
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            T value = create(new Random(seed));
            string expected = JsonSerializer.Serialize(value, s_web);
            string actual = Write(write, value);
            Assert.Equal(expected, actual);
            T back = Read(read, expected);
            Assert.Equal(expected, JsonSerializer.Serialize(back, s_web));
            return true;
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Records_with_every_member_kind_write_and_read_as_system_text_json_does() =>
        Conforms(static r => RandomEverything(r, depth: 0), SocketIOTypedJson.Write_SocketIO_DTyped_DSerialization_DTests_DEverything, SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DEverything);

    [Fact]
    public void Classes_with_setters_and_acronym_names_write_and_read_as_system_text_json_does() =>
        Conforms(
            static r => new Mutable { URLValue = RandomString(r), IOStream = r.Next(), Items = [.. Enumerable.Range(0, r.Next(4)).Select(_ => RandomString(r))] },
            SocketIOTypedJson.Write_SocketIO_DTyped_DSerialization_DTests_DMutable,
            SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DMutable);

    [Fact]
    public void Structs_and_closed_generic_types_write_and_read_as_system_text_json_does()
    {
        Conforms(static r => new Point { X = r.Next(int.MinValue, int.MaxValue), Y = r.Next() }, SocketIOTypedJson.Write_SocketIO_DTyped_DSerialization_DTests_DPoint, SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DPoint);
        Conforms(
            static r => new Generic<int?>(r.Next(2) == 0 ? null : r.Next(), [.. Enumerable.Range(0, r.Next(4)).Select(i => i % 2 == 0 ? (int?)null : r.Next())]),
            SocketIOTypedJson.Write_SocketIO_DTyped_DSerialization_DTests_DGeneric_Lint_N_G,
            SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DGeneric_Lint_N_G);
    }

    [Fact]
    public void Flags_enums_write_and_read_their_combinations_as_system_text_json_does()
    {
        // 0..31: single flags, combinations ("Read, Write"), a named combination (All), and values no flags make (8, 24).
        Conforms(
            static r => new Permissions((Access)r.Next(0, 32), [.. Enumerable.Range(0, r.Next(4)).Select(_ => (Access)r.Next(0, 32))], (Plain)r.Next(0, 7)),
            SocketIOTypedJson.Write_SocketIO_DTyped_DSerialization_DTests_DPermissions,
            SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DPermissions);
        Assert.Equal(Access.Read | Access.Audit, Read(SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DAccess, "\"audit, READ\""));
        Assert.Throws<SocketIOBindingException>(() => Read(SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DAccess, "\"Read, Fly\""));
    }

    [Theory]
    [InlineData("""{"name":"x","level":5}""")]
    [InlineData("""{"name":"x","note":"n"}""")]
    [InlineData("""{"name":"x"}""")]
    [InlineData("""{"level":1,"note":"n","name":"x"}""")]
    public void Init_only_members_missing_from_the_json_keep_their_initializers_as_system_text_json_leaves_them(string json)
    {
        Defaults? expected = JsonSerializer.Deserialize<Defaults>(json, s_web);
        Defaults? actual = Read(SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DDefaults, json);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Reading_accepts_what_web_defaults_accept_names_in_any_case_and_numbers_in_strings()
    {
        Mutable? read = Read(SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DMutable, """{"urlvalue":"u","IOSTREAM":"42","unknown":{"a":[1,2]},"items":["x"]}""");
        Assert.NotNull(read);
        Assert.Equal("u", read.URLValue);
        Assert.Equal(42, read.IOStream);
        Assert.Equal(["x"], read.Items);
        Named named = Read(SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DNamed, "\"THE-THIRD\"");
        Assert.Equal(Named.Third, named);
    }

    [Fact]
    public void Values_of_the_wrong_kind_are_binding_failures()
    {
        Assert.Throws<SocketIOBindingException>(() => Read(SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DMutable, "[1]"));
        Assert.Throws<SocketIOBindingException>(() => Read(SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DPoint, "null"));
        Assert.Throws<SocketIOBindingException>(() => Read(SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DMutable, """{"ioStream":"many"}"""));
        Assert.Throws<SocketIOBindingException>(() => Read(SocketIOTypedJson.Read_SocketIO_DTyped_DSerialization_DTests_DNamed, "\"Fourth\""));
    }

    private static Everything RandomEverything(Random r, int depth)
    {
        Leaf leaf() => new(RandomString(r), r.Next(int.MinValue, int.MaxValue));
        return new Everything(
            RandomString(r),
            r.Next(3) == 0 ? null : RandomString(r),
            r.Next(2) == 0,
            r.Next(int.MinValue, int.MaxValue),
            r.NextInt64(long.MinValue, long.MaxValue),
            (short)r.Next(short.MinValue, short.MaxValue),
            (byte)r.Next(256),
            (uint)r.NextInt64(0, uint.MaxValue),
            (ulong)r.NextInt64(0, long.MaxValue) * 2,
            RandomDouble(r),
            r.Next(2) == 0 ? (float)(r.NextDouble() * 2e6 - 1e6) : BitConverter.Int32BitsToSingle(r.Next()) is var f && float.IsFinite(f) ? f : 0.25f,
            new decimal(r.Next(), r.Next(), r.Next(), r.Next(2) == 0, (byte)r.Next(29)),
            (char)r.Next(32, 0xD7FF),
            new Guid(RandomBytes(r, 16)),
            new DateTime(r.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), (DateTimeKind)r.Next(3)),
            new DateTimeOffset(r.NextInt64(DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay), TimeSpan.FromMinutes(r.Next(-14 * 60, 14 * 60))),
            TimeSpan.FromTicks(r.NextInt64(TimeSpan.MinValue.Ticks / 2, TimeSpan.MaxValue.Ticks / 2)),
            r.Next(3) == 0 ? null : new Uri(r.Next(2) == 0 ? "https://example.org/a?b=" + r.Next() : "relative/" + r.Next(), UriKind.RelativeOrAbsolute),
            (Plain)r.Next(0, 7),
            (Named)r.Next(0, 3),
            r.Next(2) == 0 ? null : r.Next(),
            r.Next(2) == 0 ? null : (Plain)r.Next(0, 2),
            [.. Enumerable.Range(0, r.Next(4)).Select(_ => RandomString(r))],
            [.. Enumerable.Range(0, r.Next(3)).Select(_ => leaf())],
            [.. Enumerable.Range(0, r.Next(3)).Select(_ => leaf())],
            Enumerable.Range(0, r.Next(4)).ToDictionary(i => "k" + i.ToString(CultureInfo.InvariantCulture) + RandomString(r), _ => r.Next()),
            Enumerable.Range(0, r.Next(3)).ToDictionary(i => "m" + i.ToString(CultureInfo.InvariantCulture), _ => r.Next(3) == 0 ? null : leaf()),
            [.. Enumerable.Range(0, r.Next(4)).Select(_ => r.Next(10))],
            r.Next(2) == 0 ? null : leaf(),
            r.Next(),
            (Plain)r.Next(0, 2),
            depth < 2 && r.Next(3) == 0 ? RandomEverything(r, depth + 1) : null)
        {
            OnlyWhenSet = r.Next(2) == 0 ? null : RandomString(r),
            Settable = r.Next(),
            InitOnly = RandomString(r),
        };
    }

    private static double RandomDouble(Random r) => r.Next(5) switch
    {
        0 => r.NextDouble(),
        1 => r.Next(-1000, 1000),
        2 => BitConverter.Int64BitsToDouble(r.NextInt64()) is var d && double.IsFinite(d) ? d : 0.5,
        3 => 1e-300 * r.NextDouble(),
        _ => -r.NextDouble() * 1e15,
    };

    private static byte[] RandomBytes(Random r, int count)
    {
        byte[] bytes = new byte[count];
        r.NextBytes(bytes);
        return bytes;
    }

    // Quotes, backslashes, control characters, non-ASCII, HTML-sensitive characters and surrogate pairs.
    private static string RandomString(Random r)
    {
        const string pool = "ab\"\\\n\t\u0001\u001f<>&'+`é中\u2028";
        var builder = new StringBuilder();
        int length = r.Next(8);
        for (int i = 0; i < length; i++)
        {
            builder.Append(r.Next(6) == 0 ? "😀" : pool[r.Next(pool.Length)].ToString());
        }

        return builder.ToString();
    }
}
