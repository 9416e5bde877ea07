// The /etc merge against the real ostree: a sysroot is built and deployed with `ostree admin`,
// the administrator's changes are made in the deployment's /etc, a second commit with changed
// defaults is deployed by ostree (which merges), and Arbor's EtcMerge, given the same inputs,
// must produce the same tree (types, modes, owners, symlink targets, xattrs, content). The
// `config-diff` text is compared the same way. TestSysroot, the small sysroot builder used here
// and by the bootloader tests, lives at the end of this file.
using Arbor.Native;
using Arbor.Ostree;
using Arbor.Ostree.Sysroot;

namespace Arbor.Interop.Tests;

public sealed class EtcMergeInteropTests : IDisposable
{
    private readonly TestSysroot _sr = new("etc-merge");

    public void Dispose() => _sr.Dispose();

    private static void Defaults(string etc)
    {
        TestSysroot.WriteFile(etc, "hostname", "default-host\n");
        TestSysroot.WriteFile(etc, "motd", "welcome\n");
        TestSysroot.WriteFile(etc, "passwd", "root:x:0:0::/root:/bin/sh\n");
        TestSysroot.WriteFile(etc, "group-owned.conf", "g\n");
        TestSysroot.WriteFile(etc, "removed.conf", "bye\n");
        TestSysroot.WriteFile(etc, "legacy.conf", "legacy\n");
        TestSysroot.WriteFile(etc, "dropped.conf", "dropped upstream\n");
        TestSysroot.WriteFile(etc, "resolv.conf", "nameserver 127.0.0.1\n");
        TestSysroot.WriteFile(etc, "motd.d", "was a file\n");
        TestSysroot.WriteFile(etc, "olddir/a.conf", "a\n");
        TestSysroot.WriteFile(etc, "olddir/sub/b.conf", "b\n");
        TestSysroot.WriteFile(etc, "ssh/ssh_config", "Host *\n");
        TestSysroot.WriteFile(etc, "ssh/sshd_config", "PermitRootLogin no\n");
        TestSysroot.WriteFile(etc, "sudoers.d/README", "drop-ins\n");
        File.CreateSymbolicLink(Path.Combine(etc, "localtime"), "../usr/share/zoneinfo/UTC");
        LibC.LSetXattr(Path.Combine(etc, "hostname"), "user.shipped"u8, "1"u8);
    }

    private static void LocalChanges(string etc)
    {
        TestSysroot.WriteFile(etc, "hostname", "my-box\n");
        TestSysroot.WriteFile(etc, "motd", "local motd\n");
        TestSysroot.WriteFile(etc, "legacy.conf", "legacy, tuned\n");
        File.Delete(Path.Combine(etc, "removed.conf"));
        Directory.Delete(Path.Combine(etc, "olddir"), recursive: true);
        File.SetUnixFileMode(Path.Combine(etc, "passwd"), (UnixFileMode)0x180);
        LibC.LChown(Path.Combine(etc, "group-owned.conf"), 0, 4242);
        File.Delete(Path.Combine(etc, "resolv.conf"));
        File.CreateSymbolicLink(Path.Combine(etc, "resolv.conf"), "../run/resolv.conf");
        File.Delete(Path.Combine(etc, "localtime"));
        TestSysroot.WriteFile(etc, "localtime", "TZif\n");
        File.Delete(Path.Combine(etc, "motd.d"));
        TestSysroot.WriteFile(etc, "motd.d/10-banner", "banner\n");
        TestSysroot.WriteFile(etc, "app/conf.d/local.conf", "x=1\n", 0x180);
        File.SetUnixFileMode(Path.Combine(etc, "app"), (UnixFileMode)0x1C0);
        TestSysroot.WriteFile(etc, "labelled.conf", "l\n");
        LibC.LSetXattr(Path.Combine(etc, "labelled.conf"), "user.local"u8, "yes"u8);
        TestSysroot.WriteFile(etc, "helper", "#!/bin/sh\n");
        LibC.LChown(Path.Combine(etc, "helper"), 0, 7);
        File.SetUnixFileMode(Path.Combine(etc, "helper"), (UnixFileMode)0x9ED);
        // A directory whose mode alone changed, and one whose mode changed along with a file inside it.
        File.SetUnixFileMode(Path.Combine(etc, "sudoers.d"), (UnixFileMode)0x1C0);
        File.SetUnixFileMode(Path.Combine(etc, "ssh"), (UnixFileMode)0x1E8);
        TestSysroot.WriteFile(etc, "ssh/sshd_config", "PermitRootLogin yes\n");
    }

    private static void NewDefaults(string etc)
    {
        Defaults(etc);
        TestSysroot.WriteFile(etc, "motd", "welcome to version 2\n");
        TestSysroot.WriteFile(etc, "ssh/ssh_config", "Host *\n  ForwardAgent no\n");
        TestSysroot.WriteFile(etc, "new-default.conf", "new\n");
        TestSysroot.WriteFile(etc, "newdir/x.conf", "x\n");
        File.Delete(Path.Combine(etc, "dropped.conf"));
        File.Delete(Path.Combine(etc, "legacy.conf"));
    }

