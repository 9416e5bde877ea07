// `arbor ostree pull` against a server that misbehaves on purpose (FaultServer over the
// repository ostree wrote): a corrupted object, a connection dropped midway, random 500s, a ref
// the server does not have, a summary that does not parse. Each failure is one line on stderr
// naming what was wrong; the ref never moves onto an incomplete commit, nothing corrupt stays in
// the repository, and an interrupted pull resumes without fetching finished objects again.
namespace Arbor.Interop.Tests;

[Collection("pull")]
public class PullFaultTests(PullFixture fx)
{
    private static bool IsObject(string path) => path.StartsWith("/objects/", StringComparison.Ordinal);

    private static void AssertOneLineError(ProcessResult r, params string[] mentions)
    {
        Assert.True(r.ExitCode == 1, $"expected exit code 1: {r}");
        Assert.True(r.StderrLines.Count == 1, $"expected one line on stderr: {r}");
        foreach (var m in mentions)
            Assert.True(r.Stderr.Contains(m, StringComparison.Ordinal), $"expected stderr to name '{m}': {r}");
    }

    private string Repo(FaultServer server) => PullInteropTests.ArborRepoWithRemote(fx, "bare-user", server.Url);

    private static ProcessResult Pull(string repo, params string[] args) =>
        Tools.Arbor(["ostree", "--repo=" + repo, "pull", .. args]);

    /// <summary>No object of the repository is in tmp/ or in objects/ unless it is sound.</summary>
    private static void AssertNothingCorrupt(string repo)
    {
        PullInteropTests.AssertFsckClean(repo);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(repo, "tmp"), "pull*"));
    }

    [Fact]
    public void Corrupted_object_fails_naming_it_and_the_ref_does_not_move()
    {
        using var server = new FaultServer(fx.OstreeRepo);
        // The biggest content object (incompressible data) gets one byte flipped.
        var victim = Directory.EnumerateFiles(Path.Combine(fx.OstreeRepo, "objects"), "*.filez", SearchOption.AllDirectories)
            .MaxBy(f => new FileInfo(f).Length)!;
        var checksum = Path.GetFileName(Path.GetDirectoryName(victim)) + Path.GetFileNameWithoutExtension(victim);
        var victimPath = "/objects/" + checksum[..2] + "/" + checksum[2..] + ".filez";
        server.Decide = p => p == victimPath ? Fault.Corrupt : Fault.None;
        var repo = Repo(server);

        var r = Pull(repo, "origin", "main");
        AssertOneLineError(r, checksum);
        Assert.NotEqual(0, Tools.OstreeRun("--repo=" + repo, "rev-parse", "origin:main").ExitCode);
        Assert.False(File.Exists(Path.Combine(repo, "objects", checksum[..2], checksum[2..] + ".file")));
        Assert.True(File.Exists(Path.Combine(repo, "state", fx.Main + ".commitpartial")));
        AssertNothingCorrupt(repo);

        // Once the server is fixed, the pull completes.
        server.Decide = null;
        PullInteropTests.AssertOk(Pull(repo, "origin", "main"));
        Assert.Equal(fx.Main, Tools.OstreeOk("--repo=" + repo, "rev-parse", "origin:main").Stdout.Trim());
        AssertNothingCorrupt(repo);
    }

    [Fact]
    public void Dropped_connection_then_resume_without_refetching()
    {
        using var server = new FaultServer(fx.OstreeRepo);
        int objectsServed = 0;
        server.Decide = p => IsObject(p) && Interlocked.Increment(ref objectsServed) > 60 ? Fault.Drop : Fault.None;
        var repo = Repo(server);

        var first = Pull(repo, "--network-retries=0", "origin", "main");
        AssertOneLineError(first, server.Url);
        Assert.NotEqual(0, Tools.OstreeRun("--repo=" + repo, "rev-parse", "origin:main").ExitCode);
        int servedBefore = server.Served.Keys.Count(IsObject);
        Assert.InRange(servedBefore, 10, 60);

        server.Decide = null;
        PullInteropTests.AssertOk(Pull(repo, "origin", "main"));
        Assert.Equal(fx.Main, Tools.OstreeOk("--repo=" + repo, "rev-parse", "origin:main").Stdout.Trim());
        var twice = server.Served.Where(kv => IsObject(kv.Key) && kv.Value > 1).Select(kv => kv.Key).ToList();
        Assert.True(twice.Count == 0, $"objects fetched twice: {string.Join(", ", twice)}");
        Assert.True(server.Served.Keys.Count(IsObject) > servedBefore);
        AssertNothingCorrupt(repo);
    }

    [Fact]
    public void Random_server_errors_are_retried()
    {
        using var server = new FaultServer(fx.OstreeRepo);
        var rnd = new Random(1234);
        var failures = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        server.Decide = p =>
        {
            bool fail;
            lock (rnd)
                fail = rnd.NextDouble() < 0.3;
            // At most two failures in a row for one path: the default five retries always get through.
            return fail && failures.AddOrUpdate(p, 1, (_, n) => n + 1) <= 2 ? Fault.ServerError : Fault.None;
        };
        var repo = Repo(server);
        PullInteropTests.AssertOk(Pull(repo, "origin", "main", "other"));
        Assert.True(failures.Values.Sum() > 10, "the server should have failed some requests");
        Assert.Equal(fx.Main, Tools.OstreeOk("--repo=" + repo, "rev-parse", "origin:main").Stdout.Trim());
        AssertNothingCorrupt(repo);
    }

    [Fact]
    public void Missing_ref_is_a_clear_error()
    {
        using var server = new FaultServer(fx.OstreeRepo);
        var repo = Repo(server);
        AssertOneLineError(Pull(repo, "origin", "nosuch"), "nosuch");
        Assert.DoesNotContain(server.Requests.Keys, IsObject);
    }

    [Fact]
    public void Unparsable_summary_is_a_clear_error()
    {
        using var server = new FaultServer(fx.OstreeRepo);
        server.Decide = p => p == "/summary" ? Fault.Garbage : Fault.None;
        var repo = Repo(server);
        AssertOneLineError(Pull(repo, "origin", "main"), "summary");
        AssertOneLineError(Tools.Arbor("ostree", "--repo=" + repo, "remote", "refs", "origin"), "summary");
        Assert.DoesNotContain(server.Requests.Keys, IsObject);
    }
}
