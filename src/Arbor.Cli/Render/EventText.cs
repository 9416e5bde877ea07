// The words for what sysroot and host operations report while they run: the lines the ostree CLI
// prints for libostree's sysroot messages, and rpm-ostree's client for its daemon's Message signals.
using Arbor.Host;
using Arbor.Native;
using Arbor.Ostree.Sysroot;

namespace Arbor.Cli.Render;

/// <summary>Renders <see cref="SysrootEvent"/> and <see cref="HostEvent"/> as ostree and rpm-ostree word them.</summary>
internal static class EventText
{
    /// <summary>The line ostree prints for <paramref name="e"/>.</summary>
    public static string Line(SysrootEvent e) => e switch
    {
        SysrootLockWaiting => "Waiting for sysroot lock...",
        DeploymentsWritten w =>
            $"{(w.Atomic ? "Transaction complete" : "Bootloader updated")}; bootconfig swap: {(w.BootconfigSwapped ? "yes" : "no")}; bootversion: {w.BootLinkDirectory}, deployment count change: {w.DeploymentCountChange}",
        VarRelabeling => "Relabeling /var (no stamp file 'var/.ostree-selabeled' found)",
        VarContentIgnored v => $"note: Deploying commit {v.Commit} which contains content in /var/{v.Entry} that will be ignored.",
        ObjectsFreed f => $"Freed objects: {ByteSize.Format(f.Bytes)}",
        _ => throw new ArgumentOutOfRangeException(nameof(e), e, "unknown sysroot event"),
    };

    /// <summary>The line rpm-ostree prints for <paramref name="e"/>.</summary>
    public static string Line(HostEvent e) => e switch
    {
        NothingToDeploy { Reason: NothingToDeployReason.PinnedToCommit, CustomDescription: { } desc } => $"Pinned to commit by custom origin: {desc}",
        NothingToDeploy { Reason: NothingToDeployReason.PinnedToCommit } => "Pinned to commit; no upgrade available",
        NothingToDeploy { Reason: NothingToDeployReason.NoUpgradeAvailable } => "No upgrade available.",
        NothingToDeploy => "No change.",
        DownloadFinished d => d.Changed ? "Update downloaded." : "No changes.",
        RebasingTo r => $"Rebasing to {r.Remote}:{r.Ref}",
        ResolvingVersion v => $"Resolving version '{v.Version}'",
        ValidatingChecksum c => $"Validating checksum '{c.Checksum}'",
        DeploymentsUnchanged => "Deployments unchanged.",
        DeploymentMovedFirst m => $"Moving '{m.Checksum}.{m.Serial}' to be first deployment",
        SpaceFreed f => $"Freed: {ByteSize.Format(f.Bytes)} (pkgcache branches: 0)",
        _ => throw new ArgumentOutOfRangeException(nameof(e), e, "unknown host event"),
    };
}
