// End to end: a sysroot whose boot/syslinux/syslinux.cfg points into boot/loader gets the same
// syslinux.cfg from `arbor ostree admin deploy` as from `ostree admin deploy` — the deployment
// writer finds the bootloader and hands it the new entries before the loader swap — and an
// entry that is not ostree's survives.
namespace Arbor.Interop.Tests;

public sealed class SyslinuxDeployInteropTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-syslinux-").FullName;

    public void Dispose()
    {
        Tools.Run("sh", "-c", $"find '{_dir}' -type d -path '*/ostree/deploy/*/deploy/*' -prune -exec chattr -i {{}} + 2>/dev/null; true");
        Directory.Delete(_dir, recursive: true);
    }

    private string Sysroot(bool arbor, string tree)
    {
        var root = Path.Combine(_dir, arbor ? "arbor" : "ostree");
        Directory.CreateDirectory(root);
        string[] Admin(params string[] args) => arbor ? ["ostree", "admin", .. args] : ["admin", .. args];
        void Run(params string[] args)
        {
            if (arbor)
                Tools.ArborOk(Admin(args));
            else
                Tools.OstreeOk(Admin(args));
        }
        Run("init-fs", root);
        Run("--sysroot=" + root, "os-init", "debian");
        Tools.OstreeOk("--repo=" + Path.Combine(root, "ostree/repo"), "commit", "-b", "debian/one", "--tree=dir=" + tree, "--timestamp=2020-01-01 00:00:00 +0000");
        Directory.CreateDirectory(Path.Combine(root, "boot/syslinux"));
        Directory.CreateDirectory(Path.Combine(root, "boot/loader.0"));
        File.WriteAllText(Path.Combine(root, "boot/loader.0/syslinux.cfg"), "LABEL other\n\tKERNEL /vmlinuz-other\n");
        File.CreateSymbolicLink(Path.Combine(root, "boot/loader"), "loader.0");
        File.CreateSymbolicLink(Path.Combine(root, "boot/syslinux/syslinux.cfg"), "../loader/syslinux.cfg");
        Run("--sysroot=" + root, "deploy", "--os=debian", "debian/one");
        Run("--sysroot=" + root, "deploy", "--os=debian", "--karg-append=quiet", "debian/one");
        return root;
    }

    [Fact]
    public void Deploy_rewrites_syslinux_cfg_like_ostree()
    {
        var tree = Path.Combine(_dir, "tree");
        Directory.CreateDirectory(Path.Combine(tree, "usr/lib/modules/6.1.0-test"));
        Directory.CreateDirectory(Path.Combine(tree, "usr/etc"));
        File.WriteAllText(Path.Combine(tree, "usr/lib/modules/6.1.0-test/vmlinuz"), "kernel\n");
        File.WriteAllText(Path.Combine(tree, "usr/lib/modules/6.1.0-test/initramfs.img"), "initramfs\n");
        File.WriteAllText(Path.Combine(tree, "usr/etc/os-release"), "ID=debian\n");
        var theirs = File.ReadAllText(Path.Combine(Sysroot(false, tree), "boot/loader/syslinux.cfg"));
        var ours = File.ReadAllText(Path.Combine(Sysroot(true, tree), "boot/loader/syslinux.cfg"));
        Assert.Contains("LABEL other", theirs, StringComparison.Ordinal);
        Assert.Contains("LABEL debian (ostree:1)", theirs, StringComparison.Ordinal);
        Assert.Equal(theirs, ours);
    }
}
