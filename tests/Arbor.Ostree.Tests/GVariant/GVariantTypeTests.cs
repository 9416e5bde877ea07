using Arbor.Ostree.GVariant;

namespace Arbor.Ostree.Tests.GVariant;

public class GVariantTypeTests
{
    [Theory]
    [InlineData("b", 1, 1)]
    [InlineData("y", 1, 1)]
    [InlineData("n", 2, 2)]
    [InlineData("q", 2, 2)]
    [InlineData("i", 4, 4)]
    [InlineData("u", 4, 4)]
    [InlineData("h", 4, 4)]
    [InlineData("x", 8, 8)]
    [InlineData("t", 8, 8)]
    [InlineData("d", 8, 8)]
    [InlineData("()", 1, 1)]
    [InlineData("(())", 1, 1)]
    [InlineData("(yu)", 4, 8)]
    [InlineData("(uy)", 4, 8)]
    [InlineData("(yyy)", 1, 3)]
    [InlineData("(qy)", 2, 4)]
    [InlineData("(yt)", 8, 16)]
    [InlineData("(ty)", 8, 16)]
    [InlineData("(y())", 1, 2)]
    [InlineData("((yy)u)", 4, 8)]
    [InlineData("{yu}", 4, 8)]
    [InlineData("(uuuut)", 8, 24)]
    public void Fixed_size_types_have_glib_alignment_and_size(string sig, int alignment, int size)
    {
        var t = GVariantType.Parse(sig);
        Assert.Equal(alignment, t.Alignment);
        Assert.Equal(size, t.FixedSize);
        Assert.True(t.IsFixedSize);
        Assert.Equal(sig, t.Signature);
    }

    [Theory]
    [InlineData("s", 1)]
    [InlineData("o", 1)]
    [InlineData("g", 1)]
    [InlineData("v", 8)]
    [InlineData("ay", 1)]
    [InlineData("as", 1)]
    [InlineData("ai", 4)]
    [InlineData("at", 8)]
    [InlineData("mi", 4)]
    [InlineData("my", 1)]
    [InlineData("a{sv}", 8)]
    [InlineData("{sv}", 8)]
    [InlineData("(ys)", 1)]
    [InlineData("(uuuusa(ayay))", 4)]
    [InlineData("(a{sv}aya(say)sstayay)", 8)]
    [InlineData("(tts(uuu)a{sv})", 8)]
    public void Variable_size_types_have_no_fixed_size(string sig, int alignment)
    {
        var t = GVariantType.Parse(sig);
        Assert.Equal(alignment, t.Alignment);
        Assert.Equal(0, t.FixedSize);
        Assert.False(t.IsFixedSize);
    }

    [Theory]
    [InlineData("")]
    [InlineData("(")]
    [InlineData(")")]
    [InlineData("(y")]
    [InlineData("(y))")]
    [InlineData("a")]
    [InlineData("m")]
    [InlineData("am")]
    [InlineData("yy")]
    [InlineData("z")]
    [InlineData("A")]
    [InlineData("a{sv")]
    [InlineData("{s}")]
    [InlineData("{sss}")]
    [InlineData("{vs}")]
    [InlineData("{ass}")]
    [InlineData("{(y)s}")]
    [InlineData("}")]
    [InlineData("a{}")]
    [InlineData("s ")]
    public void Invalid_type_strings_throw_FormatException(string sig)
    {
        Assert.ThrowsAny<FormatException>(() => GVariantType.Parse(sig));
        Assert.False(GVariantType.TryParse(sig, out var t));
        Assert.Null(t);
    }

    [Fact]
    public void Pathologically_deep_type_strings_are_rejected_not_a_stack_overflow()
    {
        // glib refuses types nested deeper than 128 levels; a type string read from untrusted
        // data (a variant's trailer) must not be able to exhaust the stack.
        var deep = new string('a', 200_000) + "y";
        Assert.ThrowsAny<FormatException>(() => GVariantType.Parse(deep));
        var deepTuple = new string('(', 100_000) + new string(')', 100_000);
        Assert.ThrowsAny<FormatException>(() => GVariantType.Parse(deepTuple));
    }

    [Fact]
    public void Children_and_element_types()
    {
        var t = GVariantType.Parse("(uuuusa(ayay))");
        Assert.Equal('(', t.Kind);
        Assert.Equal(["u", "u", "u", "u", "s", "a(ayay)"], t.Children.Select(c => c.Signature));
        Assert.Equal("(ayay)", t.Children[5].Element.Signature);
        Assert.Equal("ay", t.Children[5].Element.Children[0].Signature);
        Assert.Throws<InvalidOperationException>(() => t.Element);

        var dict = GVariantType.Parse("a{sv}");
        Assert.Equal('{', dict.Element.Kind);
        Assert.Equal("s", dict.Element.Children[0].Signature);
        Assert.Equal("v", dict.Element.Children[1].Signature);
    }

    [Fact]
    public void Parse_is_interned_and_equality_is_by_signature()
    {
        Assert.Same(GVariantType.Parse("a(say)"), GVariantType.Parse("a(say)"));
        Assert.Equal(GVariantType.Parse("as"), GVariantType.ArrayOf(GVariantType.String));
        Assert.Equal(GVariantType.Parse("(sy)"), GVariantType.TupleOf([GVariantType.String, GVariantType.Byte]));
        Assert.Equal(GVariantType.Parse("()"), GVariantType.TupleOf([]));
        Assert.NotEqual(GVariantType.Parse("ay"), GVariantType.Parse("as"));
        Assert.Equal(GVariantType.Parse("v").GetHashCode(), GVariantType.Variant.GetHashCode());
        Assert.Equal("a{sv}", GVariantType.VarDict.ToString());
    }

    [Theory]
    [InlineData("b", true)]
    [InlineData("h", true)]
    [InlineData("s", true)]
    [InlineData("o", true)]
    [InlineData("g", true)]
    [InlineData("d", true)]
    [InlineData("v", false)]
    [InlineData("ay", false)]
    [InlineData("()", false)]
    [InlineData("ms", false)]
    public void Basic_types_are_the_dictionary_key_types(string sig, bool basic)
    {
        Assert.Equal(basic, GVariantType.Parse(sig).IsBasic);
    }
}
