// Staged deployments need a booted system, so these tests boot one the cheap way:
// scripts/run-booted.sh makes a deployment "/" in private namespaces, with /run/ostree-booted and
// the sysroot at /sysroot, where the real ostree agrees that it is booted. Each tool stages and the
// other finalizes; the finalized sysroots must equal, file for file, those where ostree did both,
// including a local /etc change made after staging (the reason staging exists). rpm-ostree's
// verbs stage on a booted system, and a locked stage survives finalize-staged.
namespace Arbor.Interop.Tests;

/// <summary>Two versions of a tree with the top-level layout a bootable deployment has.</summary>
public sealed class BootedFixture : ScratchFixture, IDisposable
{
    public BootedFixture()
    {
        V1 = MakeTree("v1", "kernel-1\n", "GRUB_TIMEOUT=5\n");
        V2 = MakeTree("v2", "kernel-2\n", "GRUB_TIMEOUT=1\n");
    }

    public string V1 { get; }

    public string V2 { get; }

    private string MakeTree(string name, string kernel, string grubDefault)
    {
        var root = NewDir(name);
        foreach (var d in new[] { "usr/lib/modules/6.1.0-test", "usr/etc/default", "usr/bin", "boot", "sysroot", "run", "proc", "dev", "tmp", "var" })
            Directory.CreateDirectory(Path.Combine(root, d));
        foreach (var (link, target) in new[] { ("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64"), ("sbin", "usr/sbin"), ("ostree", "sysroot/ostree") })
            File.CreateSymbolicLink(Path.Combine(root, link), target);
        File.WriteAllText(Path.Combine(root, "usr/lib/modules/6.1.0-test/vmlinuz"), kernel);
        File.WriteAllText(Path.Combine(root, "usr/lib/modules/6.1.0-test/initramfs.img"), "initramfs\n");
        File.WriteAllText(Path.Combine(root, "usr/etc/os-release"), "ID=debian\n");
        File.WriteAllText(Path.Combine(root, "usr/etc/default/grub"), grubDefault);
        return root;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _booted = new(StringComparer.Ordinal);

    /// <summary>The deployment a sysroot of <see cref="NewSysroot"/> boots: its v1 deployment.</summary>
    public string BootedDeployment(string sysroot) => _booted[sysroot];

    /// <summary>A sysroot with v1 deployed by ostree and debian/one advanced to v2.</summary>
    public string NewSysroot(string name)
    {
        var root = NewDir(name);
        Tools.OstreeOk("admin", "init-fs", root);
        Tools.OstreeOk("admin", "--sysroot=" + root, "os-init", "debian");
        var repo = "--repo=" + Path.Combine(root, "ostree/repo");
        Tools.OstreeOk(repo, "commit", "-b", "debian/one", "--tree=dir=" + V1, "--timestamp=2020-01-01 00:00:00 +0000", "-s", "v1");
        Tools.OstreeOk("admin", "--sysroot=" + root, "deploy", "--os=debian", "--karg=root=/dev/vda1", "debian/one");
        _booted[root] = Directory.GetDirectories(Path.Combine(root, "ostree/deploy/debian/deploy")).Single();
        Tools.OstreeOk(repo, "commit", "-b", "debian/one", "--tree=dir=" + V2, "--timestamp=2020-02-01 00:00:00 +0000", "-s", "v2", "--add-metadata-string=version=2");
        return root;
    }

    public new void Dispose()
    {
        Tools.Run("sh", "-c", $"find '{Root}' -type d -path '*/ostree/deploy/*/deploy/*' -prune -exec chattr -i {{}} + 2>/dev/null; true");
        base.Dispose();
    }
}

public class StagedInteropTests(BootedFixture fx) : IClassFixture<BootedFixture>
{
    private static string ArborDir => Path.GetDirectoryName(Path.GetFullPath(new FileInfo(Tools.ArborBin).ResolveLinkTarget(true)?.FullName ?? Tools.ArborBin))!;

    /// <summary>Runs a shell script on the sysroot booted into its first (booted-to-be) deployment.</summary>
    private ProcessResult Booted(string sysroot, string script) =>
        Tools.Run(Tools.Script("run-booted.sh"), sysroot, fx.BootedDeployment(sysroot), ArborDir, "--", "sh", "-c", "set -e; " + script);

