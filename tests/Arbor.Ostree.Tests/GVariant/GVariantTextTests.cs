using Arbor.Ostree.GVariant;

namespace Arbor.Ostree.Tests.GVariant;

/// <summary>GVariantText.Print against g_variant_print (glib 2.74) output.</summary>
public class GVariantTextTests
{
    private static GVariantValue I32(int v) => new GVNumber('i', unchecked((uint)v));

    private static GVariantValue D(double d) => GVNumber.FromDouble(d);

    private static GVariantValue Bytes(string hex) => GVariantValue.Bytes(Convert.FromHexString(hex));

    private static GVariantValue Dict(params (string Key, GVariantValue Value)[] entries) =>
        new GVArray(GVariantType.Parse("{sv}"), [.. entries.Select(e => (GVariantValue)new GVDictEntry(GVariantValue.Str(e.Key), GVariantValue.Box(e.Value)))]);

    public static TheoryData<GVariantValue, string, string> Cases => new()
    {
        { GVariantValue.Str("hello"), "'hello'", "'hello'" },
        { GVariantValue.Box(GVariantValue.Str("x")), "<'x'>", "<'x'>" },
        { new GVArray(GVariantType.Int32, [I32(1), I32(2)]), "[1, 2]", "[1, 2]" },
        { GVariantValue.StrArray([]), "[]", "@as []" },
        { Dict(("a", GVariantValue.U32(5))), "{'a': <uint32 5>}", "{'a': <uint32 5>}" },
        { Dict(), "{}", "@a{sv} {}" },
        { GVariantValue.Tuple(I32(1)), "(1,)", "(1,)" },
        { GVariantValue.Tuple(), "()", "()" },
        { Bytes("61626300"), "b'abc'", "b'abc'" },
        { Bytes(""), "[]", "@ay []" },
        { Bytes("0102"), "[0x01, 0x02]", "[byte 0x01, 0x02]" },
        { Bytes("61006200"), "[0x61, 0x00, 0x62, 0x00]", "[byte 0x61, 0x00, 0x62, 0x00]" },
        // Byte strings are escaped as g_strescape does: C escapes and octal for the rest.
        { Bytes("07080c0a0d090b5c00"), "b'\\007\\b\\f\\n\\r\\t\\v\\\\'", "b'\\007\\b\\f\\n\\r\\t\\v\\\\'" },
        { Bytes("c3bc017f00"), "b'\\303\\274\\001\\177'", "b'\\303\\274\\001\\177'" },
        { Bytes("71227800"), "b'q\\\"x'", "b'q\\\"x'" },
        { Bytes("697427732022712200"), "b\"it's \\\"q\\\"\"", "b\"it's \\\"q\\\"\"" },
        // Strings: double quotes whenever there is a single quote; non-printable characters escaped.
        { GVariantValue.Str("it's"), "\"it's\"", "\"it's\"" },
        { GVariantValue.Str("it's \"q\""), "\"it's \\\"q\\\"\"", "\"it's \\\"q\\\"\"" },
        { GVariantValue.Str("say \"hi\""), "'say \"hi\"'", "'say \"hi\"'" },
        { GVariantValue.Str("\a\b\f\n\r\t\v"), "'\\a\\b\\f\\n\\r\\t\\v'", "'\\a\\b\\f\\n\\r\\t\\v'" },
        { GVariantValue.Str("\u0001x"), "'\\u0001x'", "'\\u0001x'" },
        { GVariantValue.Str("\u007f"), "'\\u007f'", "'\\u007f'" },
        { GVariantValue.Str("\u0080"), "'\\u0080'", "'\\u0080'" },
        { GVariantValue.Str("\u200b"), "'\\u200b'", "'\\u200b'" },
        { GVariantValue.Str("a\u00a0b"), "'a\u00a0b'", "'a\u00a0b'" },
        { GVariantValue.Str("\U0001F600 ünïcødé-名前"), "'\U0001F600 ünïcødé-名前'", "'\U0001F600 ünïcødé-名前'" },
        { GVariantValue.Str("\U000E0001"), "'\\U000e0001'", "'\\U000e0001'" },
        { GVariantValue.Str("back\\slash"), "'back\\\\slash'", "'back\\\\slash'" },
        // Numbers and their annotations.
        { GVariantValue.Bool(true), "true", "true" },
        { new GVNumber('y', 5), "0x05", "byte 0x05" },
        { new GVNumber('n', 0xfffe), "-2", "int16 -2" },
        { new GVNumber('q', 65535), "65535", "uint16 65535" },
        { I32(-7), "-7", "-7" },
        { GVariantValue.U32(5), "5", "uint32 5" },
        { new GVNumber('x', unchecked((ulong)-9000000000L)), "-9000000000", "int64 -9000000000" },
        { GVariantValue.U64(ulong.MaxValue), "18446744073709551615", "uint64 18446744073709551615" },
        { new GVNumber('h', 3), "3", "handle 3" },
        { new GVString("/org/gnome", 'o'), "'/org/gnome'", "objectpath '/org/gnome'" },
        { new GVString("a{sv}", 'g'), "'a{sv}'", "signature 'a{sv}'" },
        // Doubles print as %.17g, with ".0" added when there is no '.', 'e' or 'n'.
        { D(3.0), "3.0", "3.0" },
        { D(-2.5), "-2.5", "-2.5" },
        { D(0.1), "0.10000000000000001", "0.10000000000000001" },
        { D(123.456), "123.456", "123.456" },
        { D(1e16), "10000000000000000.0", "10000000000000000.0" },
        { D(1e17), "1e+17", "1e+17" },
        { D(1e20), "1e+20", "1e+20" },
        { D(1e-5), "1.0000000000000001e-05", "1.0000000000000001e-05" },
        { D(1.7976931348623157e308), "1.7976931348623157e+308", "1.7976931348623157e+308" },
        { D(-0.0), "-0.0", "-0.0" },
        { D(double.PositiveInfinity), "inf", "inf" },
        { D(double.NegativeInfinity), "-inf", "-inf" },
        { D(BitConverter.Int64BitsToDouble(0x7ff8_0000_0000_0000)), "nan", "nan" },
        { D(BitConverter.Int64BitsToDouble(unchecked((long)0xfff8_0000_0000_0000))), "-nan", "-nan" },
        // Maybes: the annotation goes on the maybe itself, "just" only where the child would read as nothing.
        { new GVMaybe(GVariantType.String, null), "nothing", "@ms nothing" },
        { new GVMaybe(GVariantType.String, GVariantValue.Str("x")), "'x'", "@ms 'x'" },
        { new GVMaybe(GVariantType.Parse("mi"), new GVMaybe(GVariantType.Int32, I32(5))), "5", "@mmi 5" },
        { new GVMaybe(GVariantType.Parse("mi"), new GVMaybe(GVariantType.Int32, null)), "just nothing", "@mmi just nothing" },
        {
            new GVMaybe(GVariantType.Parse("mmi"), new GVMaybe(GVariantType.Parse("mi"), new GVMaybe(GVariantType.Int32, null))),
            "just just nothing", "@mmmi just just nothing"
        },
        { new GVMaybe(GVariantType.Parse("ai"), new GVArray(GVariantType.Int32, [I32(1)])), "[1]", "@mai [1]" },
        { new GVMaybe(GVariantType.Parse("(ii)"), GVariantValue.Tuple(I32(1), I32(2))), "(1, 2)", "@m(ii) (1, 2)" },
        { new GVMaybe(GVariantType.Variant, GVariantValue.Box(I32(1))), "<1>", "@mv <1>" },
        {
            new GVArray(GVariantType.Parse("mmi"), [
                new GVMaybe(GVariantType.Parse("mi"), new GVMaybe(GVariantType.Int32, I32(5))),
                new GVMaybe(GVariantType.Parse("mi"), new GVMaybe(GVariantType.Int32, null)),
                new GVMaybe(GVariantType.Parse("mi"), null),
            ]),
            "[5, just nothing, nothing]", "[@mmi 5, just nothing, nothing]"
        },
        {
            new GVArray(GVariantType.Parse("{sms}"), [new GVDictEntry(GVariantValue.Str("a"), new GVMaybe(GVariantType.String, GVariantValue.Str("x")))]),
            "{'a': 'x'}", "{'a': @ms 'x'}"
        },
        // Containers: only the first element of an array carries the annotation.
        {
            new GVArray(GVariantType.Parse("(us)"), [GVariantValue.Tuple(GVariantValue.U32(1), GVariantValue.Str("x")), GVariantValue.Tuple(GVariantValue.U32(2), GVariantValue.Str("yy"))]),
            "[(1, 'x'), (2, 'yy')]", "[(uint32 1, 'x'), (2, 'yy')]"
        },
        { new GVDictEntry(GVariantValue.Str("k"), GVariantValue.Str("v")), "{'k', 'v'}", "{'k', 'v'}" },
        {
            Dict(("ostree.ref-binding", GVariantValue.StrArray(["main"])), ("version", GVariantValue.Str("1.0"))),
            "{'ostree.ref-binding': <['main']>, 'version': <'1.0'>}", "{'ostree.ref-binding': <['main']>, 'version': <'1.0'>}"
        },
        {
            GVariantValue.Tuple(Dict(), Bytes(""), GVariantValue.Str("x")),
            "({}, [], 'x')", "(@a{sv} {}, @ay [], 'x')"
        },
        { GVariantValue.Box(GVariantValue.StrArray([])), "<@as []>", "<@as []>" },
        { GVariantValue.Box(GVariantValue.Box(GVariantValue.U32(5))), "<<uint32 5>>", "<<uint32 5>>" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Prints_like_g_variant_print(GVariantValue value, string plain, string annotated)
    {
        Assert.Equal(plain, GVariantText.Print(value, false));
        Assert.Equal(annotated, GVariantText.Print(value, true));
        Assert.Equal(plain, value.Print());
        Assert.Equal(annotated, value.Print(typeAnnotate: true));
    }
}
