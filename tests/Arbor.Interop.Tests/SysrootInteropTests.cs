// `arbor ostree admin` against the real `ostree admin`: the same operations on two sysroots (one per
// tool) must leave identical trees — deployments, /boot kernels, BLS entries, bootlinks, refs,
// origin files — and identical output; each tool must read and extend what the other wrote; bad
// input must fail with one error line and change nothing; and a deploy killed at any step must
// leave a boot configuration that ostree still reads.
using System.Text;

namespace Arbor.Interop.Tests;

/// <summary>A tiny bootable OS tree (two versions) and one without a kernel, plus scratch space.</summary>
public sealed class SysrootFixture : ScratchFixture, IDisposable
{
    /// <summary>Builds the input trees.</summary>
    public SysrootFixture()
    {
        Tree1 = MakeTree("tree1", "kernel-one\n", "initramfs-one\n", prettyName: null);
        Tree2 = MakeTree("tree2", "kernel-two\n", "initramfs-two\n", prettyName: "\"Debian Test\"");
        NoKernel = NewDir("nokernel");
        Directory.CreateDirectory(Path.Combine(NoKernel, "usr/etc"));
        File.WriteAllText(Path.Combine(NoKernel, "usr/etc/os-release"), "ID=debian\n");
    }

    /// <summary>A tree with usr/lib/modules/6.1.0-test/{vmlinuz,initramfs.img} and usr/etc.</summary>
    public string Tree1 { get; }

    /// <summary>Like <see cref="Tree1"/> with another kernel and a PRETTY_NAME.</summary>
    public string Tree2 { get; }

    /// <summary>A tree without any kernel.</summary>
    public string NoKernel { get; }

    private string MakeTree(string name, string kernel, string initramfs, string? prettyName)
    {
        var root = NewDir(name);
        var modules = Path.Combine(root, "usr/lib/modules/6.1.0-test");
        Directory.CreateDirectory(modules);
        File.WriteAllText(Path.Combine(modules, "vmlinuz"), kernel);
        File.WriteAllText(Path.Combine(modules, "initramfs.img"), initramfs);
        Directory.CreateDirectory(Path.Combine(root, "usr/etc/default"));
        File.WriteAllText(Path.Combine(root, "usr/etc/os-release"), "ID=debian\nVERSION_ID=12\n" + (prettyName is null ? "" : $"PRETTY_NAME={prettyName}\n"));
        File.WriteAllText(Path.Combine(root, "usr/etc/default/grub"), "GRUB_TIMEOUT=5\n");
        File.CreateSymbolicLink(Path.Combine(root, "usr/etc/localtime"), "/usr/share/zoneinfo/UTC");
        Directory.CreateDirectory(Path.Combine(root, "usr/bin"));
        File.WriteAllText(Path.Combine(root, "usr/bin/hello"), "#!/bin/sh\necho hello\n");
        File.SetUnixFileMode(Path.Combine(root, "usr/bin/hello"), (UnixFileMode)0b111_101_101);
        return root;
    }

    /// <summary>A sysroot initialized by <paramref name="arbor"/> or ostree, with stateroot "debian" and
    /// the commits debian/one, debian/two and nokernel (made by the real ostree, so checksums match).</summary>
    public string NewSysroot(string name, bool arbor)
    {
        var root = NewDir(name);
        if (arbor)
        {
            Tools.ArborOk("ostree", "admin", "init-fs", root);
            Tools.ArborOk("ostree", "admin", "--sysroot=" + root, "os-init", "debian");
        }
        else
        {
            Tools.OstreeOk("admin", "init-fs", root);
            Tools.OstreeOk("admin", "--sysroot=" + root, "os-init", "debian");
        }
        var repo = "--repo=" + Path.Combine(root, "ostree/repo");
        Tools.OstreeOk(repo, "commit", "-b", "debian/one", "--tree=dir=" + Tree1, "--timestamp=2020-01-01 00:00:00 +0000", "-s", "one");
        Tools.OstreeOk(repo, "commit", "-b", "debian/two", "--tree=dir=" + Tree2, "--timestamp=2020-01-02 00:00:00 +0000", "-s", "two", "--add-metadata-string=version=2.0");
        Tools.OstreeOk(repo, "commit", "-b", "nokernel", "--tree=dir=" + NoKernel, "--timestamp=2020-01-03 00:00:00 +0000", "-s", "nk");
        return root;
    }

    /// <summary>Lifts the immutable flag libostree and Arbor put on deployments, then removes the scratch tree.</summary>
    public new void Dispose()
    {
        Tools.Run("sh", "-c", $"find '{Root}' -type d -path '*/ostree/deploy/*/deploy/*' -prune -exec chattr -i {{}} + 2>/dev/null; true");
        base.Dispose();
    }
}

