// `arbor rollback`: rpm-ostree's rollback transaction. The rollback deployment (the first of the
// stateroot after the booted one) moves to the front of the boot order; when there is none but a
// pending deployment exists, the booted one moves back to the front instead, so a second rollback
// undoes the first. Only the order changes: the deployments, their /etc and kernel arguments
// stay as they are, and the new boot entries are swapped in atomically.
using Arbor.Ostree;
using Arbor.Ostree.Sysroot;

namespace Arbor.Host;

/// <summary>rollback.</summary>
public static class Rollback
{
    /// <summary>Makes the rollback (or booted) deployment the default.</summary>
    /// <returns>The deployment that is now first.</returns>
    /// <exception cref="OstreeException">Only one deployment, or a staged one is pending.</exception>
    public static Deployment Run(HostSysroot host)
    {
        host.RequireOsName();
        var pending = host.Pending;
        var rollback = host.Rollback;
        if (rollback is null && pending is null)
            throw new OstreeException("No rollback deployment found");
        if (pending is { IsStaged: true })
            throw new OstreeException("Staged deployment (remove with cleanup -p)");
        var target = rollback ?? host.Current!;
        host.Raise(new DeploymentMovedFirst(target.Csum, target.DeploySerial));
        var old = host.Sysroot.Deployments;
        var reordered = new List<Deployment> { target };
        reordered.AddRange(old.Where(d => !d.SameAs(target)));
        if (!old[0].SameAs(reordered[0]))
            host.Sysroot.WriteDeployments(reordered, postclean: false);
        return target;
    }
}
