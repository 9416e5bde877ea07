// `compose tree`: a treefile in, one commit out, as rpm-ostree's unified core does it.
//
//   treefile ─► repos (rpm-md, cached) ─► libsolv ─► input hash ─┬─► unchanged: stop
//                                                                └─► download ─► pkgcache import
//   ─► union checkout (transaction order) ─► previous passwd/group (preserve-passwd)
//   ─► scripts (bwrap; file owners/modes/caps before each %post) ─► rpmdb ─► treefile postprocess
//   ─► kernel/initramfs ─► shadow, passwd/group to /usr/lib, check-passwd/groups
//   ─► ostree root layout ─► commit (+ metadata) ─► ref
//
// Every package becomes a commit in the package cache (a bare-user repository under the cache
// directory), so a second compose imports only what changed; the tree is hardlinked out of it
// and scripts see copies of what they change. The target repository and its ref are touched only
// at the end, through RepoCommit's transaction: a compose that fails anywhere leaves them as they
// were. The work directory is removed afterwards unless the caller named it.
using System.Security.Cryptography;
using System.Text;
using Arbor.Compose.Assemble;
using Arbor.Compose.Import;
using Arbor.Compose.Postprocess;
using Arbor.Compose.Rpmdb;
using Arbor.Compose.Treefile;
using Arbor.Native;
using Arbor.Ostree.Commits;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Rpm.Package;
using Arbor.Rpm.Repodata;
using Arbor.Rpm.Rpmdb;
using Arbor.Rpm.Solver;

namespace Arbor.Compose.Tree;

/// <summary>What <c>compose tree</c> is asked to do (rpm-ostree's options).</summary>
public sealed class ComposeTreeOptions
{
    /// <summary>The treefile (YAML or JSON).</summary>
    public required string TreefilePath { get; init; }

    /// <summary>The target repository.</summary>
    public required string RepoPath { get; init; }

    /// <summary>Cache for rpm-md, solv files, packages and the package cache repository; a temporary one when null.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Use cached rpm-md as it is instead of refreshing it.</summary>
    public bool CacheOnly { get; init; }

    /// <summary>Stop after downloading and importing the packages.</summary>
    public bool DownloadOnly { get; init; }

    /// <summary>Stop after solving (and printing) the transaction.</summary>
    public bool DryRun { get; init; }

    /// <summary>Commit even when the inputs have not changed.</summary>
    public bool ForceNocache { get; init; }

    /// <summary>The commit to compare inputs with and take the version from; the ref's commit when null.</summary>
    public string? PreviousCommit { get; init; }

    /// <summary>The input hash to compare with instead of the previous commit's (<c>--previous-inputhash</c>).</summary>
    public string? PreviousInputHash { get; init; }

    /// <summary>The previous version for automatic versioning, overriding the previous commit's.</summary>
    public string? PreviousVersion { get; init; }

    /// <summary>Extra string metadata (<c>--add-metadata-string</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> MetadataStrings { get; init; } = [];

    /// <summary>Extra metadata values (<c>--add-metadata-from-json</c>), already converted.</summary>
    public IReadOnlyList<KeyValuePair<string, GVariantValue>> MetadataValues { get; init; } = [];

    /// <summary>Write the commit checksum here instead of moving the ref.</summary>
    public string? WriteCommitIdTo { get; init; }

    /// <summary>The commit's parent; the ref's commit when null (unless <see cref="NoParent"/>).</summary>
    public string? Parent { get; init; }

    /// <summary>Make a commit without a parent.</summary>
    public bool NoParent { get; init; }

    /// <summary>Working directory (kept afterwards); a temporary one when null.</summary>
    public string? Workdir { get; init; }

    /// <summary>The architecture composed for; the machine's when null.</summary>
    public string? Basearch { get; init; }

    /// <summary>Commit timestamp and SOURCE_DATE_EPOCH for scripts; now when null.</summary>
    public long? SourceDateEpoch { get; init; }
}

/// <summary>What a compose produced.</summary>
/// <param name="Commit">The new commit, or the unchanged previous one, or null for dry runs and download-only runs.</param>
/// <param name="Changed">True when a new commit was written.</param>
/// <param name="InputHash">The input hash.</param>
/// <param name="Ref">The ref that was moved, or null.</param>
public sealed record ComposeTreeResult(Checksum? Commit, bool Changed, string InputHash, string? Ref);

