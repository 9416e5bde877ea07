using Arbor.Cli.Verbs.Db;

namespace Arbor.Cli.Tests;

// `db list` patterns are fnmatch(3) with FNM_CASEFOLD, as rpm-ostree's pat_fnmatch_match calls it.
public sealed class PackagePatternTests
{
    [Theory]
    [InlineData("hel*", "hello", true)]
    [InlineData("HEL*", "hello", true)]
    [InlineData("h?llo", "hello", true)]
    [InlineData("h[a-f]llo", "hello", true)]
    [InlineData("h[!e]llo", "hello", false)]
    [InlineData("h[^a]llo", "hello", true)]
    [InlineData("*.x86_64", "tool.x86_64", true)]
    [InlineData("tool", "tool.x86_64", false)]
    [InlineData("a\\*b", "a*b", true)]
    [InlineData("a\\*b", "axb", false)]
    [InlineData("[", "[", true)]
    [InlineData("*", "", true)]
    [InlineData("?", "", false)]
    [InlineData("lib*-devel", "libfoo-devel", true)]
    public void Glob_follows_fnmatch_casefold(string pattern, string text, bool expected) =>
        Assert.Equal(expected, PackagePattern.Glob(pattern, text));
}
