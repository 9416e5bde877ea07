// `commit --mode-ro-executables` against the real ostree: executables lose their write bits
// (plain files and directories keep theirs), before a --statoverride that may add them back, in
// directory and tar trees alike; the same input makes the same commit checksum in both tools.
namespace Arbor.Interop.Tests.Parity;

[Collection("interop")]
public sealed class CommitModeRoExecutablesInteropTests(InteropFixture fx)
{
    private static void Put(string tree, string rel, string mode)
    {
        var path = Path.Combine(tree, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, rel + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
    }

    [Fact]
    public void Executables_become_read_only_as_in_ostree()
    {
        var tree = fx.NewDir("roexec-tree");
        Put(tree, "usr/bin/tool", "0755");
        Put(tree, "usr/bin/shared", "0775");
        Put(tree, "usr/bin/open", "0777");
        Put(tree, "usr/bin/userx", "0700");
        Put(tree, "usr/bin/otherx", "0646");
        Put(tree, "usr/bin/back", "0755");
        Put(tree, "etc/conf", "0664");
        File.SetUnixFileMode(Path.Combine(tree, "etc"), (UnixFileMode)Convert.ToInt32("0777", 8));
        var overrides = Path.Combine(fx.NewDir("roexec-so"), "statoverride");
        File.WriteAllText(overrides, "+128 /usr/bin/back\n"); // 0200, decimal as ostree reads it
        var tar = Path.Combine(fx.NewDir("roexec-tar"), "tree.tar");
        Tools.RunOk("tar", "-C", tree, "-cf", tar, ".");
        var theirs = fx.NewDir("roexec-ostree");
        var ours = fx.NewDir("roexec-arbor");
        Tools.OstreeOk("--repo=" + theirs, "init", "--mode=archive");
        Tools.OstreeOk("--repo=" + ours, "init", "--mode=archive");
        string[][] variants =
        [
            ["--tree=dir=" + tree],
            ["--tree=dir=" + tree, "--statoverride=" + overrides],
            ["--tree=tar=" + tar],
        ];
        foreach (var v in variants)
        {
            string[] args = ["commit", "-b", "m", "--timestamp=2020-01-01 00:00:00 +0000", "-s", "ro", "--mode-ro-executables", "--owner-uid=0", "--owner-gid=0", .. v];
            var o = Tools.OstreeOk(["--repo=" + theirs, .. args]).Stdout.Trim();
            var a = Tools.ArborOk(["ostree", "--repo=" + ours, .. args]).Stdout.Trim();
            var listing = Tools.OstreeOk("--repo=" + theirs, "ls", "-R", o).Stdout;
            Assert.Equal(listing, Tools.OstreeOk("--repo=" + ours, "ls", "-R", a).Stdout);
            Assert.Equal(o, a);
        }
        // The option changed something: without it the commit differs.
        var plain = Tools.ArborOk("ostree", "--repo=" + ours, "commit", "-b", "p", "--timestamp=2020-01-01 00:00:00 +0000", "-s", "ro", "--owner-uid=0", "--owner-gid=0", "--tree=dir=" + tree).Stdout.Trim();
        Assert.Contains("-00755 ", Tools.OstreeOk("--repo=" + ours, "ls", plain, "/usr/bin/tool").Stdout);
        Assert.Contains("-00555 ", Tools.OstreeOk("--repo=" + ours, "ls", "m", "/usr/bin/tool").Stdout);
        Tools.OstreeOk("--repo=" + ours, "fsck");
    }
}
