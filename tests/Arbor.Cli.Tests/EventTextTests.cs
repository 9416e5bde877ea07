// The lines printed for what sysroot and host operations report: every event the engines raise
// has the words ostree (sysroot) or rpm-ostree (host verbs) print for it.
using Arbor.Cli.Render;
using Arbor.Host;
using Arbor.Ostree.Sysroot;

namespace Arbor.Cli.Tests;

public sealed class EventTextTests
{
    public static TheoryData<SysrootEvent, string, bool> SysrootEvents => new()
    {
        { new SysrootLockWaiting(), "Waiting for sysroot lock...", false },
        { new DeploymentsWritten(true, false, "boot.0.1", 1), "Transaction complete; bootconfig swap: no; bootversion: boot.0.1, deployment count change: 1", false },
        { new DeploymentsWritten(false, true, "boot.1.0", -1), "Bootloader updated; bootconfig swap: yes; bootversion: boot.1.0, deployment count change: -1", false },
        { new VarRelabeling(), "Relabeling /var (no stamp file 'var/.ostree-selabeled' found)", false },
        { new VarContentIgnored("abc", "lib"), "note: Deploying commit abc which contains content in /var/lib that will be ignored.", true },
        { new ObjectsFreed(2_500_000), "Freed objects: 2.5\u00a0MB", false },
    };

    [Theory]
    [MemberData(nameof(SysrootEvents))]
    public void SysrootEventsReadAsOstreePrintsThem(SysrootEvent e, string line, bool warning)
    {
        Assert.Equal(line, EventText.Line(e));
        Assert.Equal(warning, e.IsWarning);
    }

    public static TheoryData<HostEvent, string> HostEvents => new()
    {
        { new NothingToDeploy(NothingToDeployReason.PinnedToCommit, "Fedora 41 pinned"), "Pinned to commit by custom origin: Fedora 41 pinned" },
        { new NothingToDeploy(NothingToDeployReason.PinnedToCommit, null), "Pinned to commit; no upgrade available" },
        { new NothingToDeploy(NothingToDeployReason.NoUpgradeAvailable, null), "No upgrade available." },
        { new NothingToDeploy(NothingToDeployReason.NoChange, null), "No change." },
        { new DownloadFinished(true), "Update downloaded." },
        { new DownloadFinished(false), "No changes." },
        { new RebasingTo("origin", "os/x86_64"), "Rebasing to origin:os/x86_64" },
        { new ResolvingVersion("41.1"), "Resolving version '41.1'" },
        { new ValidatingChecksum("abc"), "Validating checksum 'abc'" },
        { new DeploymentsUnchanged(), "Deployments unchanged." },
        { new DeploymentMovedFirst("abc", 0), "Moving 'abc.0' to be first deployment" },
        { new SpaceFreed(1024), "Freed: 1.0\u00a0kB (pkgcache branches: 0)" },
    };

    [Theory]
    [MemberData(nameof(HostEvents))]
    public void HostEventsReadAsRpmOstreePrintsThem(HostEvent e, string line) => Assert.Equal(line, EventText.Line(e));
}
