// BLS entries: the parser must read what ostree writes and the writer must produce ostree's bytes
// (fixed key order, overlay initrds, then other keys in glib hash-table order).
using Arbor.Ostree.Sysroot;

namespace Arbor.Ostree.Tests.Sysroot;

public class BootConfigTests
{
    private const string Entry =
        "title Debian 2.0 (ostree:0)\nversion 2\noptions ostree=/ostree/boot.1/debian/abc/0 quiet\n" +
        "linux /ostree/debian-abc/vmlinuz-6.1\ninitrd /ostree/debian-abc/initramfs-6.1.img\n";

    [Fact]
    public void RoundTripsAnOstreeEntry()
    {
        var c = BootConfig.Parse(Entry);
        Assert.Equal("2", c.Get("version"));
        Assert.Equal("ostree=/ostree/boot.1/debian/abc/0 quiet", c.Get("options"));
        Assert.Equal(Entry, c.ToString());
    }

    [Fact]
    public void WritesKnownKeysInSpecOrderWhateverTheInputOrder()
    {
        var c = BootConfig.Parse("linux /k\n# comment\n options ignored\ninitrd /i\ntitle T\nversion 1\n");
        c.Set("devicetree", "/dtb");
        c.Set("options", "a=b");
        Assert.Equal("title T\nversion 1\noptions a=b\ndevicetree /dtb\nlinux /k\ninitrd /i\n", c.ToString());
    }

    [Fact]
    public void RepeatedInitrdsAreOverlays()
    {
        var c = BootConfig.Parse("title T\ninitrd /a\ninitrd /b\ninitrd /c\n");
        Assert.Equal("/a", c.Get("initrd"));
        Assert.Equal(["/b", "/c"], c.OverlayInitrds);
        Assert.Equal("title T\ninitrd /a\ninitrd /b\ninitrd /c\n", c.ToString());
    }

    [Fact]
    public void TabsSeparateAndUnknownKeysFollow()
    {
        var c = BootConfig.Parse("title\tT\nfdtdir /dtb\n");
        Assert.Equal("T", c.Get("title"));
        Assert.Equal("title T\nfdtdir /dtb\n", c.ToString());
    }
}
