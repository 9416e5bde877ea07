using Arbor.Ostree.GVariant;

namespace Arbor.Ostree.Tests.GVariant;

/// <summary>Known serializations: the examples of the GVariant specification and vectors made by glib.</summary>
public class GVariantVectorTests
{
    private static GVariantValue I32(int v) => new GVNumber('i', unchecked((uint)v));

    private static GVariantValue Y(byte v) => new GVNumber('y', v);

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);

    public static TheoryData<string, GVariantValue, string> SpecExamples => new()
    {
        // The examples section of the GVariant specification 1.0 (all checked against glib).
        { "s", GVariantValue.Str("hello world"), "68656c6c6f20776f726c6400" },
        { "ms", new GVMaybe(GVariantType.String, GVariantValue.Str("hello world")), "68656c6c6f20776f726c640000" },
        { "ab", new GVArray(GVariantType.Boolean, [GVariantValue.Bool(true), GVariantValue.Bool(false), GVariantValue.Bool(true)]), "010001" },
        { "(si)", GVariantValue.Tuple(GVariantValue.Str("foo"), I32(-1)), "666f6f00ffffffff04" },
        {
            "a(si)",
            new GVArray(GVariantType.Parse("(si)"), [GVariantValue.Tuple(GVariantValue.Str("hi"), I32(-2)), GVariantValue.Tuple(GVariantValue.Str("bye"), I32(-1))]),
            "68690000feffffff0300000062796500ffffffff040915"
        },
        { "as", GVariantValue.StrArray(["i", "can", "has", "strings?"]), "690063616e0068617300737472696e67733f0002060a13" },
        { "((ys)b)", GVariantValue.Tuple(GVariantValue.Tuple(Y(0x70), GVariantValue.Str("x")), GVariantValue.Bool(true)), "7078000103" },
        { "(iy)", GVariantValue.Tuple(I32(96), Y(0x46)), "6000000046000000" },
        { "(yi)", GVariantValue.Tuple(Y(0x46), I32(96)), "4600000060000000" },
        {
            "a(iy)",
            new GVArray(GVariantType.Parse("(iy)"), [GVariantValue.Tuple(I32(96), Y(0x46)), GVariantValue.Tuple(I32(97), Y(0x47))]),
            "60000000460000006100000047000000"
        },
        { "ai", new GVArray(GVariantType.Int32, [I32(4), I32(258)]), "0400000002010000" },
        {
            "a{sv}",
            new GVArray(GVariantType.Parse("{sv}"), [new GVDictEntry(GVariantValue.Str("a key"), GVariantValue.Box(I32(1)))]),
            "61206b6579000000010000000069060f"
        },
        {
            "a{sv}",
            new GVArray(GVariantType.Parse("{sv}"), [
                new GVDictEntry(GVariantValue.Str("a"), GVariantValue.Box(GVariantValue.U32(5))),
                new GVDictEntry(GVariantValue.Str("bb"), GVariantValue.Box(GVariantValue.Str("x"))),
            ]),
            "61000000000000000500000000750200626200000000000078000073030f1d"
        },
        { "v", GVariantValue.Box(GVariantValue.Tuple(GVariantValue.Str("x"))), "780000287329" },
        { "v", GVariantValue.Box(GVariantValue.Box(GVariantValue.U32(5))), "0500000000750076" },
        { "()", GVariantValue.Tuple(), "00" },
        { "a()", new GVArray(GVariantType.Unit, [GVariantValue.Tuple(), GVariantValue.Tuple()]), "0000" },
        { "mi", new GVMaybe(GVariantType.Int32, null), "" },
        { "mi", new GVMaybe(GVariantType.Int32, I32(5)), "05000000" },
        { "mmi", new GVMaybe(GVariantType.Parse("mi"), new GVMaybe(GVariantType.Int32, null)), "00" },
        { "ay", GVariantValue.Bytes("abc\0"u8.ToArray()), "61626300" },
        { "as", GVariantValue.StrArray([]), "" },
        { "(a{sv}ays)", GVariantValue.Tuple(new GVArray(GVariantType.Parse("{sv}"), []), GVariantValue.Bytes(Array.Empty<byte>()), GVariantValue.Str("x")), "78000000" },
    };

    [Theory]
    [MemberData(nameof(SpecExamples))]
    public void Spec_examples_serialize_to_the_documented_bytes(string sig, GVariantValue value, string hex)
    {
        Assert.Equal(sig, value.Type.Signature);
        Assert.Equal(hex, Hex(value.Serialize()));
        var back = new GVariantView(sig, Convert.FromHexString(hex)).ToValue();
        Assert.Equal(value, back);
    }

    public static TheoryData<int> GlibVectorIndexes()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < GlibVectors.All.Length; i++)
            data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(GlibVectorIndexes))]
    public void Glib_vectors_read_and_rewrite_byte_for_byte(int index)
    {
        var (sig, hex, _, _) = GlibVectors.All[index];
        var bytes = Convert.FromHexString(hex);
        var value = new GVariantView(sig, bytes).ToValue();
        Assert.Equal(sig, value.Type.Signature);
        Assert.Equal(hex, Hex(value.Serialize()));
    }

    [Theory]
    [MemberData(nameof(GlibVectorIndexes))]
    public void Glib_vectors_print_like_g_variant_print(int index)
    {
        var (sig, hex, print, printAnnotated) = GlibVectors.All[index];
        var value = new GVariantView(sig, Convert.FromHexString(hex)).ToValue();
        Assert.Equal(print, GVariantText.Print(value, false));
        Assert.Equal(printAnnotated, GVariantText.Print(value, true));
    }

    [Theory]
    [InlineData(252, 1)]
    [InlineData(253, 1)]
    [InlineData(254, 2)]
    [InlineData(300, 2)]
    [InlineData(65_531, 2)]
    [InlineData(65_532, 2)]
    [InlineData(65_533, 4)]
    [InlineData(70_000, 4)]
    public void Array_framing_offsets_grow_from_one_to_two_to_four_bytes(int stringLength, int offsetSize)
    {
        // One string of n bytes plus NUL is a body of n+1 bytes; glib picks the smallest offset
        // width w such that body + w (one offset) fits in w bytes.
        var value = GVariantValue.StrArray([new string('a', stringLength)]);
        var data = value.Serialize();
        Assert.Equal(stringLength + 1 + offsetSize, data.Length);
        ulong offset = 0;
        for (int i = 0; i < offsetSize; i++)
            offset |= (ulong)data[data.Length - offsetSize + i] << (8 * i);
        Assert.Equal((ulong)stringLength + 1, offset);
        Assert.Equal(value, new GVariantView("as", data).ToValue());
    }

    [Fact]
    public void Tuple_with_two_byte_offsets_reads_back()
    {
        var first = new string('b', 253);
        var value = GVariantValue.Tuple(GVariantValue.Str(first), GVariantValue.Str("c"), GVariantValue.U32(7), GVariantValue.Str("d"));
        var data = value.Serialize();
        var view = new GVariantView("(ssus)", data);
        Assert.Equal(first, view[0].GetString());
        Assert.Equal("c", view[1].GetString());
        Assert.Equal(7u, view[2].GetUInt32());
        Assert.Equal("d", view[3].GetString());
        // Two framing offsets (ends of the two non-final strings), two bytes each, in reverse order.
        Assert.Equal(254, data[^2] | (data[^1] << 8));
        Assert.Equal(256, data[^4] | (data[^3] << 8));
    }

    [Fact]
    public void Four_byte_offsets_in_a_large_array_of_dict_entries()
    {
        var entries = new List<GVariantValue>();
        for (int i = 0; i < 3000; i++)
            entries.Add(new GVDictEntry(GVariantValue.Str($"key-{i:D5}-" + new string('z', i % 40)), GVariantValue.Box(GVariantValue.U64((ulong)i * 1000003))));
        var value = new GVArray(GVariantType.Parse("{sv}"), entries);
        var data = value.Serialize();
        Assert.True(data.Length > ushort.MaxValue);
        var view = new GVariantView("a{sv}", data);
        Assert.Equal(3000, view.ChildCount);
        Assert.True(view.TryLookup("key-02999-" + new string('z', 2999 % 40), out var v));
        Assert.Equal(2999UL * 1000003, v.GetVariant().GetUInt64());
        Assert.False(view.TryLookup("nope", out _));
        Assert.Equal(value, view.ToValue());
    }

    [Fact]
    public void View_accessors_read_ostree_style_big_endian_fields()
    {
        // ostree stores uid/gid/mode and timestamps big-endian inside little-endian GVariants.
        var data = new byte[] { 0x00, 0x00, 0x81, 0xa4 };
        var view = new GVariantView("u", data);
        Assert.Equal(0x81a4u, view.GetUInt32BigEndian());
        Assert.Equal(0xa4810000u, view.GetUInt32());
        var t = new GVariantView("t", new byte[] { 0, 0, 0, 0, 0x5e, 0x0b, 0xe1, 0x00 });
        Assert.Equal(1577836800UL, t.GetUInt64BigEndian());
    }

    [Fact]
    public void View_rejects_reading_as_the_wrong_type()
    {
        var view = new GVariantView("u", new byte[4]);
        Assert.Throws<InvalidOperationException>(() => view.GetString());
        Assert.Throws<InvalidOperationException>(() => view.GetUInt64());
        Assert.Throws<InvalidOperationException>(() => view.ChildCount);
        Assert.Throws<InvalidOperationException>(() => new GVariantView("as", new byte[1]).GetBytes());
    }

    [Fact]
    public void Byte_string_helpers()
    {
        var view = new GVariantView("ay", "abc\0"u8.ToArray());
        Assert.Equal("abc"u8.ToArray(), view.GetByteStringSpan().ToArray());
        Assert.Equal("abc", ((GVBytes)view.ToValue()).AsByteString());
        Assert.Equal("ab"u8.ToArray(), new GVariantView("ay", "ab"u8.ToArray()).GetByteStringSpan().ToArray());
    }
}
