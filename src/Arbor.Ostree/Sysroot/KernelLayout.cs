// Where a deployment's kernel lives and what its boot checksum is, exactly as libostree decides
// (get_kernel_from_tree in ostree-sysroot-deploy.c): first usr/lib/modules/$kver/vmlinuz, whose
// boot checksum is the SHA-256 of vmlinuz, then the initramfs (initramfs.img or initramfs), then
// the devicetree file or every file of the dtb/ directory; then the legacy layouts
// usr/lib/ostree-boot or boot, whose file names carry the checksum (vmlinuz-VER-CSUM). The legacy
// layout wins only when it has an initramfs and the modules layout does not. The boot checksum
// names boot/ostree/OS-BOOTCSUM, so it must match ostree's bit for bit.
using System.Security.Cryptography;
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Sysroot;

/// <summary>The boot files of a deployment tree.</summary>
public sealed class KernelLayout
{
    /// <summary>The directory holding the kernel (absolute).</summary>
    public required string BootDir { get; init; }

    /// <summary>Kernel file inside <see cref="BootDir"/>.</summary>
    public required string KernelSrc { get; init; }

    /// <summary>Kernel name in /boot (vmlinuz-KVER).</summary>
    public required string KernelName { get; init; }

    /// <summary>Initramfs file, if any.</summary>
    public string? InitramfsSrc { get; init; }

    /// <summary>Initramfs name in /boot.</summary>
    public string? InitramfsName { get; init; }

    /// <summary>Devicetree file or the dtb directory, if any.</summary>
    public string? DevicetreeSrc { get; init; }

    /// <summary>Devicetree name in /boot; null with a source means a whole dtb directory.</summary>
    public string? DevicetreeName { get; init; }

    /// <summary>FIPS HMAC of the kernel, if any.</summary>
    public string? KernelHmacSrc { get; init; }

    /// <summary>HMAC name in /boot.</summary>
    public string? KernelHmacName { get; init; }

    /// <summary>The boot checksum.</summary>
    public required string BootCsum { get; init; }

    /// <summary>Finds the kernel of the tree at <paramref name="deploymentDir"/>.</summary>
    /// <exception cref="OstreeException">No kernel, or legacy checksums that disagree.</exception>
    public static KernelLayout Find(string deploymentDir)
    {
        var modules = FromUsrLibModules(deploymentDir);
        var legacy = FromLegacy(deploymentDir);
        if (legacy is null)
            return modules ?? throw new OstreeException("Failed to find kernel in /usr/lib/modules, /usr/lib/ostree-boot or /boot");
        if (modules is not null && modules.InitramfsSrc is null && legacy.InitramfsSrc is not null)
            return legacy;
        return modules ?? legacy;
    }

    private static KernelLayout? FromUsrLibModules(string root)
    {
        var modules = Path.Combine(root, "usr/lib/modules");
        if (!Directory.Exists(modules) || new DirectoryInfo(modules).LinkTarget is not null)
            return null;
        string? kver = null, bootDir = null;
        foreach (var entry in new DirectoryInfo(modules).EnumerateDirectories())
        {
            if (entry.LinkTarget is not null)
                continue;
            var vmlinuz = Path.Combine(entry.FullName, "vmlinuz");
            // fstatat follows symlinks here: a vmlinuz symlink to a regular file counts.
            if (!File.Exists(vmlinuz))
                continue;
            kver = entry.Name;
            bootDir = entry.FullName;
            break;
        }
        if (bootDir is null || kver is null)
            return null;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        HashFile(sha, Path.Combine(bootDir, "vmlinuz"));
        string? initramfs = null;
        foreach (var name in new[] { "initramfs.img", "initramfs" })
        {
            if (File.Exists(Path.Combine(bootDir, name)))
            {
                initramfs = name;
                HashFile(sha, Path.Combine(bootDir, name));
                break;
            }
        }
        string? dtSrc = null, dtName = null;
        if (File.Exists(Path.Combine(bootDir, "devicetree")))
        {
            dtSrc = "devicetree";
            dtName = $"devicetree-{kver}";
            HashFile(sha, Path.Combine(bootDir, "devicetree"));
        }
        else if (Directory.Exists(Path.Combine(bootDir, "dtb")))
        {
            dtSrc = "dtb";
            HashDirectory(sha, Path.Combine(bootDir, "dtb"));
        }
        string? hmac = LibCExists(Path.Combine(bootDir, ".vmlinuz.hmac")) ? ".vmlinuz.hmac" : null;
        var kernelName = $"vmlinuz-{kver}";
        return new KernelLayout
        {
            BootDir = bootDir,
            KernelSrc = "vmlinuz",
            KernelName = kernelName,
            InitramfsSrc = initramfs,
            InitramfsName = initramfs is null ? null : $"initramfs-{kver}.img",
            DevicetreeSrc = dtSrc,
            DevicetreeName = dtName,
            KernelHmacSrc = hmac,
            KernelHmacName = hmac is null ? null : $".{kernelName}.hmac",
            BootCsum = Convert.ToHexStringLower(sha.GetHashAndReset()),
        };
    }

