// Connects the bootloader writers (syslinux, grub2, u-boot) to the deployment writer: when the
// sysroot has one of them set up (or the repository's sysroot.bootloader names one), writing
// deployments hands it the new BLS entries, default first, before the boot/loader swap.
namespace Arbor.Ostree.Sysroot.Bootloader;

/// <summary>An <see cref="IBootloader"/> as the deployment writer's backend.</summary>
public sealed class DetectedBootloader(IBootloader inner) : IBootloaderBackend
{
    /// <summary>The backend for <paramref name="sysrootPath"/>, or null when it has no bootloader besides BLS.</summary>
    public static DetectedBootloader? For(string sysrootPath) =>
        Bootloaders.Detect(sysrootPath) is { } b ? new DetectedBootloader(b) : null;

    /// <inheritdoc />
    public string Name => inner.Name;

    /// <inheritdoc />
    /// <remarks>syslinux and u-boot write into boot/loader.N, which the swap makes live; grub2 writes its config in place.</remarks>
    public bool IsAtomic => inner is not Grub2Bootloader;

    /// <inheritdoc />
    public void WriteConfig(Sysroot sysroot, int newBootVersion, IReadOnlyList<Deployment> deployments)
    {
        ArgumentNullException.ThrowIfNull(sysroot);
        ArgumentNullException.ThrowIfNull(deployments);
        inner.WriteConfig(sysroot.Path, newBootVersion, deployments.Select(d => Pairs(d.BootConfig.ToString())).ToList());
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Pairs(string entry) =>
        entry.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 2))
            .Select(kv => new KeyValuePair<string, string>(kv[0], kv.Length > 1 ? kv[1] : ""))
            .ToList();
}
