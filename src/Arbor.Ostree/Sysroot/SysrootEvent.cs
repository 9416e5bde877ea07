// What a sysroot operation reports while it runs, as data: libostree sends these to the journal
// and the ostree CLI prints them, rpm-ostree's daemon turns them into D-Bus signals. The engine
// only raises them (Sysroot.Events); the CLI owns their words (Arbor.Cli.Render.EventText).
namespace Arbor.Ostree.Sysroot;

/// <summary>Something a sysroot operation reports while it runs.</summary>
public abstract record SysrootEvent
{
    /// <summary>True for events the ostree CLI prints as warnings (on stderr).</summary>
    public virtual bool IsWarning => false;
}

/// <summary>Another process holds the sysroot lock; the operation waits for it.</summary>
public sealed record SysrootLockWaiting : SysrootEvent;

/// <summary>The new deployment list and its boot configuration were written.</summary>
/// <param name="Atomic">The switch was one atomic rename (false: a bootloader that rewrites its file in place).</param>
/// <param name="BootconfigSwapped">A new boot version was written (rather than only the deployment links swapped).</param>
/// <param name="BootLinkDirectory">The boot-link directory now live ("boot.1.0").</param>
/// <param name="DeploymentCountChange">How many deployments were added (positive) or removed (negative).</param>
public sealed record DeploymentsWritten(bool Atomic, bool BootconfigSwapped, string BootLinkDirectory, int DeploymentCountChange) : SysrootEvent;

/// <summary>The stateroot's /var has no relabel stamp; it is stamped (labelled on next boot).</summary>
public sealed record VarRelabeling : SysrootEvent;

/// <summary>A deployed commit carries content in /var, which deployments ignore.</summary>
/// <param name="Commit">The commit being deployed.</param>
/// <param name="Entry">The name of the ignored entry directly under /var.</param>
public sealed record VarContentIgnored(string Commit, string Entry) : SysrootEvent
{
    /// <inheritdoc />
    public override bool IsWarning => true;
}

/// <summary>A cleanup pruned repository objects no deployment needs.</summary>
/// <param name="Bytes">The space freed.</param>
public sealed record ObjectsFreed(ulong Bytes) : SysrootEvent;
