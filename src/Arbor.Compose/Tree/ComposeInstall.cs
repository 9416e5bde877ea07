// The first half of a compose, `compose install`: everything up to a root filesystem ready to
// commit, as rpm-ostree's impl_install_tree does it.
//
//   treefile ─► repos (rpm-md, cached) ─► libsolv ─► input hash ─┬─► unchanged: stop
//                                                                └─► download ─► pkgcache import
//   ─► union checkout into WORKDIR/rootfs.tmp (transaction order) ─► remove-from-packages
//   ─► previous passwd/group (preserve-passwd) ─► systemd-sysusers ─► scripts (bwrap; file owners/modes/caps before
//   each %post) ─► /usr/bin/true runs ─► rpmdb ─► treefile postprocess ─► ostree root layout
//   into WORKDIR/rootfs
//
// Every package becomes a commit in the package cache (a bare-user repository under the cache
// directory), so a second compose imports only what changed; the tree is hardlinked out of it
// and scripts see copies of what they change. What only the install knows (the version, the
// input hash, the repositories used) is handed to the commit half as metadata; `compose commit`
// run separately has none of it, as in rpm-ostree. The target repository is only read here.
using System.Security.Cryptography;
using System.Text;
using Arbor.Compose.Assemble;
using Arbor.Compose.Import;
using Arbor.Compose.Postprocess;
using Arbor.Compose.Treefile;
using Arbor.Native;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Rpm.Package;
using Arbor.Rpm.Repodata;
using Arbor.Rpm.Rpmdb;
using Arbor.Rpm.Solver;

namespace Arbor.Compose.Tree;

/// <summary>What the install half of a compose produced.</summary>
/// <param name="Treefile">The loaded treefile.</param>
/// <param name="Rootfs">The prepared root filesystem, or null when nothing was installed (unchanged inputs, dry run, download only).</param>
/// <param name="InputHash">The input hash.</param>
/// <param name="Previous">The previous commit inputs were compared with, if any.</param>
/// <param name="Metadata">Commit metadata only the install knows: version, input hash, repositories.</param>
public sealed record ComposeInstallResult(Treefile.Treefile Treefile, string? Rootfs, string InputHash, Checksum? Previous,
    IReadOnlyList<KeyValuePair<string, GVariantValue>> Metadata);

