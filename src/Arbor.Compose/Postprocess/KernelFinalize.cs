// Puts a composed tree's kernel and initramfs where ostree deploys them from, as rpm-ostree's
// `process_kernel_and_initramfs` does: /boot's content moves to /usr/lib/ostree-boot, the kernel
// is found (ostree-boot, then /boot, then /usr/lib/modules/$kver/vmlinuz), an initramfs is made
// with dracut inside the tree when the tree has dracut (--no-hostonly unless the treefile gives
// arguments) or else the packaged one is kept, and both end up as
// usr/lib/modules/$kver/{vmlinuz,initramfs.img}. /etc/machine-id is left empty (machineid-compat)
// or removed. The kernel version found makes the commit bootable (ostree.bootable, ostree.linux).
using Arbor.Compose.Assemble;

namespace Arbor.Compose.Postprocess;

/// <summary>The kernel a tree boots.</summary>
/// <param name="Version">The kernel version (<c>uname -r</c>), e.g. <c>6.1.0-18-amd64</c>.</param>
/// <param name="HasInitramfs">True when an initramfs was placed next to it.</param>
public sealed record TreeKernel(string Version, bool HasInitramfs);

/// <summary>Finds and places a tree's kernel and initramfs.</summary>
public static class KernelFinalize
{
    /// <summary>
    /// Places the kernel and initramfs of the tree at <paramref name="root"/> (which has
    /// <c>usr/etc</c>, not <c>etc</c>) and returns the kernel, or null when the tree has none.
    /// </summary>
    /// <param name="root">The tree.</param>
    /// <param name="machineIdCompat">Leave an empty /etc/machine-id (true, the default) rather than none.</param>
    /// <param name="runDracut">Make the initramfs with the tree's dracut when it has one.</param>
    /// <param name="dracutArguments">dracut's arguments; <c>--no-hostonly</c> when empty.</param>
    /// <param name="cancellationToken">Stops dracut.</param>
    /// <exception cref="ComposeException">The kernel directory is malformed or dracut failed.</exception>
    public static TreeKernel? Run(string root, bool machineIdCompat = true, bool runDracut = true,
        IReadOnlyList<string>? dracutArguments = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        string machineId = Path.Combine(root, "usr/etc/machine-id");
        RemoveKernelInstallLeftovers(root, machineId);
        string boot = Path.Combine(root, "boot"), ostreeBoot = Path.Combine(root, "usr/lib/ostree-boot");
        if (Directory.Exists(Path.Combine(boot, "loader")))
            Directory.Delete(Path.Combine(boot, "loader"), recursive: true);
        if (Directory.Exists(boot) && Directory.EnumerateFileSystemEntries(boot).Any())
        {
            if (Directory.Exists(ostreeBoot))
                throw new ComposeException("Both /boot and /usr/lib/ostree-boot have content");
            Directory.Move(boot, ostreeBoot);
        }
        Directory.CreateDirectory(boot);

        var found = Find(root);
        if (found is null)
        {
            WriteMachineId(machineId, machineIdCompat);
            return null;
        }
        var (kver, kernelPath, initramfsPath) = found.Value;
        string modules = Path.Combine(root, "usr/lib/modules", kver);
        Directory.CreateDirectory(modules);
        string vmlinuz = Path.Combine(modules, "vmlinuz");
        if (kernelPath != vmlinuz)
            File.Move(kernelPath, vmlinuz, overwrite: true);
        string initramfs = Path.Combine(modules, "initramfs.img");
        if (initramfsPath is not null && initramfsPath != initramfs)
            File.Move(initramfsPath, initramfs, overwrite: true);
        WriteMachineId(machineId, machineIdCompat);
        if (runDracut && File.Exists(Path.Combine(root, "usr/bin/dracut")))
            RunDracut(root, kver, initramfs, dracutArguments, cancellationToken);
        if (File.Exists(initramfs))
            File.SetUnixFileMode(initramfs, (UnixFileMode)0x1A4);
        return new TreeKernel(kver, File.Exists(initramfs));
    }

