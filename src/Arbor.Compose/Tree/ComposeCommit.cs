// The second half of a compose, `compose commit`: a root filesystem in, one commit out, as
// rpm-ostree's impl_commit_tree does it.
//
//   ROOTFS ─► finalize (once: passwd to /usr/lib, kernel, /var, finalize.d; RootfsFinalize)
//   ─► check-passwd / check-groups against the previous commit
//   ─► metadata: treefile add-commit-metadata < --add-metadata-from-json < --add-metadata-string
//      < what the install knew (version, input hash, repositories) < the rpmdb's package list
//      and the kernel (ostree.bootable, ostree.linux)
//   ─► commit (parent: --parent, else the ref's commit unless --no-parent) ─► ref or commit id file
//
// The target repository and its ref change only here, through RepoCommit's transaction: the ref
// moves after every object of the commit is written, and a failure before leaves both as they were.
using Arbor.Compose.Assemble;
using Arbor.Compose.Postprocess;
using Arbor.Compose.Rpmdb;
using Arbor.Compose.Treefile;
using Arbor.Native;
using Arbor.Ostree.Commits;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Rpm.Rpmdb;

namespace Arbor.Compose.Tree;

/// <summary>Runs <c>compose commit</c>: a root filesystem into a commit.</summary>
public static class ComposeCommit
{
    /// <summary>
    /// Finalizes <paramref name="rootfs"/> (unless already done) and commits it to the options'
    /// repository with the treefile's ref, or writes the checksum to <c>--write-commitid-to</c>.
    /// </summary>
    /// <param name="options">The compose options (repository, metadata, parent, commit id file).</param>
    /// <param name="rootfs">The root filesystem; changed in place by finalizing.</param>
    /// <param name="installed">What an install in the same run knew (treefile, metadata), or null when committing alone.</param>
    /// <param name="events">Receives what happens.</param>
    /// <param name="progress">Receives commit progress.</param>
    /// <param name="cancellationToken">Stops dracut, finalize.d scripts and the commit.</param>
    /// <exception cref="ComposeException">The treefile, the tree or a check is wrong; the message names it.</exception>
    public static ComposeTreeResult Run(ComposeTreeOptions options, string rootfs, ComposeInstallResult? installed = null,
        Action<ComposeEvent>? events = null, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rootfs);
        events ??= _ => { };
        var treefile = installed?.Treefile ?? Treefile.Treefile.Load(options.TreefilePath, options.Basearch ?? Arbor.Rpm.Repodata.RepoConfig.BaseArch);
        string? @ref = treefile.Ref;
        if (@ref is null && options.WriteCommitIdTo is null)
            throw new ComposeException($"{options.TreefilePath}: the treefile has no 'ref' and --write-commitid-to was not given");
        var repo = Repository.Open(options.RepoPath);
        // The install in the same run already resolved the previous commit; only its checksum is needed then.
        var (previous, previousCommit) = installed is { } i ? (i.Previous, null) : Previous(repo, treefile, options);

        // A tree with an SELinux policy needs its files labeled from that policy, which Arbor
        // does not do yet: refusing beats committing a tree that will not boot enforcing.
        if (treefile.Selinux && (File.Exists(Path.Combine(rootfs, "usr/etc/selinux/config")) || File.Exists(Path.Combine(rootfs, "etc/selinux/config"))))
            throw new ComposeException($"{options.TreefilePath}: the tree has an SELinux policy (/etc/selinux/config) and Arbor cannot label files from it yet; set 'selinux: false' to commit it unlabeled");
        var finalized = RootfsFinalize.Run(rootfs, FinalizeRequestFor(treefile, line => events(new ComposeNote(line))), cancellationToken);
        ComposePasswd.Check(rootfs, treefile.CheckPasswd, treefile.CheckGroups, treefile.IgnoreRemovedUsers, treefile.IgnoreRemovedGroups,
            repo, previous, message => events(new ComposeNote(message)));

        var metadata = BaseMetadata(treefile, options);
        var detached = new List<KeyValuePair<string, GVariantValue>>();
        if (installed is null && !metadata.Any(kv => kv.Key == "version") && AutomaticVersion(treefile, options, previousCommit) is { } version)
            Set(metadata, "version", GVariantValue.Str(version));
        foreach (var (key, value) in installed?.Metadata ?? [])
        {
            if (key == "version" && metadata.Any(kv => kv.Key == "version"))
                continue;
            if (key == "rpmostree.rpmmd-repos" && treefile.RepoMetadata != MetadataTarget.Inline)
            {
                if (treefile.RepoMetadata == MetadataTarget.Detached)
                    Set(detached, key, value);
                continue;
            }
            Set(metadata, key, value);
        }
        string rpmdb = Path.Combine(rootfs, RootfsLayout.RpmdbLocation);
        if (File.Exists(Path.Combine(rpmdb, RpmdbWriter.FileName)))
        {
            var entry = PackageList.MetadataEntry(PackageList.FromHeaders(RpmdbReader.Read(rpmdb).Select(p => p.Header)));
            Set(metadata, entry.Key, entry.Value);
        }
        var kernel = finalized.Kernel?.Version ?? KernelVersion(rootfs);
        if (kernel is not null)
        {
            Set(metadata, "ostree.bootable", GVariantValue.Bool(true));
            Set(metadata, "ostree.linux", GVariantValue.Str(kernel));
        }