/// <summary>Runs <c>compose tree</c>.</summary>
public static class ComposeTree
{
    /// <summary>Composes the treefile's packages into a commit of the target repository.</summary>
    /// <exception cref="ComposeException">A package, script or treefile problem; the message names it.</exception>
    public static ComposeTreeResult Run(ComposeTreeOptions options, Action<ComposeEvent>? events = null,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        events ??= _ => { };
        string basearch = options.Basearch ?? RepoConfig.BaseArch;
        var treefile = Treefile.Treefile.Load(options.TreefilePath, basearch);
        string? @ref = treefile.Ref;
        if (@ref is null && options.WriteCommitIdTo is null)
            throw new ComposeException($"{options.TreefilePath}: the treefile has no 'ref' and --write-commitid-to was not given");
        var repo = Repository.Open(options.RepoPath);

        Checksum? previous = options.PreviousCommit is { } prev ? repo.ResolveRev(prev)
            : @ref is not null ? repo.ResolveRev(@ref, allowMissing: true) : null;
        Commit? previousCommit = previous is { } p ? repo.LoadCommit(p) : null;

        bool ownWorkdir = options.Workdir is null;
        string workdir = options.Workdir ?? Directory.CreateTempSubdirectory("arbor-compose-").FullName;
        Directory.CreateDirectory(workdir);
        bool ownCache = options.CacheDir is null;
        string cache = options.CacheDir ?? Path.Combine(workdir, "cache");
        try
        {
            var repos = treefile.LoadRepos();
            var plan = ComposePackages.Solve(treefile, repos, cache, basearch, options.CacheOnly, cancellationToken);
            events(new ComposeTransactionPlanned(plan.Steps.Select(s => s.Package).ToList()));

            string inputHash = InputHash(treefile, plan.Steps);
            events(new ComposeInputHashed(inputHash));
            if (!options.ForceNocache && options.PreviousInputHash is { } given)
            {
                if (given == inputHash)
                {
                    events(new ComposeUnchanged(previous, options.DryRun || options.DownloadOnly));
                    return new ComposeTreeResult(previous, false, inputHash, null);
                }
            }
            else if (!options.ForceNocache && previousCommit is not null && previous is { } prevChecksum)
            {
                if (previousCommit.GetMetadata("rpmostree.inputhash") is GVString { Value: var old })
                {
                    if (old == inputHash)
                    {
                        events(new ComposeUnchanged(prevChecksum, options.DryRun || options.DownloadOnly));
                        return new ComposeTreeResult(prevChecksum, false, inputHash, null);
                    }
                }
                else
                {
                    events(new ComposePreviousWithoutInputHash());
                }
            }
            if (options.DryRun)
            {
                events(new ComposeDryRunComplete());
                return new ComposeTreeResult(null, false, inputHash, null);
            }

            var rpms = ComposePackages.Download(plan, cache, events, cancellationToken);
            string pkgcachePath = Path.Combine(cache, "pkgcache-repo");
            var pkgcache = Directory.Exists(pkgcachePath) ? Repository.Open(pkgcachePath) : Repository.Create(pkgcachePath, RepoMode.BareUser);
            var imported = PackageImporter.ImportAll(pkgcache,
                rpms.Select((path, i) => new PackageSource(path, plan.Origins[i])).ToList(),
                new PackageImportOptions { NoDocs = !treefile.Documentation, ReadOnlyExecutables = treefile.ReadonlyExecutables },
                progress, cancellationToken);
            foreach (var notice in imported.SelectMany(i => i.Notices))
                events(new ComposeImportNotice(notice));
            events(new ComposeImported(imported.Count(i => !i.AlreadyImported), imported.Count(i => i.AlreadyImported)));
            if (options.DownloadOnly)
            {
                events(new ComposeDryRunComplete());
                return new ComposeTreeResult(null, false, inputHash, null);
            }

            string rootfs = Path.Combine(workdir, "rootfs");
            if (Directory.Exists(rootfs))
                Directory.Delete(rootfs, recursive: true);
            var checkout = UnionCheckout.Run(pkgcache, imported.Select(i => i.Commit).ToList(), rootfs,
                new UnionCheckoutOptions { FullOwnership = LibC.GetUid() == 0 }, progress, cancellationToken);
            foreach (string skipped in RemoveFromPackages.Apply(rootfs, checkout.Packages, treefile.RemoveFromPackages))
                events(new ComposeFileSkipped(skipped));
            if (treefile.PreservePasswd && previous is { } previousForPasswd)
                ComposePasswd.PreserveFromPrevious(rootfs, repo, previousForPasswd);
            return Finish(options, treefile, repo, @ref, previous, previousCommit, workdir, rootfs, rpms, plan, inputHash,
                events, progress, cancellationToken);
        }
        finally
        {
            if (ownWorkdir)
                TryDelete(workdir);
            else if (ownCache)
                TryDelete(cache);
        }
    }

