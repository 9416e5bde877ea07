// The slow parity cases, kept apart so the quick interop suite stays quick: a tree with a
// 128 MiB file and a real Debian minbase tree, committed by both tools. Run only these with
// `dotnet test --filter FullyQualifiedName~HeavyInteropTests`, or skip them with
// `--filter FullyQualifiedName!~HeavyInteropTests`.
namespace Arbor.Interop.Tests;

[Collection("heavy")]
public class HeavyInteropTests(HeavyFixture fx)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(15);

    private void AssertParity(CommitPair pair)
    {
        Assert.Matches("^[0-9a-f]{64}$", pair.OstreeChecksum);
        Assert.Equal(pair.OstreeChecksum, pair.ArborChecksum);
        var fsck = Tools.RunIn(null, Long, Tools.Ostree, pair.ArborRepoArg, "fsck");
        Assert.True(fsck.ExitCode == 0, $"ostree fsck failed on arbor's repository: {fsck}");

        var checkout = fx.NewPath($"co-{pair.Mode}");
        var co = Tools.RunIn(null, Long, Tools.Ostree, pair.ArborRepoArg, "checkout", "main", checkout);
        Assert.True(co.ExitCode == 0, $"ostree checkout of arbor's commit failed: {co}");
        var aspects = RepoModes.KeepsFullMetadata(pair.Mode) ? TreeAspects.All : TreeAspects.Content;
        var diff = TreeComparer.Compare(pair.Tree, checkout, aspects);
        Assert.True(diff is null, $"checkout of arbor's commit differs from the source: {diff}");
    }

    [Theory]
    [InlineData("archive")]
    [InlineData("bare")]
    public void Commit_with_a_file_over_100_MB_matches_ostree(string mode)
    {
        var tree = fx.BigTree;
        Assert.True(new FileInfo(Path.Combine(tree, "big.bin")).Length > 100L * 1024 * 1024);
        AssertParity(fx.MakePair(mode, tree, Long));
    }

    [Theory]
    [InlineData("archive")]
    [InlineData("bare-user")]
    public void Commit_of_a_debian_minbase_tree_matches_ostree(string mode)
    {
        AssertParity(fx.MakePair(mode, fx.Minbase, Long));
    }

    [Fact]
    public void Arbor_reads_an_ostree_commit_of_a_debian_minbase_tree()
    {
        var repo = fx.NewPath("ostree-minbase");
        Tools.OstreeOk("--repo=" + repo, "init", "--mode=archive");
        var commit = Tools.RunIn(null, Long, Tools.Ostree, ["--repo=" + repo, .. ScratchFixture.CommitOptions("main", "--tree=dir=" + fx.Minbase)]);
        Assert.True(commit.ExitCode == 0, $"ostree commit failed: {commit}");

        var ls = Tools.RunIn(null, Long, Tools.Ostree, "--repo=" + repo, "ls", "-R", "-C", "-X", "main");
        var arborLs = Tools.RunIn(null, Long, Tools.ArborBin, "ostree", "--repo=" + repo, "ls", "-R", "-C", "-X", "main");
        Assert.True(arborLs.ExitCode == 0, $"arbor ls failed: {arborLs}");
        Assert.Equal(ls.Stdout, arborLs.Stdout);

        var fsck = Tools.RunIn(null, Long, Tools.ArborBin, "ostree", "--repo=" + repo, "fsck");
        Assert.True(fsck.ExitCode == 0, $"arbor fsck failed: {fsck}");

        var checkout = fx.NewPath("arbor-co-minbase");
        var co = Tools.RunIn(null, Long, Tools.ArborBin, "ostree", "--repo=" + repo, "checkout", "main", checkout);
        Assert.True(co.ExitCode == 0, $"arbor checkout failed: {co}");
        var diff = TreeComparer.Compare(fx.Minbase, checkout, TreeAspects.All);
        Assert.True(diff is null, $"arbor checkout differs from the source: {diff}");
    }
}
