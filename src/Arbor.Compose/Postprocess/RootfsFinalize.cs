// The last conversions before a composed tree is committed, as rpm-ostree's postprocess_final and
// postprocess_common do them: what makes a root filesystem usable by an ostree host, whichever
// tool assembled it. `compose tree` and `compose commit` run it right before committing;
// `compose postprocess ROOTFS` runs it alone, so a root made by `compose install` or by any other
// tool (e.g. `dnf --installroot`) can be finished by hand.
//
//   /etc → /usr/etc; an rpmdb under /var/lib/rpm or /usr/lib/sysimage/rpm → /usr/share/rpm
//   ─► rpm, SELinux and shadow leftovers removed; passwd/group moved to /usr/lib (nss-altfiles)
//   ─► /usr/local a link to /var/usrlocal (or a directory); /var emptied
//   ─► kernel and initramfs under usr/lib/modules/$kver (not for containers)
//   ─► the rpmdb hardlinked as the base database (usr/lib/sysimage/rpm-ostree-base-db)
//   ─► the treefile's finalize.d executables, run from the tree's root
//   ─► usr/lib/tmpfiles.d/arbor-0-integration.conf, written last
//
// The integration file declares at boot the /var and /run entries the tree's links need, and
// doubles as the marker that the tree is finished: a second run sees it and does nothing, so
// `compose postprocess` followed by `compose commit` does the work once, as in rpm-ostree.
using System.Diagnostics;
using Arbor.Compose.Assemble;

namespace Arbor.Compose.Postprocess;

/// <summary>What <see cref="RootfsFinalize.Run"/> needs from the treefile; the defaults are an empty treefile's.</summary>
public sealed class FinalizeRequest
{
    /// <summary>The tree is a container image: no kernel handling.</summary>
    public bool Container { get; init; }

    /// <summary>Leave an empty /etc/machine-id rather than none.</summary>
    public bool MachineIdCompat { get; init; } = true;

    /// <summary>Make the initramfs with the tree's dracut when it has one.</summary>
    public bool RunDracut { get; init; } = true;

    /// <summary>dracut's arguments (the treefile's <c>initramfs-args</c>).</summary>
    public IReadOnlyList<string> InitramfsArgs { get; init; } = [];

    /// <summary>Groups whose entries stay in /etc/group (<c>etc-group-members</c>).</summary>
    public IReadOnlyCollection<string> EtcGroupMembers { get; init; } = [];

    /// <summary>Where /opt and /usr/local state lives (<c>opt-usrlocal</c>).</summary>
    public OptUsrLocal OptUsrLocal { get; init; } = OptUsrLocal.Var;

    /// <summary>The treefile's finalize.d executables, in the order they run.</summary>
    public IReadOnlyList<(string Name, string Path)> FinalizeD { get; init; } = [];

    /// <summary>The treefile's directory, given to finalize.d scripts as <c>RPMOSTREE_WORKDIR</c>.</summary>
    public string? TreefileDirectory { get; init; }

    /// <summary>Progress lines ("Executing: NAME") and the scripts' output.</summary>
    public Action<string>? Output { get; init; }
}

/// <summary>What finalizing a tree found.</summary>
/// <param name="AlreadyFinalized">The tree carried the integration file: nothing was done.</param>
/// <param name="Kernel">The kernel that was placed, or null (none, a container, or already finalized).</param>
public sealed record FinalizeOutcome(bool AlreadyFinalized, TreeKernel? Kernel);

/// <summary>Finishes a composed root filesystem for committing.</summary>
public static class RootfsFinalize
{
    /// <summary>The tmpfiles.d file written last; its presence means the tree is finished.</summary>
    public const string IntegrationConf = "usr/lib/tmpfiles.d/arbor-0-integration.conf";

    /// <summary>The base rpmdb the host's package layering starts from, hardlinked to the rpmdb.</summary>
    public const string BaseRpmdb = "usr/lib/sysimage/rpm-ostree-base-db";

    private static readonly string[] PasswdBackups = ["passwd-", "group-", "shadow-", "gshadow-", "subuid-", "subgid-"];
    private static readonly string[] SelinuxLocks = ["semanage.trans.LOCK", "semanage.read.LOCK"];

    /// <summary>Finishes the tree at <paramref name="root"/> unless it already is.</summary>
    /// <exception cref="ComposeException">The tree is malformed (no /usr, both /etc and /usr/etc), dracut or a finalize.d script failed.</exception>
    public static FinalizeOutcome Run(string root, FinalizeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(request);
        if (!Directory.Exists(root))
            throw new ComposeException($"Finalizing rootfs: {root}: no such directory");
        if (File.Exists(Path.Combine(root, IntegrationConf)))
            return new FinalizeOutcome(true, null);
        if (!Directory.Exists(Path.Combine(root, "usr")))
            throw new ComposeException($"Finalizing rootfs: {root} has no /usr");

        MoveEtcToUsr(root);
        MoveRpmdbToUsr(root);
        if (Directory.Exists(Path.Combine(root, RootfsLayout.RpmdbLocation)))
        {
            RootfsLayout.LinkRpmdb(root);
            RootfsLayout.NormalizeRpmdb(root);
        }
        RemoveLeftovers(root);
        ComposePasswd.NormalizeShadow(root);
        ComposePasswd.MigrateToUsrLib(root, request.EtcGroupMembers);
        LinkUsrLocal(root, request.OptUsrLocal);
        RootfsLayout.EmptyVar(root);
        var kernel = request.Container ? null
            : KernelFinalize.Run(root, request.MachineIdCompat, request.RunDracut, request.InitramfsArgs, cancellationToken);
        HardlinkBaseRpmdb(root);
        foreach (var (name, path) in request.FinalizeD)
            RunFinalizeScript(root, name, path, request, cancellationToken);
        WriteIntegrationConf(root, request.OptUsrLocal);
        return new FinalizeOutcome(false, kernel);
    }