[CollectionDefinition("sysroot")]
public class SysrootCollection : ICollectionFixture<SysrootFixture>;

[Collection("sysroot")]
public class SysrootInteropTests(SysrootFixture fx)
{
    private static ProcessResult Admin(bool arbor, string sysroot, params string[] args)
    {
        var full = new List<string> { "admin", "--sysroot=" + sysroot };
        full.AddRange(args);
        return arbor ? Tools.Arbor(["ostree", .. full]) : Tools.OstreeRun([.. full]);
    }

    // The only line ostree prints that Arbor does not: the /etc merge summary comes from the merge
    // implementation, not from the deploy sequence.
    private static string Normalize(string stdout) =>
        string.Join('\n', stdout.Split('\n').Where(l => !l.StartsWith("Copying /etc changes:", StringComparison.Ordinal)));

    private static void RunBoth(string ostreeRoot, string arborRoot, string[] args)
    {
        var o = Admin(false, ostreeRoot, args);
        var a = Admin(true, arborRoot, args);
        var what = string.Join(' ', args);
        Assert.True(o.ExitCode == a.ExitCode, $"{what}: exit codes differ\n{o}\n{a}");
        Assert.True(Normalize(o.Stdout) == Normalize(a.Stdout), $"{what}: stdout differs\n{o}\n{a}");
        if (o.ExitCode != 0)
            Assert.Equal(o.StderrLines[^1], a.StderrLines[^1]);
    }

    private static void AssertSameSysroot(string ostreeRoot, string arborRoot)
    {
        var diff = TreeComparer.Compare(ostreeRoot, arborRoot);
        Assert.True(diff is null, diff);
        var so = Admin(false, ostreeRoot, "status");
        var sa = Admin(false, arborRoot, "status");
        Assert.Equal(0, so.ExitCode);
        Assert.Equal(so.Stdout, sa.Stdout);
        var ao = Admin(true, ostreeRoot, "status");
        Assert.Equal(0, ao.ExitCode);
        Assert.Equal(so.Stdout, ao.Stdout);
    }

