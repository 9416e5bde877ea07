// Cross-filesystem: pull-local between a repository on a tmpfs and one on a loop ext4 (both ways),
// checkout out of repositories on a tmpfs onto the ext4 (CrossFilesystemCheckoutInteropTests covers
// the other direction), and `ostree admin deploy` into a sysroot on the ext4 whose /boot is a
// separate tmpfs, as on real machines. link(2) and rename(2) fail with EXDEV between them; Arbor's
// results must equal the real ostree's and no temp file may stay behind.
using Xunit.Abstractions;

namespace Arbor.Interop.Tests.Faults;

[Collection("faults")]
public sealed class CrossFilesystemTests(FaultFixture fx, ITestOutputHelper output)
{
    private static string[] ObjectNames(string repo) =>
        [.. Directory.EnumerateFiles(Path.Combine(repo, "objects"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(repo, f)).Order(StringComparer.Ordinal)];

    private static string? NoTemp(string repo) =>
        FaultChecks.TmpLeftovers(repo) is { Count: > 0 } left ? $"{repo}/tmp keeps {string.Join(", ", left.Take(5))}" : null;

    /// <summary>Judges one successful-or-not run: a crash, lost data (state), or a wrong result.</summary>
    private static void Judge(FaultTally tally, KillResult r, Func<string?> state, Func<string?> right)
    {
        tally.Run();
        if (FaultProcess.CrashReason(r) is { } why)
            tally.Crash($"{why}\n{r}");
        else if (state() is { } bad)
            tally.DataLost($"{bad}\n{r}");
        else if (r.ExitCode != 0)
            tally.SilentWrong($"failed where ostree succeeds\n{r}");
        else if (right() is { } wrong)
            tally.SilentWrong($"{wrong}\n{r}");
    }

    [Fact]
    public void PullLocalBetweenFilesystems()
    {
        var tally = new FaultTally("cross-fs", "pull-local");
        using (var tmpfs = new Tmpfs(fx.NewPath("xfs-pull-tmpfs"), 256))
        using (var ext4 = new LoopExt4(fx.NewPath("xfs-pull-ext4"), 96))
        {
            foreach (var (from, to) in new (TestMount, TestMount)[] { (tmpfs, ext4), (ext4, tmpfs) })
            {
                var source = from.Path("source");
                Tools.RunOk("cp", "-a", fx.Source, source);
                foreach (var mode in new[] { "archive", "bare-user", "bare" })
                {
                    var ours = to.Path("arbor-" + mode);
                    var theirs = to.Path("ostree-" + mode);
                    Tools.OstreeOk("--repo=" + ours, "init", "--mode=" + mode);
                    Tools.OstreeOk("--repo=" + theirs, "init", "--mode=" + mode);
                    Tools.OstreeOk("--repo=" + theirs, "pull-local", source, "main");
                    var r = FaultProcess.Arbor(["ostree", "--repo=" + ours, "pull-local", source, "main"]);
                    Judge(tally, r, () => Expect.Both(FaultChecks.Repo(ours), Expect.Both(NoTemp(ours), NoTemp(source))),
                        () => Expect.Both(Expect.RefAt(ours, "main", fx.Main),
                            ObjectNames(theirs).SequenceEqual(ObjectNames(ours)) ? null : $"{mode}: the objects differ from ostree's pull-local"));
                    ScratchFixture.RemoveTree(ours);
                    ScratchFixture.RemoveTree(theirs);
                }
                ScratchFixture.RemoveTree(source);
            }
        }
        tally.Report(output);
    }

    [Fact]
    public void CheckoutFromATmpfsRepositoryOntoExt4()
    {
        var tally = new FaultTally("cross-fs", "checkout");
        using (var tmpfs = new Tmpfs(fx.NewPath("xfs-co-tmpfs"), 256))
        using (var ext4 = new LoopExt4(fx.NewPath("xfs-co-ext4"), 96))
        {
            foreach (var (mode, user) in new[] { ("archive", true), ("archive", false), ("bare-user", true), ("bare", false) })
            {
                var repo = tmpfs.Path("repo-" + mode);
                Tools.OstreeOk("--repo=" + repo, "init", "--mode=" + mode);
                Tools.OstreeOk("--repo=" + repo, "pull-local", fx.Source, "main");
                string[] u = user ? ["-U"] : [];
                var theirs = ext4.Path("ostree");
                var ours = ext4.Path("arbor");
                Tools.OstreeOk(["--repo=" + repo, "checkout", .. u, "main", theirs]);
                var r = FaultProcess.Arbor(["ostree", "--repo=" + repo, "checkout", .. u, "main", ours]);
                Judge(tally, r, () => Expect.Both(FaultChecks.Repo(repo), NoTemp(repo)),
                    () => TreeComparer.Compare(theirs, ours, user ? TreeAspects.Mode : TreeAspects.All));
                ScratchFixture.RemoveTree(theirs);
                ScratchFixture.RemoveTree(ours);
                ScratchFixture.RemoveTree(repo);
            }
        }
        tally.Report(output);
    }

    [Fact]
    public void AdminDeployWithBootOnAnotherFilesystem()
    {
        var tally = new FaultTally("cross-fs", "admin-deploy");
        using (var ext4 = new LoopExt4(fx.NewPath("xfs-deploy-ext4"), 128))
        {
            var boots = new List<Tmpfs>();
            try
            {
                string Sysroot(string name) => fx.NewSysroot(ext4.Path(name), root =>
                {
                    var boot = new Tmpfs(Path.Combine(root, "boot"), 32);
                    boots.Add(boot);
                });
                var theirs = Sysroot("ostree");
                var ours = Sysroot("arbor");
                foreach (var refName in new[] { "debian/two", "debian/one" })
                {
                    Tools.OstreeOk("admin", "--sysroot=" + theirs, "deploy", "--os=debian", refName);
                    var r = FaultProcess.Arbor(["ostree", "admin", "--sysroot=" + ours, "deploy", "--os=debian", refName]);
                    Judge(tally, r, () => Expect.Both(FaultChecks.Sysroot(ours), NoTemp(Path.Combine(ours, "ostree/repo"))), () =>
                    {
                        if (TreeComparer.Compare(theirs, ours) is { } diff)
                            return diff;
                        var so = Tools.OstreeOk("admin", "--sysroot=" + theirs, "status").Stdout;
                        var sa = Tools.OstreeOk("admin", "--sysroot=" + ours, "status").Stdout;
                        return so == sa ? null : $"ostree admin status differs:\n{so}\n{sa}";
                    });
                }
            }
            finally
            {
                foreach (var b in boots)
                    b.Dispose();
            }
        }
        tally.Report(output);
    }
}
