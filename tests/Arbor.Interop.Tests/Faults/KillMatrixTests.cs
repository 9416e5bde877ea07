// The kill -9 matrix: commit, pull over HTTP, pull-local, checkout, static-delta apply-offline,
// `ostree admin deploy` (killed at random and at every fault point) and the host verbs
// (`arbor upgrade`, `arbor deploy VERSION`), each SIGKILLed at random points. After each kill both
// fsck tools pass, every ref names a complete commit (and is either where it was or where it was
// going), sysroots stay bootable, and the rerun succeeds with the real ostree's result.
// ARBOR_FAULT_RUNS sets the runs per operation (default 6; nightly 20 or more).
using Xunit.Abstractions;

namespace Arbor.Interop.Tests.Faults;

[Collection("faults")]
public sealed class KillMatrixTests(FaultFixture fx, ITestOutputHelper output)
{
    private static readonly string[] Modes = ["archive", "bare-user", "bare"];

    private static int Runs => FaultProcess.Runs(6);

    private static string? Rev(string repo, string rev)
    {
        var r = Tools.OstreeRun("--repo=" + repo, "rev-parse", rev);
        return r.ExitCode == 0 ? r.Stdout.Trim() : null;
    }

    /// <summary>Null when <paramref name="repo"/>'s <paramref name="refName"/> is one of <paramref name="allowed"/>.</summary>
    private static string? RefIn(string repo, string refName, params string?[] allowed)
    {
        var at = Rev(repo, refName);
        return allowed.Contains(at) ? null : $"{refName} is at {at ?? "(none)"}, expected one of {string.Join(", ", allowed.Select(x => x ?? "(none)"))}";
    }

    private static string? Both(string? a, string? b) => a is null ? b : b is null ? a : a + "\n" + b;

    private void Campaign(string op, int runs, Func<int, KillAttempt> prepare)
    {
        var tally = new FaultTally("kill", op);
        KillCampaign.Run(tally, runs, FaultProcess.Seed + op.Length, prepare);
        tally.Report(output);
    }

    [Fact]
    public void Commit()
    {
        Campaign("commit", Runs, i =>
        {
            var mode = Modes[i % Modes.Length];
            var repo = fx.Seeded(mode, fx.NewPath("commit-" + mode));
            var before = Rev(repo, "main");
            var expected = fx.Expected(mode);
            return new KillAttempt(["ostree", "--repo=" + repo, .. fx.CommitArgs("main", fx.Tree)])
            {
                Variant = mode,
                // A commit the killed run finished would become the rerun's parent: name the parent.
                RerunArgs = ["ostree", "--repo=" + repo, .. fx.CommitArgs("main", fx.Tree), "--parent=" + before],
                Check = () => Both(FaultChecks.Repo(repo), RefIn(repo, "main", before, expected)),
                Verify = () => RefIn(repo, "main", expected),
                Cleanup = () => ScratchFixture.RemoveTree(repo),
            };
        });
    }

    private KillAttempt Pull(int i, bool http)
    {
        var mode = Modes[i % 2];
        var repo = fx.Seeded(mode, fx.NewPath((http ? "pull-" : "pull-local-") + mode));
        var before = Rev(repo, "main");
        if (http)
            Tools.OstreeOk("--repo=" + repo, "remote", "add", "--no-gpg-verify", "origin", fx.Nginx.Url);
        var target = http ? "origin:main" : "main";
        string[] args = http
            ? ["ostree", "--repo=" + repo, "pull", "origin", "main"]
            : ["ostree", "--repo=" + repo, "pull-local", fx.Source, "main"];
        return new KillAttempt(args)
        {
            Variant = mode,
            Check = () => Both(FaultChecks.Repo(repo), http
                ? Both(RefIn(repo, "main", before), RefIn(repo, target, null, fx.Main))
                : RefIn(repo, "main", before, fx.Main)),
            Verify = () => RefIn(repo, target, fx.Main),
            Cleanup = () => ScratchFixture.RemoveTree(repo),
        };
    }