    private static void MoveEtcToUsr(string root)
    {
        string etc = Path.Combine(root, "etc"), usrEtc = Path.Combine(root, "usr/etc");
        if (!Directory.Exists(etc) || new DirectoryInfo(etc).LinkTarget is not null)
            return;
        if (Directory.Exists(usrEtc))
            throw new ComposeException($"Finalizing rootfs: {root} has both /etc and /usr/etc");
        Directory.Move(etc, usrEtc);
    }

    // rpm's own default database places, for trees rpm or dnf wrote directly.
    private static void MoveRpmdbToUsr(string root)
    {
        string target = Path.Combine(root, RootfsLayout.RpmdbLocation);
        if (Directory.Exists(target))
            return;
        foreach (string place in new[] { "usr/lib/sysimage/rpm", "var/lib/rpm" })
        {
            var dir = new DirectoryInfo(Path.Combine(root, place));
            if (dir.Exists && dir.LinkTarget is null && dir.EnumerateFiles().Any())
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                Directory.Move(dir.FullName, target);
                return;
            }
        }
    }

    private static void RemoveLeftovers(string root)
    {
        foreach (string name in PasswdBackups)
        {
            string path = Path.Combine(root, "usr/etc", name);
            if (File.Exists(path))
                File.Delete(path);
        }
        string selinux = Path.Combine(root, "usr/etc/selinux");
        if (!Directory.Exists(selinux))
            return;
        foreach (string policy in Directory.EnumerateDirectories(selinux))
        {
            foreach (string name in SelinuxLocks)
            {
                string path = Path.Combine(policy, name);
                if (File.Exists(path))
                    File.Delete(path);
            }
        }
    }

    private static void LinkUsrLocal(string root, OptUsrLocal optUsrLocal)
    {
        string usrLocal = Path.Combine(root, "usr/local");
        if (optUsrLocal == OptUsrLocal.Root)
        {
            Directory.CreateDirectory(usrLocal);
            return;
        }
        var info = new DirectoryInfo(usrLocal);
        if (info.LinkTarget == "../var/usrlocal")
            return;
        if (info.LinkTarget is not null)
            File.Delete(usrLocal);
        else if (info.Exists)
            info.Delete(recursive: true);
        File.CreateSymbolicLink(usrLocal, "../var/usrlocal");
    }

    // Every file of the rpmdb gets a second name under the base-db directory, so layering on a
    // host can read the image's own package set after the live rpmdb changed.
    private static void HardlinkBaseRpmdb(string root)
    {
        string rpmdb = Path.Combine(root, RootfsLayout.RpmdbLocation);
        if (!Directory.Exists(rpmdb))
            return;
        string target = Path.Combine(root, BaseRpmdb);
        if (Directory.Exists(target))
            Directory.Delete(target, recursive: true);
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, (UnixFileMode)0x1ED);
        foreach (string file in Directory.EnumerateFiles(rpmdb))
            Arbor.Native.LibC.Link(file, Path.Combine(target, Path.GetFileName(file)));
    }

    private static void RunFinalizeScript(string root, string name, string path, FinalizeRequest request, CancellationToken cancellationToken)
    {
        request.Output?.Invoke($"Executing: {name}");
        var start = new ProcessStartInfo(path)
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (request.TreefileDirectory is { } dir)
            start.Environment["RPMOSTREE_WORKDIR"] = dir;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ComposeException($"Failed to execute {name}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ComposeException($"Failed to execute {name}: {e.Message}");
        }
        using (process)
        {
            void Forward(object? _, DataReceivedEventArgs e)
            {
                if (e.Data is not null)
                    request.Output?.Invoke(e.Data);
            }
            process.OutputDataReceived += Forward;
            process.ErrorDataReceived += Forward;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using (cancellationToken.Register(() => process.Kill(entireProcessTree: true)))
                process.WaitForExit();
            cancellationToken.ThrowIfCancellationRequested();
            if (process.ExitCode != 0)
                throw new ComposeException($"Failed to execute {name}: exit status: {process.ExitCode}");
        }
    }

    private static void WriteIntegrationConf(string root, OptUsrLocal optUsrLocal)
    {
        string text =
            "d /var/home 0755 root root -\n" +
            "d /var/srv 0755 root root -\n" +
            "d /var/roothome 0700 root root -\n" +
            "d /var/mnt 0755 root root -\n" +
            "d /run/media 0755 root root -\n" +
            "L /var/lib/rpm - - - - ../../" + RootfsLayout.RpmdbLocation + "\n" +
            "L /var/lib/selinux - - - - ../../etc/selinux\n" +
            (optUsrLocal == OptUsrLocal.Root ? "" :
            "d /var/opt 0755 root root -\n" +
            "d /var/usrlocal 0755 root root -\n" +
            "d /var/usrlocal/bin 0755 root root -\n" +
            "d /var/usrlocal/etc 0755 root root -\n" +
            "d /var/usrlocal/games 0755 root root -\n" +
            "d /var/usrlocal/include 0755 root root -\n" +
            "d /var/usrlocal/lib 0755 root root -\n" +
            "d /var/usrlocal/sbin 0755 root root -\n" +
            "d /var/usrlocal/share 0755 root root -\n" +
            "d /var/usrlocal/src 0755 root root -\n");
        string path = Path.Combine(root, IntegrationConf);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path + ".tmp", text);
        File.SetUnixFileMode(path + ".tmp", (UnixFileMode)0x1A4);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
