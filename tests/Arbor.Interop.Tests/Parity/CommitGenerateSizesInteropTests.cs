// `commit --generate-sizes` against the real ostree: in an archive repository the commit carries
// ostree.sizes — per written file, dirtree and dirmeta: checksum, archived size (the .filez as
// ostree's zlib writes it), unpacked size, type — sorted by checksum; the value and the commit
// checksum equal ostree's on the same tree, from a directory and from a tar stream alike. Other
// repository modes get no sizes, as in ostree.
namespace Arbor.Interop.Tests.Parity;

[Collection("interop")]
public sealed class CommitGenerateSizesInteropTests(InteropFixture fx)
{
    private static string MakeTree(string dir)
    {
        var rng = new Random(42);
        Directory.CreateDirectory(Path.Combine(dir, "usr/share/doc"));
        Directory.CreateDirectory(Path.Combine(dir, "etc"));
        File.WriteAllText(Path.Combine(dir, "usr/share/doc/text"), string.Concat(Enumerable.Repeat("compressible line of text\n", 5000)));
        var random = new byte[200_000];
        rng.NextBytes(random);
        File.WriteAllBytes(Path.Combine(dir, "usr/share/random.bin"), random);
        File.WriteAllBytes(Path.Combine(dir, "etc/empty"), []);
        File.WriteAllText(Path.Combine(dir, "etc/small"), "x\n");
        File.CreateSymbolicLink(Path.Combine(dir, "usr/link"), "share/doc/text");
        return dir;
    }

    private static readonly string[] Common = ["--timestamp=2023-05-06 07:08:09 +0000", "-s", "sizes", "--owner-uid=0", "--owner-gid=0", "--generate-sizes"];

    [Fact]
    public void Sizes_metadata_and_checksum_match_ostree()
    {
        var tree = MakeTree(fx.NewDir("sizes-tree"));
        foreach (var mode in new[] { "archive", "bare-user" })
        {
            var theirs = fx.NewDir("sizes-ostree-" + mode);
            var ours = fx.NewDir("sizes-arbor-" + mode);
            Tools.OstreeOk("--repo=" + theirs, "init", "--mode=" + mode);
            Tools.OstreeOk("--repo=" + ours, "init", "--mode=" + mode);
            string[] args = ["commit", "-b", "m", .. Common, tree];
            var o = Tools.OstreeOk(["--repo=" + theirs, .. args]).Stdout.Trim();
            var a = Tools.ArborOk(["ostree", "--repo=" + ours, .. args]).Stdout.Trim();
            var oSizes = Tools.OstreeRun("--repo=" + theirs, "show", "--print-metadata-key=ostree.sizes", o);
            var aSizes = Tools.OstreeRun("--repo=" + ours, "show", "--print-metadata-key=ostree.sizes", a);
            if (mode == "archive")
            {
                Assert.Equal(0, oSizes.ExitCode);
                Assert.StartsWith("[", oSizes.Stdout.Trim());
                Assert.Equal(oSizes.Stdout, aSizes.Stdout);
            }
            else
            {
                Assert.NotEqual(0, oSizes.ExitCode);
                Assert.NotEqual(0, aSizes.ExitCode);
            }
            Assert.Equal(o, a);

            // A second commit of the same tree records the same sizes for objects already stored.
            var o2 = Tools.OstreeOk(["--repo=" + theirs, "commit", "-b", "n", .. Common, tree]).Stdout.Trim();
            var a2 = Tools.ArborOk(["ostree", "--repo=" + ours, "commit", "-b", "n", .. Common, tree]).Stdout.Trim();
            Assert.Equal(o2, a2);
            Tools.OstreeOk("--repo=" + ours, "fsck");
        }
    }

    [Fact]
    public void Base_subtrees_left_unchanged_are_not_counted_as_in_ostree()
    {
        var baseTree = MakeTree(fx.NewDir("sizes-base-tree"));
        var overlay = fx.NewDir("sizes-base-overlay");
        Directory.CreateDirectory(Path.Combine(overlay, "etc"));
        File.WriteAllText(Path.Combine(overlay, "etc/added"), "added\n");
        var theirs = fx.NewDir("sizes-base-ostree");
        var ours = fx.NewDir("sizes-base-arbor");
        Tools.OstreeOk("--repo=" + theirs, "init", "--mode=archive");
        Tools.OstreeOk("--repo=" + ours, "init", "--mode=archive");
        string[] baseArgs = ["commit", "-b", "base", "--timestamp=2023-05-06 07:08:09 +0000", "--owner-uid=0", "--owner-gid=0", baseTree];
        Assert.Equal(Tools.OstreeOk(["--repo=" + theirs, .. baseArgs]).Stdout.Trim(), Tools.ArborOk(["ostree", "--repo=" + ours, .. baseArgs]).Stdout.Trim());
        string[] args = ["commit", "-b", "m", "--base=base", .. Common, overlay];
        var o = Tools.OstreeOk(["--repo=" + theirs, .. args]).Stdout.Trim();
        var a = Tools.ArborOk(["ostree", "--repo=" + ours, .. args]).Stdout.Trim();
        var sizes = Tools.OstreeOk("--repo=" + theirs, "show", "--print-metadata-key=ostree.sizes", o).Stdout;
        Assert.Equal(sizes, Tools.OstreeOk("--repo=" + ours, "show", "--print-metadata-key=ostree.sizes", a).Stdout);
        Assert.Equal(o, a);
    }

    [Fact]
    public void Tar_commits_get_sizes_as_in_ostree()
    {
        var tree = MakeTree(fx.NewDir("sizes-tar-tree"));
        var tar = Path.Combine(fx.NewDir("sizes-tar"), "t.tar");
        Tools.RunOk("tar", "-C", tree, "-cf", tar, ".");
        var theirs = fx.NewDir("sizes-tar-ostree");
        var ours = fx.NewDir("sizes-tar-arbor");
        Tools.OstreeOk("--repo=" + theirs, "init", "--mode=archive");
        Tools.OstreeOk("--repo=" + ours, "init", "--mode=archive");
        string[] args = ["commit", "-b", "m", .. Common, "--tree=tar=" + tar];
        var o = Tools.OstreeOk(["--repo=" + theirs, .. args]).Stdout.Trim();
        var a = Tools.ArborOk(["ostree", "--repo=" + ours, .. args]).Stdout.Trim();
        var sizes = Tools.OstreeOk("--repo=" + theirs, "show", "--print-metadata-key=ostree.sizes", o).Stdout;
        Assert.Equal(sizes, Tools.OstreeOk("--repo=" + ours, "show", "--print-metadata-key=ostree.sizes", a).Stdout);
        Assert.Equal(o, a);
    }
}
