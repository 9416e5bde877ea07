// The /etc three-way merge on small hand-made trees: each test builds old defaults, an old /etc
// with one kind of local change, and new defaults, merges, and checks the new /etc path by path
// (content, type, mode, owner, symlink target, xattrs), including ostree's quirks.
using System.Text;
using Arbor.Native;
using Arbor.Ostree.Sysroot;

namespace Arbor.Ostree.Tests.Sysroot;

public sealed class EtcMergeTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private string OldDefaults => _tmp["old-usr-etc"];
    private string OldEtc => _tmp["old-etc"];
    private string NewDefaults => _tmp["new-usr-etc"];
    private string NewEtc => _tmp["new-etc"];

    public EtcMergeTests()
    {
        foreach (var root in new[] { OldDefaults, NewDefaults })
        {
            Write(root, "hostname", "default-host\n");
            Write(root, "motd", "welcome\n");
            Write(root, "ssh/sshd_config", "PermitRootLogin no\n");
            Write(root, "ssh/ssh_config", "Host *\n");
            Write(root, "passwd", "root:x:0:0::/root:/bin/sh\n", 0x1A4);
            File.CreateSymbolicLink(Path.Combine(root, "localtime"), "../usr/share/zoneinfo/UTC");
        }
        Write(NewDefaults, "new-default.conf", "shipped by the new version\n");
        Write(NewDefaults, "motd", "welcome to version 2\n");
        CopyTree(OldDefaults, OldEtc);
    }

    public void Dispose() => _tmp.Dispose();

    private static void Write(string root, string rel, string text, int mode = 0x1A4)
    {
        var p = Path.Combine(root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text);
        File.SetUnixFileMode(p, (UnixFileMode)mode);
    }

    private static void CopyTree(string src, string dst)
    {
        Directory.CreateDirectory(dst);
        foreach (var e in new DirectoryInfo(src).EnumerateFileSystemInfos())
        {
            var d = Path.Combine(dst, e.Name);
            if (e.LinkTarget is { } target)
                File.CreateSymbolicLink(d, target);
            else if (e is DirectoryInfo)
                CopyTree(e.FullName, d);
            else
                File.Copy(e.FullName, d);
        }
    }

    private string Read(string rel) => File.ReadAllText(Path.Combine(NewEtc, rel));

    private FileStat Stat(string rel) => LibC.LStat(Path.Combine(NewEtc, rel));

    private void Merge() => EtcMerge.Merge(OldDefaults, OldEtc, NewDefaults, NewEtc);

    [Fact]
    public void UnchangedFilesComeFromTheNewDefaults()
    {
        Merge();
        Assert.Equal("welcome to version 2\n", Read("motd"));
        Assert.Equal("shipped by the new version\n", Read("new-default.conf"));
        Assert.Equal("default-host\n", Read("hostname"));
        Assert.Equal("../usr/share/zoneinfo/UTC", new FileInfo(Path.Combine(NewEtc, "localtime")).LinkTarget);
        // A copy, never a link into the defaults: editing /etc must not touch usr/etc.
        Assert.NotEqual(LibC.LStat(Path.Combine(NewDefaults, "motd")).Inode, Stat("motd").Inode);
        Assert.True(ConfigDiff.Compute(NewDefaults, NewEtc).IsEmpty);
        Assert.Empty(Directory.GetFileSystemEntries(_tmp.Path, ".new-etc*"));
    }

    [Fact]
    public void ModifiedFileIsCarriedOver()
    {
        Write(OldEtc, "hostname", "my-box\n");
        Merge();
        Assert.Equal("my-box\n", Read("hostname"));
    }

    [Fact]
    public void FileChangedInBothKeepsTheLocalVersion()
    {
        Write(OldEtc, "motd", "local motd\n");
        Merge();
        Assert.Equal("local motd\n", Read("motd"));
    }

    [Fact]
    public void AddedFilesAndNestedDirectoriesAreCarriedOver()
    {
        Write(OldEtc, "added.conf", "mine\n");
        Write(OldEtc, "app/conf.d/10-local.conf", "x=1\n", 0x180);
        File.SetUnixFileMode(Path.Combine(OldEtc, "app"), (UnixFileMode)0x1C0);
        Write(OldEtc, "ssh/sshd_config.d/local.conf", "Port 2222\n");
        Merge();
        Assert.Equal("mine\n", Read("added.conf"));
        Assert.Equal("x=1\n", Read("app/conf.d/10-local.conf"));
        Assert.Equal(0x180u, Stat("app/conf.d/10-local.conf").Mode & 0xFFF);
        Assert.Equal(0x1C0u, Stat("app").Mode & 0xFFF);
        Assert.Equal("Port 2222\n", Read("ssh/sshd_config.d/local.conf"));
        Assert.Equal("PermitRootLogin no\n", Read("ssh/sshd_config"));
    }

    [Fact]
    public void DeletedFilesAndDirectoriesStayDeleted()
    {
        File.Delete(Path.Combine(OldEtc, "hostname"));
        Directory.Delete(Path.Combine(OldEtc, "ssh"), recursive: true);
        Merge();
        Assert.False(File.Exists(Path.Combine(NewEtc, "hostname")));
        Assert.False(Directory.Exists(Path.Combine(NewEtc, "ssh")));
        Assert.True(File.Exists(Path.Combine(NewEtc, "new-default.conf")));
    }

    [Fact]
    public void ModeAndOwnerChangesAreCarriedOver()
    {
        var p = Path.Combine(OldEtc, "passwd");
        File.SetUnixFileMode(p, (UnixFileMode)0x180);
        LibC.LChown(p, 0, 4242);
        Merge();
        var st = Stat("passwd");
        Assert.Equal(0x180u, st.Mode & 0xFFF);
        Assert.Equal(4242u, st.Gid);
        Assert.Equal("root:x:0:0::/root:/bin/sh\n", Read("passwd"));
    }

    [Fact]
    public void SetIdBitsSurviveTheOwnerChange()
    {
        Write(OldEtc, "suid-helper", "#!/bin/sh\n");
        LibC.LChown(Path.Combine(OldEtc, "suid-helper"), 12, 34);
        File.SetUnixFileMode(Path.Combine(OldEtc, "suid-helper"), (UnixFileMode)0x9ED);
        Merge();
        var st = Stat("suid-helper");
        Assert.Equal(0x9EDu, st.Mode & 0xFFF);
        Assert.Equal((12u, 34u), (st.Uid, st.Gid));
    }

    [Fact]
    public void FileReplacedBySymlink()
    {
        File.Delete(Path.Combine(OldEtc, "hostname"));
        File.CreateSymbolicLink(Path.Combine(OldEtc, "hostname"), "/run/hostname");
        Merge();
        Assert.True(Stat("hostname").IsSymlink);
        Assert.Equal("/run/hostname", new FileInfo(Path.Combine(NewEtc, "hostname")).LinkTarget);
    }

    [Fact]
    public void SymlinkReplacedByFile()
    {
        File.Delete(Path.Combine(OldEtc, "localtime"));
        Write(OldEtc, "localtime", "TZif-ish\n");
        Merge();
        Assert.True(Stat("localtime").IsRegular);
        Assert.Equal("TZif-ish\n", Read("localtime"));
    }

    [Fact]
    public void SymlinkRetargeted()
    {
        File.Delete(Path.Combine(OldEtc, "localtime"));
        File.CreateSymbolicLink(Path.Combine(OldEtc, "localtime"), "../usr/share/zoneinfo/Europe/Paris");
        Merge();
        Assert.Equal("../usr/share/zoneinfo/Europe/Paris", new FileInfo(Path.Combine(NewEtc, "localtime")).LinkTarget);
    }

    [Fact]
    public void FileReplacedByDirectory()
    {
        File.Delete(Path.Combine(OldEtc, "motd"));
        Write(OldEtc, "motd/10-header", "hello\n");
        Merge();
        Assert.True(Stat("motd").IsDirectory);
        Assert.Equal("hello\n", Read("motd/10-header"));
    }

    [Fact]
    public void LocalFileWhereTheNewDefaultsHaveADirectoryIsAnError()
    {
        // ostree refuses this merge rather than guess; so does Arbor, and it leaves nothing behind.
        Directory.Delete(Path.Combine(OldEtc, "ssh"), recursive: true);
        Write(OldEtc, "ssh", "not a directory any more\n");
        var e = Assert.Throws<OstreeException>(Merge);
        Assert.Contains("Modified config file newly defaults to directory 'ssh', cannot merge", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(NewEtc));
        Assert.Empty(Directory.GetFileSystemEntries(_tmp.Path, ".new-etc*"));
    }

    [Fact]
    public void DirectoryModeChangeAloneFollowsTheNewDefaults()
    {
        // ostree quirk: a modified directory that is still a directory is left as the new defaults have it,
        // unless a path inside it is copied (then it takes the old /etc's attributes as a parent).
        File.SetUnixFileMode(Path.Combine(OldEtc, "ssh"), (UnixFileMode)0x1C0);
        Merge();
        Assert.Equal(0x1EDu, Stat("ssh").Mode & 0xFFF);
    }

    [Fact]
    public void ParentOfACopiedFileTakesTheOldEtcAttributes()
    {
        File.SetUnixFileMode(Path.Combine(OldEtc, "ssh"), (UnixFileMode)0x1C0);
        Write(OldEtc, "ssh/sshd_config", "PermitRootLogin yes\n");
        Merge();
        Assert.Equal(0x1C0u, Stat("ssh").Mode & 0xFFF);
        Assert.Equal("PermitRootLogin yes\n", Read("ssh/sshd_config"));
    }

    [Fact]
    public void XattrsAreKept()
    {
        var name = "user.arbor.test"u8.ToArray();
        Write(OldEtc, "labelled.conf", "x\n");
        LibC.LSetXattr(Path.Combine(OldEtc, "labelled.conf"), name, "local"u8);
        LibC.LSetXattr(Path.Combine(NewDefaults, "hostname"), name, "shipped"u8);
        Merge();
        Assert.Equal("local", Encoding.UTF8.GetString(LibC.LGetXattr(Path.Combine(NewEtc, "labelled.conf"), name)!));
        Assert.Equal("shipped", Encoding.UTF8.GetString(LibC.LGetXattr(Path.Combine(NewEtc, "hostname"), name)!));
    }

    [Fact]
    public void ExistingTargetIsRefused()
    {
        Directory.CreateDirectory(NewEtc);
        var e = Assert.Throws<OstreeException>(Merge);
        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigDiffListsModifiedThenDeletedThenAdded()
    {
        Write(OldEtc, "hostname", "my-box\n");
        File.Delete(Path.Combine(OldEtc, "motd"));
        Write(OldEtc, "extra/a.conf", "a\n");
        File.SetUnixFileMode(Path.Combine(OldEtc, "passwd"), (UnixFileMode)0x180);
        var changes = ConfigDiff.Compute(OldDefaults, OldEtc);
        Assert.Equal(["hostname", "passwd"], changes.Modified.Order(StringComparer.Ordinal));
        Assert.Equal(["motd"], changes.Removed);
        Assert.Equal(["extra", "extra/a.conf"], changes.Added);
        var text = Arbor.Cli.Render.DiffText.Lines(changes);
        Assert.Matches("^(M    (hostname|passwd)\n){2}D    motd\nA    extra\nA    extra/a.conf\n$", text);
    }

    [Fact]
    public void ConfigDiffOrdersEntriesByInodeLikeGlib()
    {
        // glib enumerates a directory in inode order (per chunk of 1000): creation order on a fresh directory here.
        var defaults = Directory.CreateDirectory(_tmp["d"]).FullName;
        var etc = Directory.CreateDirectory(_tmp["e"]).FullName;
        var names = Enumerable.Range(0, 40).Select(i => $"f{(i * 7919) % 101:D3}").ToList();
        foreach (var n in names)
            File.WriteAllText(Path.Combine(etc, n), n);
        var byInode = names.OrderBy(n => LibC.LStat(Path.Combine(etc, n)).Inode).ToList();
        Assert.Equal(byInode, ConfigDiff.Compute(defaults, etc).Added);
    }
}