    private ProcessResult BootedOk(string sysroot, string script)
    {
        var r = Booted(sysroot, script);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    private const string Arbor = "/tmp/arbor/arbor";

    // The /etc change a host makes after staging; finalization must carry it into the new tree.
    private const string LocalChange = "echo 'from the running system' > /etc/local.conf; echo GRUB_TIMEOUT=9 > /etc/default/grub; ";

    private static void AssertSame(string ostreeRoot, string arborRoot)
    {
        var diff = TreeComparer.Compare(ostreeRoot, arborRoot);
        Assert.True(diff is null, diff);
    }

    [Fact]
    public void ArborStagesOstreeFinalizes()
    {
        var o = fx.NewSysroot("stage-o");
        var a = fx.NewSysroot("stage-a");
        BootedOk(o, "ostree admin deploy --stage debian/one; " + LocalChange + "ostree admin finalize-staged");
        var staged = BootedOk(a, $"{Arbor} ostree admin deploy --stage debian/one; ostree admin status");
        Assert.Contains("(staged)", staged.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(a, "boot/loader/entries/ostree-1-debian.conf")));
        Assert.False(File.Exists(Path.Combine(a, "boot/loader/entries/ostree-2-debian.conf")));
        BootedOk(a, LocalChange + "ostree admin finalize-staged");
        AssertSame(o, a);
        var newEtc = Directory.GetDirectories(Path.Combine(a, "ostree/deploy/debian/deploy")).Select(d => Path.Combine(d, "etc/local.conf")).Count(File.Exists);
        Assert.Equal(2, newEtc);
    }

    [Fact]
    public void OstreeStagesArborFinalizes()
    {
        var o = fx.NewSysroot("fin-o");
        var a = fx.NewSysroot("fin-a");
        BootedOk(o, "ostree admin deploy --stage --karg-append=quiet debian/one; " + LocalChange + "ostree admin finalize-staged");
        BootedOk(a, "ostree admin deploy --stage --karg-append=quiet debian/one");
        var status = BootedOk(a, $"{Arbor} ostree admin status");
        Assert.Matches(@"^  debian [0-9a-f]{64}\.0 \(staged\)\n", status.Stdout);
        BootedOk(a, LocalChange + $"{Arbor} ostree admin finalize-staged");
        AssertSame(o, a);
        Assert.Contains("quiet", File.ReadAllText(Path.Combine(a, "boot/loader/entries/ostree-2-debian.conf")), StringComparison.Ordinal);
    }

    [Fact]
    public void HostUpgradeStagesOnTheBootedSystem()
    {
        var o = fx.NewSysroot("host-o");
        var a = fx.NewSysroot("host-a");
        BootedOk(o, "ostree admin upgrade --stage; " + LocalChange + "ostree admin finalize-staged");
        var up = BootedOk(a, $"{Arbor} upgrade; {Arbor} status -v; ostree admin status");
        Assert.Contains("Staged: yes", up.Stdout, StringComparison.Ordinal);
        Assert.Contains("(staged)", up.Stdout, StringComparison.Ordinal);
        Assert.Contains("● debian/one", up.Stdout.Replace("* debian/one", "● debian/one", StringComparison.Ordinal), StringComparison.Ordinal);
        var rollback = Booted(a, $"{Arbor} rollback");
        Assert.Equal("error: Staged deployment (remove with cleanup -p)", rollback.StderrLines[^1]);
        BootedOk(a, LocalChange + "ostree admin finalize-staged");
        AssertSame(o, a);
    }

    [Fact]
    public void LockedStageIsNotFinalizedAndCleanupDropsIt()
    {
        var a = fx.NewSysroot("locked-a");
        var before = Directory.GetDirectories(Path.Combine(a, "ostree/deploy/debian/deploy")).Length;
        var r = BootedOk(a, $"{Arbor} ostree admin deploy --lock-finalization debian/one; ostree admin finalize-staged; ostree admin status; {Arbor} ostree admin finalize-staged; ostree admin status");
        Assert.Equal(2, r.Stdout.Split("(staged)").Length - 1);
        Assert.Single(Directory.GetFiles(Path.Combine(a, "boot/loader/entries")));
        var cleaned = BootedOk(a, $"{Arbor} cleanup -p; ostree admin status");
        Assert.DoesNotContain("(staged)", cleaned.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetDirectories(Path.Combine(a, "ostree/deploy/debian/deploy")).Length);
    }
}
