// grub2: active when boot/grub/grub.cfg (Debian) or boot/grub2/grub.cfg (Fedora) exists, or an
// EFI vendor directory boot/efi/EFI/<vendor>/grub.cfg does (not EFI/BOOT), unless bootupd's
// state says it manages static configs. ostree regenerates the menu by running grub2-mkconfig,
// whose 15_ostree script calls `ostree admin instutil grub2-generate`; that menu text is
// GenerateMenuEntries here (byte-identical to ostree's). WriteConfig runs, like ostree, the
// generator named by OSTREE_GRUB2_EXEC, or the system's grub-mkconfig when the sysroot is "/";
// otherwise (no grub installed, or a sysroot in a directory, where ostree would chroot into the
// new deployment) it writes the configuration ostree's builtin generator produces. BIOS configs
// go to boot/loader.N/grub.cfg (grub.cfg links there); EFI ones replace the vendor grub.cfg, not
// atomically (FAT), keeping the previous one as grub.cfg.old.
using System.Diagnostics;
using System.Text;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Sysroot.Bootloader;

/// <summary>The grub2 configuration writer.</summary>
public sealed class Grub2Bootloader : IBootloader
{
    private const string BootupdState = "boot/bootupd-state.json";

    /// <inheritdoc />
    public string Name => "grub2";

    /// <inheritdoc />
    /// <remarks>grub2 writes its configuration in place, not into boot/loader.N.</remarks>
    public bool IsAtomic => false;

    /// <inheritdoc />
    public bool IsActive(string sysrootPath) => FindConfig(sysrootPath, out _) is not null;

    /// <summary>
    /// The grub.cfg grub reads for <paramref name="sysrootPath"/>, or null when grub2 is not in use;
    /// <paramref name="isEfi"/> tells whether it is an EFI vendor directory's.
    /// </summary>
    public static string? FindConfig(string sysrootPath, out bool isEfi)
    {
        isEfi = false;
        var bootupd = Path.Combine(sysrootPath, BootupdState);
        if (File.Exists(bootupd))
        {
            // bootupd with static configs owns grub.cfg; a textual probe, as ostree does, keeps JSON out of this.
            var state = File.ReadAllText(bootupd);
            if (state.Contains("\"static-configs\"", StringComparison.Ordinal) && !state.Contains("\"static-configs\":null", StringComparison.Ordinal))
                return null;
        }
        foreach (var bios in new[] { "boot/grub/grub.cfg", "boot/grub2/grub.cfg" })
        {
            var p = Path.Combine(sysrootPath, bios);
            if (Path.Exists(p))
                return p;
        }
        var efi = Path.Combine(sysrootPath, "boot/efi/EFI");
        if (!Directory.Exists(efi))
            return null;
        foreach (var e in GioDirectory.Read(efi))
        {
            if (e.Name == "BOOT" || !e.Stat.IsDirectory)
                continue;
            var cfg = Path.Combine(efi, e.Name, "grub.cfg");
            if (Path.Exists(cfg))
            {
                isEfi = true;
                return cfg;
            }
        }
        return null;
    }

    /// <inheritdoc />
    public void WriteConfig(string sysrootPath, int newBootVersion, IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> entries)
    {
        BlsEntries.RequireBootVersion(newBootVersion);
        var config = FindConfig(sysrootPath, out bool isEfi)
            ?? throw new OstreeException($"Bootloader write config: no grub.cfg found under {sysrootPath}/boot");
        var target = isEfi ? Path.Combine(Path.GetDirectoryName(config)!, "grub.cfg.new") : BlsEntries.LoaderFile(sysrootPath, newBootVersion, "grub.cfg");
        if (isEfi)
            File.Delete(target);

        var generator = Environment.GetEnvironmentVariable("OSTREE_GRUB2_EXEC") is { Length: > 0 } exec ? exec
            : Path.GetFullPath(sysrootPath) == "/" ? SystemMkconfig() : null;
        if (generator is not null)
            RunGenerator(generator, target, newBootVersion, isEfi);
        else
            AtomicFile.WriteAllText(target, GenerateBuiltinConfig(entries, BuiltinBootPrefix(sysrootPath)), fsync: true);

        if (isEfi)
        {
            var old = Path.Combine(Path.GetDirectoryName(config)!, "grub.cfg.old");
            File.Copy(config, old, overwrite: true);
            File.Delete(config);
            File.Move(target, config);
        }
    }

