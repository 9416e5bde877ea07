// Bootloader configuration writers without a sysroot made by ostree: the syslinux rewrite keeps
// other people's labels and drops ostree's, DEFAULT handling, ostree's line joiner, the u-boot
// variable names, grub2 quoting, and which bootloader a sysroot is detected to use.
using Arbor.Ostree.Sysroot.Bootloader;

namespace Arbor.Ostree.Tests.Sysroot;

public sealed class BootloaderTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static IReadOnlyList<KeyValuePair<string, string>> Entry(params (string Key, string Value)[] kvs) =>
        kvs.Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value)).ToList();

    private static readonly IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> TwoEntries =
    [
        Entry(("title", "Test OS 2 (ostree:0)"), ("version", "2"), ("options", "root=LABEL=r ostree=/ostree/boot.0/testos/bb/0"),
              ("linux", "/ostree/testos-bb/vmlinuz"), ("initrd", "/ostree/testos-bb/initramfs.img")),
        Entry(("title", "Test OS 1 (ostree:1)"), ("version", "1"), ("options", "root=LABEL=r ostree=/ostree/boot.0/testos/aa/0"),
              ("linux", "/ostree/testos-aa/vmlinuz")),
    ];

    [Fact]
    public void SyslinuxKeepsForeignLabelsAndReplacesOstreeOnes()
    {
        const string Current =
            "PROMPT 1\n" +
            "TIMEOUT 50\n" +
            "DEFAULT Test OS 1 (ostree:0)\n" +
            "\n" +
            "LABEL Fedora rescue\n" +
            "\tKERNEL /vmlinuz-rescue\n" +
            "\tAPPEND root=/dev/sda2\n" +
            "LABEL Test OS 1 (ostree:0)\n" +
            "\tKERNEL /boot/ostree/testos-aa/vmlinuz\n" +
            "\tAPPEND old\n" +
            "LABEL very old ostree\n" +
            "\tKERNEL /ostree/testos-00/vmlinuz\n";
        var text = SyslinuxBootloader.Rewrite(Current, TwoEntries);
        Assert.Equal(
            "PROMPT 1\n" +
            "TIMEOUT 50\n" +
            "\n" +
            "LABEL Fedora rescue\n" +
            "\tKERNEL /vmlinuz-rescue\n" +
            "\tAPPEND root=/dev/sda2\n" +
            "DEFAULT Test OS 2 (ostree:0)\n" +
            "LABEL Test OS 2 (ostree:0)\n" +
            "\tKERNEL /boot/ostree/testos-bb/vmlinuz\n" +
            "\tINITRD /boot/ostree/testos-bb/initramfs.img\n" +
            "\tAPPEND root=LABEL=r ostree=/ostree/boot.0/testos/bb/0\n" +
            "LABEL Test OS 1 (ostree:1)\n" +
            "\tKERNEL /boot/ostree/testos-aa/vmlinuz\n" +
            "\tAPPEND root=LABEL=r ostree=/ostree/boot.0/testos/aa/0\n",
            text);
    }

    [Fact]
    public void SyslinuxKeepsAForeignDefault()
    {
        var text = SyslinuxBootloader.Rewrite("DEFAULT rescue\nLABEL rescue\n\tKERNEL /vmlinuz-rescue\n", TwoEntries);
        // ostree drops the DEFAULT line either way, and only writes its own when the old one was its own or missing.
        // The file's final newline leaves an empty line after the kept label; ostree keeps the first empty line.
        Assert.StartsWith("LABEL rescue\n\tKERNEL /vmlinuz-rescue\n\nLABEL Test OS 2 (ostree:0)\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("DEFAULT", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SyslinuxRegeneratesFromAnEmptyFile()
    {
        var text = SyslinuxBootloader.Rewrite("", TwoEntries.Take(1).ToList(), bootPrefix: true);
        Assert.Equal(
            "DEFAULT Test OS 2 (ostree:0)\nLABEL Test OS 2 (ostree:0)\n\tKERNEL /ostree/testos-bb/vmlinuz\n" +
            "\tINITRD /ostree/testos-bb/initramfs.img\n\tAPPEND root=LABEL=r ostree=/ostree/boot.0/testos/bb/0\n",
            text);
    }

    [Fact]
    public void SyslinuxLabelWithoutKernelIsAnError()
    {
        var e = Assert.Throws<OstreeException>(() => SyslinuxBootloader.Rewrite("LABEL broken\n\tAPPEND x\n", TwoEntries));
        Assert.Contains("No KERNEL argument found after LABEL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EntryWithoutLinuxIsAnError()
    {
        var entries = new[] { Entry(("title", "x")) };
        Assert.Contains("No \"linux\" key", Assert.Throws<OstreeException>(() => SyslinuxBootloader.Rewrite("", entries)).Message, StringComparison.Ordinal);
        Assert.Contains("No \"linux\" key", Assert.Throws<OstreeException>(() => UbootBootloader.Generate(entries, _ => null)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JoinLinesKeepsOnlyTheFirstEmptyLine()
    {
        Assert.Equal("a\n\nb\nc\n", BlsEntries.JoinLines(["", "a", "", "b", "", "", "c", ""]));
    }

    [Fact]
    public void LookupTakesTheLastValueButTheFirstInitrd()
    {
        var e = Entry(("options", "a"), ("initrd", "/main.img"), ("options", "b"), ("initrd", "/overlay.img"));
        Assert.Equal("b", BlsEntries.Get(e, "options"));
        Assert.Equal("/main.img", BlsEntries.Get(e, "initrd"));
        Assert.Null(BlsEntries.Get(e, "devicetree"));
    }

    [Fact]
    public void UbootNumbersTheEntriesAndAppendsTheSystemEnvironment()
    {
        string? seen = null;
        var text = UbootBootloader.Generate(TwoEntries, options => { seen = options; return "fdt_high=0xffffffff\n"; });
        Assert.Equal("root=LABEL=r ostree=/ostree/boot.0/testos/bb/0", seen);
        Assert.Equal(
            "kernel_image=/boot/ostree/testos-bb/vmlinuz\n" +
            "ramdisk_image=/boot/ostree/testos-bb/initramfs.img\n" +
            "bootargs=root=LABEL=r ostree=/ostree/boot.0/testos/bb/0\n" +
            "fdt_high=0xffffffff\n\n" +
            "kernel_image2=/boot/ostree/testos-aa/vmlinuz\n" +
            "bootargs2=root=LABEL=r ostree=/ostree/boot.0/testos/aa/0\n",
            text);
        Assert.Equal("/ostree/boot.0/x", UbootBootloader.LastValue("ostree=/a ro \"quoted arg\" ostree=/ostree/boot.0/x", "ostree"));
    }

    [Fact]
    public void Grub2QuotesTitlesLikeGShellQuote()
    {
        var entries = new[] { Entry(("title", "it's (ostree:0)"), ("linux", "/k"), ("options", "ro")) };
        var text = Grub2Bootloader.GenerateMenuEntries(entries, "dev1", "search --set=root x", isEfi: true, legacyCommands: true);
        Assert.Equal(
            "menuentry 'it'\\''s (ostree:0)' --class gnu-linux --class gnu --class os --unrestricted 'ostree-0-dev1' {\n" +
            "load_video\nset gfxpayload=keep\ninsmod gzio\nsearch --set=root x\nlinuxefi /k ro\n}\n",
            text);
        var builtin = Grub2Bootloader.GenerateBuiltinConfig(entries, "/boot");
        Assert.Contains("menuentry 'it's (ostree:0)' {\n\t linux /boot/k ro\n}\n\n", builtin, StringComparison.Ordinal);
    }

    private string Sysroot(params string[] files)
    {
        var root = _tmp[Guid.NewGuid().ToString("N")];
        Directory.CreateDirectory(Path.Combine(root, "ostree", "repo"));
        File.WriteAllText(Path.Combine(root, "ostree", "repo", "config"), "[core]\nrepo_version=1\nmode=bare\n");
        foreach (var f in files)
        {
            var p = Path.Combine(root, f);
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            File.WriteAllText(p, "");
        }
        return root;
    }

    [Fact]
    public void DetectionFollowsOstreeProbeOrder()
    {
        Assert.Null(Bootloaders.Detect(Sysroot()));
        Assert.Equal("U-Boot", Bootloaders.Detect(Sysroot("boot/loader/uEnv.txt"))!.Name);
        Assert.Equal("grub2", Bootloaders.Detect(Sysroot("boot/loader/uEnv.txt", "boot/grub2/grub.cfg"))!.Name);
        Assert.Equal("syslinux", Bootloaders.Detect(Sysroot("boot/grub/grub.cfg", "boot/syslinux/syslinux.cfg"))!.Name);
    }

    [Fact]
    public void Grub2FindsEfiVendorDirectoriesButNotBootAndHonoursBootupd()
    {
        Assert.Null(Grub2Bootloader.FindConfig(Sysroot("boot/efi/EFI/BOOT/grub.cfg"), out _));
        var efi = Sysroot("boot/efi/EFI/BOOT/grub.cfg", "boot/efi/EFI/debian/grub.cfg");
        Assert.Equal(Path.Combine(efi, "boot/efi/EFI/debian/grub.cfg"), Grub2Bootloader.FindConfig(efi, out bool isEfi));
        Assert.True(isEfi);
        var bootupd = Sysroot("boot/grub2/grub.cfg");
        File.WriteAllText(Path.Combine(bootupd, "boot/bootupd-state.json"), "{\"static-configs\":{\"x\":1}}");
        Assert.False(new Grub2Bootloader().IsActive(bootupd));
        File.WriteAllText(Path.Combine(bootupd, "boot/bootupd-state.json"), "{\"static-configs\":null}");
        Assert.True(new Grub2Bootloader().IsActive(bootupd));
    }

    [Fact]
    public void RepoConfigOverridesDetection()
    {
        var root = Sysroot("boot/syslinux/syslinux.cfg");
        var config = Path.Combine(root, "ostree", "repo", "config");
        File.AppendAllText(config, "[sysroot]\nbootloader=none\n");
        Assert.Null(Bootloaders.Detect(root));
        File.WriteAllText(config, "[core]\nmode=bare\n[sysroot]\nbootloader=uboot\n");
        Assert.Equal("U-Boot", Bootloaders.Detect(root)!.Name);
        File.WriteAllText(config, "[core]\nmode=bare\n[sysroot]\nbootloader=lilo\n");
        Assert.Contains("Invalid sysroot.bootloader 'lilo'", Assert.Throws<OstreeException>(() => Bootloaders.Detect(root)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Grub2WithoutGrubInstalledWritesTheBuiltinConfigToTheNewLoaderDirectory()
    {
        var root = Sysroot("boot/grub/grub.cfg", "boot/ostree/.keep");
        Directory.CreateDirectory(Path.Combine(root, "boot", "loader.1"));
        new Grub2Bootloader().WriteConfig(root, 1, TwoEntries);
        var text = File.ReadAllText(Path.Combine(root, "boot", "loader.1", "grub.cfg"));
        Assert.Contains("menuentry 'Test OS 2 (ostree:0)' {\n\t linux /boot/ostree/testos-bb/vmlinuz root=LABEL=r", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("Test OS 2", StringComparison.Ordinal) < text.IndexOf("Test OS 1", StringComparison.Ordinal));
    }
}
