// The non-BLS bootloaders a sysroot may use and how one is chosen. A deploy writes the BLS entries
// of the new boot version to boot/loader.N/entries, then (before the boot/loader symlink swap)
// asks the active bootloader to regenerate its own configuration from those entries. Detection
// follows libostree: the repository's `sysroot.bootloader` setting, and when that is "auto"
// (the default) the first of syslinux, grub2, u-boot whose configuration file exists.
// BlsEntries holds what the writers share: ostree's key lookup and its line joiner.
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Sysroot.Bootloader;

/// <summary>
/// A bootloader whose configuration ostree regenerates from the BLS entries. Writing deployments
/// calls it after the new boot/loader.N entries and bootlinks are complete and before the
/// boot/loader symlink is swapped, so its configuration for the new boot version and the swap
/// become visible together.
/// </summary>
public interface IBootloader
{
    /// <summary>The name ostree gives it ("syslinux", "grub2", "U-Boot").</summary>
    string Name { get; }

    /// <summary>True when the switch to the new configuration is atomic with the loader symlink swap (it writes into boot/loader.N).</summary>
    bool IsAtomic => true;

    /// <summary>True when <paramref name="sysrootPath"/> is set up for this bootloader.</summary>
    bool IsActive(string sysrootPath);

    /// <summary>
    /// Writes the configuration for <paramref name="newBootVersion"/> from <paramref name="entries"/> (each the
    /// BLS key/value pairs in file order; entries in ostree's sort order). Called after boot/loader.N/entries and the
    /// ostree/boot.N links are complete and before the boot/loader symlink moves.
    /// </summary>
    void WriteConfig(string sysrootPath, int newBootVersion, IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> entries);

    /// <summary>Runs after boot/loader points at the new version.</summary>
    void PostSwap(string sysrootPath, int newBootVersion)
    {
    }
}

/// <summary>Choosing the bootloader of a sysroot.</summary>
public static class Bootloaders
{
    /// <summary>The bootloaders in the order ostree probes them.</summary>
    public static IReadOnlyList<IBootloader> All { get; } = [new SyslinuxBootloader(), new Grub2Bootloader(), new UbootBootloader()];

    /// <summary>The bootloader to use for <paramref name="sysrootPath"/>, or null when none is configured or found.</summary>
    /// <exception cref="OstreeException">The repository names a bootloader Arbor does not know.</exception>
    public static IBootloader? Detect(string sysrootPath)
    {
        var configured = ConfiguredBootloader(sysrootPath);
        return configured switch
        {
            "auto" => All.FirstOrDefault(b => b.IsActive(sysrootPath)),
            "none" => null,
            "syslinux" => All[0],
            "grub2" => All[1],
            "uboot" => All[2],
            _ => throw new OstreeException($"Invalid sysroot.bootloader '{configured}' in {RepoConfigPath(sysrootPath)} (Arbor supports auto, none, grub2, syslinux, uboot)"),
        };
    }

    internal static string RepoConfigPath(string sysrootPath) => Path.Combine(sysrootPath, "ostree", "repo", "config");

    private static string ConfiguredBootloader(string sysrootPath)
    {
        var path = RepoConfigPath(sysrootPath);
        return File.Exists(path) ? KeyFile.Load(path).Get("sysroot", "bootloader") ?? "auto" : "auto";
    }

    /// <summary>The repository's <c>sysroot.bootprefix</c>: kernel paths in generated configs carry no "/boot" prefix.</summary>
    internal static bool BootPrefix(string sysrootPath)
    {
        var path = RepoConfigPath(sysrootPath);
        return File.Exists(path) && KeyFile.Load(path).GetBool("sysroot", "bootprefix", false);
    }
}

/// <summary>Reading BLS entries the way ostree's bootconfig parser does, and ostree's config-file line joiner.</summary>
public static class BlsEntries
{
    /// <summary>
    /// The value of <paramref name="key"/>: the last occurrence wins, except for "initrd" where the first is the
    /// main initramfs and later ones are overlays.
    /// </summary>
    public static string? Get(IReadOnlyList<KeyValuePair<string, string>> entry, string key)
    {
        string? value = null;
        foreach (var kv in entry)
        {
            if (!string.Equals(kv.Key, key, StringComparison.Ordinal))
                continue;
            value = kv.Value;
            if (key == "initrd")
                break;
        }
        return value;
    }

    /// <summary>
    /// Joins lines with '\n' after each, dropping an empty first line and every empty line after the first one
    /// kept: ostree's _ostree_sysroot_join_lines, reproduced so regenerated files are byte-identical.
    /// </summary>
    public static string JoinLines(IReadOnlyList<string> lines)
    {
        var sb = new System.Text.StringBuilder();
        bool sawEmpty = false;
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Length == 0)
            {
                if (sawEmpty || i == 0)
                    continue;
                sawEmpty = true;
            }
            sb.Append(lines[i]).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The path of a loader directory file: boot/loader.N/<paramref name="name"/>.</summary>
    internal static string LoaderFile(string sysrootPath, int bootVersion, string name) =>
        Path.Combine(sysrootPath, "boot", $"loader.{bootVersion}", name);

    internal static void RequireBootVersion(int bootVersion)
    {
        if (bootVersion is not (0 or 1))
            throw new ArgumentOutOfRangeException(nameof(bootVersion), bootVersion, "boot version must be 0 or 1");
    }
}