    private static bool LibCExists(string path) => File.Exists(path) || Directory.Exists(path);

    private static void HashFile(IncrementalHash sha, string path)
    {
        using var fs = File.OpenRead(path);
        var buf = new byte[81920];
        int n;
        while ((n = fs.Read(buf)) > 0)
            sha.AppendData(buf, 0, n);
    }

    // libostree's checksum_dir_recurse: entries sorted by name (strcmp), regular files hashed,
    // directories recursed, anything else ignored.
    private static void HashDirectory(IncrementalHash sha, string dir)
    {
        var names = Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Select(n => n!).ToList();
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var full = Path.Combine(dir, name);
            var st = Arbor.Native.LibC.LStat(full);
            if (st.IsDirectory)
                HashDirectory(sha, full);
            else if (st.IsRegular)
                HashFile(sha, full);
        }
    }

    private static KernelLayout? FromLegacy(string root)
    {
        string? bootDir = null;
        foreach (var p in new[] { "usr/lib/ostree-boot", "boot" })
        {
            var full = Path.Combine(root, p);
            if (Directory.Exists(full))
            {
                bootDir = full;
                break;
            }
        }
        if (bootDir is null)
            return null;
        string? kSrc = null, kName = null, kSum = null, iSrc = null, iName = null, iSum = null, dSrc = null, dName = null, dSum = null;
        // Directory order as readdir returns it, like libostree (first match wins).
        foreach (var path in Directory.EnumerateFileSystemEntries(bootDir))
        {
            var name = Path.GetFileName(path);
            int dash = name.LastIndexOf('-');
            var sum = dash >= 0 ? name[(dash + 1)..] : "";
            bool valid = Checksum.TryParse(sum, out _) && sum.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
            if (kSrc is null && name.StartsWith("vmlinuz-", StringComparison.Ordinal))
            {
                if (valid)
                    (kSrc, kName, kSum) = (name, name[..dash], sum);
            }
            else if (iSrc is null && name.StartsWith("initramfs-", StringComparison.Ordinal))
            {
                if (valid)
                    (iSrc, iName, iSum) = (name, name[..dash], sum);
            }
            else if (dSrc is null && name.StartsWith("devicetree-", StringComparison.Ordinal))
            {
                if (valid)
                    (dSrc, dName, dSum) = (name, name[..dash], sum);
            }
            if (kSrc is not null && iSrc is not null && dSrc is not null)
                break;
        }
        if (kSrc is null)
            return null;
        if (iSrc is not null && iSum != kSum)
            throw new OstreeException("Mismatched kernel checksum vs initrd");
        if (dSrc is not null && dSum != kSum)
            throw new OstreeException("Mismatched kernel checksum vs device tree in tree");
        return new KernelLayout
        {
            BootDir = bootDir,
            KernelSrc = kSrc,
            KernelName = kName!,
            InitramfsSrc = iSrc,
            InitramfsName = iName,
            DevicetreeSrc = dSrc,
            DevicetreeName = dName,
            BootCsum = kSum!,
        };
    }
}