    private static ComposeTreeResult Finish(ComposeTreeOptions options, Treefile.Treefile treefile, Repository repo, string? @ref,
        Checksum? previous, Commit? previousCommit, string workdir, string rootfs, IReadOnlyList<string> rpms, SolvedPlan plan,
        string inputHash, Action<ComposeEvent> events, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        string? epoch = options.SourceDateEpoch?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var packages = new List<RpmPackage>();
        try
        {
            foreach (string path in rpms)
                packages.Add(RpmPackage.Open(path));
            ScriptRunner.RunAll(rootfs, packages.Select(p => new ScriptedPackage(p.Info, PackageAction.Install)).ToList(),
                new ScriptRunOptions
                {
                    SourceDateEpoch = epoch,
                    Output = line => events(new ComposeScriptOutput(line)),
                    Progress = progress,
                    BeforePost = OwnershipHook(rootfs, events),
                },
                cancellationToken);
            string varTmp = Path.Combine(rootfs, "var/tmp");
            if (Directory.Exists(varTmp))
                Directory.Delete(varTmp, recursive: true);
            long installTime = options.SourceDateEpoch ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            RpmdbWriter.Write(Path.Combine(rootfs, RootfsLayout.RpmdbLocation), packages.Select(RpmdbPackage.From),
                InstallStamp.At(DateTimeOffset.FromUnixTimeSeconds(installTime)));
            RootfsLayout.NormalizeRpmdb(rootfs);
            var pkglist = PackageList.FromHeaders(packages.Select(p => p.Header));

            TreePostprocess.Run(rootfs, new PostprocessRequest
            {
                Units = treefile.Units,
                DefaultTarget = treefile.DefaultTarget,
                RemoveFiles = treefile.RemoveFiles,
                AddFiles = treefile.AddFiles.Select(f => (f.SourcePath, f.Destination)).ToList(),
                InlineScripts = treefile.Postprocess,
                ScriptFile = treefile.PostprocessScript?.Path,
                TreefileJson = treefile.ToJson(),
                SourceDateEpoch = epoch,
                Output = line => events(new ComposeScriptOutput(line)),
            }, cancellationToken);
            var kernel = treefile.Container ? null
                : KernelFinalize.Run(rootfs, treefile.MachineidCompat, !treefile.NoInitramfs, treefile.InitramfsArgs, cancellationToken);
            ComposePasswd.NormalizeShadow(rootfs);
            ComposePasswd.MigrateToUsrLib(rootfs, treefile.EtcGroupMembers);
            ComposePasswd.Check(rootfs, treefile.CheckPasswd, treefile.CheckGroups, treefile.IgnoreRemovedUsers, treefile.IgnoreRemovedGroups,
                repo, previous, message => events(new ComposeNote(message)));

            RootfsLayout.EmptyVar(rootfs);
            string final = Path.Combine(workdir, "final");
            if (Directory.Exists(final))
                Directory.Delete(final, recursive: true);
            RootfsLayout.Prepare(rootfs, final, treefile.TmpIsDir || treefile.Container,
                treefile.OptUsrLocal == Treefile.OptUsrLocal.Root ? Postprocess.OptUsrLocal.Root : Postprocess.OptUsrLocal.Var);

            var metadata = new List<KeyValuePair<string, GVariantValue>>();
            foreach (var (key, value) in treefile.Metadata.Concat(treefile.AddCommitMetadata))
                metadata.Add(new(key, TreefileMetadata.ToVariant(value)));
            foreach (var (key, value) in options.MetadataStrings)
                metadata.Add(new(key, GVariantValue.Str(value)));
            metadata.AddRange(options.MetadataValues);
            string? version = Version(treefile, options, previousCommit, metadata);
            if (version is not null)
                Set(metadata, "version", GVariantValue.Str(version));
            Set(metadata, "rpmostree.inputhash", GVariantValue.Str(inputHash));
            var pkglistEntry = PackageList.MetadataEntry(pkglist);
            Set(metadata, pkglistEntry.Key, pkglistEntry.Value);
            Set(metadata, "rpmostree.rpmmd-repos", plan.RepoMetadataVariant());
            if (kernel is not null)
            {
                Set(metadata, "ostree.bootable", GVariantValue.Bool(true));
                Set(metadata, "ostree.linux", GVariantValue.Str(kernel.Version));
            }

            string? parent = options.NoParent ? null : options.Parent ?? previous?.ToString();
            var outcome = RepoCommit.Run(repo, new CommitSpec
            {
                Branch = options.WriteCommitIdTo is null ? @ref : null,
                Parent = parent,
                // No branch (--write-commitid-to) is allowed whether or not there is a parent.
                Orphan = parent is null || options.WriteCommitIdTo is not null,
                Trees = [new TreeSource.Dir(final)],
                Timestamp = options.SourceDateEpoch is long t ? (ulong)t : null,
                Metadata = metadata,
            }, progress);
            if (options.WriteCommitIdTo is { } idPath)
                AtomicFile.WriteAllText(idPath, outcome.Checksum.ToString(), fsync: false);
            string? movedRef = options.WriteCommitIdTo is null ? @ref : null;
            events(new ComposeCommitted(movedRef, outcome.Checksum, version));
            return new ComposeTreeResult(outcome.Checksum, true, inputHash, movedRef);
        }
        finally
        {
            foreach (var p in packages)
                p.Dispose();
        }
    }

