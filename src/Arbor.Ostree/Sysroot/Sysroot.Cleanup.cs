// Removing what the current boot configuration no longer references (libostree's
// ostree-sysroot-cleanup.c): the other boot version's loader directory and bootlinks, the other
// sub-boot version, deployment directories (and .origin files) of no deployment, boot/ostree/OS-CSUM
// kernel directories of no deployment; then the repository refs ostree/BOOTVERSION/SUBBOOTVERSION/INDEX
// are regenerated so that a plain `ostree prune` keeps every deployed commit, and optionally the
// repository is pruned (refs only, depth 0). Only unreferenced state is deleted, so running it at
// any time — or after a crash — is safe.
using Arbor.Native;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Sysroot;

public sealed partial class Sysroot
{
    /// <summary>Deletes unreferenced boot versions, deployments and kernels, regenerates the deployment refs and
    /// (with <paramref name="pruneRepo"/>) prunes the repository.</summary>
    /// <param name="pruneRepo">Also prune unreachable repository objects.</param>
    /// <param name="quiet">Do not emit the "Freed objects" message (callers that report it their own way).</param>
    /// <returns>Bytes freed by the prune (0 without it).</returns>
    public ulong Cleanup(bool pruneRepo, bool quiet = false)
    {
        try
        {
            CleanupOtherBootversions();
        }
        catch (Exception e) when (e is IOException or OstreeException or UnauthorizedAccessException)
        {
            throw new OstreeException($"Cleaning bootversions: {e.Message}", e);
        }
        try
        {
            CleanupOldDeployments();
        }
        catch (Exception e) when (e is IOException or OstreeException or UnauthorizedAccessException)
        {
            throw new OstreeException($"Cleaning deployments: {e.Message}", e);
        }
        GenerateDeploymentRefs();
        if (!pruneRepo)
            return 0;
        var result = Pruner.Prune(Repo, new PruneOptions { RefsOnly = true, Depth = 0 });
        if (result.FreedBytes > 0 && !quiet)
            Raise(new ObjectsFreed(result.FreedBytes));
        return result.FreedBytes;
    }

    private void CleanupOtherBootversions()
    {
        int otherBoot = BootVersion == 0 ? 1 : 0;
        int otherSub = SubBootVersion == 0 ? 1 : 0;
        PathRemoval.RemoveAny(Abs($"boot/loader.{otherBoot}"));
        PathRemoval.RemoveAny(Abs($"ostree/boot.{otherBoot}"));
        PathRemoval.RemoveAny(Abs($"ostree/boot.{otherBoot}.0"));
        PathRemoval.RemoveAny(Abs($"ostree/boot.{otherBoot}.1"));
        PathRemoval.RemoveAny(Abs($"ostree/boot.{BootVersion}.{otherSub}"));
    }

    private void CleanupOldDeployments()
    {
        var activeDirs = new HashSet<string>(Deployments.Select(d => d.RelativePath), StringComparer.Ordinal);
        var activeBoot = new HashSet<string>(Deployments.Select(d => d.BootCsum ?? ""), StringComparer.Ordinal);
        var root = LibC.LStat("/");
        var deployRoot = Abs("ostree/deploy");
        if (Directory.Exists(deployRoot))
        {
            foreach (var os in new DirectoryInfo(deployRoot).EnumerateDirectories())
            {
                if (os.LinkTarget is not null)
                    continue;
                foreach (var (csum, serial) in ListDeploymentDirs(os.Name))
                {
                    var rel = $"ostree/deploy/{os.Name}/deploy/{csum}.{serial}";
                    if (activeDirs.Contains(rel))
                        continue;
                    var st = LibC.LStat(Abs(rel));
                    // Never the running root, whatever the entries say.
                    if (st.Device == root.Device && st.Inode == root.Inode)
                        continue;
                    PathRemoval.RemoveAny(Abs(rel + ".origin"));
                    RemoveTree(Abs(rel));
                }
            }
        }
        var bootOstree = Abs("boot/ostree");
        if (Directory.Exists(bootOstree))
        {
            foreach (var dir in new DirectoryInfo(bootOstree).EnumerateDirectories())
            {
                if (dir.LinkTarget is not null)
                    continue;
                int dash = dir.Name.LastIndexOf('-');
                if (dash < 0)
                    continue;
                var csum = dir.Name[(dash + 1)..];
                if (!Checksum.TryParse(csum, out _) || csum.Any(char.IsAsciiLetterUpper))
                    continue;
                if (activeBoot.Contains(csum))
                    continue;
                Directory.Delete(dir.FullName, recursive: true);
            }
        }
    }

    private void GenerateDeploymentRefs()
    {
        int otherBoot = BootVersion == 0 ? 1 : 0;
        int otherSub = SubBootVersion == 0 ? 1 : 0;
        try
        {
            using var txn = RepoTransaction.Prepare(Repo);
            foreach (var prefix in new[] { $"ostree/{otherBoot}/0", $"ostree/{otherBoot}/1", $"ostree/{BootVersion}/{otherSub}" })
            {
                foreach (var r in Repo.ListRefs(includeRemotes: false, prefix: prefix))
                {
                    if (r.Name == prefix || r.Name.StartsWith(prefix + "/", StringComparison.Ordinal))
                        txn.SetRef(null, r.Name, null);
                }
            }
            for (int i = 0; i < Deployments.Count; i++)
                txn.SetRef(null, $"ostree/{BootVersion}/{SubBootVersion}/{i}", Checksum.Parse(Deployments[i].Csum));
            txn.Commit();
        }
        catch (Exception e) when (e is IOException or OstreeException or FormatException)
        {
            throw new OstreeException($"Generating deployment refs: {e.Message}", e);
        }
    }
}
