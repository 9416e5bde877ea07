using Arbor.Compose.Postprocess;

namespace Arbor.Compose.Tests;

public sealed class RootfsFinalizeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-finalize-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    // A root as `dnf --installroot` leaves it: /etc at the top, the rpmdb under /var/lib/rpm,
    // shadow backups, a populated /var and /usr/local, a kernel in /boot.
    private string ForeignRoot(string name)
    {
        string root = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        File.WriteAllText(Path.Combine(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nbin:x:1:1:bin:/bin:/sbin/nologin\n");
        File.WriteAllText(Path.Combine(root, "etc/group"), "root:x:0:\nbin:x:1:\nwheel:x:10:\n");
        File.WriteAllText(Path.Combine(root, "etc/passwd-"), "old\n");
        Directory.CreateDirectory(Path.Combine(root, "etc/selinux/targeted"));
        File.WriteAllText(Path.Combine(root, "etc/selinux/targeted/semanage.read.LOCK"), "");
        Arbor.Rpm.Rpmdb.RpmdbWriter.Write(Path.Combine(root, "var/lib/rpm"), [], Arbor.Rpm.Rpmdb.InstallStamp.At(DateTimeOffset.UnixEpoch));
        File.WriteAllText(Path.Combine(root, "var/lib/rpm/.rpm.lock"), "");
        Directory.CreateDirectory(Path.Combine(root, "var/cache/dnf"));
        Directory.CreateDirectory(Path.Combine(root, "usr/local/bin"));
        Directory.CreateDirectory(Path.Combine(root, "usr/bin"));
        Directory.CreateDirectory(Path.Combine(root, "boot"));
        Directory.CreateDirectory(Path.Combine(root, "usr/lib/modules/6.1.0-test"));
        File.WriteAllText(Path.Combine(root, "boot/vmlinuz-6.1.0-test"), "kernel");
        File.WriteAllText(Path.Combine(root, "boot/initramfs-6.1.0-test.img"), "initrd");
        return root;
    }

    [Fact]
    public void A_root_another_tool_installed_is_brought_into_the_layout_an_ostree_host_needs()
    {
        string root = ForeignRoot("dnf");
        var outcome = RootfsFinalize.Run(root, new FinalizeRequest { RunDracut = false, EtcGroupMembers = ["wheel"] });

        Assert.False(outcome.AlreadyFinalized);
        Assert.Equal(new TreeKernel("6.1.0-test", true), outcome.Kernel);
        Assert.False(Path.Exists(Path.Combine(root, "etc")));
        Assert.False(File.Exists(Path.Combine(root, "usr/etc/passwd-")));
        Assert.False(File.Exists(Path.Combine(root, "usr/etc/selinux/targeted/semanage.read.LOCK")));
        // Users and groups moved to /usr/lib (root stays, as do the groups asked for).
        Assert.Contains("bin:x:1:1:", File.ReadAllText(Path.Combine(root, "usr/lib/passwd")), StringComparison.Ordinal);
        Assert.Contains("wheel:x:10:", File.ReadAllText(Path.Combine(root, "usr/etc/group")), StringComparison.Ordinal);
        // The rpmdb where rpm-ostree keeps it, its base copy hardlinked, rpm's lock gone.
        string db = Path.Combine(root, "usr/share/rpm/rpmdb.sqlite");
        Assert.Empty(Arbor.Rpm.Rpmdb.RpmdbReader.Read(Path.GetDirectoryName(db)!));
        Assert.False(File.Exists(Path.Combine(root, "usr/share/rpm/.rpm.lock")));
        Assert.Equal(Arbor.Native.LibC.LStat(db).Inode, Arbor.Native.LibC.LStat(Path.Combine(root, RootfsFinalize.BaseRpmdb, "rpmdb.sqlite")).Inode);
        Assert.Equal("../../share/rpm", new FileInfo(Path.Combine(root, "usr/lib/sysimage/rpm")).LinkTarget);
        // /var empty, /usr/local state under /var, the kernel beside its modules.
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "var")));
        Assert.Equal("../var/usrlocal", new FileInfo(Path.Combine(root, "usr/local")).LinkTarget);
        Assert.Equal("kernel", File.ReadAllText(Path.Combine(root, "usr/lib/modules/6.1.0-test/vmlinuz")));
        string integration = File.ReadAllText(Path.Combine(root, RootfsFinalize.IntegrationConf));
        Assert.Contains("L /var/lib/rpm - - - - ../../usr/share/rpm\n", integration, StringComparison.Ordinal);
        Assert.Contains("d /var/usrlocal 0755 root root -\n", integration, StringComparison.Ordinal);
    }

    [Fact]
    public void A_finished_root_is_left_alone_the_second_time()
    {
        string root = ForeignRoot("twice");
        RootfsFinalize.Run(root, new FinalizeRequest { RunDracut = false });
        File.WriteAllText(Path.Combine(root, "usr/etc/passwd-"), "a backup made later\n");
        var again = RootfsFinalize.Run(root, new FinalizeRequest { RunDracut = false });
        Assert.True(again.AlreadyFinalized);
        Assert.Null(again.Kernel);
        Assert.True(File.Exists(Path.Combine(root, "usr/etc/passwd-")));
    }

    [Fact]
    public void Finalize_d_scripts_run_in_order_from_the_root_and_a_failing_one_is_named()
    {
        string root = ForeignRoot("scripts");
        string scripts = Path.Combine(_dir, "finalize.d");
        Directory.CreateDirectory(scripts);
        string first = Path.Combine(scripts, "10-first"), second = Path.Combine(scripts, "20-second");
        File.WriteAllText(first, "#!/bin/sh\necho \"first in $(pwd) from $RPMOSTREE_WORKDIR\"\ntouch usr/share-first\n");
        File.WriteAllText(second, "#!/bin/sh\ntest -e usr/share-first && echo second\n");
        File.SetUnixFileMode(first, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(second, (UnixFileMode)0x1ED);
        var lines = new List<string>();
        RootfsFinalize.Run(root, new FinalizeRequest
        {
            RunDracut = false,
            FinalizeD = [("10-first", first), ("20-second", second)],
            TreefileDirectory = _dir,
            Output = lines.Add,
        });
        Assert.Equal(["Executing: 10-first", $"first in {root} from {_dir}", "Executing: 20-second", "second"], lines);

        string again = ForeignRoot("failing");
        string bad = Path.Combine(scripts, "30-bad");
        File.WriteAllText(bad, "#!/bin/sh\nexit 3\n");
        File.SetUnixFileMode(bad, (UnixFileMode)0x1ED);
        var e = Assert.Throws<ComposeException>(() => RootfsFinalize.Run(again, new FinalizeRequest { RunDracut = false, FinalizeD = [("30-bad", bad)] }));
        Assert.Equal("Failed to execute 30-bad: exit status: 3", e.Message);
        // Not marked finished: a fixed script can be run over it again.
        Assert.False(File.Exists(Path.Combine(again, RootfsFinalize.IntegrationConf)));
    }

    [Fact]
    public void Bad_roots_are_named()
    {
        Assert.Contains("no such directory", Assert.Throws<ComposeException>(() =>
            RootfsFinalize.Run(Path.Combine(_dir, "missing"), new FinalizeRequest())).Message, StringComparison.Ordinal);
        string noUsr = Path.Combine(_dir, "nousr");
        Directory.CreateDirectory(Path.Combine(noUsr, "etc"));
        Assert.Contains("has no /usr", Assert.Throws<ComposeException>(() => RootfsFinalize.Run(noUsr, new FinalizeRequest())).Message,
            StringComparison.Ordinal);
        string both = Path.Combine(_dir, "both");
        Directory.CreateDirectory(Path.Combine(both, "etc"));
        Directory.CreateDirectory(Path.Combine(both, "usr/etc"));
        Assert.Contains("both /etc and /usr/etc", Assert.Throws<ComposeException>(() => RootfsFinalize.Run(both, new FinalizeRequest())).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Opt_usrlocal_root_keeps_usr_local_a_directory()
    {
        string root = ForeignRoot("usrlocal");
        RootfsFinalize.Run(root, new FinalizeRequest { RunDracut = false, OptUsrLocal = OptUsrLocal.Root });
        Assert.True(Directory.Exists(Path.Combine(root, "usr/local/bin")));
        Assert.Null(new DirectoryInfo(Path.Combine(root, "usr/local")).LinkTarget);
        Assert.DoesNotContain("usrlocal", File.ReadAllText(Path.Combine(root, RootfsFinalize.IntegrationConf)), StringComparison.Ordinal);
    }
}
