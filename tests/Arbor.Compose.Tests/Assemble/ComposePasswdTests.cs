// ComposePasswd on trees on disk and a previous commit in a real repository: preserve-passwd,
// the split into /usr/lib, shadow normalisation and check-passwd/check-groups in rpm-ostree's words.
using Arbor.Compose.Assemble;
using Arbor.Compose.Treefile;
using Arbor.Ostree.Commits;
using Arbor.Ostree.Repo;

namespace Arbor.Compose.Tests.Assemble;

public class ComposePasswdTests
{
    private const string EtcPasswd = "root:x:0:0:root:/root:/bin/sh\nbin:x:1:1:bin:/bin:/sbin/nologin\nsvc:x:981:975::/var/lib/svc:/sbin/nologin\n";
    private const string EtcGroup = "root:x:0:\nbin:x:1:\nwheel:x:10:svc\nsvc:x:975:\n";

    private static string Read(string root, string rel) => File.ReadAllText(Path.Combine(root, rel));

    [Fact]
    public void Entries_move_to_usr_lib_except_root_and_etc_group_members()
    {
        using var s = new Scratch();
        string root = s.Sub("tree");
        TestPackages.Write(root, "usr/etc/passwd", EtcPasswd);
        TestPackages.Write(root, "usr/etc/group", EtcGroup);
        TestPackages.Write(root, "usr/lib/passwd", "old:x:5:5::/:/sbin/nologin");

        ComposePasswd.MigrateToUsrLib(root, ["wheel"]);

        Assert.Equal("root:x:0:0:root:/root:/bin/sh\n", Read(root, "usr/etc/passwd"));
        Assert.Equal("old:x:5:5::/:/sbin/nologin\nbin:x:1:1:bin:/bin:/sbin/nologin\nsvc:x:981:975::/var/lib/svc:/sbin/nologin\n",
            Read(root, "usr/lib/passwd"));
        Assert.Equal("root:x:0:\nwheel:x:10:svc\n", Read(root, "usr/etc/group"));
        Assert.Equal("bin:x:1:\nwheel:x:10:svc\nsvc:x:975:\n", Read(root, "usr/lib/group"));
        Assert.Equal((UnixFileMode)0x1A4, File.GetUnixFileMode(Path.Combine(root, "usr/lib/group")));
    }

