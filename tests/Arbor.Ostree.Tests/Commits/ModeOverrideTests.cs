// Statoverride files are read as ostree reads them: "+BITS PATH" adds, "=BITS PATH" replaces the
// permission bits, BITS is decimal (what g_ascii_strtod takes: a leading number, else 0), the path
// is everything after the first space, and a line without a space is refused.
using Arbor.Native;
using Arbor.Ostree.Commits;

namespace Arbor.Ostree.Tests.Commits;

public sealed class ModeOverrideTests
{
    [Fact]
    public void LinesParseAsOstreeReadsThem()
    {
        var o = ModeOverride.ParseFile("+2048 /usr/bin/su\n\n=384 /etc/shadow\nabc /x\n12.9 /with space\n");
        Assert.Equal(new ModeOverride(2048, false), o["/usr/bin/su"]);
        Assert.Equal(new ModeOverride(384, true), o["/etc/shadow"]);
        Assert.Equal(new ModeOverride(0, false), o["/x"]);
        Assert.Equal(new ModeOverride(12, false), o["/with space"]);
        var e = Assert.Throws<OstreeException>(() => ModeOverride.ParseFile("2048\n"));
        Assert.Equal("Malformed statoverride file (no space found)", e.Message);
    }

    [Fact]
    public void AddingKeepsBitsAndReplacingKeepsTheFileType()
    {
        var m = new CommitModifier { ModeOverrides = ModeOverride.ParseFile("+2048 /a\n=384 /b\n") };
        Assert.Equal(UnixMode.S_IFREG | 0x9A4u, m.OverrideMode("/a", UnixMode.S_IFREG | 0x1A4u));
        Assert.Equal(UnixMode.S_IFREG | 0x180u, m.OverrideMode("/b", UnixMode.S_IFREG | 0x1EDu));
        Assert.Equal(UnixMode.S_IFDIR | 0x1EDu, m.OverrideMode("/c", UnixMode.S_IFDIR | 0x1EDu));
    }
}
