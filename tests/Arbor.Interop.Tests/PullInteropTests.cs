// Pulling both ways between arbor and the real ostree over loopback HTTP: ostree pulls from
// `arbor serve`, arbor pulls from nginx serving a repository ostree wrote; refs match, both fscks
// are clean and checkouts are identical. Then the pull options (--mirror, --depth,
// --commit-metadata-only, --subpath, --localcache-repo, REF@COMMIT), pull-local against ostree's,
// and the output contract: one closing line when stdout is not a terminal, progress when it is.
namespace Arbor.Interop.Tests;

[Collection("pull")]
public class PullInteropTests(PullFixture fx)
{
    internal static void AssertOk(ProcessResult r) => Assert.True(r.ExitCode == 0, $"command failed: {r}");

    internal static void AssertFsckClean(string repo)
    {
        AssertOk(Tools.OstreeRun("--repo=" + repo, "fsck"));
        AssertOk(Tools.Arbor("ostree", "--repo=" + repo, "fsck"));
    }

    /// <summary>A fresh repository with remote "origin" at <paramref name="url"/>, made by arbor.</summary>
    internal static string ArborRepoWithRemote(ScratchFixture fx, string mode, string url, string name = "dest")
    {
        var repo = fx.ArborInit(mode, name);
        Tools.ArborOk("ostree", "--repo=" + repo, "remote", "add", "--no-gpg-verify", "origin", url);
        return repo;
    }

    private string Checkout(string repo, string rev, bool user)
    {
        var dest = fx.NewPath("co");
        Tools.OstreeOk(["--repo=" + repo, "checkout", .. user ? new[] { "-U" } : [], rev, dest]);
        return dest;
    }

    private void AssertSameCheckout(string expectedRepo, string actualRepo, string actualRev, bool user)
    {
        var diff = TreeComparer.Compare(Checkout(expectedRepo, fx.Main, user), Checkout(actualRepo, actualRev, user),
            user ? TreeAspects.Content : TreeAspects.All);
        Assert.True(diff is null, $"checkouts differ: {diff}");
    }

    [Theory]
    [InlineData("archive")]
    [InlineData("bare-user")]
    public void Ostree_pulls_from_arbor_serve(string mode)
    {
        var repo = fx.OstreeInit(mode, "ostree-dest");
        Tools.OstreeOk("--repo=" + repo, "remote", "add", "--no-gpg-verify", "origin", fx.Serve.Url);
        AssertOk(Tools.OstreeRun("--repo=" + repo, "pull", "origin", "main", "other"));
        Assert.Equal(fx.Main, Tools.OstreeOk("--repo=" + repo, "rev-parse", "origin:main").Stdout.Trim());
        Assert.Equal(fx.Other, Tools.OstreeOk("--repo=" + repo, "rev-parse", "origin:other").Stdout.Trim());
        Assert.Equal(Tools.ArborOk("ostree", "--repo=" + fx.ArborRepo, "rev-parse", "main").Stdout, Tools.OstreeOk("--repo=" + repo, "rev-parse", "origin:main").Stdout);
        AssertFsckClean(repo);
        AssertSameCheckout(fx.ArborRepo, repo, "origin:main", user: mode != "archive");
    }

