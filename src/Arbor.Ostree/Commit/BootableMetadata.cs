// `commit --bootable`: mark a commit as an OS tree and record its kernel release, as ostree
// 2022.7's ostree_commit_metadata_for_bootable does. The kernel is looked for in the tree just
// written (so tar and ref sources count), and only in usr/lib/modules/KVER/vmlinuz: the legacy
// /boot layouts that deployments still accept (KernelLayout) do not make a commit bootable in
// ostree. Exactly one KVER must have a vmlinuz. ostree passes the whole metadata through a
// GVariantDict to add the two keys, which reorders it; GlibHashOrder reproduces that order so
// the commit checksum is ostree's.
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Commits;

/// <summary>The <c>ostree.bootable</c> and <c>ostree.linux</c> commit metadata.</summary>
public static class BootableMetadata
{
    /// <summary>Metadata key flagging a bootable tree.</summary>
    public const string BootableKey = "ostree.bootable";

    /// <summary>Metadata key holding the kernel release.</summary>
    public const string LinuxKey = "ostree.linux";

    /// <summary>The kernel release (KVER) of the committed tree <paramref name="rootTree"/>.</summary>
    /// <exception cref="OstreeException">usr/lib/modules is missing, or holds no kernel or more than one.</exception>
    public static string FindKernelRelease(Repository repo, Checksum rootTree)
    {
        ArgumentNullException.ThrowIfNull(repo);
        var tree = repo.LoadDirTree(rootTree);
        var walked = "";
        foreach (var component in new[] { "usr", "lib", "modules" })
        {
            walked += "/" + component;
            var dir = tree.Dirs.FirstOrDefault(d => d.Name == component);
            if (dir.Name is null)
            {
                if (tree.Files.Any(f => f.Name == component))
                    throw new OstreeException($"Opening usr/lib/modules: Not a directory: {walked}");
                throw new OstreeException($"No such file or directory: {walked}");
            }
            tree = repo.LoadDirTree(dir.Tree);
        }
        string? release = null;
        foreach (var kdir in tree.Dirs)
        {
            var sub = repo.LoadDirTree(kdir.Tree);
            if (!sub.Files.Any(f => f.Name == "vmlinuz") && !sub.Dirs.Any(d => d.Name == "vmlinuz"))
                continue;
            if (release is not null)
                throw new OstreeException("Multiple kernels found in /usr/lib/modules");
            release = kdir.Name;
        }
        return release ?? throw new OstreeException("No kernel found in /usr/lib/modules");
    }

    /// <summary>
    /// <paramref name="metadata"/> with the bootable keys added, in the order ostree's GVariantDict
    /// gives it (a repeated key keeps its first place and its last value).
    /// </summary>
    public static List<KeyValuePair<string, GVariantValue>> Add(IReadOnlyList<KeyValuePair<string, GVariantValue>> metadata, string kernelRelease)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var values = new Dictionary<string, GVariantValue>(StringComparer.Ordinal);
        var keys = new List<string>();
        foreach (var (k, v) in metadata)
        {
            values[k] = v;
            keys.Add(k);
        }
        values[BootableKey] = GVariantValue.Bool(true);
        values[LinuxKey] = GVariantValue.Str(kernelRelease);
        keys.Add(BootableKey);
        keys.Add(LinuxKey);
        return GlibHashOrder.Order(keys).Select(k => new KeyValuePair<string, GVariantValue>(k, values[k])).ToList();
    }
}
