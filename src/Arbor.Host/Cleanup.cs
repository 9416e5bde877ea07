// `arbor cleanup -p|-r|-b|-m`: rpm-ostree's cleanup transaction. -p drops the pending
// deployments of the stateroot (those ahead of the booted one), -r the rollback ones (after it);
// pinned deployments and other stateroots are kept. After a change to the deployment list, or
// with -b, the base cleanup runs: unreferenced deployment directories, boot files and repository
// objects go. -m empties the rpm-md cache (cache/arbor/repomd under the sysroot, Arbor's
// counterpart of /var/cache/rpm-ostree).
using Arbor.Ostree;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Sysroot;

namespace Arbor.Host;

/// <summary>What cleanup removes.</summary>
[Flags]
public enum CleanupFlags
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>-b: the base cleanup (deployments no longer listed, boot files, unreachable objects).</summary>
    Base = 1,
    /// <summary>-p: pending deployments.</summary>
    Pending = 2,
    /// <summary>-r: rollback deployments.</summary>
    Rollback = 4,
    /// <summary>-m: the cached rpm-md metadata.</summary>
    Repomd = 8,
}

/// <summary>cleanup.</summary>
public static class Cleanup
{
    /// <summary>The rpm-md cache directory relative to the sysroot.</summary>
    public const string RepomdCacheDir = "var/cache/arbor/repomd";

    /// <summary>Runs the cleanup.</summary>
    /// <exception cref="OstreeException">No flag given, or the sysroot could not be rewritten.</exception>
    public static void Run(HostSysroot host, CleanupFlags flags)
    {
        if (flags == CleanupFlags.None)
            throw new OstreeException("At least one cleanup option must be specified (-b, -p, -r, -m)");
        if ((flags & (CleanupFlags.Pending | CleanupFlags.Rollback)) != 0)
        {
            var osname = host.RequireOsName();
            var current = host.Current;
            var kept = new List<Deployment>();
            bool pastCurrent = false;
            foreach (var d in host.Sysroot.Deployments)
            {
                if (d.SameAs(current))
                {
                    pastCurrent = true;
                    kept.Add(d);
                    continue;
                }
                if (d.OsName != osname || d.IsPinned)
                {
                    kept.Add(d);
                    continue;
                }
                if (!pastCurrent && (flags & CleanupFlags.Pending) != 0)
                    continue;
                if (pastCurrent && (flags & CleanupFlags.Rollback) != 0)
                    continue;
                kept.Add(d);
            }
            if (kept.Count != host.Sysroot.Deployments.Count)
            {
                host.Sysroot.WriteDeployments(kept, postclean: false);
                flags |= CleanupFlags.Base;
            }
            else
            {
                host.Raise(new DeploymentsUnchanged());
            }
        }
        if ((flags & CleanupFlags.Base) != 0)
            host.SyscoreCleanup();
        if ((flags & CleanupFlags.Repomd) != 0)
        {
            var dir = host.Sysroot.Abs(RepomdCacheDir);
            if (Directory.Exists(dir))
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
                    PathRemoval.RemoveAny(entry);
            }
        }
    }
}
