// `commit --statoverride=FILE` ("+BITS PATH" adds mode bits, "=BITS PATH" replaces the permission
// bits; BITS in decimal) and `--skip-list=FILE` (paths left out, a directory with all beneath it):
// the same directory committed by both tools gives the same tree, checksum for checksum.
namespace Arbor.Interop.Tests;

[Collection("interop")]
public sealed class CommitFilterInteropTests(InteropFixture fx)
{
    private string Tree()
    {
        var t = fx.NewDir("filter-tree");
        Directory.CreateDirectory(Path.Combine(t, "d", "sub"));
        File.WriteAllText(Path.Combine(t, "d", "f"), "f\n");
        File.WriteAllText(Path.Combine(t, "d", "sub", "x"), "x\n");
        File.WriteAllText(Path.Combine(t, "g"), "g\n");
        File.WriteAllText(Path.Combine(t, "keep"), "keep\n");
        File.CreateSymbolicLink(Path.Combine(t, "link"), "g");
        foreach (var f in new[] { "d/f", "d/sub/x", "g", "keep" })
            File.SetUnixFileMode(Path.Combine(t, f), (UnixFileMode)0x1A4);
        return t;
    }

    private static string Listing(string repo, string branch = "m") => Tools.OstreeOk("--repo=" + repo, "ls", "-R", "-C", branch).Stdout;

    [Theory]
    [InlineData("bare-user", "+2048 /d/f\n=384 /g\n", "")]
    [InlineData("archive", "=448 /d\n+73 /keep\n", "/d/sub\n/link\n")]
    [InlineData("bare-user-only", "", "/d\n")]
    public void SameTreeAsOstree(string mode, string statoverride, string skipList)
    {
        var tree = Tree();
        var files = fx.NewDir("filter-files");
        var so = Path.Combine(files, "statoverride");
        var sl = Path.Combine(files, "skip-list");
        File.WriteAllText(so, statoverride);
        File.WriteAllText(sl, skipList);
        string[] args = ["commit", "-b", "m", "--statoverride=" + so, "--skip-list=" + sl, "--tree=dir=" + tree];
        var theirs = fx.NewDir("filter-ostree");
        var ours = fx.NewDir("filter-arbor");
        Tools.OstreeOk("--repo=" + theirs, "init", "--mode=" + mode);
        Tools.OstreeOk("--repo=" + ours, "init", "--mode=" + mode);
        Tools.OstreeOk(["--repo=" + theirs, .. args]);
        Tools.ArborOk(["ostree", "--repo=" + ours, .. args]);
        Assert.Equal(Listing(theirs), Listing(ours));
        // The filters did something: the same tree without them lists differently.
        Tools.OstreeOk("--repo=" + theirs, "commit", "-b", "plain", "--tree=dir=" + tree);
        Assert.NotEqual(Listing(theirs, "plain"), Listing(ours));
        Tools.OstreeOk("--repo=" + ours, "fsck");
    }

    [Fact]
    public void AMalformedLineFailsAsInOstree()
    {
        var file = Path.Combine(fx.NewDir("filter-bad"), "statoverride");
        File.WriteAllText(file, "x\n");
        var repo = fx.NewDir("filter-bad-repo");
        Tools.OstreeOk("--repo=" + repo, "init", "--mode=archive");
        var r = Tools.Arbor("ostree", "--repo=" + repo, "commit", "-b", "m", "--statoverride=" + file, "--tree=dir=" + Tree());
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("error: Malformed statoverride file (no space found)", r.StderrLines[^1]);
        Assert.Empty(Tools.OstreeOk("--repo=" + repo, "refs").Stdout);
    }
}
