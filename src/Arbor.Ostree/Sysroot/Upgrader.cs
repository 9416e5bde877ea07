// The sysroot upgrader (libostree's ostree-sysroot-upgrader.c): a deployment's origin file says
// what the host follows (remote:ref, optionally pinned by override-commit). Pull brings that
// commit into the sysroot's repository, refuses one older than the merge deployment's unless a
// downgrade is allowed, and Deploy checks it out with the merge deployment's /etc and kernel
// arguments and writes it as the new default. `ostree admin upgrade|switch` and Arbor.Host's
// upgrade/deploy/rebase/kargs all go through here, so they pull and deploy the same way.
using Arbor.Ostree.Objects;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Signing;

namespace Arbor.Ostree.Sysroot;

/// <summary>Pulls and deploys what a deployment's origin names.</summary>
public sealed class Upgrader
{
    private readonly Sysroot _s;
    private string? _remote;
    private string _ref = "";
    private string? _overrideCsum;

    private Upgrader(Sysroot s, string osname, Deployment merge, KeyFile origin)
    {
        _s = s;
        OsName = osname;
        Merge = merge;
        Origin = origin;
    }

    /// <summary>The stateroot being upgraded.</summary>
    public string OsName { get; }

    /// <summary>The deployment whose /etc and kernel arguments the new one inherits.</summary>
    public Deployment Merge { get; }

    /// <summary>The origin the new deployment gets; change it, then call <see cref="Reparse"/>.</summary>
    public KeyFile Origin { get; set; }

    /// <summary>The remote of the origin refspec (null for a local ref).</summary>
    public string? Remote => _remote;

    /// <summary>The branch of the origin refspec.</summary>
    public string Ref => _ref;

    /// <summary>The origin refspec, <c>remote:ref</c> or <c>ref</c>.</summary>
    public string Refspec => _remote is null ? _ref : $"{_remote}:{_ref}";

    /// <summary>Whether a pinned (override-commit) upgrade moves a local ref to the pinned commit, as
    /// ostree's upgrader does; rpm-ostree leaves local refs alone. Remote refs always move, as the
    /// pull of an overridden commit writes them.</summary>
    public bool LocalRefFollowsOverride { get; set; } = true;

    /// <summary>The commit <see cref="Pull"/> settled on.</summary>
    public string? NewRevision { get; private set; }

    /// <summary>Creates an upgrader for <paramref name="osname"/> (default: the booted stateroot).</summary>
    /// <param name="s">The loaded, locked sysroot.</param>
    /// <param name="osname">The stateroot, or null for the booted one.</param>
    /// <param name="originSource">The deployment whose origin to start from (default: the merge deployment).</param>
    /// <exception cref="OstreeException">No stateroot, no deployment or no usable origin.</exception>
    public static Upgrader Create(Sysroot s, string? osname, Deployment? originSource = null)
    {
        osname ??= s.Booted?.OsName ?? throw new OstreeException("Not currently booted into an OSTree system and no OS specified");
        if (osname.Length == 0)
            throw new OstreeException("Invalid empty osname");
        var merge = s.MergeDeployment(osname) ?? throw new OstreeException($"No previous deployment for OS '{osname}'");
        originSource ??= merge;
        var origin = originSource.Origin ?? throw new OstreeException($"No origin known for deployment {originSource.Csum}.{originSource.DeploySerial}");
        var up = new Upgrader(s, osname, merge, OriginFile.Clone(origin));
        up.Reparse();
        return up;
    }

    /// <summary>Re-reads refspec and override-commit from <see cref="Origin"/>.</summary>
    public void Reparse()
    {
        if (Origin.Get("origin", "unconfigured-state") is { } unconfigured)
            throw new OstreeException($"origin unconfigured-state: {unconfigured}");
        var refspec = OriginFile.Refspec(Origin)
            ?? throw new OstreeException("No origin/refspec in current deployment origin; cannot upgrade via ostree");
        (_remote, _ref) = Repository.ParseRefspec(refspec);
        _overrideCsum = Origin.Get("origin", "override-commit");
    }

    /// <summary>Pulls the origin's commit (unless <paramref name="synthetic"/>) and decides the new revision.</summary>
    /// <param name="synthetic">Do not fetch; use what the repository already has.</param>
    /// <param name="allowOlder">Accept a commit older than the merge deployment's.</param>
    /// <param name="progress">Receives pull progress, or null.</param>
    /// <returns>True when the new revision differs from the merge deployment's commit.</returns>
    public bool Pull(bool synthetic, bool allowOlder, IProgress<PullProgress>? progress = null)
    {
        var repo = _s.Repo;
        var from = Merge.Csum;
        if (_remote is not null && !synthetic)
        {
            var remote = Remotes.Get(repo, _remote);
            var options = new PullOptions
            {
                Refs = [_overrideCsum ?? _ref],
                Fetcher = FetcherOptions.FromRemote(remote),
                Progress = progress,
            };
            using var engine = new PullEngine(repo, remote, options)
            {
                CommitVerifier = RemoteVerification.CommitVerifier(remote),
                SignVerify = RemoteVerification.SignVerifyEnabled(remote),
            };
            engine.RunAsync().GetAwaiter().GetResult();
        }
        if (_overrideCsum is not null)
        {
            if (!repo.HasObject(Checksum.Parse(_overrideCsum), ObjectType.Commit))
                throw new OstreeException($"Commit {_overrideCsum} not found in the repository");
            if (_remote is not null || LocalRefFollowsOverride)
                repo.SetRefImmediate(_remote, _ref, Checksum.Parse(_overrideCsum));
            NewRevision = _overrideCsum;
        }
        else
        {
            NewRevision = repo.ResolveRev(Refspec)!.Value.ToString();
        }
        if (NewRevision == from)
            return false;
        if (!allowOlder)
            CommitTimestamps.RequireNotOlder(repo, from, NewRevision);
        return true;
    }

    /// <summary>Stages <see cref="NewRevision"/> (or <paramref name="revision"/>) for finalization at shutdown (booted systems only).</summary>
    /// <param name="revision">The commit to stage instead of the pulled one.</param>
    /// <param name="kargs">Kernel arguments, or null to inherit the merge deployment's at finalization.</param>
    /// <param name="locked">Keep it from being finalized until unlocked.</param>
    /// <returns>The staged deployment.</returns>
    public Deployment Stage(string? revision = null, IReadOnlyList<string>? kargs = null, bool locked = false)
    {
        var rev = revision ?? NewRevision ?? throw new InvalidOperationException("Pull must run before Stage");
        return _s.StageTree(OsName, rev, Origin, Merge, kargs, locked);
    }

    /// <summary>Deploys <see cref="NewRevision"/> (or <paramref name="revision"/>) as the new default.</summary>
    /// <param name="revision">The commit to deploy instead of the pulled one (e.g. the merge deployment's for a kargs change).</param>
    /// <param name="kargs">Kernel arguments for the new deployment, or null to inherit the merge deployment's.</param>
    /// <param name="flags">How the deployment list is rewritten.</param>
    /// <returns>The new deployment.</returns>
    public Deployment Deploy(string? revision = null, IReadOnlyList<string>? kargs = null, SimpleWriteFlags flags = SimpleWriteFlags.None)
    {
        var rev = revision ?? NewRevision ?? throw new InvalidOperationException("Pull must run before Deploy");
        var created = _s.DeployTree(OsName, rev, Origin, Merge, kargs);
        _s.SimpleWriteDeployment(OsName, created, Merge, flags);
        return created;
    }
}