    [Theory]
    [InlineData("archive")]
    [InlineData("bare-user")]
    [InlineData("bare")]
    public void Arbor_pulls_from_nginx_serving_an_ostree_repository(string mode)
    {
        var repo = ArborRepoWithRemote(fx, mode, fx.Nginx.Url);
        var r = Tools.Arbor("ostree", "--repo=" + repo, "pull", "origin", "main", "other");
        AssertOk(r);
        // The closing line is ostree's, up to the seconds it took, the bytes transferred and the
        // metadata count (ostree's own count varies from run to run: it may fetch a shared dirtree twice).
        var theirs = fx.OstreeInit(mode, "ostree-same-pull");
        Tools.OstreeOk("--repo=" + theirs, "remote", "add", "--no-gpg-verify", "origin", fx.Nginx.Url);
        var expected = Tools.OstreeOk("--repo=" + theirs, "pull", "origin", "main", "other");
        static string Untimed(string s) => System.Text.RegularExpressions.Regex.Replace(s, @"^\d+ metadata|\d+ KiB transferred in \d+ seconds", "N");
        Assert.Equal(Untimed(expected.Stdout), Untimed(r.Stdout));
        Assert.Equal(fx.Main, Tools.OstreeOk("--repo=" + repo, "rev-parse", "origin:main").Stdout.Trim());
        Assert.Equal(fx.Other, Tools.OstreeOk("--repo=" + repo, "rev-parse", "origin:other").Stdout.Trim());
        AssertFsckClean(repo);
        AssertSameCheckout(fx.OstreeRepo, repo, "origin:main", user: mode == "bare-user");

        // Everything is there: a second pull fetches nothing.
        var again = Tools.ArborOk("ostree", "--repo=" + repo, "pull", "origin", "main");
        Assert.StartsWith("0 metadata, 0 content objects fetched", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Mirror_of_a_whole_repository_serves_the_same_refs_and_commits()
    {
        var mirror = ArborRepoWithRemote(fx, "archive", fx.Nginx.Url, "mirror");
        AssertOk(Tools.Arbor("ostree", "--repo=" + mirror, "pull", "--mirror", "--depth=-1", "origin"));
        Assert.Equal(Tools.OstreeOk("--repo=" + fx.OstreeRepo, "refs").Stdout, Tools.OstreeOk("--repo=" + mirror, "refs").Stdout);
        Assert.Equal(File.ReadAllBytes(Path.Combine(fx.OstreeRepo, "summary")), File.ReadAllBytes(Path.Combine(mirror, "summary")));
        Assert.Equal(fx.Parent, Tools.OstreeOk("--repo=" + mirror, "rev-parse", "main^").Stdout.Trim());
        AssertFsckClean(mirror);

        // Serve the mirror and pull from it again, with the real ostree.
        using var serve = new ArborServe(mirror, fx.NewPath("mirror.port"));
        var again = fx.OstreeInit("archive", "from-mirror");
        Tools.OstreeOk("--repo=" + again, "remote", "add", "--no-gpg-verify", "origin", serve.Url);
        AssertOk(Tools.OstreeRun("--repo=" + again, "pull", "--depth=-1", "origin", "main", "other"));
        Assert.Equal(Tools.OstreeOk("--repo=" + fx.OstreeRepo, "log", "main").Stdout, Tools.OstreeOk("--repo=" + again, "log", "origin:main").Stdout);
        Assert.Equal(fx.Other, Tools.OstreeOk("--repo=" + again, "rev-parse", "origin:other").Stdout.Trim());
        AssertFsckClean(again);
    }

    [Fact]
    public void Depth_commit_metadata_only_and_pinned_commits()
    {
        var repo = ArborRepoWithRemote(fx, "archive", fx.Nginx.Url);
        string[] r = ["ostree", "--repo=" + repo];
        string ObjectPath(string c, string ext) => Path.Combine(repo, "objects", c[..2], c[2..] + "." + ext);

        // REF@COMMIT pins the ref to the parent.
        Tools.ArborOk([.. r, "pull", "origin", "main@" + fx.Parent]);
        Assert.Equal(fx.Parent, Tools.OstreeOk("--repo=" + repo, "rev-parse", "origin:main").Stdout.Trim());

        // Metadata only: the commit is there, marked partial, its tree is not.
        Tools.ArborOk([.. r, "pull", "--commit-metadata-only", "origin", "main"]);
        Assert.Equal(fx.Main, Tools.OstreeOk("--repo=" + repo, "rev-parse", "origin:main").Stdout.Trim());
        Assert.True(File.Exists(ObjectPath(fx.Main, "commit")));
        Assert.True(File.Exists(Path.Combine(repo, "state", fx.Main + ".commitpartial")));

        // Then the whole commit with one parent.
        Tools.ArborOk([.. r, "pull", "--depth=1", "origin", "main"]);
        Assert.False(File.Exists(Path.Combine(repo, "state", fx.Main + ".commitpartial")));
        Assert.Equal(2, Tools.OstreeOk("--repo=" + repo, "log", "origin:main").Stdout.Split('\n').Count(l => l.StartsWith("commit ", StringComparison.Ordinal)));
        AssertFsckClean(repo);

        // Depth 0 (the default) leaves the parent out.
        var shallow = ArborRepoWithRemote(fx, "archive", fx.Nginx.Url, "shallow");
        Tools.ArborOk("ostree", "--repo=" + shallow, "pull", "origin", "main");
        Assert.False(File.Exists(Path.Combine(shallow, "objects", fx.Parent[..2], fx.Parent[2..] + ".commit")));
    }

    [Fact]
    public void A_commit_checksum_is_pulled_without_a_ref_like_ostree()
    {
        var ours = ArborRepoWithRemote(fx, "bare-user", fx.Nginx.Url, "by-checksum");
        Tools.ArborOk("ostree", "--repo=" + ours, "pull", "origin", fx.Parent);
        var theirs = fx.OstreeInit("bare-user", "by-checksum-ostree");
        Tools.OstreeOk("--repo=" + theirs, "remote", "add", "--no-gpg-verify", "origin", fx.Nginx.Url);
        Tools.OstreeOk("--repo=" + theirs, "pull", "origin", fx.Parent);
        Assert.Equal("", Tools.OstreeOk("--repo=" + ours, "refs").Stdout);
        Assert.Equal(Tools.OstreeOk("--repo=" + theirs, "refs").Stdout, Tools.OstreeOk("--repo=" + ours, "refs").Stdout);
        Assert.Equal(Tools.OstreeOk("--repo=" + theirs, "ls", "-R", fx.Parent).Stdout, Tools.OstreeOk("--repo=" + ours, "ls", "-R", fx.Parent).Stdout);
        AssertFsckClean(ours);
    }

    [Fact]
    public void Subpath_pulls_only_that_directory()
    {
        var repo = ArborRepoWithRemote(fx, "bare-user", fx.Nginx.Url);
        Tools.ArborOk("ostree", "--repo=" + repo, "pull", "--subpath=/sub", "origin", "main");
        Assert.True(File.Exists(Path.Combine(repo, "state", fx.Main + ".commitpartial")));
        var cat = Tools.Arbor("ostree", "--repo=" + repo, "cat", "origin:main", "/sub/inner/x");
        Assert.Equal("x\n", cat.Stdout);
        Assert.NotEqual(0, Tools.Arbor("ostree", "--repo=" + repo, "cat", "origin:main", "/later.txt").ExitCode);
        var co = fx.NewPath("sub-co");
        Tools.OstreeOk("--repo=" + repo, "checkout", "-U", "--subpath=/sub", "origin:main", co);
        var diff = TreeComparer.Compare(Path.Combine(fx.Tree, "sub"), co, TreeAspects.Content);
        Assert.True(diff is null, diff);
    }

    [Fact]
    public void Localcache_repo_supplies_the_objects()
    {
        var cache = fx.ArborInit("archive", "cache");
        Tools.ArborOk("ostree", "--repo=" + cache, "pull-local", fx.OstreeRepo, "main");
        var repo = ArborRepoWithRemote(fx, "bare-user", fx.Nginx.Url);
        var r = Tools.ArborOk("ostree", "--repo=" + repo, "pull", "--localcache-repo=" + cache, "origin", "main");
        // Only the commit itself (and its detached metadata probe) comes over the network.
        Assert.Matches(@"^1 metadata, 0 content objects fetched \(\d+ meta, \d+ content local\)", r.Stdout);
        AssertFsckClean(repo);
    }

    [Theory]
    [InlineData("archive")]
    [InlineData("bare-user")]
    public void Pull_local_matches_ostree(string mode)
    {
        var theirs = fx.OstreeInit(mode, "ostree-local");
        var expected = Tools.OstreeOk("--repo=" + theirs, "pull-local", "--depth=-1", fx.OstreeRepo);
        var ours = fx.ArborInit(mode, "arbor-local");
        var actual = Tools.ArborOk("ostree", "--repo=" + ours, "pull-local", "--depth=-1", fx.OstreeRepo);
        Assert.Equal(expected.Stdout, actual.Stdout);
        Assert.Equal(Tools.OstreeOk("--repo=" + theirs, "refs").Stdout, Tools.OstreeOk("--repo=" + ours, "refs").Stdout);
        AssertFsckClean(ours);

        var remote = fx.ArborInit(mode, "arbor-local-remote");
        Tools.ArborOk("ostree", "--repo=" + remote, "pull-local", "--remote=origin", "--untrusted", fx.OstreeRepo, "main");
        Assert.Equal("origin:main\n", Tools.OstreeOk("--repo=" + remote, "refs").Stdout);
        var missing = Tools.Arbor("ostree", "--repo=" + remote, "pull-local", fx.OstreeRepo, "nosuch");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("error: Refspec 'nosuch' not found\n", missing.Stderr);
    }

    [Fact]
    public void Without_a_terminal_only_the_closing_line_is_printed()
    {
        var repo = ArborRepoWithRemote(fx, "archive", fx.Nginx.Url);
        var r = Tools.ArborOk("ostree", "--repo=" + repo, "pull", "origin", "main");
        Assert.Single(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain('\r', r.Stdout);
        Assert.Equal("", r.Stderr);
        var local = Tools.ArborOk("ostree", "--repo=" + fx.ArborInit("archive", "quiet-local"), "pull-local", fx.ArborRepo, "main");
        Assert.Single(local.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void On_a_terminal_progress_is_shown_before_the_closing_line()
    {
        var repo = ArborRepoWithRemote(fx, "archive", fx.Nginx.Url);
        // script(1) gives the pull a pseudo-terminal as stdout.
        var script = Tools.Require("script", "apt-get install -y bsdutils");
        var r = Tools.Run(script, "-qec", $"{Tools.ArborBin} ostree --repo={repo} pull origin main", "/dev/null");
        AssertOk(r);
        Assert.Contains("Receiving objects:", r.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\d+ metadata, \d+ content objects fetched", r.Stdout);
    }
}
