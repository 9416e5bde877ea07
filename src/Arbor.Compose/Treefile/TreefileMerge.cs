// How an included treefile folds into the one that includes it, exactly as rpm-ostree's
// treefile_merge: the including file (dest) wins every single-valued key it sets (so among several
// includes the earliest one listed wins over later ones); lists put the included file's items
// first, then the includer's (so postprocess runs included scripts first, a later include before an
// earlier one); maps take the included entries and let the includer's override; sets are unioned.
// repo-packages is then collapsed so a package named in a later entry is taken from that repo only.
namespace Arbor.Compose.Treefile;

/// <summary>Merges an included config into its includer.</summary>
internal static class TreefileMerge
{
    public static void Merge(TreefileConfig dest, TreefileConfig src)
    {
        dest.Edition ??= src.Edition;
        dest.Ref ??= src.Ref;
        dest.Basearch ??= src.Basearch;
        dest.Selinux ??= src.Selinux;
        dest.Sysusers ??= src.Sysusers;
        dest.SelinuxLabelVersion ??= src.SelinuxLabelVersion;
        dest.IgnoreDevices ??= src.IgnoreDevices;
        dest.Ima ??= src.Ima;
        dest.GpgKey ??= src.GpgKey;
        dest.Container ??= src.Container;
        dest.Recommends ??= src.Recommends;
        dest.ReadonlyExecutables ??= src.ReadonlyExecutables;
        dest.ContainerCmd ??= src.ContainerCmd;
        dest.Documentation ??= src.Documentation;
        dest.BootLocation ??= src.BootLocation;
        dest.TmpIsDir ??= src.TmpIsDir;
        dest.OptUsrLocal ??= src.OptUsrLocal;
        dest.DefaultTarget ??= src.DefaultTarget;
        dest.MachineidCompat ??= src.MachineidCompat;
        dest.Releasever ??= src.Releasever;
        dest.AutomaticVersionPrefix ??= src.AutomaticVersionPrefix;
        dest.AutomaticVersionSuffix ??= src.AutomaticVersionSuffix;
        dest.RepoMetadata ??= src.RepoMetadata;
        dest.AdvisoriesMetadata ??= src.AdvisoriesMetadata;
        dest.Rpmdb ??= src.Rpmdb;
        dest.MutateOsRelease ??= src.MutateOsRelease;
        dest.PreservePasswd ??= src.PreservePasswd;
        dest.CheckPasswd ??= src.CheckPasswd;
        dest.CheckGroups ??= src.CheckGroups;
        dest.PostprocessScript ??= src.PostprocessScript;
        dest.RpmdbNormalize ??= src.RpmdbNormalize;
        dest.NoInitramfs ??= src.NoInitramfs;
        dest.PlatformModule ??= src.PlatformModule;
        dest.Cliwrap ??= src.Cliwrap;

        dest.IgnoreRemovedGroups = Union(dest.IgnoreRemovedGroups, src.IgnoreRemovedGroups);
        dest.IgnoreRemovedUsers = Union(dest.IgnoreRemovedUsers, src.IgnoreRemovedUsers);
        dest.Packages = Union(dest.Packages, src.Packages);

        dest.AddCommitMetadata = Update(dest.AddCommitMetadata, src.AddCommitMetadata);
        dest.Metadata = Update(dest.Metadata, src.Metadata);
        dest.Repovars = Update(dest.Repovars, src.Repovars);

        dest.Repos = Append(dest.Repos, src.Repos);
        dest.LockfileRepos = Append(dest.LockfileRepos, src.LockfileRepos);
        dest.ExcludePackages = Append(dest.ExcludePackages, src.ExcludePackages);
        dest.OstreeLayers = Append(dest.OstreeLayers, src.OstreeLayers);
        dest.OstreeOverrideLayers = Append(dest.OstreeOverrideLayers, src.OstreeOverrideLayers);
        dest.InstallLangs = Append(dest.InstallLangs, src.InstallLangs);
        dest.InitramfsArgs = Append(dest.InitramfsArgs, src.InitramfsArgs);
        dest.Units = Append(dest.Units, src.Units);
        dest.EtcGroupMembers = Append(dest.EtcGroupMembers, src.EtcGroupMembers);
        dest.Postprocess = Append(dest.Postprocess, src.Postprocess);
        dest.AddFiles = Append(dest.AddFiles, src.AddFiles);
        dest.RemoveFiles = Append(dest.RemoveFiles, src.RemoveFiles);
        dest.RemoveFromPackages = Append(dest.RemoveFromPackages, src.RemoveFromPackages);
        dest.CliwrapBinaries = Append(dest.CliwrapBinaries, src.CliwrapBinaries);
        dest.RepoPackages = Append(dest.RepoPackages, src.RepoPackages);
        if (dest.RepoPackages != null)
            dest.RepoPackages = CollapseRepoPackages(dest.RepoPackages);
        // finalize.d is the one place an included file wins: its scripts replace same-named ones.
        if (src.FinalizeD != null)
        {
            dest.FinalizeD ??= new(StringComparer.Ordinal);
            foreach (var (name, path) in src.FinalizeD)
                dest.FinalizeD[name] = path;
        }
        foreach (var (k, node) in src.KeyNodes)
            dest.KeyNodes.TryAdd(k, node);
    }

    private static List<T>? Append<T>(List<T>? dest, List<T>? src) =>
        src == null ? dest : dest == null ? src : [.. src, .. dest];

    private static SortedSet<string>? Union(SortedSet<string>? dest, SortedSet<string>? src)
    {
        if (src == null)
            return dest;
        if (dest != null)
            src.UnionWith(dest);
        return src;
    }

    private static SortedDictionary<string, T>? Update<T>(SortedDictionary<string, T>? dest, SortedDictionary<string, T>? src)
    {
        if (src == null)
            return dest;
        if (dest != null)
        {
            foreach (var (k, v) in dest)
                src[k] = v;
        }
        return src;
    }

    // Walk from the last entry back, so a package keeps only its latest repo; entries left empty go.
    private static List<RepoPackages> CollapseRepoPackages(List<RepoPackages> entries)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<RepoPackages>();
        for (int i = entries.Count - 1; i >= 0; i--)
        {
            var pkgs = entries[i].Packages.Where(seen.Add).ToList();
            if (pkgs.Count > 0)
                kept.Add(entries[i] with { Packages = pkgs });
        }
        kept.Reverse();
        return kept;
    }
}
