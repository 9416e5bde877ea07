// rpm's own version comparison table (tests/rpmvercmp.at in rpm 4.18's source), case by case,
// plus EVR and dependency-range rules. Each row is (left, right, expected rpmvercmp result).
using Arbor.Rpm.Version;

namespace Arbor.Rpm.Tests;

public class RpmVersionTests
{
    [Theory]
    [InlineData("1.0", "1.0", 0)]
    [InlineData("1.0", "2.0", -1)]
    [InlineData("2.0", "1.0", 1)]
    [InlineData("2.0.1", "2.0.1", 0)]
    [InlineData("2.0", "2.0.1", -1)]
    [InlineData("2.0.1", "2.0", 1)]
    [InlineData("2.0.1a", "2.0.1a", 0)]
    [InlineData("2.0.1a", "2.0.1", 1)]
    [InlineData("2.0.1", "2.0.1a", -1)]
    [InlineData("5.5p1", "5.5p1", 0)]
    [InlineData("5.5p1", "5.5p2", -1)]
    [InlineData("5.5p2", "5.5p1", 1)]
    [InlineData("5.5p10", "5.5p10", 0)]
    [InlineData("5.5p1", "5.5p10", -1)]
    [InlineData("5.5p10", "5.5p1", 1)]
    [InlineData("10xyz", "10.1xyz", -1)]
    [InlineData("10.1xyz", "10xyz", 1)]
    [InlineData("xyz10", "xyz10", 0)]
    [InlineData("xyz10", "xyz10.1", -1)]
    [InlineData("xyz10.1", "xyz10", 1)]
    [InlineData("xyz.4", "xyz.4", 0)]
    [InlineData("xyz.4", "8", -1)]
    [InlineData("8", "xyz.4", 1)]
    [InlineData("xyz.4", "2", -1)]
    [InlineData("2", "xyz.4", 1)]
    [InlineData("5.5p2", "5.6p1", -1)]
    [InlineData("5.6p1", "5.5p2", 1)]
    [InlineData("5.6p1", "6.5p1", -1)]
    [InlineData("6.5p1", "5.6p1", 1)]
    [InlineData("6.0.rc1", "6.0", 1)]
    [InlineData("6.0", "6.0.rc1", -1)]
    [InlineData("10b2", "10a1", 1)]
    [InlineData("10a2", "10b2", -1)]
    [InlineData("1.0aa", "1.0aa", 0)]
    [InlineData("1.0a", "1.0aa", -1)]
    [InlineData("1.0aa", "1.0a", 1)]
    [InlineData("10.0001", "10.0001", 0)]
    [InlineData("10.0001", "10.1", 0)]
    [InlineData("10.1", "10.0001", 0)]
    [InlineData("10.0001", "10.0039", -1)]
    [InlineData("10.0039", "10.0001", 1)]
    [InlineData("4.999.9", "5.0", -1)]
    [InlineData("5.0", "4.999.9", 1)]
    [InlineData("20101121", "20101121", 0)]
    [InlineData("20101121", "20101122", -1)]
    [InlineData("20101122", "20101121", 1)]
    [InlineData("2_0", "2_0", 0)]
    [InlineData("2.0", "2_0", 0)]
    [InlineData("2_0", "2.0", 0)]
    [InlineData("a", "a", 0)]
    [InlineData("a+", "a+", 0)]
    [InlineData("a+", "a_", 0)]
    [InlineData("a_", "a+", 0)]
    [InlineData("+a", "+a", 0)]
    [InlineData("+a", "_a", 0)]
    [InlineData("_a", "+a", 0)]
    [InlineData("+_", "+_", 0)]
    [InlineData("_+", "+_", 0)]
    [InlineData("_+", "_+", 0)]
    [InlineData("+", "_", 0)]
    [InlineData("_", "+", 0)]
    [InlineData("1.0~rc1", "1.0~rc1", 0)]
    [InlineData("1.0~rc1", "1.0", -1)]
    [InlineData("1.0", "1.0~rc1", 1)]
    [InlineData("1.0~rc1", "1.0~rc2", -1)]
    [InlineData("1.0~rc2", "1.0~rc1", 1)]
    [InlineData("1.0~rc1~git123", "1.0~rc1~git123", 0)]
    [InlineData("1.0~rc1~git123", "1.0~rc1", -1)]
    [InlineData("1.0~rc1", "1.0~rc1~git123", 1)]
    [InlineData("1.0^", "1.0^", 0)]
    [InlineData("1.0^", "1.0", 1)]
    [InlineData("1.0", "1.0^", -1)]
    [InlineData("1.0^git1", "1.0^git1", 0)]
    [InlineData("1.0^git1", "1.0", 1)]
    [InlineData("1.0", "1.0^git1", -1)]
    [InlineData("1.0^git1", "1.0^git2", -1)]
    [InlineData("1.0^git2", "1.0^git1", 1)]
    [InlineData("1.0^git1", "1.01", -1)]
    [InlineData("1.01", "1.0^git1", 1)]
    [InlineData("1.0^20160101", "1.0^20160101", 0)]
    [InlineData("1.0^20160101", "1.0.1", -1)]
    [InlineData("1.0.1", "1.0^20160101", 1)]
    [InlineData("1.0^20160101^git1", "1.0^20160101^git1", 0)]
    [InlineData("1.0^20160102", "1.0^20160101^git1", 1)]
    [InlineData("1.0^20160101^git1", "1.0^20160102", -1)]
    [InlineData("1.0~rc1^git1", "1.0~rc1^git1", 0)]
    [InlineData("1.0~rc1^git1", "1.0~rc1", 1)]
    [InlineData("1.0~rc1", "1.0~rc1^git1", -1)]
    [InlineData("1.0^git1~pre", "1.0^git1~pre", 0)]
    [InlineData("1.0^git1", "1.0^git1~pre", 1)]
    [InlineData("1.0^git1~pre", "1.0^git1", -1)]
    public void RpmVerCmpTable(string a, string b, int expected) =>
        Assert.Equal(expected, RpmVersion.Compare(a, b));

