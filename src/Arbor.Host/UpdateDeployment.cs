// `arbor upgrade`, `arbor deploy REV` and `arbor rebase REFSPEC [REV]`: rpm-ostree's deployment
// transaction. The new origin starts from the stateroot's first deployment (so operations chain
// on a pending deployment); rebase rewrites its refspec, deploy pins it with override-commit
// (after finding the version or checking the checksum in the ref's history), upgrade drops any
// pin. The upgrader then pulls, refuses a downgrade where asked to, and deploys with the merge
// deployment's /etc and kernel arguments (staged for shutdown on a booted system); rpm-ostree's
// cleanup runs last, and a rebase deletes the ref it left. Nothing on disk changes before the new commit is complete in the repository.
using Arbor.Ostree;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Sysroot;

namespace Arbor.Host;

/// <summary>Which rpm-ostree verb runs the transaction.</summary>
public enum UpdateKind
{
    /// <summary>Follow the origin to its newest commit.</summary>
    Upgrade,
    /// <summary>Deploy a given version or checksum of the origin's ref.</summary>
    Deploy,
    /// <summary>Switch to another refspec.</summary>
    Rebase,
}

/// <summary>Options of upgrade, deploy and rebase.</summary>
public sealed record UpdateOptions
{
    /// <summary>The verb.</summary>
    public UpdateKind Kind { get; init; }

    /// <summary>deploy: the version or checksum; rebase: an optional revision on the new ref.</summary>
    public string? Revision { get; init; }

    /// <summary>rebase: the new refspec (remote:ref, ref, remote:, :localref or a checksum).</summary>
    public string? Refspec { get; init; }

    /// <summary>upgrade: accept an older commit (--allow-downgrade).</summary>
    public bool AllowDowngrade { get; init; }

    /// <summary>deploy/rebase: refuse an older commit (--disallow-downgrade).</summary>
    public bool DisallowDowngrade { get; init; }

    /// <summary>Use only what the repository has (-C/--cache-only).</summary>
    public bool CacheOnly { get; init; }

    /// <summary>Pull but do not deploy (--download-only).</summary>
    public bool DownloadOnly { get; init; }

    /// <summary>deploy: do not check that a checksum belongs to the ref's history (--skip-branch-check).</summary>
    public bool SkipBranchCheck { get; init; }

    /// <summary>rebase: keep the old ref (--skip-purge).</summary>
    public bool SkipPurge { get; init; }

    /// <summary>rebase to a checksum: the URL and description shown in status (--custom-origin-url/-description).</summary>
    public (string Url, string Description)? CustomOrigin { get; init; }

    /// <summary>Receives pull progress.</summary>
    public IProgress<PullProgress>? Progress { get; init; }
}

/// <summary>What a transaction did.</summary>
/// <param name="Changed">A new deployment was written.</param>
/// <param name="Deployment">The new deployment, when one was written.</param>
/// <param name="Revision">The commit the transaction settled on.</param>
public sealed record UpdateResult(bool Changed, Deployment? Deployment, string? Revision);