    /// <summary>
    /// The menu entries <c>ostree admin instutil grub2-generate</c> prints, as grub2-mkconfig's 15_ostree script
    /// embeds them. <paramref name="bootDeviceId"/> and <paramref name="prepareRootCache"/> are what grub-mkconfig
    /// computes for the boot device (GRUB2_BOOT_DEVICE_ID, GRUB2_PREPARE_ROOT_CACHE). With
    /// <paramref name="legacyCommands"/> the kernel is loaded with linux16/initrd16 (BIOS) or linuxefi/initrdefi
    /// (EFI), as ostree builds without modern-grub support do on x86.
    /// </summary>
    /// <exception cref="OstreeException">An entry has no "linux" key.</exception>
    public static string GenerateMenuEntries(IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> entries,
        string bootDeviceId, string prepareRootCache, bool isEfi, bool legacyCommands = false)
    {
        var suffix = !legacyCommands ? "" : isEfi ? "efi" : "16";
        var sb = new StringBuilder();
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var title = BlsEntries.Get(entry, "title") ?? "(Untitled)";
            sb.Append("menuentry ").Append(ShellQuote(title))
              .Append(" --class gnu-linux --class gnu --class os --unrestricted ")
              .Append(ShellQuote($"ostree-{i}-{bootDeviceId}")).Append(" {\n");
            sb.Append("load_video\nset gfxpayload=keep\ninsmod gzio\n").Append(prepareRootCache).Append('\n');
            var linux = BlsEntries.Get(entry, "linux")
                ?? throw new OstreeException("No \"linux\" key in bootloader config");
            sb.Append("linux").Append(suffix).Append(' ').Append(linux);
            if (BlsEntries.Get(entry, "options") is { } options)
                sb.Append(' ').Append(options);
            sb.Append('\n');
            if (BlsEntries.Get(entry, "initrd") is { } initrd)
                sb.Append("initrd").Append(suffix).Append(' ').Append(initrd).Append('\n');
            if (BlsEntries.Get(entry, "devicetree") is { } dtb)
                sb.Append("devicetree ").Append(dtb).Append('\n');
            sb.Append("}\n");
        }
        return sb.ToString();
    }

    /// <summary>
    /// A complete grub.cfg in the form of ostree's builtin generator (ostree-grub-generator): a header with a
    /// serial console, default and timeout, then one menuentry per entry with paths under <paramref name="bootPrefix"/>.
    /// </summary>
    public static string GenerateBuiltinConfig(IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> entries, string bootPrefix)
    {
        var sb = new StringBuilder();
        sb.Append("# This file was generated by Arbor from the boot loader entries. Do not modify the generated file - all changes will\n")
          .Append("# be lost the next time file is regenerated.\n");
        sb.Append("serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1\ndefault=boot\ntimeout=10\n\n");
        foreach (var entry in entries)
        {
            // The shell generator reads each line through `echo ${line}`, which collapses runs of blanks.
            var title = Collapse(BlsEntries.Get(entry, "title")) is { Length: > 0 } t ? t : "(Untitled)";
            sb.Append("menuentry '").Append(title).Append("' {\n");
            sb.Append("\t linux ").Append(bootPrefix).Append(Collapse(BlsEntries.Get(entry, "linux")))
              .Append(' ').Append(Collapse(BlsEntries.Get(entry, "options"))).Append('\n');
            if (Collapse(BlsEntries.Get(entry, "initrd")) is { Length: > 0 } initrd)
                sb.Append("\t initrd ").Append(bootPrefix).Append(initrd).Append('\n');
            if (Collapse(BlsEntries.Get(entry, "devicetree")) is { Length: > 0 } dtb)
                sb.Append("\t devicetree ").Append(bootPrefix).Append(dtb).Append('\n');
            sb.Append("}\n\n");
        }
        return sb.ToString();
    }

    /// <summary>g_shell_quote: single quotes, with each ' written as '\''.</summary>
    internal static string ShellQuote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Collapse(string? s) =>
        s is null ? "" : string.Join(' ', s.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));

    // The builtin generator prefixes /boot when /boot is not a separate file system from the repository.
    private static string BuiltinBootPrefix(string sysrootPath)
    {
        var env = Environment.GetEnvironmentVariable("OSTREE_BOOT_PARTITION");
        if (env is not null)
            return env;
        var boot = Path.Combine(sysrootPath, "boot", "ostree");
        var repo = Path.Combine(sysrootPath, "ostree", "repo");
        return Arbor.Native.LibC.TryLStat(boot, out var b, out _) && Arbor.Native.LibC.TryLStat(repo, out var r, out _) && b.Device == r.Device
            ? "/boot" : "";
    }

    private static string? SystemMkconfig() =>
        new[] { "/usr/sbin/grub2-mkconfig", "/usr/sbin/grub-mkconfig", "/sbin/grub2-mkconfig", "/sbin/grub-mkconfig" }.FirstOrDefault(File.Exists);

    private static void RunGenerator(string exe, string output, int bootVersion, bool isEfi)
    {
        var psi = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-o");
        psi.ArgumentList.Add(output);
        psi.Environment["_OSTREE_GRUB2_BOOTVERSION"] = bootVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (isEfi)
            psi.Environment["_OSTREE_GRUB2_IS_EFI"] = "1";
        using var p = Process.Start(psi) ?? throw new OstreeException($"Bootloader write config: could not start {exe}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            var why = stderr.Result.Trim().Split('\n').LastOrDefault(l => l.Length > 0) ?? $"exit status {p.ExitCode}";
            throw new OstreeException($"Bootloader write config: {exe}: {why}");
        }
        _ = stdout.Result;
        using var fs = new FileStream(output, FileMode.Open, FileAccess.ReadWrite);
        fs.Flush(flushToDisk: true);
    }
}