    private string ArborConfigDiff() =>
        Tools.ArborOk("ostree", "admin", "--sysroot=" + _sr.Root, "config-diff", "--os=" + TestSysroot.OsName).Stdout;

    [Fact]
    public void MergedEtcMatchesOstree()
    {
        var dep1 = _sr.Deploy(_sr.CommitTree("v1", Defaults));
        LocalChanges(Path.Combine(dep1, "etc"));
        var ours = ArborConfigDiff();
        var theirs = Tools.OstreeOk("admin", "--sysroot=" + _sr.Root, "config-diff", "--os=" + TestSysroot.OsName).Stdout;
        Assert.Equal(theirs, ours);

        var dep2 = _sr.Deploy(_sr.CommitTree("v2", NewDefaults));
        var merged = Path.Combine(_sr.Scratch, "arbor-etc");
        EtcMerge.Merge(Path.Combine(dep1, "usr", "etc"), Path.Combine(dep1, "etc"), Path.Combine(dep2, "usr", "etc"), merged);
        var diff = TreeComparer.Compare(Path.Combine(dep2, "etc"), merged, TreeAspects.All);
        Assert.True(diff is null, diff);
        // Spot checks that the comparison saw the interesting cases at all.
        Assert.Equal("local motd\n", File.ReadAllText(Path.Combine(merged, "motd")));
        Assert.Equal("../run/resolv.conf", new FileInfo(Path.Combine(merged, "resolv.conf")).LinkTarget);
        Assert.True(File.Exists(Path.Combine(merged, "new-default.conf")));

        // After the merge, the new deployment's config-diff agrees too.
        Assert.Equal(
            Tools.OstreeOk("admin", "--sysroot=" + _sr.Root, "config-diff", "--os=" + TestSysroot.OsName).Stdout,
            ArborConfigDiff());
    }

    [Fact]
    public void ConfigDiffOrderMatchesOstreeInABigDirectory()
    {
        // Enough entries that readdir order, inode order and name order all differ.
        var dep = _sr.Deploy(_sr.CommitTree("v1", etc =>
        {
            for (int i = 0; i < 60; i++)
                TestSysroot.WriteFile(etc, $"conf.d/{i * 37 % 61:D2}.conf", $"{i}\n");
        }));
        var etc = Path.Combine(dep, "etc");
        for (int i = 0; i < 60; i += 3)
            TestSysroot.WriteFile(etc, $"conf.d/{i * 37 % 61:D2}.conf", "changed\n");
        for (int i = 1; i < 60; i += 7)
            File.Delete(Path.Combine(etc, $"conf.d/{i * 37 % 61:D2}.conf"));
        for (int i = 0; i < 40; i++)
            TestSysroot.WriteFile(etc, $"added.d/{i * 13 % 41:D2}.conf", "new\n");
        var theirs = Tools.OstreeOk("admin", "--sysroot=" + _sr.Root, "config-diff", "--os=" + TestSysroot.OsName).Stdout;
        Assert.Equal(theirs, ArborConfigDiff());
    }

    [Fact]
    public void LocalFileWhereNewDefaultsKeepADirectoryFailsLikeOstree()
    {
        var dep1 = _sr.Deploy(_sr.CommitTree("v1", Defaults));
        var etc = Path.Combine(dep1, "etc");
        Directory.Delete(Path.Combine(etc, "ssh"), recursive: true);
        TestSysroot.WriteFile(etc, "ssh", "flattened\n");
        var commit = _sr.CommitTree("v2", NewDefaults);
        var r = Tools.OstreeRun("admin", "--sysroot=" + _sr.Root, "deploy", "--os=" + TestSysroot.OsName, commit);
        Assert.NotEqual(0, r.ExitCode);
        const string Expected = "Modified config file newly defaults to directory 'ssh', cannot merge";
        Assert.Contains(Expected, r.Stderr, StringComparison.Ordinal);

        var newDefaults = Path.Combine(_sr.Scratch, "v2-etc");
        Tools.OstreeOk("--repo=" + _sr.Repo, "checkout", "--subpath=/usr/etc", commit, newDefaults);
        var target = Path.Combine(_sr.Scratch, "arbor-etc");
        var e = Assert.Throws<OstreeException>(() => EtcMerge.Merge(Path.Combine(dep1, "usr", "etc"), etc, newDefaults, target));
        Assert.Contains(Expected, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
        Assert.Empty(Directory.GetFileSystemEntries(_sr.Scratch, ".arbor-etc*"));
    }
}

/// <summary>A sysroot made and deployed by the real ostree in a scratch directory (one OS, "testos").</summary>
public sealed class TestSysroot : IDisposable
{
    /// <summary>The stateroot every test deploys to.</summary>
    public const string OsName = "testos";

    /// <summary>The kernel version the test trees carry.</summary>
    public const string KernelVersion = "6.1.0-test";

    private readonly string _base;
    private int _trees;