/// <summary>upgrade, deploy and rebase.</summary>
public static class UpdateDeployment
{
    /// <summary>Runs the transaction on an open, locked sysroot.</summary>
    /// <exception cref="OstreeException">Bad refspec or revision, failed pull, refused downgrade.</exception>
    public static UpdateResult Run(HostSysroot host, UpdateOptions options)
    {
        var osname = host.RequireOsName();
        var originSource = host.OriginMerge;
        var up = Upgrader.Create(host.Sysroot, osname, originSource);
        up.LocalRefFollowsOverride = false;
        var origin = up.Origin;
        origin.RemoveGroup(OriginFile.TransientGroup);
        var oldRefspec = OriginFile.Refspec(origin) ?? throw new OstreeException("No origin/refspec in current deployment origin");
        if (Refspecs.Classify(oldRefspec) == RefspecKind.Container)
            throw new OstreeException($"Deployment follows the container image {oldRefspec}; Arbor does not deploy container images yet");

        string? newRefspec = null;
        if (options.Kind == UpdateKind.Rebase)
        {
            newRefspec = ChangeRefspec(host, origin, oldRefspec, options);
        }
        if (options.Revision is { } revision)
        {
            ApplyRevision(host, origin, revision, options);
        }
        else
        {
            origin.Remove("origin", "override-commit");
        }
        up.Reparse();

        bool changed = up.Pull(synthetic: options.CacheOnly,
            allowOlder: options.Kind == UpdateKind.Upgrade ? options.AllowDowngrade : !options.DisallowDowngrade,
            options.Progress);
        // A rebase changes the origin even when the commit is the same, so it always deploys.
        if (options.Kind == UpdateKind.Rebase)
            changed = true;
        if (!changed)
        {
            host.Raise(Refspecs.Classify(up.Refspec) == RefspecKind.Checksum
                ? new NothingToDeploy(NothingToDeployReason.PinnedToCommit, origin.Get("origin", "custom-description") is { Length: > 0 } desc ? desc : null)
                : new NothingToDeploy(options.Kind == UpdateKind.Upgrade ? NothingToDeployReason.NoUpgradeAvailable : NothingToDeployReason.NoChange, null));
            return new UpdateResult(false, null, up.NewRevision);
        }
        if (options.DownloadOnly)
        {
            host.Raise(new DownloadFinished(up.NewRevision != up.Merge.Csum));
            return new UpdateResult(false, null, up.NewRevision);
        }
        Deployment deployment;
        if (host.Sysroot.Booted is not null)
        {
            // On the running system rpm-ostree stages: the tree is ready now and becomes bootable at
            // shutdown, so /etc changes made until then carry over.
            deployment = up.Stage();
        }
        else
        {
            deployment = up.Deploy(flags: SimpleWriteFlags.NoClean);
            host.SyscoreCleanup();
        }
        // As in rpm-ostree the old ref goes after the cleanup, so its commits are pruned next time.
        if (options.Kind == UpdateKind.Rebase && !options.SkipPurge && newRefspec is not null)
            PurgeRef(host, oldRefspec, newRefspec);
        return new UpdateResult(true, deployment, up.NewRevision);
    }

    /// <summary>upgrade --check: fetches only the newest commit object of the origin's ref.</summary>
    /// <returns>The newer commit and its dictionary keys for printing, or null when the deployment is current.</returns>
    public static (string Checksum, Arbor.Ostree.Objects.Commit Commit, bool GpgEnabled)? Check(HostSysroot host, bool cacheOnly)
    {
        var originSource = host.OriginMerge;
        var refspec = OriginFile.Refspec(originSource.Origin) ?? throw new OstreeException("No origin/refspec in current deployment origin");
        if (Refspecs.Classify(refspec) != RefspecKind.Ostree)
            return null;
        var repo = host.Sysroot.Repo;
        var (remoteName, branch) = Repository.ParseRefspec(refspec);
        bool gpg = false;
        if (remoteName is not null)
        {
            var remote = Remotes.Get(repo, remoteName);
            gpg = remote.GpgVerify;
            if (!cacheOnly)
                Refspecs.PullCommitOnly(repo, remote, branch);
        }
        var head = repo.ResolveRev(refspec, allowMissing: true);
        var merge = host.Sysroot.MergeDeployment(host.RequireOsName());
        if (head is not { } h || h.ToString() == merge?.Csum)
            return null;
        return (h.ToString(), repo.LoadCommit(h), gpg);
    }

