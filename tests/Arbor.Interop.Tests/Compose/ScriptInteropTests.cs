// Package scripts run in bubblewrap over a real tree, with packages built by the real rpmbuild:
// the order rpm-ostree runs them in, their $1, what they may see and change, what is refused.
// The tree is busybox (static) under /usr, so the scripts have a shell and tools without the host.
using Arbor.Compose;
using Arbor.Compose.Assemble;
using Arbor.Rpm.Package;

namespace Arbor.Interop.Tests.Compose;

public sealed class ScriptInteropTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-scripts-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Scripts_run_in_rpm_ostree_order_with_their_argument_and_output()
    {
        string root = MakeRoot();
        var a = Build("alpha", "%pre\necho alpha.pre $1 >> /usr/share/log\n%post\necho alpha.post $1 >> /usr/share/log\necho hello from alpha\n" +
                               "%posttrans\necho alpha.posttrans $1 >> /usr/share/log\n");
        var b = Build("beta", "%pre\necho beta.pre $1 >> /usr/share/log\n%post\necho beta.post $1 >> /usr/share/log\necho oops >&2\n" +
                              "%posttrans\necho beta.posttrans $1 >> /usr/share/log\n");
        var lines = new List<ScriptOutputLine>();
        int ran = ScriptRunner.RunAll(root, [new(a, PackageAction.Install), new(b, PackageAction.Upgrade)],
            new ScriptRunOptions { Output = lines.Add });
        Assert.Equal(6, ran);
        Assert.Equal(["alpha.pre 1", "beta.pre 2", "alpha.post 1", "beta.post 2", "alpha.posttrans 1", "beta.posttrans 2"],
            File.ReadAllLines(Path.Combine(root, "usr/share/log")));
        Assert.Contains(new ScriptOutputLine("alpha.post", "hello from alpha"), lines);
        Assert.Contains(new ScriptOutputLine("beta.post", "oops"), lines);
        Assert.False(Directory.Exists(Path.Combine(root, "var/lib/rpm-state")));
    }

    [Fact]
    public void A_script_that_rewrites_a_hardlinked_file_leaves_the_other_link_alone()
    {
        string root = MakeRoot();
        string cached = Path.Combine(_dir, "cached-object");
        File.WriteAllText(cached, "original\n");
        File.Delete(Path.Combine(root, "usr/share/data"));
        Arbor.Native.LibC.Link(cached, Path.Combine(root, "usr/share/data"));
        var p = Build("writer", "%post\necho appended >> /usr/share/data\n");
        ScriptRunner.RunAll(root, [new(p, PackageAction.Install)]);
        Assert.Equal("original\n", File.ReadAllText(cached));
        Assert.Equal("original\nappended\n", File.ReadAllText(Path.Combine(root, "usr/share/data")));
    }

    [Fact]
    public void Scripts_have_no_network_a_read_only_var_and_see_etc_where_a_system_has_it()
    {
        string root = MakeRoot();
        var p = Build("probe", "%post\n" +
            "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' ' > /usr/share/netdevs\n" +
            "if touch /var/forbidden 2>/dev/null; then echo writable; else echo read-only; fi > /usr/share/var-state\n" +
            "touch /var/tmp/allowed && echo ok > /usr/share/var-tmp\n" +
            "cat /etc/os-release > /usr/share/etc-seen\n" +
            "test -e /run/ostree-booted && echo yes > /usr/share/booted\n");
        ScriptRunner.RunAll(root, [new(p, PackageAction.Install)]);
        Assert.Equal(["lo"], File.ReadAllLines(Path.Combine(root, "usr/share/netdevs")));
        Assert.Equal("read-only\n", File.ReadAllText(Path.Combine(root, "usr/share/var-state")));
        Assert.Equal("ok\n", File.ReadAllText(Path.Combine(root, "usr/share/var-tmp")));
        Assert.Equal("NAME=Test\n", File.ReadAllText(Path.Combine(root, "usr/share/etc-seen")));
        Assert.Equal("yes\n", File.ReadAllText(Path.Combine(root, "usr/share/booted")));
        Assert.False(File.Exists(Path.Combine(root, "var/forbidden")));
        // /etc went back to /usr/etc.
        Assert.True(Directory.Exists(Path.Combine(root, "usr/etc")));
        Assert.Null(new DirectoryInfo(Path.Combine(root, "usr/etc")).LinkTarget);
        Assert.False(Path.Exists(Path.Combine(root, "etc")));
    }

    [Fact]
    public void Transfiletriggerin_gets_the_files_under_its_path_on_stdin()
    {
        string root = MakeRoot();
        Directory.CreateDirectory(Path.Combine(root, "usr/lib/plugins/sub"));
        File.WriteAllText(Path.Combine(root, "usr/lib/plugins/one.so"), "");
        File.WriteAllText(Path.Combine(root, "usr/lib/plugins/sub/two.so"), "");
        var p = Build("watcher", "%transfiletriggerin -- /usr/lib/plugins\ncat > /usr/share/trigger-input\n");
        int ran = ScriptRunner.RunAll(root, [new(p, PackageAction.Install)]);
        Assert.Equal(1, ran);
        Assert.Equal(["/usr/lib/plugins/one.so", "/usr/lib/plugins/sub/two.so"],
            File.ReadAllLines(Path.Combine(root, "usr/share/trigger-input")));
    }

    [Fact]
    public void Systemctl_keeps_only_presets_while_scripts_run()
    {
        string root = MakeRoot();
        string systemctl = Path.Combine(root, "usr/bin/systemctl");
        File.WriteAllText(systemctl, "#!/bin/sh\necho real systemctl \"$@\"\n");
        File.SetUnixFileMode(systemctl, (UnixFileMode)0x1ED);
        var p = Build("units", "%post\nsystemctl start foo.service\nsystemctl preset foo.service\n");
        var lines = new List<ScriptOutputLine>();
        ScriptRunner.RunAll(root, [new(p, PackageAction.Install)], new ScriptRunOptions { Output = lines.Add });
        Assert.Equal(
            [new("units.post", "rpm-ostree-systemctl: Ignored non-preset command: start foo.service"),
             new("units.post", "real systemctl preset foo.service")], lines);
        Assert.Equal("#!/bin/sh\necho real systemctl \"$@\"\n", File.ReadAllText(systemctl));
        Assert.False(File.Exists(systemctl + ".rpmostreesave"));
    }

    [Fact]
    public void A_failing_script_fails_naming_the_package_and_script_and_its_output_is_kept()
    {
        string root = MakeRoot();
        var p = Build("broken", "%post\necho about to fail\nexit 3\n");
        var lines = new List<ScriptOutputLine>();
        var e = Assert.Throws<ComposeException>(() =>
            ScriptRunner.RunAll(root, [new(p, PackageAction.Install)], new ScriptRunOptions { Output = lines.Add }));
        Assert.Equal("Running %post for broken: bwrap(/bin/sh): Child process exited with code 3", e.Message);
        Assert.Equal([new ScriptOutputLine("broken.post", "about to fail")], lines);
        Assert.True(Directory.Exists(Path.Combine(root, "usr/etc")));
        Assert.False(Directory.Exists(Path.Combine(root, "var/lib/rpm-state")));
    }

    [Fact]
    public void Scripts_on_the_ignore_list_do_not_run_and_lua_is_refused_unless_marked_to_skip()
    {
        string root = MakeRoot();
        var bash = Build("bash", "%post\nexit 1\n");
        var skipped = Build("skipper", "%post -p <lua>\n-- rpm-ostree-skip\nprint('never')\n");
        Assert.Equal(0, ScriptRunner.RunAll(root, [new(bash, PackageAction.Install), new(skipped, PackageAction.Install)]));
        var lua = Build("luaonly", "%post -p <lua>\nprint('hi')\n");
        var e = Assert.Throws<ComposeException>(() => ScriptRunner.RunAll(root, [new(lua, PackageAction.Install)]));
        Assert.Equal("Package 'luaonly' has (currently) unsupported <lua> script in '%post'", e.Message);
    }

    [Fact]
    public void A_package_trigger_is_refused_before_anything_runs()
    {
        string root = MakeRoot();
        var first = Build("first", "%post\necho ran >> /usr/share/log\n");
        var trig = Build("trig", "%triggerin -- first\necho hi\n");
        var e = Assert.Throws<ComposeException>(() =>
            ScriptRunner.RunAll(root, [new(first, PackageAction.Install), new(trig, PackageAction.Install)]));
        Assert.Equal("Package 'trig' has (currently) unsupported script of type '%triggerin'", e.Message);
        Assert.False(File.Exists(Path.Combine(root, "usr/share/log")));
    }

    [Fact]
    public void The_sanity_check_runs_true_and_fails_when_the_tree_cannot()
    {
        string root = MakeRoot();
        ScriptRunner.SanityCheck(root);
        File.Delete(Path.Combine(root, "usr/bin/true"));
        var e = Assert.Throws<ComposeException>(() => ScriptRunner.SanityCheck(root));
        Assert.StartsWith("Sanity-checking final rootfs: bwrap(/usr/bin/true): Child process exited with code", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Postprocess_scripts_run_in_the_sandbox_in_order_and_a_failure_names_the_step()
    {
        string root = MakeRoot();
        string file = Path.Combine(_dir, "post.sh");
        File.WriteAllText(file, "#!/bin/sh\necho file >> /usr/share/post-log\ncat /etc/os-release >> /usr/share/post-log\n");
        var lines = new List<ScriptOutputLine>();
        Arbor.Compose.Postprocess.TreePostprocess.Run(root, new Arbor.Compose.Postprocess.PostprocessRequest
        {
            InlineScripts = ["#!/bin/sh\necho first >> /usr/share/post-log\necho said-first\n", "#!/bin/sh\necho second >> /usr/share/post-log\n"],
            ScriptFile = file,
            Output = lines.Add,
        });
        Assert.Equal(["first", "second", "file", "NAME=Test"], File.ReadAllLines(Path.Combine(root, "usr/share/post-log")));
        Assert.Equal([new ScriptOutputLine("rpmostree-postprocess-inline-0", "said-first")], lines);
        Assert.False(File.Exists(Path.Combine(root, "usr/bin/rpmostree-postprocess-inline-0")));
        Assert.False(File.Exists(Path.Combine(root, "usr/bin/rpmostree-treefile-postprocess-script")));

        var e = Assert.Throws<ComposeException>(() => Arbor.Compose.Postprocess.TreePostprocess.Run(root,
            new Arbor.Compose.Postprocess.PostprocessRequest { InlineScripts = ["#!/bin/sh\nexit 4\n"] }));
        Assert.Equal("Executing inline postprocessing script: bwrap(/usr/bin/rpmostree-postprocess-inline-0): Child process exited with code 4", e.Message);
        Assert.True(Directory.Exists(Path.Combine(root, "usr/etc")));
        Assert.False(Path.Exists(Path.Combine(root, "etc")));
    }

    // A tree with busybox for /bin/sh and its tools, /bin a link to usr/bin, /usr/etc and /var.
    private string MakeRoot()
    {
        string root = Path.Combine(_dir, "root-" + Guid.NewGuid().ToString("N")[..8]);
        string bin = Path.Combine(root, "usr/bin");
        Directory.CreateDirectory(bin);
        Directory.CreateDirectory(Path.Combine(root, "usr/sbin"));
        Directory.CreateDirectory(Path.Combine(root, "usr/share"));
        Directory.CreateDirectory(Path.Combine(root, "usr/etc"));
        Directory.CreateDirectory(Path.Combine(root, "var"));
        File.WriteAllText(Path.Combine(root, "usr/etc/os-release"), "NAME=Test\n");
        File.WriteAllText(Path.Combine(root, "usr/share/data"), "original\n");
        File.Copy(Tools.Require("busybox", "apt-get install -y busybox-static"), Path.Combine(bin, "busybox"));
        foreach (string tool in new[] { "sh", "cat", "echo", "tail", "cut", "tr", "touch", "test", "true", "ls" })
            File.CreateSymbolicLink(Path.Combine(bin, tool), "busybox");
        File.CreateSymbolicLink(Path.Combine(root, "bin"), "usr/bin");
        return root;
    }

    // Builds a noarch package with the given script sections using the real rpmbuild.
    private PackageInfo Build(string name, string scripts)
    {
        string top = Path.Combine(_dir, "rpmbuild-" + name + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(top);
        string spec = Path.Combine(top, name + ".spec");
        File.WriteAllText(spec, $"Name: {name}\nVersion: 1.0\nRelease: 1\nSummary: test\nLicense: MIT\nBuildArch: noarch\n\n" +
            $"%description\ntest\n\n{scripts}\n%files\n");
        var r = Tools.RunIn(top, Tools.DefaultTimeout, Tools.Require("rpmbuild", "apt-get install -y rpm"),
            "-bb", "--define", "_topdir " + top, "--define", "__os_install_post %{nil}", spec);
        Assert.True(r.ExitCode == 0, r.ToString());
        string rpm = Directory.GetFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories).Single();
        using var package = RpmPackage.Open(rpm);
        return package.Info;
    }
}
