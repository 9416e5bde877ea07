// Read-only: commit, pull over HTTP, pull-local, static-delta apply-offline and checkout into a
// repository (or directory) on a loop ext4 remounted read-only, and `ostree admin deploy` and
// `arbor upgrade` on a read-only sysroot. Each must fail with one error naming "Read-only file
// system", exit 1, and change nothing (the filesystem lists the same before and after); remounted
// read-write, the rerun succeeds with the real ostree's result. Reading a read-only repository
// (fsck, refs, ls, checkout out of it) works as it does with ostree, which takes no lock there.
using Xunit.Abstractions;

namespace Arbor.Interop.Tests.Faults;

[Collection("faults")]
public sealed class ReadOnlyTests(FaultFixture fx, ITestOutputHelper output) : RepoWriteCampaigns
{
    protected override FaultFixture Fixture => fx;

    private const string ReadOnly = "Read-only file system";

    private static string Listing(string dir) =>
        Tools.RunOk("sh", "-c", $"cd '{dir}' && find . -printf '%p %y %s %m %T@ %l\\n' | sort").Stdout;

    /// <summary>
    /// Sets up with <paramref name="setUp"/> on a fresh loop ext4, remounts it read-only, runs
    /// the arguments it returns, judges, remounts read-write and reruns.
    /// </summary>
    private void Campaign(string op, int megabytes, Func<LoopExt4, string[]> setUp, Func<string?> check, Func<string?> verify)
    {
        var tally = new FaultTally("read-only", op);
        using (var fs = new LoopExt4(fx.NewPath("ro-" + op), megabytes))
        {
            var args = setUp(fs);
            var before = Listing(fs.Dir);
            fs.Remount(readOnly: true);
            try
            {
                var r = FaultProcess.Arbor(args);
                string? Unchanged() => Listing(fs.Dir) == before ? null : "the read-only filesystem changed";
                Expect.CleanFailure(tally, r, ReadOnly, () => Expect.Both(Unchanged(), check()), verify);
            }
            finally
            {
                fs.Remount(readOnly: false);
            }
            Expect.Rerun(tally, FaultProcess.Arbor(args), check, verify);
        }
        tally.Report(output);
        Assert.Equal(1, tally.CleanErrors);
    }

    protected override void RepoCampaign(string op, Func<string, string[]> args, string refName, string expected, Action<string>? setUp = null)
    {
        string repo = "";
        string? before = null;
        Campaign(op, 48, fs =>
        {
            repo = fx.Seeded("archive", fs.Path("repo"));
            setUp?.Invoke(repo);
            before = Tools.OstreeRun("--repo=" + repo, "rev-parse", refName) is { ExitCode: 0 } r ? r.Stdout.Trim() : null;
            return args(repo);
        },
        () => Expect.Both(FaultChecks.Repo(repo), Expect.RefAt(repo, refName, before) is { } moved && Expect.RefAt(repo, refName, expected) is not null ? moved : null),
        () => Expect.RefAt(repo, refName, expected));
    }

    [Fact]
    public void ReadingVerbsWorkOnAReadOnlyRepository()
    {
        using var fs = new LoopExt4(fx.NewPath("ro-read"), 32);
        var repo = fs.Path("repo");
        Tools.OstreeOk("--repo=" + repo, "init", "--mode=archive");
        Tools.OstreeOk("--repo=" + repo, "pull-local", fx.Source, "main");
        fs.Remount(readOnly: true);
        try
        {
            foreach (var args in new[] { new[] { "fsck" }, ["refs"], ["ls", "-R", "main"], ["log", "main"] })
            {
                var theirs = Tools.OstreeOk(["--repo=" + repo, .. args]);
                var ours = Tools.Arbor(["ostree", "--repo=" + repo, .. args]);
                Assert.True(ours.ExitCode == 0, ours.ToString());
                if (args[0] != "fsck")
                    Assert.Equal(theirs.Stdout, ours.Stdout);
            }
            var reference = fx.NewPath("ro-read-ostree");
            Tools.OstreeOk("--repo=" + repo, "checkout", "-U", "main", reference);
            var dest = fx.NewPath("ro-read-arbor");
            Tools.ArborOk("ostree", "--repo=" + repo, "checkout", "-U", "main", dest);
            Assert.Null(TreeComparer.Compare(reference, dest, TreeAspects.Mode));
        }
        finally
        {
            fs.Remount(readOnly: false);
        }
    }

    [Fact]
    public void StaticDeltaApplyOffline()
    {
        string repo = "";
        Campaign("static-delta-apply", 48, fs =>
        {
            repo = fx.Seeded("archive", fs.Path("repo"));
            return ["ostree", "static-delta", "apply-offline", "--repo=" + repo, fx.Delta];
        },
        () => FaultChecks.Repo(repo),
        () => Tools.OstreeRun("--repo=" + repo, "ls", "-R", fx.Main) is { ExitCode: not 0 } ls ? $"ostree ls: {ls}" : null);
    }

    [Fact]
    public void Checkout()
    {
        var reference = fx.NewPath("ro-checkout-reference");
        Tools.OstreeOk("--repo=" + fx.Source, "checkout", "-U", "main", reference);
        string dest = "";
        Campaign("checkout", 32, fs =>
        {
            dest = fs.Path("co");
            return ["ostree", "--repo=" + fx.Source, "checkout", "-U", "main", dest];
        },
        () => FaultChecks.TmpLeftovers(fx.Source) is { Count: > 0 } l ? $"the source repository's tmp/ keeps {string.Join(", ", l.Take(5))}" : null,
        () => TreeComparer.Compare(reference, dest, TreeAspects.Mode));
    }

    [Fact]
    public void AdminDeploy()
    {
        string sysroot = "";
        string two = "";
        Campaign("admin-deploy", 64, fs =>
        {
            sysroot = fx.NewSysroot(fs.Path("sysroot"));
            two = Tools.OstreeOk("--repo=" + Path.Combine(sysroot, "ostree/repo"), "rev-parse", "debian/two").Stdout.Trim();
            return ["ostree", "admin", "--sysroot=" + sysroot, "deploy", "--os=debian", "debian/two"];
        },
        () => FaultChecks.Sysroot(sysroot),
        () => FaultChecks.Deployments(sysroot) is [var first, ..] && first == two ? null : "debian/two is not the default deployment");
    }

    [Fact]
    public void HostUpgrade()
    {
        string sysroot = "";
        string head = "";
        Campaign("host-upgrade", 64, fs =>
        {
            sysroot = fx.NewSysroot(fs.Path("sysroot"));
            head = Tools.OstreeOk("--repo=" + Path.Combine(sysroot, "ostree/repo"), "commit", "-b", "debian/one", "--tree=dir=" + fx.OsTree2,
                "--timestamp=2021-03-01 00:00:00 +0000", "-s", "update", "--add-metadata-string=version=1.1").Stdout.Trim();
            return ["upgrade", "--sysroot=" + sysroot];
        },
        () => FaultChecks.Sysroot(sysroot),
        () => FaultChecks.Deployments(sysroot) is [var first, ..] && first == head ? null : "the update is not the default deployment");
    }
}
