// `compose install`, `compose postprocess` and `compose commit`, the three steps `compose tree`
// runs in one go, as builders script them: the steps in sequence make the same tree as the one
// verb (real `ostree diff` finds nothing between them), and a root another tool installed
// (`dnf --installroot`) is finished by `compose postprocess` and committed into an OS the real
// tools accept: ostree fsck, rpm reading its database, ostree's bootable metadata.
namespace Arbor.Interop.Tests.Compose;

/// <summary>The sample RPMs, in a scratch root of their own.</summary>
public sealed class ComposeStepsFixture : ComposeFixture;

public sealed class ComposeStepsInteropTests(ComposeStepsFixture fx) : IClassFixture<ComposeStepsFixture>
{
    private const string Ref = "sample/x86_64/hybrid";
    private const string Epoch = "SOURCE_DATE_EPOCH=1700000000";

    private static ProcessResult ArborAt(params string[] args) => Tools.RunOk("env", [Epoch, Tools.ArborBin, .. args]);

    // The sample packages plus one package rpmbuild makes from SPEC, published as a repository.
    private string SampleRepoWith(string name, string spec)
    {
        string work = fx.NewDir(name);
        string top = Path.Combine(work, "rpmbuild"), rpms = Path.Combine(work, "rpms");
        Directory.CreateDirectory(top);
        Directory.CreateDirectory(rpms);
        foreach (string rpm in Directory.GetFiles(fx.RpmRepo, "*.rpm"))
            File.Copy(rpm, Path.Combine(rpms, Path.GetFileName(rpm)));
        string specPath = Path.Combine(top, name + ".spec");
        File.WriteAllText(specPath, spec);
        Tools.RunOk(Tools.Require("rpmbuild", "apt-get install -y rpm"), "-bb", "--define", $"_topdir {top}", specPath);
        foreach (string built in Directory.GetFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories))
            File.Copy(built, Path.Combine(rpms, Path.GetFileName(built)));
        Tools.RunOk(Tools.Require("createrepo_c", "apt-get install -y createrepo-c"), rpms);
        return rpms;
    }

    [Fact]
    public void Install_postprocess_and_commit_make_the_tree_compose_tree_makes()
    {
        string treefile = fx.Treefile("tf-steps");
        string cache = fx.NewDir("cache-steps");
        string whole = fx.NewRepo("repo-steps-whole"), steps = fx.NewRepo("repo-steps");
        ArborAt("compose", "tree", "--repo=" + whole, "--cachedir=" + cache, treefile);

        string dest = Path.Combine(fx.NewDir("dest-steps"), "out");
        var install = ArborAt("compose", "install", "--repo=" + steps, "--cachedir=" + cache, treefile, dest);
        string rootfs = Path.Combine(dest, "rootfs");
        Assert.Contains($"rootfs: {rootfs}", install.Stdout, StringComparison.Ordinal);
        Assert.Contains("Input state hash: ", install.Stdout, StringComparison.Ordinal);
        // Installed and laid out, not finished: finalizing is postprocess's (or commit's) job.
        Assert.True(File.Exists(Path.Combine(rootfs, "usr/share/rpm/rpmdb.sqlite")));
        Assert.True(File.Exists(Path.Combine(rootfs, "usr/share/composed-by")));
        Assert.False(File.Exists(Path.Combine(rootfs, "usr/lib/tmpfiles.d/arbor-0-integration.conf")));
        Assert.False(Path.Exists(Path.Combine(dest, "rootfs.tmp")));
        // A second install into the same place refuses rather than mixing two trees.
        var again = Tools.Arbor("compose", "install", "--repo=" + steps, "--cachedir=" + cache, treefile, dest);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains($"{rootfs} already exists", again.Stderr, StringComparison.Ordinal);

        ArborAt("compose", "postprocess", rootfs, treefile);
        Assert.True(File.Exists(Path.Combine(rootfs, "usr/lib/tmpfiles.d/arbor-0-integration.conf")));
        var commit = ArborAt("compose", "commit", "--repo=" + steps, "--add-metadata-string=version=steps.1", treefile, rootfs);
        string checksum = Tools.OstreeOk("--repo=" + steps, "rev-parse", Ref).Stdout.Trim();
        Assert.Contains($"{Ref} => {checksum}", commit.Stdout, StringComparison.Ordinal);
        Tools.OstreeOk("--repo=" + steps, "fsck");

        string Meta(string key) => Tools.OstreeOk("--repo=" + steps, "show", "--print-metadata-key=" + key, Ref).Stdout.Trim();
        Assert.Equal("'steps.1'", Meta("version"));
        Assert.Equal("true", Meta("ostree.bootable"));
        Assert.Contains("('hello', '0', '2.1', '3', 'noarch')", Meta("rpmostree.rpmdb.pkglist"), StringComparison.Ordinal);
        // As in rpm-ostree, a separate commit does not know the install's input hash.
        Assert.NotEqual(0, Tools.OstreeRun("--repo=" + steps, "show", "--print-metadata-key=rpmostree.inputhash", Ref).ExitCode);

        // The same files, modes and contents as the one-verb compose.
        Tools.OstreeOk("--repo=" + whole, "pull-local", steps, checksum);
        var diff = Tools.OstreeOk("--repo=" + whole, "diff", Ref, checksum);
        Assert.Equal("", diff.Stdout);
    }

    [Fact]
    public void A_root_dnf_installed_is_finished_by_postprocess_and_committed()
    {
        string dnf = Tools.Require("dnf", "apt-get install -y dnf");
        string root = Path.Combine(fx.NewDir("dnf-root"), "root");
        // rpm's database where Fedora's rpm keeps it (Debian's rpm defaults to ~/.rpmdb).
        string home = fx.NewDir("dnf-home");
        File.WriteAllText(Path.Combine(home, ".rpmmacros"), "%_dbpath /usr/lib/sysimage/rpm\n");
        Tools.RunOk("env", "HOME=" + home, dnf, $"--installroot={root}", $"--repofrompath=sample,{fx.RpmRepo}", "--repo=sample",
            "--setopt=reposdir=/nonexistent", $"--setopt=cachedir={root}.cache", "--setopt=tsflags=noscripts", "--nogpgcheck",
            "--releasever=1", "--forcearch=x86_64", "-y", "-q", "install", "filesystem", "busybox", "hello", "kernel-sample");
        var installed = Tools.RunOk("rpm", "--root", root, "--dbpath", "/usr/lib/sysimage/rpm", "-qa", "--qf", "%{NEVRA}\\n").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(4, installed.Count);

        string treefile = fx.Treefile("tf-dnf");
        Tools.ArborOk("compose", "postprocess", root, treefile);
        Assert.False(Path.Exists(Path.Combine(root, "etc")));
        // Running it twice changes nothing (the integration file marks a finished tree).
        string integration = File.ReadAllText(Path.Combine(root, "usr/lib/tmpfiles.d/arbor-0-integration.conf"));
        Tools.ArborOk("compose", "postprocess", root, treefile);
        Assert.Equal(integration, File.ReadAllText(Path.Combine(root, "usr/lib/tmpfiles.d/arbor-0-integration.conf")));

        string repo = fx.NewRepo("repo-dnf");
        Tools.ArborOk("compose", "commit", "--repo=" + repo, treefile, root);
        Tools.OstreeOk("--repo=" + repo, "fsck");
        Assert.Equal("true", Tools.OstreeOk("--repo=" + repo, "show", "--print-metadata-key=ostree.bootable", Ref).Stdout.Trim());
        string checkout = Path.Combine(fx.NewDir("co-dnf"), "root");
        Tools.OstreeOk("--repo=" + repo, "checkout", Ref, checkout);
        var qa = Tools.RunOk("rpm", "--root", checkout, "--dbpath", "/usr/share/rpm", "-qa", "--qf", "%{NEVRA}\\n");
        Assert.Equal(installed, qa.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.True(File.Exists(Path.Combine(checkout, "usr/lib/modules/6.1.0-sample/vmlinuz")));
    }

    [Fact]
    public void The_compose_json_describes_the_commit_and_its_package_changes()
    {
        string repo = fx.NewRepo("repo-json"), cache = fx.NewDir("cache-json");
        ArborAt("compose", "tree", "--repo=" + repo, "--cachedir=" + cache, fx.Treefile("tf-json-1", packages: "[filesystem, busybox]"));
        string first = Tools.OstreeOk("--repo=" + repo, "rev-parse", Ref).Stdout.Trim();
        string jsonPath = Path.Combine(fx.NewDir("json"), "compose.json");
        ArborAt("compose", "tree", "--repo=" + repo, "--cachedir=" + cache, "--write-composejson-to=" + jsonPath,
            fx.Treefile("tf-json-2", packages: "[filesystem, busybox, hello]"));
        string second = Tools.OstreeOk("--repo=" + repo, "rev-parse", Ref).Stdout.Trim();

        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(jsonPath))!.AsObject();
        Assert.Equal(Ref, (string?)json["ref"]);
        Assert.Equal(second, (string?)json["ostree-commit"]);
        Assert.Matches("^[0-9a-f]{64}$", (string?)json["ostree-content-checksum"]);
        Assert.Equal(Tools.OstreeOk("--repo=" + repo, "show", "--print-metadata-key=version", Ref).Stdout.Trim().Trim('\''), (string?)json["ostree-version"]);
        Assert.Equal("2023-11-14T22:13:20Z", (string?)json["ostree-timestamp"]);
        Assert.Equal(Tools.OstreeOk("--repo=" + repo, "show", "--print-metadata-key=rpmostree.inputhash", Ref).Stdout.Trim().Trim('\''),
            (string?)json["rpm-ostree-inputhash"]);
        // The package changes from the parent, as `db diff --format=json` gives them.
        var dbDiff = System.Text.Json.Nodes.JsonNode.Parse(Tools.ArborOk("db", "diff", "--repo=" + repo, "--format=json", first, second).Stdout)!;
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(dbDiff["pkgdiff"], json["pkgdiff"]), json.ToJsonString());
        Assert.Equal("hello", (string?)json["pkgdiff"]![0]![0]);
        Assert.Equal(File.ReadAllText(jsonPath).Trim(), json.ToJsonString());
    }

    [Fact]
    public void A_tree_its_scripts_left_unable_to_run_a_program_is_refused_before_anything_is_committed()
    {
        string rpms = SampleRepoWith("breaker", """
            Name: breaker
            Version: 1.0
            Release: 1
            Summary: a %post that removes /usr/bin/true
            License: MIT
            BuildArch: noarch
            AutoReqProv: no

            %description
            Breaks the tree it is installed into.

            %post
            rm -f /usr/bin/true

            %files
            """);
        string treefile = fx.Treefile("tf-breaker", packages: "[filesystem, busybox, breaker]");
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(treefile)!, "sample.repo"), $"[sample]\nname=Sample\nbaseurl=file://{rpms}\ngpgcheck=0\n");

        string repo = fx.NewRepo("repo-breaker");
        var r = Tools.Arbor("compose", "tree", "--repo=" + repo, "--cachedir=" + fx.NewDir("cache-breaker"), treefile);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Sanity-checking final rootfs: bwrap(/usr/bin/true)", r.Stderr, StringComparison.Ordinal);
        Assert.Empty(Tools.OstreeOk("--repo=" + repo, "refs").Stdout.Trim());
        Tools.OstreeOk("--repo=" + repo, "fsck");
    }

    [Fact]
    public void Extensions_are_fetched_so_that_they_install_on_the_base_and_only_when_they_changed()
    {
        string repo = fx.NewRepo("repo-ext");
        string treefile = fx.Treefile("tf-ext", packages: "[filesystem, busybox, kernel-sample]");
        Tools.ArborOk("compose", "tree", "--repo=" + repo, treefile);
        string yaml = Path.Combine(Path.GetDirectoryName(treefile)!, "extensions.yaml");
        File.WriteAllText(yaml, """
            extensions:
              greeter:
                packages: [hello]
              kernel-devel:
                kind: development
                packages: [kernel-sample]
              mainframe:
                architectures: [s390x]
                packages: [no-such-package]
            """);
        string output = Path.Combine(fx.NewDir("ext-out"), "extensions");
        string touched = Path.Combine(fx.NewDir("ext-touch"), "stamp");
        var r = Tools.ArborOk("compose", "extensions", "--repo=" + repo, "--output-dir=" + output, "--touch-if-changed=" + touched, treefile, yaml);
        Assert.Contains("hello-2.1-3.noarch (sample)", r.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(touched));
        var names = Directory.GetFiles(output, "*.rpm").Select(f => Tools.RunOk("rpm", "-qp", "--nosignature", "--qf", "%{NAME}", f).Stdout)
            .Order(StringComparer.Ordinal);
        // The os-extension solved against the base (its requirements are there); the development
        // package fetched though the base has it; the other architecture's left out.
        Assert.Equal(["hello", "kernel-sample"], names);
        Assert.Equal("""
            {
              "extensions": {
                "greeter": {
                  "packages": [
                    "hello"
                  ],
                  "kind": "os-extension"
                },
                "kernel-devel": {
                  "packages": [
                    "kernel-sample"
                  ],
                  "kind": "development"
                }
              }
            }
            """, File.ReadAllText(Path.Combine(output, "extensions.json")));
        // The real rpm agrees the extension installs on the base commit's package set.
        string checkout = Path.Combine(fx.NewDir("co-ext"), "root");
        Tools.OstreeOk("--repo=" + repo, "checkout", Ref, checkout);
        Tools.RunOk("rpm", "--root", checkout, "--dbpath", "/usr/share/rpm", "-i", "--test", "--nosignature",
            Directory.GetFiles(output, "hello-*.rpm").Single());

        var again = Tools.ArborOk("compose", "extensions", "--repo=" + repo, "--output-dir=" + output, treefile, yaml);
        Assert.Contains("No change.", again.Stdout, StringComparison.Ordinal);
        // The same from a root on disk (the checkout) instead of the commit.
        string fromRoot = Path.Combine(fx.NewDir("ext-root-out"), "extensions");
        Tools.ArborOk("compose", "extensions", "--rootfs=" + checkout, "--output-dir=" + fromRoot, treefile, yaml);
        Assert.Equal(Directory.GetFiles(output, "*.rpm").Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Directory.GetFiles(fromRoot, "*.rpm").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var both = Tools.Arbor("compose", "extensions", "--repo=" + repo, "--rootfs=" + checkout, "--output-dir=" + fromRoot, treefile, yaml);
        Assert.Contains("--repo must not be specified with --rootfs", both.Stderr, StringComparison.Ordinal);

        File.WriteAllText(yaml, "extensions:\n  dup:\n    packages: [busybox]\n");
        var dup = Tools.Arbor("compose", "extensions", "--repo=" + repo, "--output-dir=" + output, treefile, yaml);
        Assert.Equal(1, dup.ExitCode);
        Assert.Contains("package busybox already present in base", dup.Stderr, StringComparison.Ordinal);
        File.WriteAllText(yaml, "extensions:\n  evr:\n    match-base-evr: no-such-base\n    packages: [x]\n");
        var evr = Tools.Arbor("compose", "extensions", "--repo=" + repo, "--output-dir=" + output, treefile, yaml);
        Assert.Contains("couldn't find base package no-such-base", evr.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Systemd_sysusers_creates_the_users_of_sysusers_d_before_the_scripts_when_asked()
    {
        // A stand-in for systemd-sysusers (the sample tree has no systemd): it reads the
        // u lines of sysusers.d as the real one does and appends the entries.
        string rpms = SampleRepoWith("sysusers", """
            Name: sysusers-tool
            Version: 1.0
            Release: 1
            Summary: a systemd-sysusers stand-in and a sysusers.d entry
            License: MIT
            BuildArch: noarch
            AutoReqProv: no

            %description
            Creates users from sysusers.d.

            %install
            mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/lib/sysusers.d
            cat > %{buildroot}/usr/bin/systemd-sysusers <<'EOF'
            #!/bin/sh
            for f in /usr/lib/sysusers.d/*.conf; do
              while read t n i rest; do
                [ "$t" = u ] || continue
                grep -q "^$n:" /etc/group || echo "$n:x:$i:" >> /etc/group
                grep -q "^$n:" /etc/passwd || echo "$n:x:$i:$i::/:/sbin/nologin" >> /etc/passwd
                echo "created $n"
              done < "$f"
            done
            EOF
            echo 'u svcdaemon 987 "daemon" /' > %{buildroot}/usr/lib/sysusers.d/svcdaemon.conf

            %post
            if grep -q '^svcdaemon:' /etc/passwd; then echo 'svcdaemon exists' > /usr/share/sysusers-before-post; fi

            %files
            %attr(0755,root,root) /usr/bin/systemd-sysusers
            /usr/lib/sysusers.d/svcdaemon.conf
            """);

        string Compose(string name, string extra)
        {
            string treefile = fx.Treefile(name, extra, packages: "[filesystem, busybox, sysusers-tool]");
            File.WriteAllText(Path.Combine(Path.GetDirectoryName(treefile)!, "sample.repo"), $"[sample]\nname=Sample\nbaseurl=file://{rpms}\ngpgcheck=0\n");
            string repo = fx.NewRepo("repo-" + name);
            var r = Tools.ArborOk("compose", "tree", "--repo=" + repo, treefile);
            string checkout = Path.Combine(fx.NewDir("co-" + name), "root");
            Tools.OstreeOk("--repo=" + repo, "checkout", Ref, checkout);
            return r.Stdout + File.ReadAllText(Path.Combine(checkout, "usr/lib/passwd")) +
                (File.Exists(Path.Combine(checkout, "usr/share/sysusers-before-post")) ? "post saw the user\n" : "");
        }
        string forced = Compose("tf-sysusers-forced", "sysusers: compose-forced\n");
        Assert.Contains("systemd-sysusers: created svcdaemon", forced, StringComparison.Ordinal);
        Assert.Contains("svcdaemon:x:987:987::/:/sbin/nologin", forced, StringComparison.Ordinal);
        Assert.Contains("post saw the user", forced, StringComparison.Ordinal);
        // compose-auto runs it only when the tree's rpm says it has sysusers support; this tree has no rpm.
        string auto = Compose("tf-sysusers-auto", "");
        Assert.DoesNotContain("svcdaemon", auto, StringComparison.Ordinal);
    }

    [Fact]
    public void The_steps_refuse_what_they_cannot_do()
    {
        var noRepo = Tools.Arbor("compose", "commit", fx.Treefile("tf-refuse"), fx.NewDir("some-root"));
        Assert.Equal(1, noRepo.ExitCode);
        Assert.Contains("--repo must be specified", noRepo.Stderr, StringComparison.Ordinal);
        var noDest = Tools.Arbor("compose", "install", "--repo=" + fx.NewRepo("repo-refuse"), fx.Treefile("tf-refuse-2"));
        Assert.Contains("TREEFILE and DESTDIR required", noDest.Stderr, StringComparison.Ordinal);
        string empty = fx.NewDir("empty-root");
        var notARoot = Tools.Arbor("compose", "postprocess", empty);
        Assert.NotEqual(0, notARoot.ExitCode);
        Assert.Contains("has no /usr", notARoot.Stderr, StringComparison.Ordinal);
        // A commit of a root that cannot be finished writes nothing.
        string repo = fx.NewRepo("repo-refuse-3");
        var bad = Tools.Arbor("compose", "commit", "--repo=" + repo, fx.Treefile("tf-refuse-3"), empty);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Empty(Tools.OstreeOk("--repo=" + repo, "refs").Stdout.Trim());

        // A tree with an SELinux policy is not committed unlabeled unless the treefile says so.
        string policed = fx.NewDir("selinux-root");
        Directory.CreateDirectory(Path.Combine(policed, "usr/bin"));
        Directory.CreateDirectory(Path.Combine(policed, "etc/selinux"));
        File.WriteAllText(Path.Combine(policed, "etc/selinux/config"), "SELINUX=enforcing\nSELINUXTYPE=targeted\n");
        var labeled = Tools.Arbor("compose", "commit", "--repo=" + repo, fx.Treefile("tf-selinux"), policed);
        Assert.Equal(1, labeled.ExitCode);
        Assert.Contains("cannot label files from it yet; set 'selinux: false'", labeled.Stderr, StringComparison.Ordinal);
        Assert.Empty(Tools.OstreeOk("--repo=" + repo, "refs").Stdout.Trim());
        Tools.ArborOk("compose", "commit", "--repo=" + repo, fx.Treefile("tf-selinux-off", "selinux: false\n"), policed);
        Tools.OstreeOk("--repo=" + repo, "fsck");
    }
}
