// Bootloader configurations against the real ostree: a sysroot set up for syslinux, U-Boot or
// grub2 is deployed twice by `ostree admin deploy`; after each deploy the sysroot is put back the
// way ostree saw it just before its bootloader step (boot/loader pointing at the previous
// version, the previous config in place, the new one absent), Arbor's writer is fed the BLS
// entries ostree wrote, and its file must be byte-identical to ostree's. For grub2 the
// grub2-mkconfig step is a small script that runs `ostree admin instutil grub2-generate` (what
// grub's 15_ostree does), and its menu must equal Arbor's GenerateMenuEntries.
using System.Text;
using Arbor.Ostree.Sysroot.Bootloader;

namespace Arbor.Interop.Tests;

public sealed class BootloaderInteropTests : IDisposable
{
    private const string DeviceId = "test-device";
    private const string PrepareRoot = "search --no-floppy --set=root test-root";

    private readonly TestSysroot _sr = new("bootloader");

    public void Dispose() => _sr.Dispose();

    private string Boot => Path.Combine(_sr.Root, "boot");

    private static void NoEtc(string etc) => TestSysroot.WriteFile(etc, "hostname", "h\n");

    /// <summary>boot/loader → loader.0 with <paramref name="file"/> in it, as an installer leaves a fresh sysroot.</summary>
    private void InitialLoader(string file, string content)
    {
        Directory.CreateDirectory(Path.Combine(Boot, "loader.0"));
        File.WriteAllText(Path.Combine(Boot, "loader.0", file), content);
        File.CreateSymbolicLink(Path.Combine(Boot, "loader"), "loader.0");
    }

    private void PointLoaderAt(int version)
    {
        var tmp = Path.Combine(Boot, ".loader.tmp");
        File.CreateSymbolicLink(tmp, $"loader.{version}");
        Arbor.Native.LibC.Rename(tmp, Path.Combine(Boot, "loader"), 0);
    }

    /// <summary>Re-runs the bootloader step of the deploy just made with Arbor's writer and compares the result.</summary>
    private void AssertRegeneratesLikeOstree(IBootloader bootloader, string file, string previous)
    {
        int newVersion = _sr.CurrentBootVersion(), oldVersion = 1 - newVersion;
        var newFile = Path.Combine(Boot, $"loader.{newVersion}", file);
        var theirs = File.ReadAllText(newFile);
        var entries = _sr.ReadEntries(newVersion);
        Assert.NotEmpty(entries);

        var oldDir = Path.Combine(Boot, $"loader.{oldVersion}");
        bool createdOldDir = !Directory.Exists(oldDir);
        Directory.CreateDirectory(oldDir);
        var oldFile = Path.Combine(oldDir, file);
        var savedOld = File.Exists(oldFile) ? File.ReadAllText(oldFile) : null;
        File.WriteAllText(oldFile, previous);
        PointLoaderAt(oldVersion);
        File.Delete(newFile);
        string ours;
        try
        {
            Assert.Equal(bootloader.Name, Bootloaders.Detect(_sr.Root)?.Name);
            bootloader.WriteConfig(_sr.Root, newVersion, entries);
            ours = File.ReadAllText(newFile);
        }
        finally
        {
            PointLoaderAt(newVersion);
            File.WriteAllText(newFile, theirs);
            if (createdOldDir)
                Directory.Delete(oldDir, recursive: true);
            else if (savedOld is null)
                File.Delete(oldFile);
            else
                File.WriteAllText(oldFile, savedOld);
        }
        Assert.Equal(theirs, ours);
    }

    private string CurrentConfig(string relative) => File.ReadAllText(Path.Combine(_sr.Root, relative));