    /// <summary>Finds the kernel: (version, kernel path, initramfs path or null), or null when there is none.</summary>
    internal static (string Version, string Kernel, string? Initramfs)? Find(string root)
    {
        foreach (string dir in new[] { "usr/lib/ostree-boot", "boot" })
        {
            string full = Path.Combine(root, dir);
            if (!Directory.Exists(full))
                continue;
            var kernels = Directory.GetFiles(full, "vmlinuz-*");
            if (kernels.Length == 0)
                continue;
            if (kernels.Length > 1)
                throw new ComposeException($"Multiple kernels (vmlinuz-*) in /{dir}");
            string kver = Path.GetFileName(kernels[0])["vmlinuz-".Length..];
            // A kernel already named for ostree carries "-<sha256 of kernel and initramfs>".
            if (kver.Length > 65 && kver[^65] == '-' && kver[^64..].All(char.IsAsciiHexDigitLower))
                kver = kver[..^65];
            string? initramfs = Directory.GetFiles(full, "initramfs-*").FirstOrDefault();
            return (kver, kernels[0], initramfs);
        }
        string modules = Path.Combine(root, "usr/lib/modules");
        if (!Directory.Exists(modules))
            return null;
        foreach (string dir in Directory.GetDirectories(modules).Order(StringComparer.Ordinal))
        {
            string vmlinuz = Path.Combine(dir, "vmlinuz");
            if (File.Exists(vmlinuz))
            {
                string initramfs = Path.Combine(dir, "initramfs.img");
                return (Path.GetFileName(dir), vmlinuz, File.Exists(initramfs) ? initramfs : null);
            }
        }
        return null;
    }

    // systemd's kernel-install leaves /boot/<machine-id>/; ostree writes its own boot entries.
    private static void RemoveKernelInstallLeftovers(string root, string machineId)
    {
        if (!File.Exists(machineId))
            return;
        string id = File.ReadAllText(machineId);
        if (id.Length == 0)
            return;
        if (id.Length != 33)
            throw new ComposeException($"invalid machine ID '{id[..Math.Min(33, id.Length)]}'");
        string dir = Path.Combine(root, "boot", id[..32]);
        if (Directory.Exists(dir))
            Directory.Delete(dir, recursive: true);
    }

    private static void WriteMachineId(string machineId, bool compat)
    {
        if (compat)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(machineId)!);
            File.WriteAllBytes(machineId, []);
            File.SetUnixFileMode(machineId, (UnixFileMode)0x124);
        }
        else if (File.Exists(machineId))
        {
            File.Delete(machineId);
        }
    }

    private static void RunDracut(string root, string kver, string initramfs, IReadOnlyList<string>? arguments, CancellationToken cancellationToken)
    {
        // dracut writes inside the tree (it copies xattrs, which tmpfs would refuse): the sandbox
        // mounts a fresh tmpfs over /var/tmp, so a scratch directory of the tree is bound over it.
        using var etc = TempEtc.Arrange(root);
        string scratch = Path.Combine(root, "var/tmp/arbor-dracut");
        Directory.CreateDirectory(scratch);
        try
        {
            using var sandbox = new ScriptSandbox(root, SandboxMutability.CopyUp);
            var argv = new List<string> { "/usr/bin/dracut" };
            argv.AddRange(arguments is { Count: > 0 } ? arguments : ["--no-hostonly"]);
            argv.AddRange(["--tmpdir=/tmp", "-f", "/var/tmp/arbor-dracut/initramfs.img", kver]);
            var result = sandbox.Run(argv, extraBinds: [("var/tmp/arbor-dracut", "/var/tmp/arbor-dracut")], cancellationToken: cancellationToken);
            if (result.ExitCode != 0)
                throw new ComposeException($"Running dracut: bwrap(/usr/bin/dracut): Child process exited with code {result.ExitCode}: "
                    + string.Join("\n", result.Output.TakeLast(10)));
            File.Move(Path.Combine(scratch, "initramfs.img"), initramfs, overwrite: true);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
