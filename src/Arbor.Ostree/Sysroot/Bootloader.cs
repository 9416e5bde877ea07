// The seam for bootloaders that need more than BLS entries (grub2, syslinux, u-boot). Writing
// deployments calls the backend after the new boot/loader.N entries and bootlinks are complete
// and before the boot/loader symlink is swapped, so a backend writes its configuration for the
// new boot version from the same entries and the swap makes both visible at once.
namespace Arbor.Ostree.Sysroot;

/// <summary>A bootloader configuration writer run alongside the BLS entries.</summary>
public interface IBootloaderBackend
{
    /// <summary>The backend name (as in <c>sysroot.bootloader</c>).</summary>
    string Name { get; }

    /// <summary>True when the backend's switch is atomic with the loader symlink swap.</summary>
    bool IsAtomic { get; }

    /// <summary>Writes the configuration for <paramref name="newBootVersion"/>.</summary>
    /// <param name="sysroot">The sysroot being written.</param>
    /// <param name="newBootVersion">The boot version whose boot/loader.N/entries were just written.</param>
    /// <param name="deployments">The new deployments, default first, each with its final BLS entry.</param>
    void WriteConfig(Sysroot sysroot, int newBootVersion, IReadOnlyList<Deployment> deployments);

    /// <summary>Runs after boot/loader points at the new version.</summary>
    void PostSwap(Sysroot sysroot, int newBootVersion)
    {
    }
}