    // File owners, modes and capabilities from the headers, applied right before each package's
    // %post (rpm-ostree's order), with names looked up in the tree's passwd and group as they are
    // once every %pre ran. Only root can chown; otherwise there is no hook, as in rpm-ostree.
    private static Action<PackageInfo>? OwnershipHook(string rootfs, Action<ComposeEvent> events)
    {
        if (!FileOwnership.CanApply)
            return null;
        PasswdEntries? names = null;
        return info =>
        {
            if (names is null)
            {
                names = new PasswdEntries();
                names.AddPasswdFile(Path.Combine(rootfs, "usr/lib/passwd"));
                names.AddGroupFile(Path.Combine(rootfs, "usr/lib/group"));
                names.AddPasswdFile(Path.Combine(rootfs, "etc/passwd"));
                names.AddGroupFile(Path.Combine(rootfs, "etc/group"));
            }
            FileOwnership.Apply(rootfs, info.Name, PackageCommit.FileOverrides(info), names, message => events(new ComposeNote(message)));
        };
    }

    private static string? Version(Treefile.Treefile treefile, ComposeTreeOptions options, Commit? previousCommit,
        List<KeyValuePair<string, GVariantValue>> metadata)
    {
        if (metadata.FirstOrDefault(kv => kv.Key == "version").Value is GVString explicitVersion)
            return explicitVersion.Value;
        if (treefile.AutomaticVersionPrefix is not { } prefix)
            return null;
        string? last = options.PreviousVersion ?? previousCommit?.Version;
        var now = options.SourceDateEpoch is long t ? DateTimeOffset.FromUnixTimeSeconds(t) : DateTimeOffset.UtcNow;
        return AutomaticVersion.Next(prefix, treefile.AutomaticVersionSuffix.ToString(), last, now);
    }

    private static void Set(List<KeyValuePair<string, GVariantValue>> metadata, string key, GVariantValue value)
    {
        metadata.RemoveAll(kv => kv.Key == key);
        metadata.Add(new(key, value));
    }

    // rpm-ostree's state digest: the treefile and its external files, then each package of the
    // transaction by NEVRA and repodata checksum, in a fixed order.
    private static string InputHash(Treefile.Treefile treefile, IReadOnlyList<SolveStep> steps)
    {
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        treefile.AppendInputHash(hasher);
        foreach (var step in steps.OrderBy(s => s.Package.Nevra, StringComparer.Ordinal))
        {
            var p = step.Package;
            hasher.AppendData(Encoding.UTF8.GetBytes($"{p.Nevra}\0{p.ChecksumType}:{p.Checksum}\n"));
        }
        return Convert.ToHexStringLower(hasher.GetHashAndReset());
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // A busy mount point in a failed run; the system's temporary directory cleanup has it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