    [Fact]
    public void DeploySequenceMatchesOstree()
    {
        var o = fx.NewSysroot("seq-ostree", arbor: false);
        var a = fx.NewSysroot("seq-arbor", arbor: true);
        AssertSameSysroot(o, a);
        string[][] steps =
        [
            ["status"],
            ["deploy", "--os=debian", "debian/one"],
            ["deploy", "--os=debian", "--karg=root=/dev/vda1", "--karg=quiet", "--karg-append=console=ttyS0", "--karg-append=console=tty0", "debian/two"],
            ["status"],
            ["deploy", "--os=debian", "--not-as-default", "--retain-rollback", "--karg-delete=console=tty0", "debian/one"],
            ["status"],
            ["pin", "2"],
            ["deploy", "--os=debian", "--karg-none", "--no-prune", "debian/two"],
            ["pin", "--unpin", "2"],
            ["undeploy", "1"],
            ["kargs", "edit-in-place", "--append-if-missing=foo=bar", "--append-if-missing=quiet"],
            ["instutil", "set-kargs", "--merge", "--replace=quiet=1", "--append=x=1", "extra"],
            ["set-origin", "--index=1", "--set=gpg-verify=false", "origin", "http://example.invalid/repo"],
            ["cleanup"],
            ["status"],
        ];
        foreach (var step in steps)
        {
            RunBoth(o, a, step);
            AssertSameSysroot(o, a);
        }
        var entries = Path.Combine(a, "boot/loader/entries");
        Assert.Equal(Directory.GetFiles(Path.Combine(o, "boot/loader/entries")).Select(Path.GetFileName).Order(),
            Directory.GetFiles(entries).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void BlsEntriesAreByteIdentical()
    {
        var o = fx.NewSysroot("bls-ostree", arbor: false);
        var a = fx.NewSysroot("bls-arbor", arbor: true);
        RunBoth(o, a, ["deploy", "--os=debian", "--karg=rw", "--karg-append=console=ttyS0,115200", "debian/two"]);
        RunBoth(o, a, ["deploy", "--os=debian", "--retain", "debian/one"]);
        var oe = Path.Combine(o, "boot/loader/entries");
        foreach (var file in Directory.GetFiles(oe))
        {
            var mine = Path.Combine(a, "boot/loader/entries", Path.GetFileName(file));
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(mine));
        }
        var text = File.ReadAllText(Path.Combine(a, "boot/loader/entries/ostree-1-debian.conf"));
        Assert.Contains("title Debian Test 2.0 (ostree:1)\n", text, StringComparison.Ordinal);
        // Without a merge deployment the given kargs come first and ostree= is appended, as ostree does.
        Assert.Matches("options rw console=ttyS0,115200 ostree=/ostree/boot.[01]/debian/[0-9a-f]{64}/0\n", text);
    }

    [Fact]
    public void EachToolDeploysOnTopOfTheOther()
    {
        // ostree first, then arbor on the same sysroot; compared with ostree doing both.
        var reference = fx.NewSysroot("mix-ref", arbor: false);
        var mixed = fx.NewSysroot("mix-ostree-then-arbor", arbor: false);
        Tools.OstreeOk("admin", "--sysroot=" + reference, "deploy", "--os=debian", "--karg=quiet", "debian/one");
        Tools.OstreeOk("admin", "--sysroot=" + mixed, "deploy", "--os=debian", "--karg=quiet", "debian/one");
        Tools.OstreeOk("admin", "--sysroot=" + reference, "deploy", "--os=debian", "debian/two");
        Tools.ArborOk("ostree", "admin", "--sysroot=" + mixed, "deploy", "--os=debian", "debian/two");
        AssertSameSysroot(reference, mixed);

        // arbor first, then ostree.
        var reverse = fx.NewSysroot("mix-arbor-then-ostree", arbor: true);
        Tools.ArborOk("ostree", "admin", "--sysroot=" + reverse, "deploy", "--os=debian", "--karg=quiet", "debian/one");
        Tools.OstreeOk("admin", "--sysroot=" + reverse, "deploy", "--os=debian", "debian/two");
        AssertSameSysroot(reference, reverse);

        // and both remove what the other deployed the same way.
        Tools.ArborOk("ostree", "admin", "--sysroot=" + reverse, "undeploy", "1");
        Tools.OstreeOk("admin", "--sysroot=" + reference, "undeploy", "1");
        AssertSameSysroot(reference, reverse);
    }

    [Fact]
    public void StatusListsWhatOstreeDeployed()
    {
        var o = fx.NewSysroot("status-ostree", arbor: false);
        Tools.OstreeOk("admin", "--sysroot=" + o, "deploy", "--os=debian", "debian/one");
        Tools.OstreeOk("admin", "--sysroot=" + o, "deploy", "--os=debian", "debian/two");
        Tools.OstreeOk("admin", "--sysroot=" + o, "pin", "1");
        var expected = Tools.OstreeOk("admin", "--sysroot=" + o, "status").Stdout;
        Assert.Contains("Pinned: yes", expected, StringComparison.Ordinal);
        Assert.Equal(expected, Tools.ArborOk("ostree", "admin", "--sysroot=" + o, "status").Stdout);
    }

    private static string Snapshot(string root)
    {
        var sb = new StringBuilder();
        foreach (var (path, e) in TreeComparer.Scan(root))
        {
            sb.Append(path).Append(' ').Append(e.Type).Append(' ').Append(e.Mode).Append(' ').Append(e.Target);
            if (e.Type == 'f')
                sb.Append(' ').Append(TreeComparer.Digest(Path.Combine(root, path)));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    [Theory]
    [InlineData("a commit without a kernel", "Failed to find kernel in /usr/lib/modules, /usr/lib/ostree-boot or /boot", "deploy", "--os=debian", "nokernel")]
    [InlineData("an unknown stateroot", "No such stateroot: nope", "deploy", "--os=nope", "debian/one")]
    [InlineData("no --os outside a booted system", "Looking for booted deployment: Not currently booted into an OSTree system and no --os= argument given", "deploy", "debian/one")]
    [InlineData("an unknown ref", "Refspec 'nosuch' not found", "deploy", "--os=debian", "nosuch")]
    [InlineData("conflicting options", "Can't specify both --karg-proc-cmdline and --karg-none", "deploy", "--os=debian", "--karg-proc-cmdline", "--karg-none", "debian/one")]
    [InlineData("--stage outside a booted system", "Cannot stage deployment: Not currently booted into an OSTree system", "deploy", "--os=debian", "--stage", "debian/one")]
    [InlineData("an index out of range", "Out of range deployment index 5, expected < 1", "undeploy", "5")]
    [InlineData("a bad pin index", "Invalid index: x", "pin", "x")]
    [InlineData("an existing stateroot", "Creating ostree/deploy/debian: File exists", "os-init", "debian")]
    public void BadInputChangesNothing(string what, string error, params string[] args)
    {
        var root = fx.NewSysroot("bad", arbor: true);
        Tools.ArborOk("ostree", "admin", "--sysroot=" + root, "deploy", "--os=debian", "debian/one");
        var before = Snapshot(root);
        var r = Admin(true, root, args);
        Assert.True(r.ExitCode != 0, $"{what}: {r}");
        Assert.Single(r.StderrLines);
        Assert.Equal("error: " + error, r.StderrLines[0]);
        Assert.Equal(before, Snapshot(root));
    }

    [Fact]
    public void UninitializedSysrootIsRefused()
    {
        var empty = fx.NewDir("empty-sysroot");
        foreach (var args in new[] { new[] { "status" }, ["deploy", "--os=debian", "x"], ["os-init", "debian"], ["cleanup"] })
        {
            var r = Admin(true, empty, args);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal("error: loading sysroot: opendir(ostree/repo): No such file or directory", Assert.Single(r.StderrLines));
            Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
        }
    }

    [Fact]
    public void UpgradeAndSwitchFollowTheOrigin()
    {
        var o = fx.NewSysroot("up-ostree", arbor: false);
        var a = fx.NewSysroot("up-arbor", arbor: true);
        RunBoth(o, a, ["deploy", "--os=debian", "debian/one"]);
        RunBoth(o, a, ["upgrade", "--os=debian", "--deploy-only"]);
        AssertSameSysroot(o, a);
        RunBoth(o, a, ["switch", "--os=debian", "debian/two"]);
        AssertSameSysroot(o, a);
        RunBoth(o, a, ["upgrade", "--os=debian", "--deploy-only"]);
        AssertSameSysroot(o, a);
    }

    [Fact]
    public void DeployKilledAtAnyStepLeavesABootableConfiguration()
    {
        var root = fx.NewSysroot("crash", arbor: true);
        Tools.ArborOk("ostree", "admin", "--sysroot=" + root, "deploy", "--os=debian", "debian/one");
        string[] steps = ["checkout", "etc", "finalize", "seal", "bootswap-begin", "entry:1", "entry:2", "bootlinks", "swap", "swapped"];
        var rng = new Random(20261122);
        string[] refs = ["debian/one", "debian/two"];
        for (int run = 0; run < 50; run++)
        {
            var step = steps[run < steps.Length ? run : rng.Next(steps.Length)];
            var before = Tools.OstreeOk("admin", "--sysroot=" + root, "status").Stdout;
            var r = Tools.RunIn(null, Tools.DefaultTimeout, "env", "ARBOR_SYSROOT_FAULT=" + step, Tools.ArborBin,
                "ostree", "admin", "--sysroot=" + root, "deploy", "--os=debian", "--retain", refs[run % 2]);
            Assert.True(r.ExitCode != 0, $"run {run}: the fault point {step} was not reached\n{r}");
            var status = Tools.OstreeRun("admin", "--sysroot=" + root, "status");
            Assert.True(status.ExitCode == 0, $"run {run} ({step}): ostree cannot read the sysroot\n{status}");
            int n = status.Stdout.Split('\n').Count(l => l.StartsWith("  debian ", StringComparison.Ordinal));
            int old = before.Split('\n').Count(l => l.StartsWith("  debian ", StringComparison.Ordinal));
            Assert.True(n == old || n == old + 1, $"run {run} ({step}): {old} deployments became {n}");
            var entries = Directory.GetFiles(Path.Combine(root, "boot/loader/entries"));
            Assert.Equal(n, entries.Length);
            foreach (var e in entries)
            {
                var text = File.ReadAllText(e);
                foreach (var key in new[] { "title ", "version ", "options ostree=", "linux ", "initrd " })
                    Assert.Contains("\n" + key, "\n" + text, StringComparison.Ordinal);
                var linux = text.Split('\n').First(l => l.StartsWith("linux ", StringComparison.Ordinal))[6..];
                Assert.True(File.Exists(Path.Combine(root, "boot", linux.TrimStart('/'))), $"run {run} ({step}): {linux} missing");
            }
            // Keep the sysroot small: drop back to two deployments now and then, with either tool.
            if (n > 3)
            {
                if (run % 3 == 0)
                    Tools.OstreeOk("admin", "--sysroot=" + root, "undeploy", "0");
                else
                    Tools.ArborOk("ostree", "admin", "--sysroot=" + root, "undeploy", "0");
            }
        }
        Tools.ArborOk("ostree", "admin", "--sysroot=" + root, "cleanup");
        Tools.OstreeOk("admin", "--sysroot=" + root, "deploy", "--os=debian", "debian/two");
        Tools.ArborOk("ostree", "admin", "--sysroot=" + root, "deploy", "--os=debian", "debian/one");
        Tools.OstreeOk("admin", "--sysroot=" + root, "status");
    }
}
