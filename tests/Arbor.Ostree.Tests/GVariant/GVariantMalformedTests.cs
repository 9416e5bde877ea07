using Arbor.Ostree.GVariant;

namespace Arbor.Ostree.Tests.GVariant;

/// <summary>Untrusted data that does not match its type fails with GVariantFormatException.</summary>
public class GVariantMalformedTests
{
    [Theory]
    [InlineData("u", "010203")]
    [InlineData("t", "01020304050607")]
    [InlineData("b", "")]
    [InlineData("(yu)", "010000")]
    [InlineData("(yu)", "01000000020000")]
    [InlineData("s", "")]
    [InlineData("s", "6162")]
    [InlineData("s", "6100620000")]
    [InlineData("v", "")]
    [InlineData("v", "0500000075")]
    [InlineData("v", "050000000000")]
    [InlineData("v", "05000000007a")]
    [InlineData("v", "0500000000616161")]
    [InlineData("ai", "0100000002")]
    [InlineData("a(yu)", "010000000200")]
    [InlineData("as", "610005")]
    [InlineData("as", "6100620002ff")]
    [InlineData("as", "61006200")]
    [InlineData("as", "610062000400")]
    [InlineData("a(sy)", "6100016200020503")]
    [InlineData("(ss)", "")]
    [InlineData("(ss)", "61")]
    [InlineData("(ss)", "610062000a")]
    [InlineData("(sss)", "610062006300ff04")]
    [InlineData("(su)", "61000000")]
    [InlineData("(ays)", "")]
    [InlineData("(a{sv}ays)", "")]
    [InlineData("mi", "010203")]
    [InlineData("ms", "78")]
    [InlineData("a{sv}", "6100000000000000050000000075020f1f")]
    [InlineData("a{sv}", "ff")]
    [InlineData("(uuuusa(ayay))", "00000000")]
    public void Malformed_data_throws_GVariantFormatException(string sig, string hex)
    {
        var view = new GVariantView(sig, Convert.FromHexString(hex));
        Assert.Throws<GVariantFormatException>(() => view.ToValue());
    }

    [Fact]
    public void Offset_table_entries_past_the_table_are_rejected_for_each_child()
    {
        // "as" ['a', 'b'] with the first framing offset pointing into the offset table.
        var view = new GVariantView("as", Convert.FromHexString("61006200" + "05" + "04"));
        Assert.Throws<GVariantFormatException>(() => view.ToValue());
    }

    [Fact]
    public void Errors_name_the_type_and_size()
    {
        var e = Assert.Throws<GVariantFormatException>(() => new GVariantView("(yu)", new byte[3]).ToValue());
        Assert.Contains("(yu)", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<FormatException>(e);
    }

    [Fact]
    public void Deeply_nested_variants_are_rejected_not_a_stack_overflow()
    {
        // v(v(v(...(u)))): each level adds only "\0v", so 1 MiB of data nests half a million deep.
        const int depth = 500_000;
        var data = new byte[6 + (2 * depth)];
        data[0] = 5;
        data[4] = 0;
        data[5] = (byte)'u';
        for (int i = 0; i < depth; i++)
        {
            data[6 + (2 * i)] = 0;
            data[7 + (2 * i)] = (byte)'v';
        }
        var view = new GVariantView("v", data);
        Assert.Throws<GVariantFormatException>(() => view.ToValue());
        // Unboxing one level at a time stays possible and cheap.
        Assert.Equal('v', view.GetVariant().Type.Kind);
    }

    [Fact]
    public void Reasonably_nested_variants_still_read()
    {
        GVariantValue v = GVariantValue.U32(5);
        for (int i = 0; i < 60; i++)
            v = GVariantValue.Box(v);
        Assert.Equal(v, new GVariantView("v", v.Serialize()).ToValue());
    }

    [Fact]
    public void Variant_with_deep_type_string_is_rejected()
    {
        var data = new List<byte> { 0 };
        data.AddRange(System.Text.Encoding.ASCII.GetBytes(new string('a', 300_000) + "y"));
        var view = new GVariantView("v", data.ToArray());
        Assert.Throws<GVariantFormatException>(() => view.GetVariant());
    }
}
