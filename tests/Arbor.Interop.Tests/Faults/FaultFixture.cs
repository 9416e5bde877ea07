// Shared inputs of the fault campaigns, made once per run: the generated pull tree (a few hundred
// files and a 5 MiB one), an archive repository written by the real ostree holding it as "main"
// (parent: a small tree) with a summary and a from-scratch static delta, nginx serving that
// repository lazily, the commit checksums the real ostree gives the tree in each mode, and bootable
// OS trees (a kernel plus the generated tree) for sysroots. Mounts the campaigns make are tracked
// here too, so that a failing test never leaves a filesystem mounted.
using System.Collections.Concurrent;

namespace Arbor.Interop.Tests.Faults;

/// <summary>Inputs and mounts for the fault campaigns.</summary>
public sealed class FaultFixture : ScratchFixture, IDisposable
{
    private readonly Lazy<NginxServer> _nginx;
    private readonly Lazy<string> _delta;
    private readonly ConcurrentDictionary<string, Lazy<string>> _expected = new(StringComparer.Ordinal);

    /// <summary>Builds the trees and the source repository.</summary>
    public FaultFixture()
    {
        Tree = Path.Combine(Root, "tree");
        PullFixture.MakeTree(Tree);
        Small = Path.Combine(Tree, "sub");
        Source = OstreeInit("archive", "source");
        var repo = "--repo=" + Source;
        Tools.OstreeOk(repo, "commit", "-b", "main", "--tree=dir=" + Small, "--timestamp=2020-01-01 00:00:00 +0000", "-s", "small");
        Tools.OstreeOk(repo, "commit", "-b", "main", "--tree=dir=" + Tree, "--timestamp=2020-01-02 00:00:00 +0000", "-s", "full");
        Tools.OstreeOk(repo, "summary", "-u");
        Main = Tools.OstreeOk(repo, "rev-parse", "main").Stdout.Trim();
        Parent = Tools.OstreeOk(repo, "rev-parse", "main^").Stdout.Trim();
        _nginx = new Lazy<NginxServer>(() => new NginxServer(Source, NewDir("nginx")));
        _delta = new Lazy<string>(() =>
        {
            var dir = NewDir("delta");
            Tools.OstreeOk("static-delta", "generate", repo, "--empty", "--to=" + Main, "--min-fallback-size=0", $"--filename={dir}/superblock");
            return dir;
        });
        OsTree1 = OsTree("os1", "kernel-one\n");
        OsTree2 = OsTree("os2", "kernel-two\n");
    }

    /// <summary>The generated tree (committed as "main" of <see cref="Source"/>).</summary>
    public string Tree { get; }

    /// <summary>A small tree (main's parent).</summary>
    public string Small { get; }

    /// <summary>The archive repository written by the real ostree.</summary>
    public string Source { get; }

    /// <summary>main's commit in <see cref="Source"/>.</summary>
    public string Main { get; }

    /// <summary>main's parent in <see cref="Source"/>.</summary>
    public string Parent { get; }

    /// <summary>nginx serving <see cref="Source"/>.</summary>
    public NginxServer Nginx => _nginx.Value;

    /// <summary>A from-scratch static delta to <see cref="Main"/> (a directory holding "superblock").</summary>
    public string Delta => _delta.Value;

    /// <summary>A bootable tree: a kernel and initramfs, usr/etc, and the generated tree under usr/share/data.</summary>
    public string OsTree1 { get; }

    /// <summary>Like <see cref="OsTree1"/> with another kernel.</summary>
    public string OsTree2 { get; }

    /// <summary>The commit options every campaign commits <see cref="Tree"/> with.</summary>
    public string[] CommitArgs(string branch, string tree) =>
        ["commit", "-b", branch, "--tree=dir=" + tree, "--timestamp=2021-01-01 00:00:00 +0000", "-s", "fault campaign", "--add-metadata-string=version=9"];

    /// <summary>The checksum the real ostree gives <see cref="Tree"/> committed with <see cref="CommitArgs"/> onto a <see cref="Seeded"/> repository of <paramref name="mode"/>.</summary>
    public string Expected(string mode) => _expected.GetOrAdd(mode, m => new Lazy<string>(() =>
    {
        var repo = Seeded(m, NewPath("expected-" + m));
        return Tools.OstreeOk(["--repo=" + repo, .. CommitArgs("main", Tree)]).Stdout.Trim();
    })).Value;

    /// <summary>A repository of <paramref name="mode"/> at <paramref name="path"/> holding "main" = the small tree (pre-existing data a fault must not damage).</summary>
    public string Seeded(string mode, string path)
    {
        Tools.OstreeOk("--repo=" + path, "init", "--mode=" + mode);
        Tools.OstreeOk("--repo=" + path, "commit", "-b", "main", "--tree=dir=" + Small, "--timestamp=2020-06-01 00:00:00 +0000", "-s", "before");
        return path;
    }

    private string OsTree(string name, string kernel)
    {
        var root = NewDir(name);
        var modules = Path.Combine(root, "usr/lib/modules/6.1.0-test");
        Directory.CreateDirectory(modules);
        File.WriteAllText(Path.Combine(modules, "vmlinuz"), kernel);
        File.WriteAllText(Path.Combine(modules, "initramfs.img"), "initramfs of " + kernel);
        Directory.CreateDirectory(Path.Combine(root, "usr/etc"));
        File.WriteAllText(Path.Combine(root, "usr/etc/os-release"), "ID=debian\nVERSION_ID=12\n");
        File.WriteAllText(Path.Combine(root, "usr/etc/" + name + ".conf"), name + "\n");
        Tools.RunOk("cp", "-a", Tree, Path.Combine(root, "usr/share"));
        return root;
    }

    /// <summary>
    /// A sysroot at <paramref name="root"/> (made by ostree): stateroot "debian", refs debian/one
    /// (<see cref="OsTree1"/>, version 1) and debian/two (<see cref="OsTree2"/>, version 2), debian/one deployed.
    /// <paramref name="afterInit"/> runs right after init-fs (to mount a separate /boot, say).
    /// </summary>
    public string NewSysroot(string root, Action<string>? afterInit = null)
    {
        Directory.CreateDirectory(root);
        Tools.OstreeOk("admin", "init-fs", root);
        afterInit?.Invoke(root);
        Tools.OstreeOk("admin", "--sysroot=" + root, "os-init", "debian");
        var repo = "--repo=" + Path.Combine(root, "ostree/repo");
        Tools.OstreeOk(repo, "commit", "-b", "debian/one", "--tree=dir=" + OsTree1, "--timestamp=2020-01-01 00:00:00 +0000", "-s", "one", "--add-metadata-string=version=1");
        Tools.OstreeOk(repo, "commit", "-b", "debian/two", "--tree=dir=" + OsTree2, "--timestamp=2020-01-02 00:00:00 +0000", "-s", "two", "--add-metadata-string=version=2");
        Tools.OstreeOk("admin", "--sysroot=" + root, "deploy", "--os=debian", "--karg=root=/dev/vda1", "debian/one");
        return root;
    }

    /// <summary>Lifts the immutable flags, then removes the scratch tree (mounts are the tests' to undo).</summary>
    public new void Dispose()
    {
        if (_nginx.IsValueCreated)
            _nginx.Value.Dispose();
        FaultChecks.Unfreeze(Root);
        base.Dispose();
    }
}

/// <summary>The fault campaigns share one <see cref="FaultFixture"/> and run apart from the other collections.</summary>
[CollectionDefinition("faults")]
public sealed class FaultCollection : ICollectionFixture<FaultFixture>;
