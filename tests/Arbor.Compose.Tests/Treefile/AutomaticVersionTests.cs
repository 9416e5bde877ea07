// automatic-version-prefix sequences, the table from rpm-ostree's test_next_version (utils.rs)
// with its date cases pinned to one instant so the expected strings can be written out.
using Arbor.Compose.Treefile;

namespace Arbor.Compose.Tests.Treefile;

public class AutomaticVersionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 19, 5, 9, TimeSpan.Zero);

    [Theory]
    [InlineData("10", "", "10")]
    [InlineData("10", "xyz", "10")]
    [InlineData("10", "9", "10")]
    [InlineData("10", "11", "10")]
    [InlineData("10", "10", "10.1")]
    [InlineData("10.1", "10.1", "10.1.1")]
    [InlineData("10", "10.0", "10.1")]
    [InlineData("10", "10.1", "10.2")]
    [InlineData("10", "10.2", "10.3")]
    [InlineData("10", "10.3", "10.4")]
    [InlineData("10", "10.1.5", "10.2")]
    [InlineData("10.1", "10.1.5", "10.1.6")]
    [InlineData("10.1", "10.1.1.5", "10.1.2")]
    [InlineData("10", "10001", "10")]
    [InlineData("10", "101.1", "10")]
    [InlineData("10", "10x.1", "10")]
    [InlineData("10.1", "10", "10.1")]
    [InlineData("10.1", "10.", "10.1")]
    [InlineData("10.1", "10.0", "10.1")]
    [InlineData("10.1", "10.2", "10.1")]
    [InlineData("10.1", "10.12", "10.1")]
    [InlineData("10.1", "10.1x", "10.1")]
    [InlineData("10.1", "10.1.x", "10.1.1")]
    [InlineData("10.1", "10.1.2x", "10.1.3")]
    // Date tags, expanded in UTC.
    [InlineData("10.<date:%Y%m%d>", "10.20001010", "10.20261207.0")]
    [InlineData("10.<date:%Y%m%d>", "10.20001010.5", "10.20261207.0")]
    [InlineData("10.<date:%Y%m%d>", "10.20261207.1", "10.20261207.2")]
    [InlineData("10.<date:%Y%m%d>", "", "10.20261207.0")]
    [InlineData("10.<date:%Y%m%d>.0", "10.20261207", "10.20261207.0.0")]
    [InlineData("10.<date:%Y%m%d>.0", "10.20261207.0", "10.20261207.0.0")]
    [InlineData("10.<date:%Y%m%d>", "10.20261207.x", "10.20261207.1")]
    [InlineData("10.<date:%Y%m%d>.2", "10.20261207.2.x", "10.20261207.2.1")]
    [InlineData("10.<date:%Y%m%d>.1", "10.20261207.1.2x", "10.20261207.1.3")]
    [InlineData("10.<date: %Y%m%d>", "10.20001010", "10. 20261207.0")]
    [InlineData("10.<date:%Y%m%d>.", "10.20001010.", "10.20261207..0")]
    [InlineData("10.<date:%Y%m%d>abc", "10.20001010abc", "10.20261207abc.0")]
    [InlineData("10.<date:%Y%m%d >", "10.20001010", "10.20261207 .0")]
    [InlineData("10.<date:text%Y%m%dhere>", "10.20001010", "10.text20261207here.0")]
    [InlineData("10.<date:%Y%m%d here>", "10.20001010", "10.20261207 here.0")]
    [InlineData("10.<date:%Y%m%d>", "10.20261207", "10.20261207.0")]
    [InlineData("10.<date:%Y%m%d>", "10", "10.20261207.0")]
    [InlineData("10.<date: >", "10.20001010", "10. .0")]
    [InlineData("10.<date:>", "10.20001010", "10..0")]
    [InlineData("10.<wrongtag: >", "10.20001010", "10.<wrongtag: >")]
    // Other GLib conversions.
    [InlineData("<date:%F %H:%M:%S %j %e %a %b>", "", "2026-12-07 19:05:09 341 \u20077 Mon Dec.0")]
    // The documented progressions.
    [InlineData("22", "", "22")]
    [InlineData("22", "22", "22.1")]
    [InlineData("22", "22.1", "22.2")]
    [InlineData("22.1", "22.1", "22.1.1")]
    [InlineData("22.<date:%Y>", "22.2026.0", "22.2026.1")]
    [InlineData("22.<date:%Y>", "22.2025.7", "22.2026.0")]
    [InlineData("22.<date:%Y>.1", "22.2026.1.0", "22.2026.1.1")]
    public void The_next_version_follows_rpm_ostree(string prefix, string last, string expected) =>
        Assert.Equal(expected, AutomaticVersion.Next(prefix, null, last, Now));

    [Theory]
    [InlineData("10", "10", "10-1")]
    [InlineData("10", "10-1", "10-2")]
    [InlineData("10.1", "10.1-5", "10.1-6")]
    [InlineData("10", "10.1", "10")]
    public void The_suffix_replaces_the_dot(string prefix, string last, string expected) =>
        Assert.Equal(expected, AutomaticVersion.Next(prefix, "-", last, Now));

    [Fact]
    public void A_format_glib_rejects_is_an_error() =>
        Assert.Throws<FormatException>(() => AutomaticVersion.Next("10.<date:%E>", null, "10.20001010", Now));

    [Fact]
    public void A_sequence_of_commits_counts_up()
    {
        string? last = null;
        var seen = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            last = AutomaticVersion.Next("22", null, last, Now);
            seen.Add(last);
        }
        Assert.Equal(["22", "22.1", "22.2", "22.3"], seen);
    }

    [Fact]
    public void The_treefile_computes_its_next_version_with_its_suffix()
    {
        using var dir = new TreefileDir();
        dir.Write("t.yaml", "ref: r\nreleasever: 40\nautomatic-version-prefix: '${releasever}.<date:%Y%m%d>'\nautomatic-version-suffix: '-'\n");
        var t = dir.Load("t.yaml");
        Assert.Equal("40.20261207-0", t.NextVersion(null, Now));
        Assert.Equal("40.20261207-4", t.NextVersion("40.20261207-3", Now));
        dir.Write("u.yaml", "ref: r\n");
        Assert.Null(dir.Load("u.yaml").NextVersion("1", Now));
    }
}
