// `arbor compose tree` end to end on the hybrid sample (four RPMs built by `arbor rpm build`):
// the commit is checked by the real tools — ostree fsck and ls, rpm reading the rpmdb in a
// checkout, bubblewrap running the tree's own shell, ostree admin deploy writing a boot entry —
// and the compose contract: unchanged inputs make no commit, the same inputs and
// SOURCE_DATE_EPOCH make the same commit, bad input leaves the repository and its ref alone.
namespace Arbor.Interop.Tests.Compose;

/// <summary>The sample RPMs, built once per run.</summary>
public class ComposeFixture : ScratchFixture
{
    /// <summary>Builds the sample repository.</summary>
    public ComposeFixture()
    {
        RpmRepo = Path.Combine(Root, "rpms");
        var r = Tools.RunIn(null, TimeSpan.FromMinutes(5), Tools.Script("build-sample-rpms.sh"), RpmRepo);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    /// <summary>The rpm-md repository of the sample packages.</summary>
    public string RpmRepo { get; }

    /// <summary>A directory with the sample treefile (plus <paramref name="extra"/> YAML) and its sample.repo.</summary>
    public string Treefile(string name, string extra = "", string packages = "[filesystem, busybox, hello, kernel-sample]")
    {
        string dir = NewDir(name);
        File.WriteAllText(Path.Combine(dir, "sample.repo"), $"[sample]\nname=Sample\nbaseurl=file://{RpmRepo}\ngpgcheck=0\n");
        string path = Path.Combine(dir, "sample.yaml");
        File.WriteAllText(path,
            "ref: sample/x86_64/hybrid\n" +
            "repos: [sample]\n" +
            $"packages: {packages}\n" +
            "units: [hello.service]\n" +
            "automatic-version-prefix: \"1\"\n" +
            "postprocess:\n  - |\n    #!/bin/sh\n    echo composed > /usr/share/composed-by\n" +
            extra);
        return path;
    }

    /// <summary>A fresh archive repository.</summary>
    public string NewRepo(string name)
    {
        string repo = NewDir(name);
        Tools.OstreeOk("--repo=" + repo, "init", "--mode=archive");
        return repo;
    }
}

public sealed class ComposeTreeInteropTests(ComposeFixture fx) : IClassFixture<ComposeFixture>
{
    private const string Ref = "sample/x86_64/hybrid";

