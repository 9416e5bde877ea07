// U-Boot: boot/loader/uEnv.txt (present for the current boot version) is regenerated as
// boot/loader.N/uEnv.txt holding variables for every entry (kernel_image, ramdisk_image,
// fdt_file, fdtdir, bootargs; the first entry unsuffixed, the next ones suffixed 2, 3, ...).
// The first entry's deployment may ship usr/lib/ostree-boot/uEnv.txt, which is appended after its
// bootargs; the deployment is found through the entry's ostree= kernel argument, whose
// ostree/boot.N link is in place by the time the bootloader is written.
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Sysroot.Bootloader;

/// <summary>The U-Boot uEnv.txt writer.</summary>
public sealed class UbootBootloader : IBootloader
{
    /// <summary>Where U-Boot reads its environment, relative to the sysroot.</summary>
    public const string ConfigPath = "boot/loader/uEnv.txt";

    /// <inheritdoc />
    public string Name => "U-Boot";

    /// <inheritdoc />
    public bool IsActive(string sysrootPath) =>
        Arbor.Native.LibC.TryLStat(Path.Combine(sysrootPath, ConfigPath), out _, out _);

    /// <inheritdoc />
    public void WriteConfig(string sysrootPath, int newBootVersion, IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> entries)
    {
        BlsEntries.RequireBootVersion(newBootVersion);
        // ostree insists that the current file is readable even though nothing of it is kept.
        var current = Path.Combine(sysrootPath, ConfigPath);
        if (!File.Exists(current))
            throw new OstreeException($"Bootloader write config: {current}: No such file or directory");
        var text = Generate(entries, options => SystemUenv(sysrootPath, options));
        AtomicFile.WriteAllText(BlsEntries.LoaderFile(sysrootPath, newBootVersion, "uEnv.txt"), text, fsync: true);
    }

    /// <summary>
    /// The uEnv.txt for <paramref name="entries"/>. <paramref name="systemUenv"/> maps the first entry's options to the
    /// text of its deployment's usr/lib/ostree-boot/uEnv.txt, or null when it has none.
    /// </summary>
    /// <exception cref="OstreeException">An entry has no "linux" key.</exception>
    public static string Generate(IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> entries, Func<string, string?> systemUenv)
    {
        var lines = new List<string>();
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var suffix = i == 0 ? "" : (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var linux = BlsEntries.Get(entry, "linux")
                ?? throw new OstreeException("Bootloader write config: No \"linux\" key in bootloader config");
            lines.Add($"kernel_image{suffix}=/boot{linux}");
            if (BlsEntries.Get(entry, "initrd") is { } initrd)
                lines.Add($"ramdisk_image{suffix}=/boot{initrd}");
            if (BlsEntries.Get(entry, "devicetree") is { } dtb)
                lines.Add($"fdt_file{suffix}=/boot{dtb}");
            if (BlsEntries.Get(entry, "fdtdir") is { } fdtdir)
                lines.Add($"fdtdir{suffix}=/boot{fdtdir}");
            if (BlsEntries.Get(entry, "options") is { } options)
            {
                lines.Add($"bootargs{suffix}={options}");
                if (i == 0 && systemUenv(options) is { } extra)
                    lines.Add(extra);
            }
        }
        return BlsEntries.JoinLines(lines);
    }

    /// <summary>The deployment's own uEnv.txt, found through the last ostree= argument of <paramref name="options"/>.</summary>
    private static string? SystemUenv(string sysrootPath, string options)
    {
        var ostreeArg = LastValue(options, "ostree")
            ?? throw new OstreeException("Bootloader write config: No ostree= kernel argument found in boot loader configuration file");
        // The argument is an absolute path inside the sysroot ("/ostree/boot.N/...").
        var path = Path.Combine(sysrootPath, ostreeArg.Length > 0 ? ostreeArg[1..] : "", "usr/lib/ostree-boot/uEnv.txt");
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The value of the last <paramref name="key"/>=value kernel argument (double quotes group words).</summary>
    internal static string? LastValue(string options, string key)
    {
        string? last = null;
        foreach (var arg in SplitArgs(options))
        {
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq == key.Length && arg.StartsWith(key, StringComparison.Ordinal))
                last = arg[(eq + 1)..];
        }
        return last;
    }

    private static IEnumerable<string> SplitArgs(string options)
    {
        var sb = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (var c in options)
        {
            if (c == '"')
                quoted = !quoted;
            if (c == ' ' && !quoted)
            {
                if (sb.Length > 0)
                    yield return sb.ToString();
                sb.Clear();
            }
            else
            {
                sb.Append(c);
            }
        }
        if (sb.Length > 0)
            yield return sb.ToString();
    }
}