    // rpm-ostree's change_origin_refspec: "remote:" keeps the branch, ":ref" is a local branch, a
    // bare branch keeps the remote; the same refspec again is an error (except for checksums).
    private static string ChangeRefspec(HostSysroot host, KeyFile origin, string oldRefspec, UpdateOptions options)
    {
        var provided = options.Refspec ?? throw new OstreeException("rebase: a REFSPEC is required");
        var (oldRemote, oldRef) = Repository.ParseRefspec(oldRefspec);
        string? remote;
        string? branch;
        bool inferRemote = true;
        if (provided.EndsWith(':'))
        {
            remote = provided[..^1];
            branch = null;
        }
        else if (provided.StartsWith(':'))
        {
            inferRemote = false;
            remote = null;
            branch = provided[1..];
        }
        else
        {
            (remote, branch) = Repository.ParseRefspec(provided);
        }
        if (branch is null or "")
            branch = Refspecs.Classify(oldRefspec) == RefspecKind.Checksum ? throw new OstreeException("Could not determine default ref to pull.") : oldRef;
        else if (inferRemote && remote is null)
            remote = oldRemote;
        if (remote is { Length: 0 })
            remote = null;
        var newRefspec = remote is null ? branch : $"{remote}:{branch}";

        if (Refspecs.Classify(newRefspec) == RefspecKind.Checksum)
        {
            origin.Set("origin", "refspec", newRefspec);
            if (options.CustomOrigin is { } custom)
            {
                origin.Set("origin", "custom-url", custom.Url);
                origin.Set("origin", "custom-description", custom.Description);
            }
            return newRefspec;
        }
        if (newRefspec == oldRefspec)
            throw new OstreeException($"Old and new refs are equal: {newRefspec}");
        if (remote is not null)
            _ = Remotes.Get(host.Sysroot.Repo, remote);
        if (remote != oldRemote && branch == oldRef && remote is not null)
            host.Raise(new RebasingTo(remote, oldRef));
        origin.Set("origin", "refspec", newRefspec);
        origin.Remove("origin", "custom-url");
        origin.Remove("origin", "custom-description");
        return newRefspec;
    }

    // rpm-ostree's apply_revision_override: pin the origin to a checksum found on the ref.
    private static void ApplyRevision(HostSysroot host, KeyFile origin, string revision, UpdateOptions options)
    {
        var refspec = OriginFile.Refspec(origin)!;
        if (Refspecs.Classify(refspec) == RefspecKind.Checksum)
            throw new OstreeException("Cannot look up version while pinned to commit");
        var repo = host.Sysroot.Repo;
        var (isChecksum, value) = Refspecs.ParseRevision(revision);
        string found;
        if (!isChecksum)
        {
            host.Raise(new ResolvingVersion(value));
            found = (options.CacheOnly
                    ? LocalHistory(repo, refspec, (_, c) => c.Version == value)
                    : Refspecs.FindInHistory(repo, refspec, (_, c) => c.Version == value))
                ?? throw new OstreeException($"Version {value} not found in {refspec}");
        }
        else
        {
            if (!options.SkipBranchCheck)
            {
                host.Raise(new ValidatingChecksum(value));
                _ = (options.CacheOnly
                        ? LocalHistory(repo, refspec, (csum, _) => csum == value)
                        : Refspecs.FindInHistory(repo, refspec, (csum, _) => csum == value))
                    ?? throw new OstreeException($"Checksum {value} not found in {refspec}");
            }
            found = value;
        }
        origin.Set("origin", "override-commit", found);
    }

    private static string? LocalHistory(Repository repo, string refspec, Func<string, Arbor.Ostree.Objects.Commit, bool> match)
    {
        var csum = repo.ResolveRev(refspec, allowMissing: true);
        while (csum is { } c && repo.HasObject(c, Arbor.Ostree.Objects.ObjectType.Commit))
        {
            var commit = repo.LoadCommit(c);
            if (match(c.ToString(), commit))
                return c.ToString();
            csum = commit.Parent;
        }
        return null;
    }

    // After a rebase the old ref is no longer followed; deleting it lets the prune free its commits.
    private static void PurgeRef(HostSysroot host, string oldRefspec, string newRefspec)
    {
        if (Refspecs.Classify(oldRefspec) != RefspecKind.Ostree || oldRefspec == newRefspec)
            return;
        var (remote, branch) = Repository.ParseRefspec(oldRefspec);
        var repo = host.Sysroot.Repo;
        if (repo.ResolveRev(oldRefspec, allowMissing: true) is null)
            return;
        repo.SetRefImmediate(remote, branch, null);
    }
}
