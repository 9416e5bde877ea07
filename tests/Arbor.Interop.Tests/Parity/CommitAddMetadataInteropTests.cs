// `commit --add-metadata=KEY=GVARIANT-TEXT` against the real ostree: the same tree, timestamp and
// metadata give byte-identical commits (same checksum), each value typed as g_variant_parse types it,
// after the --add-metadata-string entries as ostree orders them; a value without '=' fails alike.
namespace Arbor.Interop.Tests.Parity;

[Collection("interop")]
public sealed class CommitAddMetadataInteropTests(InteropFixture fx)
{
    [Fact]
    public void Typed_metadata_makes_the_same_commit_as_ostree()
    {
        var tree = fx.NewDir("addmeta-tree");
        File.WriteAllText(Path.Combine(tree, "a"), "a\n");
        var theirs = fx.NewDir("addmeta-ostree");
        var ours = fx.NewDir("addmeta-arbor");
        Tools.OstreeOk("--repo=" + theirs, "init", "--mode=archive");
        Tools.OstreeOk("--repo=" + ours, "init", "--mode=archive");
        string[] args =
        [
            "commit", "-b", "m", "--timestamp=2020-01-01 00:00:00 +0000", "-s", "typed", "--tree=dir=" + tree,
            "--add-metadata=version=uint32 3", "--add-metadata-string=plain=text",
            "--add-metadata=flag=true", "--add-metadata=names=['a', 'b']", "--add-metadata=pair=(1, 'x')",
            "--add-metadata=big=int64 -5", "--add-metadata=quoted='with space'",
        ];
        var o = Tools.OstreeOk(["--repo=" + theirs, .. args]).Stdout.Trim();
        var a = Tools.ArborOk(["ostree", "--repo=" + ours, .. args]).Stdout.Trim();
        Assert.Equal(o, a);
        foreach (var key in new[] { "version", "flag", "names", "pair", "big", "plain" })
            Assert.Equal(Tools.OstreeOk("--repo=" + theirs, "show", "--print-metadata-key=" + key, o).Stdout,
                Tools.OstreeOk("--repo=" + ours, "show", "--print-metadata-key=" + key, a).Stdout);
        Tools.OstreeOk("--repo=" + ours, "fsck");

        var bad = Tools.Arbor("ostree", "--repo=" + ours, "commit", "-b", "m", "--tree=dir=" + tree, "--add-metadata=novalue");
        var theirsBad = Tools.OstreeRun("--repo=" + theirs, "commit", "-b", "m", "--tree=dir=" + tree, "--add-metadata=novalue");
        Assert.Equal(theirsBad.ExitCode, bad.ExitCode);
        Assert.Equal(theirsBad.StderrLines[^1], bad.StderrLines[^1]);
        var unparsable = Tools.Arbor("ostree", "--repo=" + ours, "commit", "-b", "m", "--tree=dir=" + tree, "--add-metadata=k=[1,");
        Assert.Equal(1, unparsable.ExitCode);
        Assert.StartsWith("error: Parsing k=[1,: ", unparsable.StderrLines[^1], StringComparison.Ordinal);
        Assert.Equal(a, Tools.OstreeOk("--repo=" + ours, "rev-parse", "m").Stdout.Trim());
    }
}