    [Fact]
    public void PullOverHttp() => Campaign("pull", Runs, i => Pull(i, http: true));

    [Fact]
    public void PullLocal() => Campaign("pull-local", Runs, i => Pull(i, http: false));

    [Fact]
    public void Checkout()
    {
        // An archive repository (user mode, through the uncompressed cache) and a bare-user one
        // (hard links); the reference is the real ostree's checkout of the same commit.
        var archive = fx.NewPath("checkout-src-archive");
        Tools.RunOk("cp", "-a", fx.Source, archive);
        var bareUser = fx.OstreeInit("bare-user", "checkout-src-bare-user");
        Tools.OstreeOk("--repo=" + bareUser, "pull-local", fx.Source, "main");
        string[] sources = [archive, bareUser];
        var reference = fx.NewPath("checkout-reference");
        Tools.OstreeOk("--repo=" + fx.Source, "checkout", "-U", "main", reference);
        Campaign("checkout", Runs, i =>
        {
            var repo = sources[i % 2];
            var dest = fx.NewPath("checkout");
            // Every run inflates again (a filled cache would make the checkout a few hard links).
            ScratchFixture.RemoveTree(Path.Combine(repo, "uncompressed-objects-cache"));
            // The rerun is a union checkout over what the killed one left; the real ostree's union
            // checkout over a copy of the same leftovers is what it must equal (like ostree, a union
            // leaves the modes of directories that exist alone).
            var union = dest + "-ostree-union";
            string? expected = null;
            return new KillAttempt(["ostree", "--repo=" + repo, "checkout", "-U", "main", dest])
            {
                Variant = repo,
                BeforeRerun = () =>
                {
                    if (Directory.Exists(dest))
                        Tools.RunOk("cp", "-a", dest, union);
                    Tools.OstreeOk("--repo=" + repo, "checkout", "-U", "--union", "main", union);
                    expected = union;
                },
                RerunArgs = ["ostree", "--repo=" + repo, "checkout", "-U", "--union", "main", dest],
                Check = () => Both(FaultChecks.Repo(repo), RefIn(repo, "main", fx.Main)),
                // What a killed checkout inflated into tmp/ is gone once a checkout has run again.
                Verify = () => Both(TreeComparer.Compare(expected ?? reference, dest, TreeAspects.Mode),
                    FaultChecks.TmpLeftovers(repo) is { Count: > 0 } left ? $"tmp/ keeps {string.Join(", ", left.Take(3))}" : null),
                Cleanup = () =>
                {
                    ScratchFixture.RemoveTree(dest);
                    ScratchFixture.RemoveTree(union);
                },
            };
        });
    }

    [Fact]
    public void StaticDeltaApplyOffline()
    {
        Campaign("static-delta-apply", Runs, i =>
        {
            var repo = fx.Seeded(Modes[i % 2], fx.NewPath("delta-target"));
            var before = Rev(repo, "main");
            return new KillAttempt(["ostree", "static-delta", "apply-offline", "--repo=" + repo, fx.Delta])
            {
                Variant = Modes[i % 2],
                Check = () => Both(FaultChecks.Repo(repo), RefIn(repo, "main", before)),
                Verify = () =>
                    !File.Exists(Path.Combine(repo, "objects", fx.Main[..2], fx.Main[2..] + ".commit")) ? "the commit is missing" :
                    File.Exists(Path.Combine(repo, "state", fx.Main + ".commitpartial")) ? "the commit is partial" :
                    Tools.OstreeRun("--repo=" + repo, "ls", "-R", fx.Main) is { ExitCode: not 0 } ls ? $"ostree ls: {ls}" : null,
                Cleanup = () => ScratchFixture.RemoveTree(repo),
            };
        });
    }

