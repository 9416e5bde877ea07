// What `status` shows, as data: one dictionary per deployment, keyed as rpm-ostree's D-Bus API
// keys them (DeploymentVariant), so the CLI renders text or JSON from it and a daemon can hand the
// same dictionaries to its clients unchanged.
using Arbor.Ostree.GVariant;

namespace Arbor.Host;

/// <summary>Status of a host as rpm-ostree's deployment dictionaries.</summary>
public static class HostStatus
{
    /// <summary>The deployment dictionaries of every deployment (or only the booted one).</summary>
    public static List<List<KeyValuePair<string, GVariantValue>>> Collect(HostSysroot host, bool bootedOnly)
    {
        var all = new List<List<KeyValuePair<string, GVariantValue>>>();
        foreach (var d in host.Sysroot.Deployments)
        {
            if (bootedOnly && !d.SameAs(host.Sysroot.Booted))
                continue;
            all.Add(DeploymentVariant.Build(host, d));
        }
        return all;
    }
}
