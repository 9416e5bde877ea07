// FileOwnership against a tree on disk: owners resolved in the tree's passwd/group, setuid and
// capabilities back after chown, hardlinks into the cache broken, rpm-ostree's errors. chown needs
// root, as it does for rpm-ostree; the tests say so when they cannot run.
using System.Text;
using Arbor.Compose.Assemble;
using Arbor.Compose.Import;
using Arbor.Native;

namespace Arbor.Compose.Tests.Assemble;

public class FileOwnershipTests
{
    private static PasswdEntries Names()
    {
        var names = new PasswdEntries();
        names.AddPasswdContent("root:x:0:0:root:/root:/bin/sh\nsvc:x:981:975:svc:/var/lib/svc:/sbin/nologin\n", "passwd");
        names.AddGroupContent("root:x:0:\nsvc:x:975:\nwheel:x:10:svc\n", "group");
        return names;
    }

    private static string Tree(Scratch s)
    {
        string root = s.Sub("tree");
        TestPackages.Write(root, "usr/bin/su", "su", (UnixFileMode)0x1ED);
        TestPackages.Write(root, "usr/bin/ping", "ping", (UnixFileMode)0x1ED);
        TestPackages.Write(root, "usr/etc/svc.conf", "conf");
        TestPackages.Dir(root, "usr/share/svc");
        return root;
    }

    [Fact]
    public void Owners_modes_and_capabilities_come_from_the_header()
    {
        Assert.True(FileOwnership.CanApply, "applying file ownership needs root");
        using var s = new Scratch();
        string root = Tree(s);
        string cacheCopy = Path.Combine(s.Dir, "cache-object");
        File.CreateSymbolicLink(Path.Combine(root, "usr/bin/svc-link"), "su");
        LibC.Link(Path.Combine(root, "usr/bin/su"), cacheCopy);
        var overrides = new List<FileOverride>
        {
            new("/usr/bin/su", "root", "root", 0x8000 | 0xDED, "", false), // 04755
            new("/usr/bin/ping", "root", "root", 0x8000 | 0x1ED, "cap_net_raw=ep", false),
            new("/usr/etc/svc.conf", "svc", "wheel", 0x8000 | 0x1A0, "", false), // 0640
            new("/usr/share/svc", "svc", "svc", 0x4000 | 0x5ED, "", false), // 02755
            new("/usr/bin/svc-link", "svc", "svc", 0xA000 | 0x1FF, "", false),
            new("/usr/lib/svc/ghost", "svc", "svc", 0x8000 | 0x1A4, "", true),
        };

        int changed = FileOwnership.Apply(root, "svc", overrides, Names());

        Assert.Equal(5, changed);
        var su = LibC.LStat(Path.Combine(root, "usr/bin/su"));
        Assert.Equal(0xDEDu, su.Mode & 0xFFF);
        Assert.Equal(1u, su.NLink);
        var cache = LibC.LStat(cacheCopy);
        Assert.Equal(0x1EDu, cache.Mode & 0xFFF);
        var conf = LibC.LStat(Path.Combine(root, "usr/etc/svc.conf"));
        Assert.Equal((981u, 10u, 0x1A0u), (conf.Uid, conf.Gid, conf.Mode & 0xFFF));
        var dir = LibC.LStat(Path.Combine(root, "usr/share/svc"));
        Assert.Equal((981u, 975u, 0x5EDu), (dir.Uid, dir.Gid, dir.Mode & 0xFFF));
        var link = LibC.LStat(Path.Combine(root, "usr/bin/svc-link"));
        Assert.Equal((981u, 975u), (link.Uid, link.Gid));
        Assert.Equal(0u, LibC.LStat(Path.Combine(root, "usr/bin/su")).Uid);
        byte[]? caps = LibC.LGetXattr(Path.Combine(root, "usr/bin/ping"), Encoding.ASCII.GetBytes(FileCapabilities.XattrName));
        Assert.Equal(FileCapabilities.Encode("cap_net_raw=ep"), caps);
    }

    [Fact]
    public void An_unknown_user_names_package_path_and_user()
    {
        Assert.True(FileOwnership.CanApply, "applying file ownership needs root");
        using var s = new Scratch();
        string root = Tree(s);
        var e = Assert.Throws<ComposeException>(() => FileOwnership.Apply(root, "svc",
            [new("/usr/etc/svc.conf", "nobody-here", "root", 0x8000 | 0x1A4, "", false)], Names()));
        Assert.Equal("While applying overrides for pkg svc: Could not find user 'nobody-here' in passwd file (owner of 'usr/etc/svc.conf')", e.Message);
        var g = Assert.Throws<ComposeException>(() => FileOwnership.Apply(root, "svc",
            [new("/usr/etc/svc.conf", "svc", "nogroup-here", 0x8000 | 0x1A4, "", false)], Names()));
        Assert.Equal("While applying overrides for pkg svc: Could not find group 'nogroup-here' in group file (group of 'usr/etc/svc.conf')", g.Message);
    }

    [Fact]
    public void A_type_mismatch_or_missing_file_is_an_error_and_content_outside_usr_is_ignored_with_one_warning()
    {
        Assert.True(FileOwnership.CanApply, "applying file ownership needs root");
        using var s = new Scratch();
        string root = Tree(s);
        var e = Assert.Throws<ComposeException>(() => FileOwnership.Apply(root, "svc",
            [new("/usr/share/svc", "svc", "svc", 0x8000 | 0x1A4, "", false)], Names()));
        Assert.Equal("While applying overrides for pkg svc: Inconsistent file type between RPM and checkout for file 'usr/share/svc' in package 'svc'", e.Message);
        var missing = Assert.Throws<ComposeException>(() => FileOwnership.Apply(root, "svc",
            [new("/usr/lib/svc/absent", "svc", "svc", 0x8000 | 0x1A4, "", false)], Names()));
        Assert.StartsWith("While applying overrides for pkg svc: fstatat(usr/lib/svc/absent)", missing.Message);

        var warnings = new List<string>();
        int changed = FileOwnership.Apply(root, "svc",
            [new("/srv/a", "svc", "svc", 0x8000 | 0x1A4, "", false), new("/srv/b", "svc", "svc", 0x8000 | 0x1A4, "", false),
             new("/var/lib/svc", "svc", "svc", 0x4000 | 0x1ED, "", false)], Names(), warnings.Add);
        Assert.Equal(0, changed);
        Assert.Equal(["Ignoring rpm mode for non-/usr content: srv/a"], warnings);
    }
}
