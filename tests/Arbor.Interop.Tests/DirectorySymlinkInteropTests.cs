// Symbolic links to directories (".", "..", /etc), dangling ones and links through /etc/alternatives,
// as a Debian tree has them, in every repository mode. Arbor and the real ostree commit the same
// tree to the same checksum, `ostree fsck` passes on Arbor's repository and `ostree ls` lists the
// links as stored; checkouts by both tools agree; a sysroot made by `admin init-fs` (a bare
// repository) takes the tree; pull-local carries the links into bare repositories.
namespace Arbor.Interop.Tests;

[Collection("interop")]
public sealed class DirectorySymlinkInteropTests(InteropFixture fx)
{
    private string MakeTree()
    {
        var root = fx.NewDir("dir-links");
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        File.WriteAllText(Path.Combine(root, "sub/file"), "content\n");
        File.CreateSymbolicLink(Path.Combine(root, "dot"), ".");
        File.CreateSymbolicLink(Path.Combine(root, "up"), "..");
        File.CreateSymbolicLink(Path.Combine(root, "dangling"), "does/not/exist");
        File.CreateSymbolicLink(Path.Combine(root, "etc-link"), "/etc");
        File.CreateSymbolicLink(Path.Combine(root, "sub/self"), "../sub");
        File.CreateSymbolicLink(Path.Combine(root, "sub/alternatives"), "/etc/alternatives");
        return root;
    }

    private static string Ls(string repo, string rev) => Tools.OstreeOk("--repo=" + repo, "ls", "-R", "-C", rev).Stdout;

    [Theory]
    [InlineData("bare")]
    [InlineData("bare-user-only")]
    [InlineData("bare-user")]
    [InlineData("archive")]
    public void DirectoryLinksCommitAndCheckOutLikeOstree(string mode)
    {
        var pair = fx.MakePair(mode, MakeTree(), Tools.DefaultTimeout);
        Assert.Equal(pair.OstreeChecksum, pair.ArborChecksum);
        Tools.OstreeOk(pair.ArborRepoArg, "fsck");
        Tools.ArborOk("ostree", pair.ArborRepoArg, "fsck");
        var listing = Ls(pair.ArborRepo, "main");
        Assert.Equal(Ls(pair.OstreeRepo, "main"), listing);
        Assert.Contains("/dot -> .\n", listing, StringComparison.Ordinal);
        Assert.Contains("/etc-link -> /etc\n", listing, StringComparison.Ordinal);

        string[] user = mode == "bare" ? [] : ["-U"];
        var ours = fx.NewPath("co-arbor");
        var theirs = fx.NewPath("co-ostree");
        Tools.ArborOk(["ostree", pair.ArborRepoArg, "checkout", .. user, "main", ours]);
        Tools.OstreeOk([pair.OstreeRepoArg, "checkout", .. user, "main", theirs]);
        Assert.Null(TreeComparer.Compare(theirs, ours, mode == "bare" ? TreeAspects.All : TreeAspects.Mode));
        Assert.Equal("..", new FileInfo(Path.Combine(ours, "up")).LinkTarget);
    }

    [Fact]
    public void AnInitFsSysrootRepositoryTakesTheTree()
    {
        var sysroot = fx.NewDir("sysroot");
        Tools.ArborOk("ostree", "admin", "init-fs", sysroot);
        var repo = Path.Combine(sysroot, "ostree/repo");
        Assert.Contains("mode=bare\n", File.ReadAllText(Path.Combine(repo, "config")), StringComparison.Ordinal);
        var tree = MakeTree();
        Tools.ArborOk("ostree", "--repo=" + repo, "commit", "-b", "os", "--tree=dir=" + tree);
        Tools.OstreeOk("--repo=" + repo, "fsck");
        var theirs = fx.OstreeInit("bare", "bare-oracle");
        Tools.OstreeOk("--repo=" + theirs, "commit", "-b", "os", "--tree=dir=" + tree);
        Assert.Equal(Ls(theirs, "os"), Ls(repo, "os"));
    }

    [Theory]
    [InlineData("archive", "bare")]
    [InlineData("archive", "bare-user-only")]
    [InlineData("bare", "bare")]
    public void PullLocalCarriesDirectoryLinks(string from, string to)
    {
        var src = fx.OstreeInit(from, "links-src");
        Tools.OstreeOk("--repo=" + src, "commit", "-b", "main", "--tree=dir=" + MakeTree());
        var dest = fx.ArborInit(to, "links-dest");
        Tools.ArborOk("ostree", "--repo=" + dest, "pull-local", src, "main");
        Tools.OstreeOk("--repo=" + dest, "fsck");
        Assert.Equal(Ls(src, "main"), Ls(dest, "main"));
    }
}
