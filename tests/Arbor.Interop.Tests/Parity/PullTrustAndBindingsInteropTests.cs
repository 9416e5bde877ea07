// pull's --disable-verify-bindings, --http-trusted and --per-object-fsync against the real ostree,
// both tools pulling from the same repository served over HTTP by nginx. A commit asked for by a
// ref it is not bound to is refused with ostree's message unless bindings are not verified; a
// mirror into an archive repository with --http-trusted stores content objects as served (a
// corrupted one gets in, for fsck to find) while without it the pull fails; --per-object-fsync
// pulls the same commit as a plain pull.
namespace Arbor.Interop.Tests.Parity;

[Collection("interop")]
public sealed class PullTrustAndBindingsInteropTests(InteropFixture fx)
{
    private (string Src, string Commit) MakeSource(string name)
    {
        var tree = fx.NewDir(name + "-tree");
        Directory.CreateDirectory(Path.Combine(tree, "usr/bin"));
        File.WriteAllText(Path.Combine(tree, "usr/bin/a"), string.Concat(Enumerable.Repeat("alpha\n", 300)));
        File.WriteAllText(Path.Combine(tree, "usr/bin/b"), string.Concat(Enumerable.Repeat("beta\n", 300)));
        var src = fx.NewDir(name + "-src");
        Tools.OstreeOk("--repo=" + src, "init", "--mode=archive");
        var commit = Tools.OstreeOk("--repo=" + src, "commit", "-b", "other", "--owner-uid=0", "--owner-gid=0", tree).Stdout.Trim();
        Tools.OstreeOk("--repo=" + src, "refs", "--create=wanted", commit);
        return (src, commit);
    }

    private string Client(string name, string url, string mode = "archive")
    {
        var repo = fx.NewDir(name);
        Tools.OstreeOk("--repo=" + repo, "init", "--mode=" + mode);
        Tools.OstreeOk("--repo=" + repo, "remote", "add", "--no-gpg-verify", "o", url);
        return repo;
    }

    [Fact]
    public void Ref_bindings_are_verified_unless_disabled()
    {
        var (src, commit) = MakeSource("bind");
        using var nginx = new NginxServer(src, fx.NewDir("bind-nginx"));
        var theirs = Client("bind-ostree", nginx.Url);
        var ours = Client("bind-arbor", nginx.Url);
        var o = Tools.OstreeRun("--repo=" + theirs, "pull", "o", "wanted");
        var a = Tools.Arbor("ostree", "--repo=" + ours, "pull", "o", "wanted");
        Assert.NotEqual(0, o.ExitCode);
        Assert.True(a.ExitCode != 0, a.ToString());
        Assert.Contains("ref binding", o.StderrLines[^1]);
        Assert.Equal(o.StderrLines[^1], a.StderrLines[^1]);
        Assert.DoesNotContain("o:wanted", Tools.OstreeOk("--repo=" + ours, "refs").Stdout.Split('\n'));

        Tools.OstreeOk("--repo=" + theirs, "pull", "--disable-verify-bindings", "o", "wanted");
        Tools.ArborOk("ostree", "--repo=" + ours, "pull", "--disable-verify-bindings", "o", "wanted");
        Assert.Equal(commit, Tools.OstreeOk("--repo=" + theirs, "rev-parse", "o:wanted").Stdout.Trim());
        Assert.Equal(commit, Tools.OstreeOk("--repo=" + ours, "rev-parse", "o:wanted").Stdout.Trim());
        // The bound ref pulls either way.
        Tools.ArborOk("ostree", "--repo=" + ours, "pull", "o", "other");
    }

    [Fact]
    public void Http_trusted_mirror_stores_objects_unverified_as_ostree_does()
    {
        var (src, _) = MakeSource("trust");
        // Swap one content object for another: still a well-formed .filez, but not its checksum.
        var objs = Directory.EnumerateFiles(Path.Combine(src, "objects"), "*.filez", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.True(objs.Count >= 2);
        File.Copy(objs[1], objs[0], overwrite: true);
        using var nginx = new NginxServer(src, fx.NewDir("trust-nginx"));

        var theirs = Client("trust-ostree", nginx.Url);
        var ours = Client("trust-arbor", nginx.Url);
        Assert.NotEqual(0, Tools.OstreeRun("--repo=" + theirs, "pull", "--mirror", "o", "other").ExitCode);
        var refused = Tools.Arbor("ostree", "--repo=" + ours, "pull", "--mirror", "o", "other");
        Assert.True(refused.ExitCode != 0, refused.ToString());
        Assert.Contains("Corrupted", refused.Stderr);

        var theirs2 = Client("trust-ostree2", nginx.Url);
        var ours2 = Client("trust-arbor2", nginx.Url);
        Tools.OstreeOk("--repo=" + theirs2, "pull", "--mirror", "--http-trusted", "o", "other");
        Tools.ArborOk("ostree", "--repo=" + ours2, "pull", "--mirror", "--http-trusted", "o", "other");
        Assert.Equal(File.ReadAllBytes(objs[0]), File.ReadAllBytes(Path.Combine(ours2, Path.GetRelativePath(src, objs[0]))));
        Assert.NotEqual(0, Tools.OstreeRun("--repo=" + theirs2, "fsck").ExitCode);
        Assert.NotEqual(0, Tools.OstreeRun("--repo=" + ours2, "fsck").ExitCode);

        // Not a mirror (or not into archive): objects are verified even with --http-trusted, as in ostree.
        var theirs3 = Client("trust-ostree3", nginx.Url, "bare-user");
        var ours3 = Client("trust-arbor3", nginx.Url, "bare-user");
        Assert.NotEqual(0, Tools.OstreeRun("--repo=" + theirs3, "pull", "--http-trusted", "o", "other").ExitCode);
        Assert.NotEqual(0, Tools.Arbor("ostree", "--repo=" + ours3, "pull", "--http-trusted", "o", "other").ExitCode);
    }

    [Fact]
    public void Per_object_fsync_pulls_the_same_commit()
    {
        var (src, commit) = MakeSource("pofs");
        using var nginx = new NginxServer(src, fx.NewDir("pofs-nginx"));
        foreach (var mode in new[] { "archive", "bare-user" })
        {
            var theirs = Client("pofs-ostree-" + mode, nginx.Url, mode);
            var ours = Client("pofs-arbor-" + mode, nginx.Url, mode);
            Tools.OstreeOk("--repo=" + theirs, "pull", "--per-object-fsync", "o", "other");
            Tools.ArborOk("ostree", "--repo=" + ours, "pull", "--per-object-fsync", "o", "other");
            Assert.Equal(commit, Tools.OstreeOk("--repo=" + ours, "rev-parse", "o:other").Stdout.Trim());
            Assert.Equal(Tools.OstreeOk("--repo=" + theirs, "ls", "-R", "o:other").Stdout, Tools.OstreeOk("--repo=" + ours, "ls", "-R", "o:other").Stdout);
            Tools.OstreeOk("--repo=" + ours, "fsck");
        }
    }
}