    [Theory]
    [InlineData("1:1.0-1", "2.0-1", 1)]
    [InlineData("0:1.0-1", "1.0-1", 0)]
    [InlineData("1.0-1", "1.0", 0)]
    [InlineData("1.0-2", "1.0-10", -1)]
    [InlineData("2:1.0", "10:0.1", -1)]
    [InlineData("1.0~rc1-1", "1.0-1", -1)]
    public void EvrCompare(string a, string b, int expected) =>
        Assert.Equal(expected, Evr.Parse(a).CompareTo(Evr.Parse(b)));

    [Fact]
    public void EvrParse()
    {
        Assert.Equal(new Evr("3", "1.2", "4.fc40"), Evr.Parse("3:1.2-4.fc40"));
        Assert.Equal(new Evr(null, "1.2", null), Evr.Parse("1.2"));
        Assert.Equal(new Evr("0", "1.2", "a-b"[2..]), Evr.Parse(":1.2-b"));
        Assert.Equal("3:1.2-4", Evr.Parse("3:1.2-4").ToString());
    }

    [Theory]
    [InlineData("foo >= 1.0", "1.0-1", true)]
    [InlineData("foo >= 1.0", "0.9-1", false)]
    [InlineData("foo < 2", "1.9", true)]
    [InlineData("foo < 2", "2", false)]
    [InlineData("foo = 1.0", "1.0-5", true)]
    [InlineData("foo = 1.0-4", "1.0-5", false)]
    [InlineData("foo > 1.0-4", "1.0-5", true)]
    [InlineData("foo <= 1:0.5", "2.0", true)]
    [InlineData("foo <= 0.5", "1:0.1", false)]
    [InlineData("foo", "7", true)]
    public void RequirementSatisfiedByProvide(string req, string provideEvr, bool expected) =>
        Assert.Equal(expected, Dependency.Parse(req).IsSatisfiedBy("foo", Evr.Parse(provideEvr)));

    [Fact]
    public void RangesOverlapLikeRpm()
    {
        Assert.True(Dependency.Parse("a >= 2").Overlaps(Dependency.Parse("a < 3")));
        Assert.False(Dependency.Parse("a >= 3").Overlaps(Dependency.Parse("a < 3")));
        Assert.True(Dependency.Parse("a <= 3").Overlaps(Dependency.Parse("a >= 3")));
        Assert.False(Dependency.Parse("a > 3").Overlaps(Dependency.Parse("a = 3")));
        Assert.False(Dependency.Parse("a >= 1").Overlaps(Dependency.Parse("b >= 1")));
        Assert.Equal("a >= 2", Dependency.Parse("a >= 2").ToString());
        Assert.Throws<FormatException>(() => Dependency.Parse("a ~ 2"));
    }

    [Fact]
    public void RichDependenciesParseIntoATree()
    {
        var r = RichDependency.Parse("(foo >= 1.0 and (bar or baz(x86-64) < 2) and perl(Foo::Bar))");
        Assert.Equal(RichOp.And, r.Op);
        Assert.Equal(3, r.Operands.Count);
        Assert.Equal(new Dependency("foo", DependencyFlags.Greater | DependencyFlags.Equal, "1.0"), r.Operands[0].Leaf);
        Assert.Equal(RichOp.Or, r.Operands[1].Op);
        Assert.Equal("baz(x86-64)", r.Operands[1].Operands[1].Leaf!.Name);
        Assert.Equal("perl(Foo::Bar)", r.Operands[2].Leaf!.Name);
        Assert.Equal("(foo >= 1.0 and (bar or baz(x86-64) < 2) and perl(Foo::Bar))", r.ToString());

        var c = RichDependency.Parse("(a if b else c)");
        Assert.Equal(RichOp.If, c.Op);
        Assert.Equal(3, c.Operands.Count);
        Assert.Equal("(a if b else c)", c.ToString());
        Assert.Equal(RichOp.Without, RichDependency.Parse("(a without b)").Op);
        Assert.Equal(RichOp.Unless, RichDependency.Parse("(a unless b)").Op);
    }

    [Theory]
    [InlineData("(a and b")]
    [InlineData("(a frob b)")]
    [InlineData("(a and b or c)")]
    [InlineData("(a >= )")]
    [InlineData("a and b")]
    [InlineData("(a if b else c else d)")]
    public void BadRichDependenciesAreRejected(string text) =>
        Assert.Throws<FormatException>(() => RichDependency.Parse(text));
}
