// Changes to existing deployments: kernel arguments through a new boot version
// (ostree_sysroot_deployment_set_kargs) or rewritten in place in the current entries
// (…_set_kargs_in_place, used by `kargs edit-in-place`), pinning, and origin rewrites. Each
// rewritten file goes through a temp file and a rename.
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Sysroot;

public sealed partial class Sysroot
{
    /// <summary>Replaces a deployment's kernel arguments by writing a new boot version.</summary>
    public void SetKargs(Deployment deployment, IReadOnlyList<string> newKargs)
    {
        var clone = deployment.Clone();
        var k = new KernelArgs();
        k.AppendAll(newKargs);
        clone.BootConfig.Set("options", k.ToString());
        var list = Deployments.Select(d => ReferenceEquals(d, deployment) ? clone : d).ToList();
        WriteDeployments(list, postclean: true);
    }

    /// <summary>Rewrites the options line of a deployment's current BLS entry in place.</summary>
    public void SetKargsInPlace(Deployment deployment, string kargs)
    {
        if (deployment.IsStaged)
            throw new OstreeException("Cannot edit the kernel arguments of a staged deployment in place");
        deployment.BootConfig.Set("options", kargs);
        var path = Abs($"boot/loader.{BootVersion}/entries/{EntryFileName(Deployments.Count, deployment)}");
        deployment.BootConfig.Write(path);
    }

    /// <summary>Pins or unpins a deployment (an origin flag that keeps it from garbage collection).</summary>
    public void SetPinned(Deployment deployment, bool pinned)
    {
        if (deployment.IsPinned == pinned)
            return;
        if (deployment.IsStaged)
            throw new OstreeException("Cannot pin staged deployment");
        var origin = deployment.Origin is null ? new KeyFile() : OriginFile.Clone(deployment.Origin);
        if (pinned)
            origin.Set(OriginFile.TransientGroup, "pinned", "true");
        else
            origin.Remove(OriginFile.TransientGroup, "pinned");
        WriteOriginFile(deployment, origin);
    }

    /// <summary>Replaces a deployment's origin file (synced) and notes the change.</summary>
    public void WriteOriginFile(Deployment deployment, KeyFile origin)
    {
        WriteOrigin(deployment, origin, fsync: true);
        deployment.Origin = origin;
        BumpMtime();
    }
}
