using Arbor.Compose.Postprocess;

namespace Arbor.Compose.Tests;

public sealed class PostprocessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-postprocess-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void The_committed_root_has_ostrees_layout_and_only_usr_boot_var_and_compat_links_of_the_assembled_tree()
    {
        string source = Path.Combine(_dir, "assembled"), target = Path.Combine(_dir, "root");
        Directory.CreateDirectory(Path.Combine(source, "usr/bin"));
        Directory.CreateDirectory(Path.Combine(source, "var/lib/foo"));
        Directory.CreateDirectory(Path.Combine(source, "boot"));
        Directory.CreateDirectory(Path.Combine(source, "home/someone"));
        File.CreateSymbolicLink(Path.Combine(source, "bin"), "usr/bin");

        RootfsLayout.Prepare(source, target, tmpIsDir: false);

        string Link(string name) => new FileInfo(Path.Combine(target, name)).LinkTarget!;
        Assert.Equal("sysroot/tmp", Link("tmp"));
        Assert.Equal("var/home", Link("home"));
        Assert.Equal("var/roothome", Link("root"));
        Assert.Equal("sysroot/ostree", Link("ostree"));
        Assert.Equal("var/opt", Link("opt"));
        Assert.Equal("var/srv", Link("srv"));
        Assert.Equal("var/mnt", Link("mnt"));
        Assert.Equal("run/media", Link("media"));
        Assert.Equal("usr/bin", Link("bin"));
        foreach (string dir in new[] { "dev", "proc", "run", "sys", "sysroot", "usr/bin", "var/lib/foo", "boot" })
            Assert.True(Directory.Exists(Path.Combine(target, dir)), dir);
        Assert.True(Directory.Exists(Path.Combine(source, "home/someone")));
    }

    [Fact]
    public void A_tmp_directory_is_sticky_and_world_writable()
    {
        string source = Path.Combine(_dir, "a"), target = Path.Combine(_dir, "r");
        Directory.CreateDirectory(Path.Combine(source, "usr"));
        RootfsLayout.Prepare(source, target, tmpIsDir: true, OptUsrLocal.Root);
        Assert.Equal((UnixFileMode)0x3FF | UnixFileMode.StickyBit, File.GetUnixFileMode(Path.Combine(target, "tmp")));
        Assert.Null(new DirectoryInfo(Path.Combine(target, "opt")).LinkTarget);
    }

    [Fact]
    public void The_rpmdb_is_found_from_every_place_rpm_looks()
    {
        string root = Path.Combine(_dir, "db");
        Directory.CreateDirectory(Path.Combine(root, "usr/share/rpm"));
        Directory.CreateDirectory(Path.Combine(root, "var/lib/rpm"));
        File.WriteAllText(Path.Combine(root, "usr/share/rpm/rpmdb.sqlite"), "");
        File.WriteAllText(Path.Combine(root, "usr/share/rpm/.rpm.lock"), "");
        File.WriteAllText(Path.Combine(root, "usr/share/rpm/__db.001"), "");

        RootfsLayout.LinkRpmdb(root);

        Assert.Equal("../../usr/share/rpm", new FileInfo(Path.Combine(root, "var/lib/rpm")).LinkTarget);
        Assert.Equal("../../share/rpm", new FileInfo(Path.Combine(root, "usr/lib/sysimage/rpm")).LinkTarget);
        Assert.Equal("%_dbpath /usr/share/rpm\n", File.ReadAllText(Path.Combine(root, "usr/lib/rpm/macros.d/macros.rpm-ostree")));
        Assert.Equal(["rpmdb.sqlite"], Directory.GetFiles(Path.Combine(root, "usr/share/rpm")).Select(Path.GetFileName));
    }

    [Fact]
    public void The_rpmdb_leaves_wal_mode_so_no_salted_side_files_go_into_the_commit()
    {
        string root = Path.Combine(_dir, "wal");
        string dir = Path.Combine(root, "usr/share/rpm");
        Directory.CreateDirectory(dir);
        string db = Path.Combine(dir, "rpmdb.sqlite");
        using (var sqlite = Arbor.Native.SqliteDatabase.Open(db, readOnly: false, create: true))
        {
            sqlite.Execute("PRAGMA journal_mode=WAL");
            sqlite.PersistWal(true);
            sqlite.Execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB); INSERT INTO Packages VALUES (1, x'00')");
        }
        Assert.True(File.Exists(db + "-shm"));

        RootfsLayout.NormalizeRpmdb(root);

        Assert.False(File.Exists(db + "-shm"));
        Assert.False(File.Exists(db + "-wal"));
        using var check = Arbor.Native.SqliteDatabase.Open(db, readOnly: true);
        using var mode = check.Prepare("PRAGMA journal_mode");
        Assert.True(mode.Step());
        Assert.Equal("delete", mode.GetText(0));
        Assert.Equal(1, check.ScalarInt64("SELECT count(*) FROM Packages"));
    }

    [Fact]
    public void Var_is_committed_empty()
    {
        string root = Path.Combine(_dir, "var");
        Directory.CreateDirectory(Path.Combine(root, "var/lib/alternatives"));
        Directory.CreateDirectory(Path.Combine(root, "usr/share/rpm"));
        File.CreateSymbolicLink(Path.Combine(root, "var/lib/rpm"), "../../usr/share/rpm");
        RootfsLayout.EmptyVar(root);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "var")));
        Assert.True(Directory.Exists(Path.Combine(root, "usr/share/rpm")));
    }

    [Fact]
    public void Units_default_target_remove_and_add_files_land_where_rpm_ostree_puts_them()
    {
        string root = Path.Combine(_dir, "tree");
        Directory.CreateDirectory(Path.Combine(root, "usr/etc/cron.d"));
        Directory.CreateDirectory(Path.Combine(root, "usr/share/doc/x"));
        File.WriteAllText(Path.Combine(root, "usr/etc/cron.d/job"), "");
        string src = Path.Combine(_dir, "motd");
        File.WriteAllText(src, "hello\n");
        File.SetUnixFileMode(src, (UnixFileMode)0x1A4);

        TreePostprocess.Run(root, new PostprocessRequest
        {
            Units = ["sshd.service", "chronyd.service"],
            DefaultTarget = "graphical.target",
            RemoveFiles = ["etc/cron.d/job", "usr/share/doc"],
            AddFiles = [(src, "/etc/motd"), (src, "/usr/share/motd")],
            TreefileJson = "{\"ref\":\"x\"}",
        });

        string wants = Path.Combine(root, "usr/etc/systemd/system/multi-user.target.wants");
        Assert.Equal("/usr/lib/systemd/system/sshd.service", new FileInfo(Path.Combine(wants, "sshd.service")).LinkTarget);
        Assert.Equal("/usr/lib/systemd/system/chronyd.service", new FileInfo(Path.Combine(wants, "chronyd.service")).LinkTarget);
        Assert.Equal("graphical.target", new FileInfo(Path.Combine(root, "usr/lib/systemd/system/default.target")).LinkTarget);
        Assert.False(File.Exists(Path.Combine(root, "usr/etc/cron.d/job")));
        Assert.False(Directory.Exists(Path.Combine(root, "usr/share/doc")));
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(root, "usr/etc/motd")));
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(root, "usr/share/motd")));
        Assert.Equal("{\"ref\":\"x\"}", File.ReadAllText(Path.Combine(root, "usr/share/rpm-ostree/treefile.json")));
    }

    [Theory]
    [InlineData("/etc/passwd", "Handling `remove-files`: Invalid absolute path: /etc/passwd")]
    [InlineData("usr/../etc", "Handling `remove-files`: Invalid '..' in path: usr/../etc")]
    public void Remove_files_refuses_paths_outside_the_tree(string path, string message)
    {
        var e = Assert.Throws<ComposeException>(() => TreePostprocess.RemoveFiles(_dir, [path]));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Add_files_refuses_a_destination_that_escapes_and_a_missing_source()
    {
        string src = Path.Combine(_dir, "f");
        File.WriteAllText(src, "");
        Assert.Equal("Invalid add-files destination: /", Assert.Throws<ComposeException>(() => TreePostprocess.AddFiles(_dir, [(src, "/")])).Message);
        Assert.Equal("Invalid add-files destination: /usr/../../x",
            Assert.Throws<ComposeException>(() => TreePostprocess.AddFiles(_dir, [(src, "/usr/../../x")])).Message);
        Assert.Contains("does not exist", Assert.Throws<ComposeException>(() => TreePostprocess.AddFiles(_dir, [(src + "-missing", "/usr/x")])).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void The_kernel_from_boot_moves_next_to_its_modules_with_the_packaged_initramfs_and_an_empty_machine_id()
    {
        string root = Path.Combine(_dir, "k");
        Directory.CreateDirectory(Path.Combine(root, "boot/loader"));
        Directory.CreateDirectory(Path.Combine(root, "usr/etc"));
        Directory.CreateDirectory(Path.Combine(root, "usr/lib/modules/6.1.0-test/kernel"));
        File.WriteAllText(Path.Combine(root, "boot/vmlinuz-6.1.0-test"), "kernel");
        File.WriteAllText(Path.Combine(root, "boot/initramfs-6.1.0-test.img"), "initrd");
        File.WriteAllText(Path.Combine(root, "boot/grub.cfg"), "");
        File.WriteAllText(Path.Combine(root, "usr/etc/machine-id"), "0123456789abcdef0123456789abcdef\n");

        var kernel = KernelFinalize.Run(root);

        Assert.Equal(new TreeKernel("6.1.0-test", true), kernel);
        string modules = Path.Combine(root, "usr/lib/modules/6.1.0-test");
        Assert.Equal("kernel", File.ReadAllText(Path.Combine(modules, "vmlinuz")));
        Assert.Equal("initrd", File.ReadAllText(Path.Combine(modules, "initramfs.img")));
        Assert.True(File.Exists(Path.Combine(root, "usr/lib/ostree-boot/grub.cfg")));
        Assert.False(File.Exists(Path.Combine(root, "usr/lib/ostree-boot/vmlinuz-6.1.0-test")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "boot")));
        Assert.Equal(0, new FileInfo(Path.Combine(root, "usr/etc/machine-id")).Length);
    }

    [Fact]
    public void A_kernel_in_its_modules_directory_is_found_and_a_tree_without_one_has_none()
    {
        string root = Path.Combine(_dir, "m");
        Directory.CreateDirectory(Path.Combine(root, "usr/etc"));
        Assert.Null(KernelFinalize.Run(root, machineIdCompat: false));
        Assert.False(File.Exists(Path.Combine(root, "usr/etc/machine-id")));
        Directory.CreateDirectory(Path.Combine(root, "usr/lib/modules/5.14.0-1.x86_64"));
        File.WriteAllText(Path.Combine(root, "usr/lib/modules/5.14.0-1.x86_64/vmlinuz"), "k");
        Assert.Equal(new TreeKernel("5.14.0-1.x86_64", false), KernelFinalize.Run(root));
    }

    [Fact]
    public void A_kernel_named_for_ostree_loses_its_boot_checksum()
    {
        string root = Path.Combine(_dir, "c");
        string csum = new string('a', 64);
        Directory.CreateDirectory(Path.Combine(root, "usr/lib/ostree-boot"));
        File.WriteAllText(Path.Combine(root, $"usr/lib/ostree-boot/vmlinuz-6.2.0-{csum}"), "k");
        Assert.Equal("6.2.0", KernelFinalize.Find(root)!.Value.Version);
    }
}