        if (options.WriteCommitIdTo is { } idFile && Path.GetDirectoryName(Path.GetFullPath(idFile)) is { } idDir && !Directory.Exists(idDir))
            throw new ComposeException($"--write-commitid-to={idFile}: directory {idDir} does not exist");
        string? parent = options.NoParent ? null : options.Parent ?? previous?.ToString();
        var outcome = RepoCommit.Run(repo, new CommitSpec
        {
            Branch = options.WriteCommitIdTo is null ? @ref : null,
            Parent = parent,
            // No branch (--write-commitid-to) is allowed whether or not there is a parent.
            Orphan = parent is null || options.WriteCommitIdTo is not null,
            Trees = [new TreeSource.Dir(rootfs)],
            Timestamp = options.SourceDateEpoch is long t ? (ulong)t : null,
            Metadata = metadata,
            DetachedMetadata = detached,
            GpgKeys = treefile.GpgKey is { } gpgKey ? [gpgKey] : [],
        }, progress);
        if (options.WriteCommitIdTo is { } idPath)
            AtomicFile.WriteAllText(idPath, outcome.Checksum.ToString(), fsync: false);
        string? movedRef = options.WriteCommitIdTo is null ? @ref : null;
        string? committedVersion = metadata.FirstOrDefault(kv => kv.Key == "version").Value is GVString v ? v.Value : null;
        events(new ComposeCommitted(movedRef, outcome.Checksum, committedVersion));
        string inputHash = installed?.InputHash ?? "";
        return new ComposeTreeResult(outcome.Checksum, true, inputHash, movedRef);
    }

    /// <summary>What <see cref="RootfsFinalize"/> takes from a treefile.</summary>
    public static FinalizeRequest FinalizeRequestFor(Treefile.Treefile treefile, Action<string>? output) => new()
    {
        Container = treefile.Container,
        MachineIdCompat = treefile.MachineidCompat,
        RunDracut = !treefile.NoInitramfs,
        InitramfsArgs = treefile.InitramfsArgs,
        EtcGroupMembers = treefile.EtcGroupMembers,
        OptUsrLocal = UsrLocalLayout(treefile),
        FinalizeD = treefile.FinalizeD,
        TreefileDirectory = treefile.Directory,
        Output = output,
    };

    /// <summary>The commit a compose compares with and builds on: --previous-commit, else the ref's.</summary>
    internal static (Checksum? Checksum, Commit? Commit) Previous(Repository repo, Treefile.Treefile treefile, ComposeTreeOptions options)
    {
        Checksum? previous = options.PreviousCommit is { } prev ? repo.ResolveRev(prev)
            : treefile.Ref is { } r ? repo.ResolveRev(r, allowMissing: true) : null;
        return (previous, previous is { } p ? repo.LoadCommit(p) : null);
    }

    /// <summary>Where the treefile's <c>opt-usrlocal</c> puts /opt and /usr/local state in the tree.</summary>
    internal static Postprocess.OptUsrLocal UsrLocalLayout(Treefile.Treefile treefile) =>
        treefile.OptUsrLocal == Treefile.OptUsrLocal.Root ? Postprocess.OptUsrLocal.Root : Postprocess.OptUsrLocal.Var;

    /// <summary>The version a new commit gets: one given as metadata, else from automatic-version-prefix, else null.</summary>
    internal static string? NextVersion(Treefile.Treefile treefile, ComposeTreeOptions options, Commit? previousCommit) =>
        BaseMetadata(treefile, options).FirstOrDefault(kv => kv.Key == "version").Value is GVString explicitVersion
            ? explicitVersion.Value
            : AutomaticVersion(treefile, options, previousCommit);

    private static string? AutomaticVersion(Treefile.Treefile treefile, ComposeTreeOptions options, Commit? previousCommit)
    {
        string? last = options.PreviousVersion ?? previousCommit?.Version;
        var now = options.SourceDateEpoch is long t ? DateTimeOffset.FromUnixTimeSeconds(t) : DateTimeOffset.UtcNow;
        return treefile.NextVersion(last, now);
    }

    // rpm-ostree's precedence: the treefile lowest, then --add-metadata-from-json, then
    // --add-metadata-string; a later source replaces a key an earlier one set.
    private static List<KeyValuePair<string, GVariantValue>> BaseMetadata(Treefile.Treefile treefile, ComposeTreeOptions options)
    {
        var metadata = new List<KeyValuePair<string, GVariantValue>>();
        foreach (var (key, value) in treefile.Metadata.Concat(treefile.AddCommitMetadata))
            Set(metadata, key, TreefileMetadata.ToVariant(value));
        foreach (var (key, value) in options.MetadataValues)
            Set(metadata, key, value);
        foreach (var (key, value) in options.MetadataStrings)
            Set(metadata, key, GVariantValue.Str(value));
        return metadata;
    }

    // A tree finalized earlier (by `compose postprocess`) has its kernel in place already.
    private static string? KernelVersion(string rootfs)
    {
        string modules = Path.Combine(rootfs, "usr/lib/modules");
        if (!Directory.Exists(modules))
            return null;
        return Directory.EnumerateDirectories(modules)
            .Where(d => File.Exists(Path.Combine(d, "vmlinuz")))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static void Set(List<KeyValuePair<string, GVariantValue>> metadata, string key, GVariantValue value)
    {
        metadata.RemoveAll(kv => kv.Key == key);
        metadata.Add(new(key, value));
    }
}