    [Fact]
    public void Shadow_lastchg_is_blanked_for_locked_accounts_only()
    {
        using var s = new Scratch();
        string root = s.Sub("tree");
        TestPackages.Write(root, "usr/etc/shadow", "root:!locked::0:99999:7:::\nsvc:!!:19700::::::\nweb:*:19701::::::\nuser:$6$abc:19702:0:99999:7:::\n",
            (UnixFileMode)0);

        Assert.True(ComposePasswd.NormalizeShadow(root));

        Assert.Equal("root:!locked::0:99999:7:::\nsvc:!!:::::::\nweb:*:::::::\nuser:$6$abc:19702:0:99999:7:::\n", Read(root, "usr/etc/shadow"));
        Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(Path.Combine(root, "usr/etc/shadow")));
        Assert.False(ComposePasswd.NormalizeShadow(s.Sub("empty")));
    }

    [Fact]
    public void Previous_commit_passwd_and_group_are_merged_into_usr_etc()
    {
        using var s = new Scratch();
        string prevTree = s.Sub("prev");
        TestPackages.Write(prevTree, "usr/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        TestPackages.Write(prevTree, "usr/lib/passwd", "root:x:0:0:dup:/:/bin/sh\nsvc:x:981:975::/:/sbin/nologin\n");
        TestPackages.Write(prevTree, "usr/etc/group", "root:x:0:\n");
        var repo = Repository.Create(s.Sub("repo"), RepoMode.Archive);
        var previous = RepoCommit.Run(repo, new CommitSpec { Branch = "os", Timestamp = 1, Trees = [new TreeSource.Dir(prevTree)] }).Checksum;
        string root = s.Sub("tree");
        TestPackages.Write(root, "usr/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        TestPackages.Write(root, "usr/etc/group", "root:x:0:\nfresh:x:5:\n");

        var written = ComposePasswd.PreserveFromPrevious(root, repo, previous);

        Assert.Equal(["usr/etc/passwd"], written);
        Assert.Equal("root:x:0:0:root:/root:/bin/sh\nsvc:x:981:975::/:/sbin/nologin\n", Read(root, "usr/etc/passwd"));
        // The previous commit has no /usr/lib/group: the tree's group stays as the packages made it.
        Assert.Equal("root:x:0:\nfresh:x:5:\n", Read(root, "usr/etc/group"));
    }

    private static PasswdCheck Data(params (string Name, uint Uid, uint Gid)[] entries) => new()
    {
        Kind = PasswdCheckKind.Data,
        Entries = entries.ToDictionary(e => e.Name, e => (e.Uid, e.Gid)),
    };

    private static string TreeWithUsrLib(Scratch s)
    {
        string root = s.Sub("tree");
        TestPackages.Write(root, "usr/lib/passwd", "bin:x:1:1:bin:/bin:/sbin/nologin\nsvc:x:981:975::/:/sbin/nologin\n");
        TestPackages.Write(root, "usr/lib/group", "bin:x:1:\nsvc:x:975:\n");
        return root;
    }

    [Fact]
    public void Check_reports_new_and_removed_entries_and_refuses_changed_ids()
    {
        using var s = new Scratch();
        string root = TreeWithUsrLib(s);
        var none = new PasswdCheck { Kind = PasswdCheckKind.None };
        var info = new List<string>();

        ComposePasswd.Check(root, Data(("bin", 1, 1), ("gone", 4000, 4000)), Data(("bin", 1, 1), ("oldgrp", 4001, 4001)), [], [], null, null, info.Add);
        Assert.Equal(["Unused user removed from new passwd file: gone", "New passwd entries: svc",
            "Unused group removed from new group file: oldgrp", "New group entries: svc"], info);

        var uid = Assert.Throws<ComposeException>(() => ComposePasswd.Check(root, Data(("svc", 900, 975)), none, [], [], null, null));
        Assert.Equal("Validating user entries according to treefile check-passwd: passwd UID changed: svc (900 to 981)", uid.Message);
        var gid = Assert.Throws<ComposeException>(() => ComposePasswd.Check(root, Data(("svc", 981, 1)), none, [], [], null, null));
        Assert.Equal("Validating user entries according to treefile check-passwd: passwd GID changed: svc (1 to 975)", gid.Message);
        var group = Assert.Throws<ComposeException>(() => ComposePasswd.Check(root, none, Data(("svc", 970, 970)), [], [], null, null));
        Assert.Equal("Validating group entries according to treefile check-groups: group GID changed: svc (975 to 970)", group.Message);
    }

    [Fact]
    public void A_removed_user_still_owning_files_is_an_error_unless_ignored()
    {
        using var s = new Scratch();
        string root = TreeWithUsrLib(s);
        string owned = Path.Combine(root, "usr/share/owned");
        TestPackages.Write(root, "usr/share/owned", "x");
        Arbor.Native.LibC.LChown(owned, 4000, 4001);
        var passwdFile = Path.Combine(s.Dir, "passwd.ref");
        File.WriteAllText(passwdFile, "gone:x:4000:4000::/:/sbin/nologin\n");
        var fileCheck = new PasswdCheck { Kind = PasswdCheckKind.File, FileName = "passwd.ref", FilePath = passwdFile };
        var none = new PasswdCheck { Kind = PasswdCheckKind.None };

        var user = Assert.Throws<ComposeException>(() => ComposePasswd.Check(root, fileCheck, none, [], [], null, null));
        Assert.Equal("Validating user entries according to treefile check-passwd: User missing from new passwd file: gone", user.Message);
        var group = Assert.Throws<ComposeException>(() => ComposePasswd.Check(root, none, Data(("oldgrp", 4001, 4001)), [], [], null, null));
        Assert.Equal("Validating group entries according to treefile check-groups: Group missing from new group file: oldgrp", group.Message);

        var info = new List<string>();
        ComposePasswd.Check(root, fileCheck, Data(("oldgrp", 4001, 4001)), ["gone"], ["*"], null, null, info.Add);
        Assert.Contains("Ignored user missing from new passwd file: gone", info);
        Assert.Contains("Ignored group missing from new group file: oldgrp", info);
    }
}
