// KernelArgs must edit command lines exactly as libostree's ostree-kernel-args.c does: the BLS
// options line Arbor writes is compared byte for byte with ostree's.
using Arbor.Ostree.Sysroot;

namespace Arbor.Ostree.Tests.Sysroot;

public class KernelArgsTests
{
    [Fact]
    public void ParseKeepsOrderAndEmptyArguments()
    {
        Assert.Equal("a=1 b  c=", KernelArgs.Parse("a=1 b  c=").ToString());
        Assert.Equal(["a=1", "b", "", "c="], KernelArgs.Parse("a=1 b  c=").ToArray());
        Assert.Equal("", KernelArgs.Parse(null).ToString());
    }

    [Fact]
    public void ReplaceCollapsesAKeyAtItsFirstPosition()
    {
        var k = KernelArgs.Parse("ostree=/old console=tty0 quiet console=ttyS0");
        k.Replace("console=hvc0");
        Assert.Equal("ostree=/old console=hvc0 quiet", k.ToString());
        k.Replace("ostree=/ostree/boot.1/debian/abc/0");
        Assert.Equal("ostree=/ostree/boot.1/debian/abc/0 console=hvc0 quiet", k.ToString());
        k.Replace("rw");
        Assert.Equal("ostree=/ostree/boot.1/debian/abc/0 console=hvc0 quiet rw", k.ToString());
    }

    [Fact]
    public void AppendKeepsEveryValue()
    {
        var k = new KernelArgs();
        k.AppendAll(["console=tty0", "quiet", "console=ttyS0"]);
        Assert.Equal("console=tty0 quiet console=ttyS0", k.ToString());
        Assert.Equal("ttyS0", k.GetLastValue("console"));
        k.AppendIfMissing("quiet");
        k.AppendIfMissing("foo=bar");
        Assert.Equal("console=tty0 quiet console=ttyS0 foo=bar", k.ToString());
    }

    [Fact]
    public void DeleteNeedsAValueWhenAKeyHasSeveral()
    {
        var k = KernelArgs.Parse("console=tty0 quiet console=ttyS0");
        Assert.Equal("Multiple values for key 'console' found", Assert.Throws<OstreeException>(() => k.Delete("console")).Message);
        Assert.Equal("No karg 'console=hvc0' found", Assert.Throws<OstreeException>(() => k.Delete("console=hvc0")).Message);
        Assert.Equal("No key 'nope' found", Assert.Throws<OstreeException>(() => k.Delete("nope")).Message);
        Assert.Equal("No karg 'quiet=1' found", Assert.Throws<OstreeException>(() => k.Delete("quiet=1")).Message);
        k.Delete("console=tty0");
        k.Delete("quiet");
        Assert.Equal("console=ttyS0", k.ToString());
        k.Delete("console");
        Assert.Equal("", k.ToString());
    }

    [Fact]
    public void NewReplaceChangesOneValueInPlace()
    {
        var k = KernelArgs.Parse("a=1 b=2 a=3");
        k.NewReplace("a=3=4");
        Assert.Equal("a=1 b=2 a=4", k.ToString());
        Assert.Equal("Multiple values for key 'a' found", Assert.Throws<OstreeException>(() => k.NewReplace("a=5")).Message);
        k.NewReplace("b=7");
        Assert.Equal("a=1 b=7 a=4", k.ToString());
    }

    [Fact]
    public void ProcCmdlineDropsBootloaderArguments()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp["cmdline"], "BOOT_IMAGE=/vmlinuz root=/dev/vda1 initrd=/x ro quiet\n");
        var k = new KernelArgs();
        k.AppendProcCmdline(tmp["cmdline"]);
        Assert.Equal("root=/dev/vda1 ro quiet", k.ToString());
    }
}
