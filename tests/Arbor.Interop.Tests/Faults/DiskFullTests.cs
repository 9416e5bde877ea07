// Disk full: commit, pull over HTTP, pull-local, checkout and `ostree admin deploy` onto a small
// loop ext4 filled (by a fallocated filler) to leave various amounts of free space, too little for
// the operation. Each must fail with one error naming "No space left on device", exit 1, with refs
// unmoved, both fsck tools clean, sysroots bootable, and the space it took given back (no staging
// data left in the repository's tmp/, free space back near its level before the run, apart from
// whole objects the transaction had already stored: by design those stay for the rerun to reuse
// and prune to collect, as RepoTransaction says, and fsck verifies every one); once the filler is
// gone the rerun succeeds with the real ostree's result.
using System.Globalization;
using Xunit.Abstractions;

namespace Arbor.Interop.Tests.Faults;

[Collection("faults")]
public sealed class DiskFullTests(FaultFixture fx, ITestOutputHelper output) : RepoWriteCampaigns
{
    protected override FaultFixture Fixture => fx;

    private const string NoSpace = "No space left on device";

    // Directories an operation creates (objects/xx and the like) keep their blocks; anything more
    // than this much beyond them, after a failure, is space the operation did not give back.
    private const long Slack = 256 << 10;

    /// <summary>Free space to leave, in bytes: fixed ones first, then drawn from the seeded RNG (ARBOR_FAULT_RUNS).</summary>
    private static long[] Leaves(long[] fixedOnes, long max)
    {
        var rng = new Random(FaultProcess.Seed);
        return [.. Enumerable.Range(0, FaultProcess.Runs(fixedOnes.Length))
            .Select(i => i < fixedOnes.Length ? fixedOnes[i] : (long)(rng.NextDouble() * max))];
    }

    private static long ObjectBytes(string? repo) =>
        repo is not null && Directory.Exists(Path.Combine(repo, "objects"))
            ? long.Parse(Tools.RunOk("du", "-s", "--block-size=1", Path.Combine(repo, "objects")).Stdout.Split('\t')[0], CultureInfo.InvariantCulture)
            : 0;

    private static int DirCount(string path) =>
        Directory.Exists(path) ? Directory.EnumerateDirectories(path, "*", SearchOption.AllDirectories).Count() + 1 : 0;

    /// <summary>Null when the space taken after a failure, beyond whole objects, is within what the new directories hold; else what is wrong.</summary>
    private static string? SpaceReleased(LoopExt4 fs, long freeBefore, int dirsBefore, long objectsBefore, string root, string? repo)
    {
        Tools.RunOk("sync", "-f", fs.Dir);
        var taken = freeBefore - fs.Free - Math.Max(0, ObjectBytes(repo) - objectsBefore);
        var allowed = ((long)Math.Max(0, DirCount(root) - dirsBefore) * 4096) + Slack;
        var left = repo is null ? [] : FaultChecks.TmpLeftovers(repo);
        if (left.Count > 0)
            return $"the failed run left {left.Count} staging files in tmp/: {string.Join(", ", left.Take(5))}";
        return taken > allowed ? $"the failed run kept {taken} bytes ({allowed} allowed for its new directories)" : null;
    }

    protected override void RepoCampaign(string op, Func<string, string[]> args, string refName, string expected, Action<string>? setUp = null)
    {
        var tally = new FaultTally("disk-full", op);
        using var fs = new LoopExt4(fx.NewPath("full-" + op), 48);
        foreach (var leave in Leaves([0, 64 << 10, 1 << 20, 3 << 20], 4 << 20))
        {
            var repo = fx.Seeded("archive", fs.Path("repo"));
            setUp?.Invoke(repo);
            var refBefore = Tools.OstreeOk("--repo=" + repo, "rev-parse", "main").Stdout.Trim();
            var remoteBefore = Tools.OstreeRun("--repo=" + repo, "rev-parse", refName) is { ExitCode: 0 } rb ? rb.Stdout.Trim() : null;
            fs.Fill(leave);
            var free = fs.Free;
            var dirs = DirCount(repo);
            var objects = ObjectBytes(repo);
            var r = FaultProcess.Arbor(args(repo));
            string? State() => Expect.Both(FaultChecks.Repo(repo),
                Expect.Both(Expect.RefAt(repo, "main", refBefore), refName == "main" ? null : Expect.RefAt(repo, refName, remoteBefore)));
            string? Right() => Expect.Both(FaultChecks.Repo(repo), Expect.RefAt(repo, refName, expected));
            if (Expect.CleanFailure(tally, r, NoSpace, State, Right) && SpaceReleased(fs, free, dirs, objects, repo, repo) is { } leak)
                tally.DataLost($"{leak} (left {leave.ToString(CultureInfo.InvariantCulture)} bytes free)\n{r}");
            fs.Unfill();
            Expect.Rerun(tally, FaultProcess.Arbor(args(repo)), () => FaultChecks.Repo(repo), Right);
            ScratchFixture.RemoveTree(repo);
        }
        tally.Report(output);
        Assert.True(tally.CleanErrors > 0, $"{tally.Summary}: no run filled the disk");
    }