    /// <summary>Creates an empty sysroot (init-fs, os-init).</summary>
    public TestSysroot(string name)
    {
        _base = Directory.CreateTempSubdirectory($"arbor-{name}-").FullName;
        Root = Path.Combine(_base, "sysroot");
        Scratch = Path.Combine(_base, "scratch");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Scratch);
        Tools.OstreeOk("admin", "init-fs", Root);
        Tools.OstreeOk("admin", "--sysroot=" + Root, "os-init", OsName);
    }

    /// <summary>The sysroot directory.</summary>
    public string Root { get; }

    /// <summary>A directory for the test's own files, next to the sysroot.</summary>
    public string Scratch { get; }

    /// <summary>The sysroot's repository.</summary>
    public string Repo => Path.Combine(Root, "ostree", "repo");

    /// <summary>Writes a file (creating parents) with the given mode.</summary>
    public static void WriteFile(string root, string rel, string text, int mode = 0x1A4)
    {
        var p = Path.Combine(root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        if (File.Exists(p))
            File.Delete(p);
        File.WriteAllText(p, text);
        File.SetUnixFileMode(p, (UnixFileMode)mode);
    }

    /// <summary>
    /// Commits a bootable tree whose usr/etc is filled by <paramref name="etc"/> (and anything else by
    /// <paramref name="tree"/>, given the tree root); returns the commit.
    /// </summary>
    public string CommitTree(string version, Action<string> etc, Action<string>? tree = null)
    {
        var root = Path.Combine(_base, $"tree-{++_trees}");
        var usrEtc = Path.Combine(root, "usr", "etc");
        Directory.CreateDirectory(usrEtc);
        WriteFile(usrEtc, "os-release", $"NAME=\"Test OS\"\nID={OsName}\nVERSION_ID={version}\nPRETTY_NAME=\"Test OS {version}\"\n");
        etc(usrEtc);
        tree?.Invoke(root);
        var modules = Path.Combine(root, "usr", "lib", "modules", KernelVersion);
        WriteFile(modules, "vmlinuz", $"kernel {version}\n");
        WriteFile(modules, "initramfs.img", $"initramfs {version}\n");
        return Tools.OstreeOk("--repo=" + Repo, "commit", "-b", "os", "--tree=dir=" + root,
            "--add-metadata-string=version=" + version).Stdout.Trim();
    }

    /// <summary>Deploys <paramref name="commit"/> with the real ostree (<paramref name="environment"/>: extra NAME=VALUE); returns the new deployment directory.</summary>
    public string Deploy(string commit, params string[] environment)
    {
        var before = Deployments();
        // `env` passes variables (such as OSTREE_GRUB2_EXEC) to ostree alone, not to the test process.
        Tools.RunOk(Tools.Require("env", "apt-get install -y coreutils"),
            [.. environment, Tools.Ostree, "admin", "--sysroot=" + Root, "deploy", "--os=" + OsName,
             "--karg=root=LABEL=testroot", "--karg=quiet", commit]);
        return Deployments().Except(before).Single();
    }

    /// <summary>The deployment directories present now.</summary>
    public List<string> Deployments()
    {
        var dir = Path.Combine(Root, "ostree", "deploy", OsName, "deploy");
        return Directory.Exists(dir) ? Directory.GetDirectories(dir).ToList() : [];
    }

    /// <summary>The BLS entries of boot version <paramref name="bootVersion"/>, parsed, in ostree's order.</summary>
    public List<IReadOnlyList<KeyValuePair<string, string>>> ReadEntries(int bootVersion)
    {
        var dir = Path.Combine(Root, "boot", $"loader.{bootVersion}", "entries");
        var entries = Directory.GetFiles(dir, "ostree-*.conf").Select(f =>
        {
            var kvs = new List<KeyValuePair<string, string>>();
            foreach (var line in File.ReadAllText(f).Split('\n'))
            {
                if (line.Length == 0 || !char.IsAsciiLetter(line[0]))
                    continue;
                int sp = line.IndexOfAny([' ', '\t']);
                if (sp > 0)
                    kvs.Add(new(line[..sp], line[(sp + 1)..]));
            }
            return (IReadOnlyList<KeyValuePair<string, string>>)kvs;
        }).ToList();
        // ostree sorts by "version", highest first (strverscmp); the test entries carry small integers.
        return [.. entries.OrderByDescending(e => int.Parse(e.Last(kv => kv.Key == "version").Value, System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <summary>The boot version the <c>boot/loader</c> symlink points at.</summary>
    public int CurrentBootVersion() => File.ResolveLinkTarget(Path.Combine(Root, "boot", "loader"), false)!.Name == "loader.1" ? 1 : 0;

    /// <summary>Removes everything, clearing the immutable bit ostree sets on deployments.</summary>
    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("ARBOR_KEEP_SCRATCH") == "1")
            return;
        foreach (var d in Deployments())
            Tools.Run("chattr", "-i", d);
        ScratchFixture.RemoveTree(_base);
    }
}