    /// <summary>Keeps a sysroot at two deployments (the default first).</summary>
    private static void Trim(string sysroot)
    {
        for (var n = FaultChecks.Deployments(sysroot).Length; n > 2; n--)
            Tools.OstreeOk("admin", "--sysroot=" + sysroot, "undeploy", (n - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string? FirstDeployment(string sysroot, string commit)
    {
        var d = FaultChecks.Deployments(sysroot);
        return d.Length > 0 && d[0] == commit ? null : $"the default deployment is {(d.Length > 0 ? d[0] : "(none)")}, expected {commit}";
    }

    private KillAttempt DeployAttempt(string sysroot, int i, string? faultStep)
    {
        var refName = i % 2 == 0 ? "debian/two" : "debian/one";
        var commit = Rev(Path.Combine(sysroot, "ostree/repo"), refName)!;
        return new KillAttempt(["ostree", "admin", "--sysroot=" + sysroot, "deploy", "--os=debian", "--retain", refName])
        {
            Env = faultStep is null ? null : new Dictionary<string, string> { ["ARBOR_SYSROOT_FAULT"] = faultStep },
            SelfKill = faultStep is not null,
            Check = () => FaultChecks.Sysroot(sysroot),
            Verify = () => FirstDeployment(sysroot, commit),
            Cleanup = () => Trim(sysroot),
        };
    }

    [Fact]
    public void AdminDeploy()
    {
        var sysroot = fx.NewSysroot(fx.NewPath("deploy-sysroot"));
        Campaign("admin-deploy", Runs, i => DeployAttempt(sysroot, i, null));
    }

    [Fact]
    public void AdminDeployAtEveryFaultPoint()
    {
        string[] steps = ["checkout", "etc", "finalize", "seal", "bootswap-begin", "entry:1", "entry:2", "bootlinks", "swap", "swapped"];
        var sysroot = fx.NewSysroot(fx.NewPath("deploy-step-sysroot"));
        Campaign("admin-deploy-fault-point", Math.Max(steps.Length, Runs), i => DeployAttempt(sysroot, i, steps[i % steps.Length]));
    }

    [Fact]
    public void HostUpgradeAndDeploy()
    {
        var sysroot = fx.NewSysroot(fx.NewPath("host-sysroot"));
        var repo = Path.Combine(sysroot, "ostree/repo");
        var first = Rev(repo, "debian/one")!;
        // Deployments come and go (and their cleanup prunes to depth 0): a ref on every commit keeps
        // the whole history of debian/one, which `arbor deploy VERSION` walks.
        Tools.OstreeOk("--repo=" + repo, "refs", "--create=keep/1", first);
        Campaign("host-upgrade-deploy", Math.Max(2, Runs), i =>
        {
            string[] args;
            string expected;
            if (i % 2 == 0)
            {
                // A new commit on the followed ref, then `arbor upgrade`.
                var tree = i % 4 == 0 ? fx.OsTree2 : fx.OsTree1;
                expected = Tools.OstreeOk("--repo=" + repo, "commit", "-b", "debian/one", "--tree=dir=" + tree,
                    $"--timestamp=2021-01-{1 + i % 28:D2} {i / 28 % 24:D2}:00:00 +0000", "-s", $"update {i}", $"--add-metadata-string=version=u{i}").Stdout.Trim();
                Tools.OstreeOk("--repo=" + repo, "refs", $"--create=keep/u{i}", expected);
                args = ["upgrade", "--sysroot=" + sysroot];
            }
            else
            {
                // Back to the first version by `arbor deploy VERSION`.
                expected = first;
                args = ["deploy", "--sysroot=" + sysroot, "1"];
            }
            return new KillAttempt(args)
            {
                Variant = args[0],
                Allow77 = true,
                Check = () => FaultChecks.Sysroot(sysroot),
                Verify = () => FirstDeployment(sysroot, expected),
                Cleanup = () => Trim(sysroot),
            };
        });
    }
}
