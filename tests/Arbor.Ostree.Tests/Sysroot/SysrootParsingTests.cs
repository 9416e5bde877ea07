// The small parsers whose results end up in file names and entries: strverscmp ordering of BLS
// "version" keys, os-release values with shell quoting, and the boot checksum of a kernel layout.
using System.Security.Cryptography;
using Arbor.Ostree.Sysroot;

namespace Arbor.Ostree.Tests.Sysroot;

public class SysrootParsingTests
{
    [Theory]
    [InlineData("1", "2", -1)]
    [InlineData("10", "9", 1)]
    [InlineData("2", "2", 0)]
    [InlineData("1.10", "1.9", 1)]
    [InlineData("000", "00", -1)]
    [InlineData("01", "0", -1)]
    [InlineData("0.9", "0.10", -1)]
    [InlineData("0.1", "0.09", 1)]
    [InlineData("a", "b", -1)]
    public void StrVersCmpMatchesGlibc(string a, string b, int sign)
    {
        Assert.Equal(sign, Math.Sign(VersionCompare.StrVersCmp(a, b)));
        Assert.Equal(-sign, Math.Sign(VersionCompare.StrVersCmp(b, a)));
    }

    [Fact]
    public void OsReleaseValuesAreUnquoted()
    {
        var d = Arbor.Ostree.Sysroot.Sysroot.ParseOsRelease(
            "# c\nID=debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (\\\"bookworm\\\")\"\nNAME='A B'\nBAD=\"open\nID=fedora\n");
        Assert.Equal("fedora", d["ID"]);
        Assert.Equal("Debian GNU/Linux 12 (\"bookworm\")", d["PRETTY_NAME"]);
        Assert.Equal("A B", d["NAME"]);
        Assert.False(d.ContainsKey("BAD"));
    }

    [Fact]
    public void BootChecksumIsSha256OfKernelThenInitramfs()
    {
        using var tmp = new TempDir();
        var mod = tmp["usr/lib/modules/6.1.0-test"];
        Directory.CreateDirectory(mod);
        File.WriteAllText(Path.Combine(mod, "vmlinuz"), "kernel\n");
        File.WriteAllText(Path.Combine(mod, "initramfs.img"), "initrd\n");
        var layout = KernelLayout.Find(tmp.Path);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("kernel\ninitrd\n"u8)), layout.BootCsum);
        Assert.Equal("vmlinuz-6.1.0-test", layout.KernelName);
        Assert.Equal("initramfs-6.1.0-test.img", layout.InitramfsName);
    }

    [Fact]
    public void LegacyLayoutWinsOnlyWithAnInitramfsTheModulesLayoutLacks()
    {
        using var tmp = new TempDir();
        var sum = new string('a', 64);
        var mod = tmp["usr/lib/modules/6.1"];
        Directory.CreateDirectory(mod);
        File.WriteAllText(Path.Combine(mod, "vmlinuz"), "k");
        var legacy = tmp["usr/lib/ostree-boot"];
        Directory.CreateDirectory(legacy);
        File.WriteAllText(Path.Combine(legacy, $"vmlinuz-6.1-{sum}"), "k");
        File.WriteAllText(Path.Combine(legacy, $"initramfs-6.1.img-{sum}"), "i");
        var layout = KernelLayout.Find(tmp.Path);
        Assert.Equal(sum, layout.BootCsum);
        Assert.Equal("initramfs-6.1.img", layout.InitramfsName);
        File.WriteAllText(Path.Combine(mod, "initramfs.img"), "i");
        Assert.NotEqual(sum, KernelLayout.Find(tmp.Path).BootCsum);
    }

    [Fact]
    public void NoKernelIsAnError()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp["usr/etc"]);
        Assert.Equal("Failed to find kernel in /usr/lib/modules, /usr/lib/ostree-boot or /boot",
            Assert.Throws<OstreeException>(() => KernelLayout.Find(tmp.Path)).Message);
    }
}
