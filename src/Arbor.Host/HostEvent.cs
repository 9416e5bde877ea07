// What the host verbs (upgrade, deploy, rebase, rollback, cleanup) report while they run, as data:
// rpm-ostree's daemon sends these as D-Bus Message signals and its client prints them. The engine
// raises them (HostSysroot.Events); the CLI owns their words (Arbor.Cli.Render.EventText).
namespace Arbor.Host;

/// <summary>Something a host transaction reports while it runs.</summary>
public abstract record HostEvent;

/// <summary>Why a transaction found nothing to deploy.</summary>
public enum NothingToDeployReason
{
    /// <summary>The origin pins a commit (refspec is a checksum).</summary>
    PinnedToCommit,

    /// <summary>An upgrade found the deployed commit current.</summary>
    NoUpgradeAvailable,

    /// <summary>A deploy asked for the commit already deployed.</summary>
    NoChange,
}

/// <summary>The transaction ends without a new deployment.</summary>
/// <param name="Reason">Why.</param>
/// <param name="CustomDescription">The origin's custom description when a custom origin pins the commit.</param>
public sealed record NothingToDeploy(NothingToDeployReason Reason, string? CustomDescription) : HostEvent;

/// <summary>A download-only transaction ended.</summary>
/// <param name="Changed">A commit other than the deployed one was downloaded.</param>
public sealed record DownloadFinished(bool Changed) : HostEvent;

/// <summary>A rebase keeps the branch and changes the remote.</summary>
public sealed record RebasingTo(string Remote, string Ref) : HostEvent;

/// <summary>A deploy looks up a version in the ref's history.</summary>
public sealed record ResolvingVersion(string Version) : HostEvent;

/// <summary>A deploy checks that a checksum is in the ref's history.</summary>
public sealed record ValidatingChecksum(string Checksum) : HostEvent;

/// <summary>A cleanup found no deployment to remove.</summary>
public sealed record DeploymentsUnchanged : HostEvent;

/// <summary>A rollback makes this deployment the default.</summary>
public sealed record DeploymentMovedFirst(string Checksum, int Serial) : HostEvent;

/// <summary>The cleanup after a change pruned repository objects.</summary>
public sealed record SpaceFreed(ulong Bytes) : HostEvent;