/// <summary>Runs <c>compose install</c>: packages into a prepared root filesystem.</summary>
public static class ComposeInstall
{
    /// <summary>
    /// Installs the treefile's packages into <c><paramref name="workdir"/>/rootfs</c>. The target
    /// repository is read (previous commit, passwd) but not written.
    /// </summary>
    /// <exception cref="ComposeException">A package, script or treefile problem; the message names it.</exception>
    public static ComposeInstallResult Run(ComposeTreeOptions options, string workdir, Action<ComposeEvent>? events = null,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(workdir);
        events ??= _ => { };
        string basearch = options.Basearch ?? RepoConfig.BaseArch;
        var treefile = Treefile.Treefile.Load(options.TreefilePath, basearch);
        var repo = Repository.Open(options.RepoPath);
        var (previous, previousCommit) = ComposeCommit.Previous(repo, treefile, options);
        string rootfs = Path.Combine(workdir, "rootfs");
        if (Directory.Exists(rootfs) || File.Exists(rootfs))
            throw new ComposeException($"{rootfs} already exists");
        Directory.CreateDirectory(workdir);
        bool ownCache = options.CacheDir is null;
        string cache = options.CacheDir ?? Path.Combine(workdir, ".arbor-cache");
        string assembly = Path.Combine(workdir, "rootfs.tmp");
        try
        {
            var repos = treefile.LoadRepos();
            var plan = ComposePackages.Solve(treefile, repos, cache, basearch, options.CacheOnly, progress, cancellationToken);
            events(new ComposeTransactionPlanned(plan.Steps.Select(s => s.Package).ToList()));

            string inputHash = InputHash(treefile, plan.Steps);
            events(new ComposeInputHashed(inputHash));
            ComposeInstallResult Stop(Checksum? commit) => new(treefile, null, inputHash, commit, []);
            if (!options.ForceNocache && options.PreviousInputHash is { } given)
            {
                if (given == inputHash)
                {
                    events(new ComposeUnchanged(previous, options.DryRun || options.DownloadOnly));
                    return Stop(previous);
                }
            }
            else if (!options.ForceNocache && previousCommit is not null && previous is { } prevChecksum)
            {
                if (previousCommit.GetMetadata("rpmostree.inputhash") is GVString { Value: var old })
                {
                    if (old == inputHash)
                    {
                        events(new ComposeUnchanged(prevChecksum, options.DryRun || options.DownloadOnly));
                        return Stop(prevChecksum);
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
                return Stop(null);
            }

            var rpms = ComposePackages.Download(plan, cache, events, progress, cancellationToken);
            if (options.DownloadOnlyRpms)
            {
                events(new ComposeDryRunComplete());
                return Stop(null);
            }
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
                return Stop(null);
            }

            if (Directory.Exists(assembly))
                Directory.Delete(assembly, recursive: true);
            var checkout = UnionCheckout.Run(pkgcache, imported.Select(i => i.Commit).ToList(), assembly,
                new UnionCheckoutOptions { FullOwnership = LibC.GetUid() == 0 }, progress, cancellationToken);
            foreach (string skipped in RemoveFromPackages.Apply(assembly, checkout.Packages, treefile.RemoveFromPackages))
                events(new ComposeFileSkipped(skipped));
            if (treefile.PreservePasswd && previous is { } previousForPasswd)
                ComposePasswd.PreserveFromPrevious(assembly, repo, previousForPasswd);
            Assemble(options, treefile, assembly, rpms, events, progress, cancellationToken);
            RootfsLayout.Prepare(assembly, rootfs, treefile.TmpIsDir || treefile.Container,
                ComposeCommit.UsrLocalLayout(treefile));

            var metadata = new List<KeyValuePair<string, GVariantValue>>();
            if (ComposeCommit.NextVersion(treefile, options, previousCommit) is { } version)
                metadata.Add(new("version", GVariantValue.Str(version)));
            metadata.Add(new("rpmostree.inputhash", GVariantValue.Str(inputHash)));
            metadata.Add(new("rpmostree.rpmmd-repos", plan.RepoMetadataVariant()));
            return new ComposeInstallResult(treefile, rootfs, inputHash, previous, metadata);
        }
        finally
        {
            TryDelete(assembly);
            if (ownCache)
                TryDelete(cache);
        }
    }

    // Scripts, rpmdb and the treefile's own postprocessing, on the assembled tree.
    private static void Assemble(ComposeTreeOptions options, Treefile.Treefile treefile, string root, IReadOnlyList<string> rpms,
        Action<ComposeEvent> events, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        string? epoch = options.SourceDateEpoch?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var packages = new List<RpmPackage>();
        try
        {
            foreach (string path in rpms)
                packages.Add(RpmPackage.Open(path));
            ScriptRunner.RunSysusers(root, treefile.Sysusers == SysusersMode.ComposeForced, line => events(new ComposeScriptOutput(line)),
                cancellationToken);
            ScriptRunner.RunAll(root, packages.Select(p => new ScriptedPackage(p.Info, PackageAction.Install)).ToList(),
                new ScriptRunOptions
                {
                    SourceDateEpoch = epoch,
                    Output = line => events(new ComposeScriptOutput(line)),
                    Progress = progress,
                    BeforePost = OwnershipHook(root, events),
                },
                cancellationToken);
            // Before anything else can fail on a tree a script broke (rpm-ostree's order), the
            // tree must still run a program.
            ScriptRunner.SanityCheck(root, cancellationToken);
            string varTmp = Path.Combine(root, "var/tmp");
            if (Directory.Exists(varTmp))
                Directory.Delete(varTmp, recursive: true);
            long installTime = options.SourceDateEpoch ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            RpmdbWriter.Write(Path.Combine(root, RootfsLayout.RpmdbLocation), packages.Select(RpmdbPackage.From),
                InstallStamp.At(DateTimeOffset.FromUnixTimeSeconds(installTime)));
            RootfsLayout.NormalizeRpmdb(root);
        }
        finally
        {
            foreach (var p in packages)
                p.Dispose();
        }

        TreePostprocess.Run(root, new PostprocessRequest
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

    internal static void TryDelete(string dir)
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
