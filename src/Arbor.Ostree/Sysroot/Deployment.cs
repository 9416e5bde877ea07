// One deployment of a sysroot: a checkout of a commit at ostree/deploy/OS/deploy/CSUM.SERIAL, the
// boot checksum of its kernel, its place in the boot order and the BLS entry that boots it.
// Sysroot.Load builds these from the boot entries; Deploy builds new ones; WriteDeployments
// turns an ordered list of them into the on-disk boot configuration.
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Sysroot;

/// <summary>How a deployment was unlocked (<c>ostree admin unlock</c>).</summary>
public enum UnlockedState
{
    /// <summary>Not unlocked.</summary>
    None,
    /// <summary>A development overlay (lost on reboot).</summary>
    Development,
    /// <summary>A persistent hotfix.</summary>
    Hotfix,
    /// <summary>A transient overlay.</summary>
    Transient,
}

/// <summary>A deployment.</summary>
public sealed class Deployment
{
    /// <summary>Creates a deployment.</summary>
    public Deployment(int index, string osName, string csum, int deploySerial, string? bootCsum, int bootSerial)
    {
        Index = index;
        OsName = osName;
        Csum = csum;
        DeploySerial = deploySerial;
        BootCsum = bootCsum;
        BootSerial = bootSerial;
    }

    /// <summary>Position in the boot order (0 = default).</summary>
    public int Index { get; set; }

    /// <summary>The stateroot ("osname").</summary>
    public string OsName { get; }

    /// <summary>The deployed commit.</summary>
    public string Csum { get; }

    /// <summary>Distinguishes several deployments of one commit.</summary>
    public int DeploySerial { get; }

    /// <summary>The checksum naming the kernel/initramfs directory in /boot.</summary>
    public string? BootCsum { get; set; }

    /// <summary>Distinguishes deployments sharing a boot checksum in the bootlinks.</summary>
    public int BootSerial { get; set; }

    /// <summary>The boot entry (its "options" carry the kernel arguments).</summary>
    public BootConfig BootConfig { get; set; } = new();

    /// <summary>The origin file contents, or null when there is none.</summary>
    public KeyFile? Origin { get; set; }

    /// <summary>Unlock state.</summary>
    public UnlockedState Unlocked { get; set; }

    /// <summary>True for a staged deployment (finalized at shutdown).</summary>
    public bool IsStaged { get; set; }

    /// <summary>True for a staged deployment that must not be finalized at shutdown (--lock-finalization).</summary>
    public bool FinalizationLocked { get; set; }

    /// <summary>True when pinned against garbage collection.</summary>
    public bool IsPinned => OriginFile.IsPinned(Origin);

    /// <summary>The deployment directory relative to the sysroot.</summary>
    public string RelativePath => $"ostree/deploy/{OsName}/deploy/{Csum}.{DeploySerial}";

    /// <summary>The origin file path relative to the sysroot.</summary>
    public string OriginRelativePath => RelativePath + ".origin";

    /// <summary>Same stateroot, commit and serial.</summary>
    public bool SameAs(Deployment? other) =>
        other is not null && other.OsName == OsName && other.Csum == Csum && other.DeploySerial == DeploySerial;

    /// <summary>A copy with its own boot entry and origin.</summary>
    public Deployment Clone() => new(Index, OsName, Csum, DeploySerial, BootCsum, BootSerial)
    {
        BootConfig = BootConfig.Clone(),
        Origin = Origin is null ? null : OriginFile.Clone(Origin),
        Unlocked = Unlocked,
        IsStaged = IsStaged,
        FinalizationLocked = FinalizationLocked,
    };

    /// <inheritdoc />
    public override string ToString() => $"{OsName} {Csum}.{DeploySerial}";
}
