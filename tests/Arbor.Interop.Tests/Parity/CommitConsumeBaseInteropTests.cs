// `commit --consume` and `commit --base` against the real ostree. --consume deletes a directory
// source once it is committed: a named directory goes entirely, "." (the working directory) is
// left empty. --base lays the sources over an existing commit's tree, whose entries keep their
// metadata (the commit modifier applies only to the new sources). Same input, same checksum.
namespace Arbor.Interop.Tests.Parity;

[Collection("interop")]
public sealed class CommitConsumeBaseInteropTests(InteropFixture fx)
{
    private static string MakeTree(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "usr/bin"));
        Directory.CreateDirectory(Path.Combine(dir, "empty"));
        File.WriteAllText(Path.Combine(dir, "usr/bin/tool"), "tool\n");
        File.WriteAllText(Path.Combine(dir, "etc-file"), "conf\n");
        File.CreateSymbolicLink(Path.Combine(dir, "link"), "usr/bin/tool");
        return dir;
    }

    private static readonly string[] Common = ["--timestamp=2022-01-01 00:00:00 +0000", "-s", "c", "--owner-uid=0", "--owner-gid=0"];

    [Fact]
    public void Consume_deletes_the_committed_directory_as_ostree_does()
    {
        var theirs = fx.NewDir("consume-ostree");
        var ours = fx.NewDir("consume-arbor");
        Tools.OstreeOk("--repo=" + theirs, "init", "--mode=archive");
        Tools.OstreeOk("--repo=" + ours, "init", "--mode=archive");

        var treeO = MakeTree(Path.Combine(fx.NewDir("consume-src-o"), "tree"));
        var treeA = MakeTree(Path.Combine(fx.NewDir("consume-src-a"), "tree"));
        var o = Tools.OstreeOk(["--repo=" + theirs, "commit", "-b", "m", "--consume", .. Common, treeO]).Stdout.Trim();
        var a = Tools.ArborOk(["ostree", "--repo=" + ours, "commit", "-b", "m", "--consume", .. Common, treeA]).Stdout.Trim();
        Assert.Equal(o, a);
        Assert.False(Directory.Exists(treeO));
        Assert.Equal(Directory.Exists(treeO), Directory.Exists(treeA));
        Assert.True(Directory.Exists(Path.GetDirectoryName(treeA)));

        // "." cannot be removed: both tools leave it empty.
        var cwdO = MakeTree(fx.NewDir("consume-cwd-o"));
        var cwdA = MakeTree(fx.NewDir("consume-cwd-a"));
        var o2 = Tools.RunIn(cwdO, Tools.DefaultTimeout, Tools.Ostree, ["--repo=" + theirs, "commit", "-b", "d", "--consume", .. Common]);
        var a2 = Tools.RunIn(cwdA, Tools.DefaultTimeout, Tools.ArborBin, ["ostree", "--repo=" + ours, "commit", "-b", "d", "--consume", .. Common]);
        Assert.Equal(0, o2.ExitCode);
        Assert.Equal(0, a2.ExitCode);
        Assert.Equal(o2.Stdout.Trim(), a2.Stdout.Trim());
        Assert.True(Directory.Exists(cwdO));
        Assert.Empty(Directory.EnumerateFileSystemEntries(cwdO));
        Assert.True(Directory.Exists(cwdA));
        Assert.Empty(Directory.EnumerateFileSystemEntries(cwdA));
        Tools.OstreeOk("--repo=" + ours, "fsck");
    }

    [Fact]
    public void Base_lays_sources_over_the_commit_as_ostree_does()
    {
        var theirs = fx.NewDir("base-ostree");
        var ours = fx.NewDir("base-arbor");
        Tools.OstreeOk("--repo=" + theirs, "init", "--mode=archive");
        Tools.OstreeOk("--repo=" + ours, "init", "--mode=archive");
        var baseTree = MakeTree(fx.NewDir("base-tree"));
        var overlay = fx.NewDir("base-overlay");
        Directory.CreateDirectory(Path.Combine(overlay, "usr/bin"));
        File.WriteAllText(Path.Combine(overlay, "usr/bin/new"), "new\n");
        File.WriteAllText(Path.Combine(overlay, "etc-file"), "changed\n");

        // The base belongs to uid 1000; the overlay is committed as root: base entries stay 1000.
        string[] baseArgs = ["commit", "-b", "base", "--timestamp=2022-01-01 00:00:00 +0000", "-s", "b", "--owner-uid=1000", "--owner-gid=1000", baseTree];
        var bo = Tools.OstreeOk(["--repo=" + theirs, .. baseArgs]).Stdout.Trim();
        var ba = Tools.ArborOk(["ostree", "--repo=" + ours, .. baseArgs]).Stdout.Trim();
        Assert.Equal(bo, ba);
        string[] args = ["commit", "-b", "m", "--base=base", .. Common, overlay];
        var o = Tools.OstreeOk(["--repo=" + theirs, .. args]).Stdout.Trim();
        var a = Tools.ArborOk(["ostree", "--repo=" + ours, .. args]).Stdout.Trim();
        var listing = Tools.OstreeOk("--repo=" + theirs, "ls", "-R", o).Stdout;
        Assert.Contains("/usr/bin/new", listing);
        Assert.Contains("/usr/bin/tool", listing);
        Assert.Equal(listing, Tools.OstreeOk("--repo=" + ours, "ls", "-R", a).Stdout);
        Assert.Equal(o, a);
        Assert.Contains(" 1000 1000 ", Tools.OstreeOk("--repo=" + ours, "ls", a, "/usr/bin/tool").Stdout);

        // A missing base is an error in both tools, and no ref moves.
        Assert.NotEqual(0, Tools.OstreeRun(["--repo=" + theirs, "commit", "-b", "x", "--base=nosuch", overlay]).ExitCode);
        Assert.NotEqual(0, Tools.Arbor(["ostree", "--repo=" + ours, "commit", "-b", "x", "--base=nosuch", overlay]).ExitCode);
        Assert.DoesNotContain("x", Tools.OstreeOk("--repo=" + ours, "refs").Stdout.Split('\n'));
    }
}