    [Fact]
    public void SyslinuxConfigMatchesOstreeAcrossTwoDeploys()
    {
        InitialLoader("syslinux.cfg",
            "PROMPT 1\nTIMEOUT 30\n\nLABEL Rescue shell\n\tKERNEL /vmlinuz-rescue\n\tAPPEND root=/dev/sda2 single\n" +
            "LABEL Stale (ostree:0)\n\tKERNEL /boot/ostree/testos-0000/vmlinuz\n\tAPPEND ostree=/ostree/boot.0/testos/0000/0\n");
        Directory.CreateDirectory(Path.Combine(Boot, "syslinux"));
        File.CreateSymbolicLink(Path.Combine(Boot, "syslinux", "syslinux.cfg"), "../loader/syslinux.cfg");

        for (int round = 1; round <= 2; round++)
        {
            var previous = CurrentConfig(SyslinuxBootloader.ConfigPath);
            _sr.Deploy(_sr.CommitTree($"{round}", NoEtc));
            AssertRegeneratesLikeOstree(new SyslinuxBootloader(), "syslinux.cfg", previous);
            var now = CurrentConfig(SyslinuxBootloader.ConfigPath);
            Assert.Contains("LABEL Rescue shell\n\tKERNEL /vmlinuz-rescue\n", now, StringComparison.Ordinal);
            Assert.DoesNotContain("Stale", now, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void UbootEnvironmentMatchesOstreeAcrossTwoDeploys()
    {
        InitialLoader("uEnv.txt", "");
        for (int round = 1; round <= 2; round++)
        {
            var previous = CurrentConfig(UbootBootloader.ConfigPath);
            _sr.Deploy(_sr.CommitTree($"{round}", NoEtc,
                tree => TestSysroot.WriteFile(tree, "usr/lib/ostree-boot/uEnv.txt", $"fdt_high=0xffffffff\nrelease={round}\n")));
            AssertRegeneratesLikeOstree(new UbootBootloader(), "uEnv.txt", previous);
        }
        var env = CurrentConfig(UbootBootloader.ConfigPath);
        Assert.Contains("kernel_image2=", env, StringComparison.Ordinal);
        Assert.Contains("release=2\n", env, StringComparison.Ordinal);
    }

    /// <summary>A grub2-mkconfig stand-in that writes what grub's 15_ostree script would add.</summary>
    private string FakeMkconfig()
    {
        var script = Path.Combine(_sr.Scratch, "grub-mkconfig");
        File.WriteAllText(script,
            "#!/bin/sh\n" +
            "[ \"$1\" = -o ] || exit 2\n" +
            $"GRUB2_BOOT_DEVICE_ID='{DeviceId}' GRUB2_PREPARE_ROOT_CACHE='{PrepareRoot}' " +
            $"exec {Tools.Ostree} admin --sysroot={_sr.Root} instutil grub2-generate > \"$2\"\n");
        File.SetUnixFileMode(script, (UnixFileMode)0x1ED);
        return script;
    }

    [Fact]
    public void Grub2BiosMenuMatchesOstree()
    {
        Directory.CreateDirectory(Path.Combine(Boot, "grub"));
        File.WriteAllText(Path.Combine(Boot, "grub", "grub.cfg"), "");
        var exec = "OSTREE_GRUB2_EXEC=" + FakeMkconfig();
        for (int round = 1; round <= 2; round++)
        {
            _sr.Deploy(_sr.CommitTree($"{round}", NoEtc), exec);
            int version = _sr.CurrentBootVersion();
            Assert.Equal("grub2", Bootloaders.Detect(_sr.Root)?.Name);
            var theirs = File.ReadAllText(Path.Combine(Boot, $"loader.{version}", "grub.cfg"));
            Assert.Equal(theirs, Grub2Bootloader.GenerateMenuEntries(_sr.ReadEntries(version), DeviceId, PrepareRoot, isEfi: false));
        }
    }

    [Fact]
    public void Grub2EfiMenuMatchesOstree()
    {
        var vendor = Path.Combine(Boot, "efi", "EFI", "testos");
        Directory.CreateDirectory(vendor);
        Directory.CreateDirectory(Path.Combine(Boot, "efi", "EFI", "BOOT"));
        File.WriteAllText(Path.Combine(vendor, "grub.cfg"), "# installer's\n");
        Assert.Equal(Path.Combine(vendor, "grub.cfg"), Grub2Bootloader.FindConfig(_sr.Root, out bool isEfi));
        Assert.True(isEfi);
        _sr.Deploy(_sr.CommitTree("1", NoEtc), "OSTREE_GRUB2_EXEC=" + FakeMkconfig());
        var theirs = File.ReadAllText(Path.Combine(vendor, "grub.cfg"));
        Assert.Equal("# installer's\n", File.ReadAllText(Path.Combine(vendor, "grub.cfg.old")));
        Assert.Equal(theirs, Grub2Bootloader.GenerateMenuEntries(_sr.ReadEntries(_sr.CurrentBootVersion()), DeviceId, PrepareRoot, isEfi: true));
    }

    [Fact]
    public void Grub2BuiltinConfigIsWrittenForTheNewBootVersion()
    {
        // Without a generator (no grub installed, sysroot in a directory) Arbor writes the builtin-generator config.
        Directory.CreateDirectory(Path.Combine(Boot, "grub2"));
        File.WriteAllText(Path.Combine(Boot, "grub2", "grub.cfg"), "");
        _sr.Deploy(_sr.CommitTree("1", NoEtc), "OSTREE_GRUB2_EXEC=" + FakeMkconfig());
        int version = _sr.CurrentBootVersion();
        var entries = _sr.ReadEntries(version);
        var target = Path.Combine(Boot, $"loader.{version}", "grub.cfg");
        File.Delete(target);
        new Grub2Bootloader().WriteConfig(_sr.Root, version, entries);
        var text = File.ReadAllText(target, Encoding.UTF8);
        Assert.Equal(Grub2Bootloader.GenerateBuiltinConfig(entries, "/boot"), text);
        Assert.Contains("\t linux /boot/ostree/testos-", text, StringComparison.Ordinal);
    }
}
