// syslinux: boot/syslinux/syslinux.cfg is a symlink to ../loader/syslinux.cfg, so the file of
// the current boot version is read and boot/loader.N/syslinux.cfg of the new one is written.
// Labels whose KERNEL is not an ostree kernel (/ostree/... or /boot/ostree/...) and every line
// outside labels are kept as they are; ostree's labels are dropped and regenerated from the BLS
// entries; DEFAULT is regenerated (to the first entry) when it was missing or pointed at an
// ostree entry. The rewrite mirrors libostree's line by line, quirks included, so the file is
// byte-identical to the one ostree writes.
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Sysroot.Bootloader;

/// <summary>The syslinux configuration writer.</summary>
public sealed class SyslinuxBootloader : IBootloader
{
    /// <summary>Where syslinux reads its configuration, relative to the sysroot.</summary>
    public const string ConfigPath = "boot/syslinux/syslinux.cfg";

    /// <inheritdoc />
    public string Name => "syslinux";

    /// <inheritdoc />
    public bool IsActive(string sysrootPath) =>
        Arbor.Native.LibC.TryLStat(Path.Combine(sysrootPath, ConfigPath), out _, out _);

    /// <inheritdoc />
    public void WriteConfig(string sysrootPath, int newBootVersion, IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> entries)
    {
        BlsEntries.RequireBootVersion(newBootVersion);
        var current = Path.Combine(sysrootPath, ConfigPath);
        string text;
        try
        {
            // Follows the symlink to the current boot version's file.
            text = File.ReadAllText(current);
        }
        catch (IOException e)
        {
            throw new OstreeException($"Bootloader write config: reading {current}: {e.Message}", e);
        }
        var updated = Rewrite(text, entries, Bootloaders.BootPrefix(sysrootPath));
        AtomicFile.WriteAllText(BlsEntries.LoaderFile(sysrootPath, newBootVersion, "syslinux.cfg"), updated, fsync: true);
    }

    /// <summary>
    /// The new syslinux.cfg: <paramref name="currentConfig"/> with its ostree labels replaced by labels for
    /// <paramref name="entries"/>. With <paramref name="bootPrefix"/> kernel paths are written without "/boot".
    /// </summary>
    /// <exception cref="OstreeException">A label has no KERNEL line, or an entry no "linux" key.</exception>
    public static string Rewrite(string currentConfig, IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> entries, bool bootPrefix = false)
    {
        var lines = currentConfig.Split('\n');
        var kept = new List<string>();
        var label = new List<string>();
        string? kernel = null;
        bool sawDefault = false, regenerateDefault = false, inLabel = false;

        // One extra round with line == null closes a label that runs to the end of the file.
        for (int i = 0; i <= lines.Length; i++)
        {
            var line = i < lines.Length ? lines[i] : null;
            if (inLabel && (line is null || !line.StartsWith('\t')))
            {
                inLabel = false;
                if (kernel is null)
                    throw new OstreeException("Bootloader write config: No KERNEL argument found after LABEL");
                // Kernels under /ostree are the ones regenerated below; anything else belongs to someone else.
                if (!kernel.StartsWith("/ostree/", StringComparison.Ordinal) && !kernel.StartsWith("/boot/ostree/", StringComparison.Ordinal))
                    kept.AddRange(label);
                label.Clear();
            }
            if (line is null)
                break;

            bool skip = false;
            if (!inLabel && line.StartsWith("LABEL ", StringComparison.Ordinal))
            {
                inLabel = true;
                label.Clear();
            }
            else if (inLabel && line.StartsWith("\tKERNEL ", StringComparison.Ordinal))
            {
                // Deliberately not reset between labels, as in ostree.
                kernel = line["\tKERNEL ".Length..];
            }
            else if (!inLabel && line.StartsWith("DEFAULT ", StringComparison.Ordinal))
            {
                sawDefault = true;
                // ostree recognises its own default by its title: "ostree:" (old titles) or "(ostree" (current ones).
                if (line.StartsWith("DEFAULT ostree:", StringComparison.Ordinal) || line.Contains("(ostree", StringComparison.Ordinal))
                    regenerateDefault = true;
                skip = true;
            }
            if (!skip)
                (inLabel ? label : kept).Add(line);
        }
        if (!sawDefault)
            regenerateDefault = true;

        var prefix = bootPrefix ? "" : "/boot";
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var title = BlsEntries.Get(entry, "title") ?? "(Untitled)";
            if (regenerateDefault && i == 0)
                kept.Add("DEFAULT " + title);
            kept.Add("LABEL " + title);
            var linux = BlsEntries.Get(entry, "linux")
                ?? throw new OstreeException("Bootloader write config: No \"linux\" key in bootloader config");
            kept.Add($"\tKERNEL {prefix}{linux}");
            if (BlsEntries.Get(entry, "initrd") is { } initrd)
                kept.Add($"\tINITRD {prefix}{initrd}");
            if (BlsEntries.Get(entry, "devicetree") is { } dtb)
                kept.Add($"\tDEVICETREE {prefix}{dtb}");
            if (BlsEntries.Get(entry, "options") is { } options)
                kept.Add("\tAPPEND " + options);
        }
        return BlsEntries.JoinLines(kept);
    }
}
