// The host engine's view of a sysroot, as rpm-ostree's daemon sees it: one stateroot is operated
// on (the booted one, or --stateroot), and deployments are "pending" (before the booted one) or
// "rollback" (after it). Changes run as transactions, one at a time: a transaction holds the
// sysroot lock (ostree/lock, the same lock `ostree admin` takes) and fails at once with
// "Transaction in progress" when another process has it, rather than queueing behind it.
//
// A sysroot given with --sysroot is not booted. There the deployment that would boot next (the
// first of the stateroot) stands in for the booted one, so that rollback, cleanup and kargs mean
// what they mean on a running host; status still reports nothing as booted.
using Arbor.Ostree;
using Arbor.Ostree.Sysroot;

namespace Arbor.Host;

/// <summary>A sysroot opened for rpm-ostree-style host operations.</summary>
public sealed class HostSysroot : IDisposable
{
    private HostSysroot(Sysroot sysroot, string? osName)
    {
        Sysroot = sysroot;
        OsName = osName;
    }

    /// <summary>The underlying sysroot.</summary>
    public Sysroot Sysroot { get; }

    /// <summary>The stateroot operated on, or null when the sysroot has no deployment and none was named.</summary>
    public string? OsName { get; }

    /// <summary>Receives what transactions report while they run (a rollback's move, the space a cleanup freed, …).</summary>
    public Action<HostEvent>? Events { get; set; }

    /// <summary>Opens <paramref name="path"/>; with <paramref name="transaction"/> under the sysroot lock.</summary>
    /// <param name="path">The sysroot ("/" on a running host).</param>
    /// <param name="stateroot">The stateroot to operate on, or null for the booted (or default) one.</param>
    /// <param name="transaction">Take the sysroot lock for a change.</param>
    /// <exception cref="OstreeException">The sysroot is not initialized, the stateroot is unknown, or another transaction runs.</exception>
    public static HostSysroot Open(string path, string? stateroot, bool transaction)
    {
        var s = Sysroot.Load(path, takeLock: false);
        try
        {
            if (transaction && !s.TryLock())
                throw new OstreeException("Transaction in progress: another process holds the sysroot lock (ostree/lock)");
            if (transaction)
                s.Reload();
            if (stateroot is not null)
                s.RequireStateroot(stateroot);
            var osname = stateroot ?? s.Booted?.OsName ?? (s.Deployments.Count > 0 ? s.Deployments[0].OsName : null);
            return new HostSysroot(s, osname);
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>The stateroot, or an error naming what is missing.</summary>
    public string RequireOsName() => OsName ?? throw new OstreeException("No deployments found; deploy a commit first (ostree admin deploy --os=OSNAME)");

    /// <summary>The booted deployment, or on a sysroot that is not booted the first deployment of the stateroot.</summary>
    public Deployment? Current =>
        Sysroot.Booted is { } b && b.OsName == OsName ? b : Sysroot.Deployments.FirstOrDefault(d => d.OsName == OsName);

    /// <summary>The first deployment of the stateroot ahead of <see cref="Current"/> (rpm-ostree's pending deployment).</summary>
    public Deployment? Pending
    {
        get
        {
            var cur = Current;
            foreach (var d in Sysroot.Deployments)
            {
                if (d.SameAs(cur))
                    return null;
                if (d.OsName == OsName)
                    return d;
            }
            return null;
        }
    }

    /// <summary>The first deployment of the stateroot after <see cref="Current"/> (the rollback deployment).</summary>
    public Deployment? Rollback
    {
        get
        {
            bool past = false;
            foreach (var d in Sysroot.Deployments)
            {
                if (past && d.OsName == OsName)
                    return d;
                if (d.SameAs(Current))
                    past = true;
            }
            return null;
        }
    }

    /// <summary>The deployment whose origin a change starts from: the pending one if any, else the current one.</summary>
    public Deployment OriginMerge =>
        Sysroot.Deployments.FirstOrDefault(d => d.OsName == OsName)
        ?? throw new OstreeException($"No deployments found for os {RequireOsName()}");

    internal void Raise(HostEvent e) => Events?.Invoke(e);

    /// <summary>Runs the cleanup rpm-ostree runs after every change: unreferenced deployments, boot
    /// directories and repository objects go; prints what the prune freed.</summary>
    internal void SyscoreCleanup()
    {
        try
        {
            ulong freed = Sysroot.Cleanup(pruneRepo: true, quiet: true);
            if (freed > 0)
                Raise(new SpaceFreed(freed));
        }
        catch (OstreeException e)
        {
            throw new OstreeException($"syscore cleanup: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public void Dispose() => Sysroot.Dispose();
}