    [Fact]
    public void Checkout()
    {
        var tally = new FaultTally("disk-full", "checkout");
        var reference = fx.NewPath("full-checkout-reference");
        Tools.OstreeOk("--repo=" + fx.Source, "checkout", "-U", "main", reference);
        using var fs = new LoopExt4(fx.NewPath("full-checkout"), 32);
        foreach (var leave in Leaves([0, 64 << 10, 1 << 20, 3 << 20], 4 << 20))
        {
            var dest = fs.Path("co");
            fs.Fill(leave);
            string[] args = ["ostree", "--repo=" + fx.Source, "checkout", "-U", "main", dest];
            var r = FaultProcess.Arbor(args);
            string? State() => Expect.Both(FaultChecks.Repo(fx.Source), FaultChecks.TmpLeftovers(fx.Source) is { Count: > 0 } l
                ? $"the source repository's tmp/ keeps {string.Join(", ", l.Take(5))}" : null);
            Expect.CleanFailure(tally, r, NoSpace, State, () => TreeComparer.Compare(reference, dest, TreeAspects.Mode));
            // Like ostree, a failed checkout leaves what it wrote; the rerun starts over.
            ScratchFixture.RemoveTree(dest);
            fs.Unfill();
            Expect.Rerun(tally, FaultProcess.Arbor(args), State, () => TreeComparer.Compare(reference, dest, TreeAspects.Mode));
            ScratchFixture.RemoveTree(dest);
        }
        tally.Report(output);
        Assert.True(tally.CleanErrors > 0, $"{tally.Summary}: no run filled the disk");
    }

    [Fact]
    public void AdminDeploy()
    {
        var tally = new FaultTally("disk-full", "admin-deploy");
        using var fs = new LoopExt4(fx.NewPath("full-deploy"), 64);
        var sysroot = fx.NewSysroot(fs.Path("sysroot"));
        var repo = Path.Combine(sysroot, "ostree/repo");
        foreach (var leave in Leaves([0, 4 << 10, 16 << 10, 64 << 10], 256 << 10))
        {
            var refName = tally.Runs % 2 == 0 ? "debian/two" : "debian/one";
            var commit = Tools.OstreeOk("--repo=" + repo, "rev-parse", refName).Stdout.Trim();
            var before = FaultChecks.Deployments(sysroot);
            fs.Fill(leave);
            var free = fs.Free;
            var dirs = DirCount(sysroot);
            string[] args = ["ostree", "admin", "--sysroot=" + sysroot, "deploy", "--os=debian", refName];
            var r = FaultProcess.Arbor(args);
            string? Default() => FaultChecks.Deployments(sysroot) is [var first, ..] && first == commit ? null : $"the default deployment is not {commit}";
            string? Unchanged() => FaultChecks.Deployments(sysroot).SequenceEqual(before) ? null
                : $"the deployments changed from {string.Join(",", before)} to {string.Join(",", FaultChecks.Deployments(sysroot))}";
            if (Expect.CleanFailure(tally, r, NoSpace, () => Expect.Both(FaultChecks.Sysroot(sysroot), r.ExitCode == 0 ? null : Unchanged()), Default) &&
                SpaceReleased(fs, free, dirs, 0, sysroot, null) is { } leak)
                tally.DataLost($"{leak} (left {leave} bytes free)\n{r}");
            fs.Unfill();
            Expect.Rerun(tally, FaultProcess.Arbor(args), () => FaultChecks.Sysroot(sysroot), Default);
            for (var n = FaultChecks.Deployments(sysroot).Length; n > 1; n--)
                Tools.OstreeOk("admin", "--sysroot=" + sysroot, "undeploy", (n - 1).ToString(CultureInfo.InvariantCulture));
        }
        tally.Report(output);
        Assert.True(tally.CleanErrors > 0, $"{tally.Summary}: no run filled the disk");
    }
}