    [Fact]
    public void The_composed_commit_is_a_whole_os_the_real_tools_accept()
    {
        string repo = fx.NewRepo("repo-whole"), cache = fx.NewDir("cache-whole");
        var r = Tools.ArborOk("compose", "tree", "--repo=" + repo, "--cachedir=" + cache, fx.Treefile("tf-whole"));
        Assert.Contains("Installing 4 packages:", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("  hello-2.1-3.noarch (sample)", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("hello.post: hello installed", r.Stdout, StringComparison.Ordinal);
        string commit = Tools.OstreeOk("--repo=" + repo, "rev-parse", Ref).Stdout.Trim();
        Assert.Contains($"{Ref} => {commit}", r.Stdout, StringComparison.Ordinal);
        Tools.OstreeOk("--repo=" + repo, "fsck");

        string Meta(string key) => Tools.OstreeOk("--repo=" + repo, "show", "--print-metadata-key=" + key, Ref).Stdout.Trim();
        Assert.Equal("'1'", Meta("version"));
        Assert.Equal("true", Meta("ostree.bootable"));
        Assert.Equal("'6.1.0-sample'", Meta("ostree.linux"));
        Assert.Matches("^'[0-9a-f]{64}'$", Meta("rpmostree.inputhash"));
        Assert.Contains("('hello', '0', '2.1', '3', 'noarch')", Meta("rpmostree.rpmdb.pkglist"), StringComparison.Ordinal);

        string checkout = Path.Combine(fx.NewDir("co-whole"), "root");
        Tools.OstreeOk("--repo=" + repo, "checkout", Ref, checkout);
        // rpm reads the rpmdb where rpm-ostree keeps it and finds exactly the solved set.
        var qa = Tools.RunOk("rpm", "--root", checkout, "--dbpath", "/usr/share/rpm", "-qa", "--qf", "%{NEVRA}\\n");
        Assert.Equal(["busybox-1.35.0-1.x86_64", "filesystem-1.0-1.noarch", "hello-2.1-3.noarch", "kernel-sample-6.1.0-1.x86_64"],
            qa.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        // /var is empty, as rpm-ostree commits it; the rpmdb link is made at boot by tmpfiles.d.
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(checkout, "var")));
        Assert.Contains("L /var/lib/rpm - - - - ../../usr/share/rpm\n", File.ReadAllText(Path.Combine(checkout, "usr/lib/tmpfiles.d/arbor-0-integration.conf")), StringComparison.Ordinal);
        Assert.Equal("../var/usrlocal", new FileInfo(Path.Combine(checkout, "usr/local")).LinkTarget);
        // The image's own rpmdb, kept under a second name for package layering on the host.
        Assert.Equal(File.ReadAllBytes(Path.Combine(checkout, "usr/share/rpm/rpmdb.sqlite")),
            File.ReadAllBytes(Path.Combine(checkout, "usr/lib/sysimage/rpm-ostree-base-db/rpmdb.sqlite")));
        Assert.Equal("../../share/rpm", new FileInfo(Path.Combine(checkout, "usr/lib/sysimage/rpm")).LinkTarget);
        // The layout ostree deploys: /etc in /usr/etc, the kernel with its modules, the unit enabled.
        Assert.True(File.Exists(Path.Combine(checkout, "usr/etc/hello.conf")));
        Assert.False(Path.Exists(Path.Combine(checkout, "etc")));
        Assert.True(File.Exists(Path.Combine(checkout, "usr/lib/modules/6.1.0-sample/vmlinuz")));
        Assert.True(File.Exists(Path.Combine(checkout, "usr/lib/modules/6.1.0-sample/initramfs.img")));
        Assert.Equal("/usr/lib/systemd/system/hello.service",
            new FileInfo(Path.Combine(checkout, "usr/etc/systemd/system/multi-user.target.wants/hello.service")).LinkTarget);
        Assert.Equal("post ran with 1\n", File.ReadAllText(Path.Combine(checkout, "usr/share/hello/post-ran")));
        Assert.Equal("composed\n", File.ReadAllText(Path.Combine(checkout, "usr/share/composed-by")));
        // The tree runs: its own shell and its own program, nothing from the host.
        var run = Tools.RunOk("bwrap", "--bind", checkout, "/", "--dev", "/dev", "--proc", "/proc", "--ro-bind", Path.Combine(checkout, "usr/etc"), "/etc",
            "/bin/sh", "-c", "hello");
        Assert.Equal("Hello from Arbor Sample OS 1\n", run.Stdout);
    }

    [Fact]
    public void Unchanged_inputs_make_no_commit_and_the_same_inputs_make_the_same_commit_anywhere()
    {
        string repo = fx.NewRepo("repo-again"), cache = fx.NewDir("cache-again"), treefile = fx.Treefile("tf-again");
        Tools.ArborOk("compose", "tree", "--repo=" + repo, "--cachedir=" + cache, treefile);
        string first = Tools.OstreeOk("--repo=" + repo, "rev-parse", Ref).Stdout.Trim();
        var again = Tools.ArborOk("compose", "tree", "--repo=" + repo, "--cachedir=" + cache, treefile);
        Assert.Contains("No apparent changes since previous commit; use --force-nocache to override", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(first, Tools.OstreeOk("--repo=" + repo, "rev-parse", Ref).Stdout.Trim());
        // --previous-inputhash compares with a hash kept elsewhere (a fresh repository has no previous commit).
        string hash = Tools.OstreeOk("--repo=" + repo, "show", "--print-metadata-key=rpmostree.inputhash", Ref).Stdout.Trim().Trim('\'');
        var byHash = Tools.ArborOk("compose", "tree", "--repo=" + fx.NewRepo("repo-by-hash"), "--cachedir=" + cache, "--previous-inputhash=" + hash, treefile);
        Assert.Contains("No apparent changes since previous commit; use --force-nocache to override", byHash.Stdout, StringComparison.Ordinal);

        // Two fresh repositories and caches, same inputs and SOURCE_DATE_EPOCH: one checksum.
        string a = fx.NewRepo("repo-repro-a"), b = fx.NewRepo("repo-repro-b");
        string idA = Path.Combine(fx.NewDir("id-a"), "id"), idB = Path.Combine(fx.NewDir("id-b"), "id");
        Tools.RunOk("env", "SOURCE_DATE_EPOCH=1700000000", Tools.ArborBin, "compose", "tree", "--repo=" + a, "--write-commitid-to=" + idA, treefile);
        Tools.RunOk("env", "SOURCE_DATE_EPOCH=1700000000", Tools.ArborBin, "compose", "tree", "--repo=" + b, "--cachedir=" + fx.NewDir("cache-repro-b"), "--write-commitid-to=" + idB, fx.Treefile("tf-repro-b"));
        Assert.Equal(File.ReadAllText(idA), File.ReadAllText(idB));
        // --write-commitid-to writes the checksum instead of moving the ref.
        Assert.NotEqual(0, Tools.OstreeRun("--repo=" + a, "rev-parse", Ref).ExitCode);
    }

    [Fact]
    public void Remove_from_packages_drops_only_that_packages_matching_files()
    {
        string repo = fx.NewRepo("repo-rfp");
        var r = Tools.ArborOk("compose", "tree", "--repo=" + repo, fx.Treefile("tf-rfp",
            "remove-from-packages:\n  - [busybox, \"^/usr/bin/(ls|cat)$\"]\n  - [filesystem, \"/usr/bin\"]\n"));
        Assert.Contains("Skipping file /usr/bin/ls from checkout", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("Skipping file /usr/bin/cat from checkout", r.Stdout, StringComparison.Ordinal);
        var ls = Tools.OstreeOk("--repo=" + repo, "ls", Ref, "/usr/bin").Stdout;
        Assert.DoesNotContain("/usr/bin/ls\n", ls, StringComparison.Ordinal);
        Assert.DoesNotContain("/usr/bin/cat\n", ls, StringComparison.Ordinal);
        // Kept: busybox's other applets, and /usr/bin itself, which busybox ships too.
        Assert.Contains("/usr/bin/sh -> busybox", ls, StringComparison.Ordinal);
        Assert.Contains("/usr/bin/hello", ls, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing", "", "[filesystem, no-such-package]", "no-such-package")]
    [InlineData("badkey", "bogus-key: 1\n", "[filesystem]", "bogus-key")]
    [InlineData("failscript", "postprocess-script: fail.sh\n", "[filesystem, busybox]", "Executing postprocessing script")]
    public void Bad_input_is_a_clear_error_and_leaves_the_repository_alone(string name, string extra, string packages, string expected)
    {
        string repo = fx.NewRepo("repo-" + name);
        string good = Tools.OstreeOk("--repo=" + repo, "commit", "-b", Ref, "--tree=dir=" + fx.NewDir("empty-" + name), "-s", "before").Stdout.Trim();
        string treefile = fx.Treefile("tf-" + name, extra, packages);
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(treefile)!, "fail.sh"), "#!/bin/sh\nexit 7\n");
        var r = Tools.Arbor("compose", "tree", "--repo=" + repo, treefile);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(expected, r.Stderr, StringComparison.Ordinal);
        Assert.Equal(good, Tools.OstreeOk("--repo=" + repo, "rev-parse", Ref).Stdout.Trim());
        Tools.OstreeOk("--repo=" + repo, "fsck");
    }

    [Fact]
    public void The_real_ostree_deploys_a_composed_commit_with_its_kernel_and_initramfs()
    {
        string repo = fx.NewRepo("repo-deploy");
        Tools.ArborOk("compose", "tree", "--repo=" + repo, fx.Treefile("tf-deploy"));
        string sysroot = fx.NewDir("sysroot");
        Tools.OstreeOk("admin", "init-fs", sysroot);
        Tools.OstreeOk("admin", "--sysroot=" + sysroot, "os-init", "sample");
        Tools.OstreeOk("--repo=" + Path.Combine(sysroot, "ostree/repo"), "pull-local", repo, Ref);
        Tools.OstreeOk("admin", "--sysroot=" + sysroot, "deploy", "--os=sample", Ref);
        string entries = Path.Combine(sysroot, "boot/loader/entries");
        string entry = File.ReadAllText(Directory.GetFiles(entries, "*.conf").Single());
        Assert.Contains("linux /ostree/sample-", entry, StringComparison.Ordinal);
        Assert.Contains("/vmlinuz-6.1.0-sample", entry, StringComparison.Ordinal);
        Assert.Contains("initrd /ostree/sample-", entry, StringComparison.Ordinal);
        var db = Tools.ArborOk("db", "list", "--repo=" + repo, Ref);
        Assert.Contains("hello-2.1-3.noarch", db.Stdout, StringComparison.Ordinal);
    }
}
