// `commit --bootable` against the real ostree: the kernel release of usr/lib/modules/KVER/vmlinuz
// becomes ostree.linux next to ostree.bootable, and the metadata takes the order ostree's
// GVariantDict gives it — with few keys and with enough to grow GLib's hash table — so both tools
// make the same commit checksum. Trees without exactly one kernel fail with ostree's message.
namespace Arbor.Interop.Tests.Parity;

[Collection("interop")]
public sealed class CommitBootableInteropTests(InteropFixture fx)
{
    private static void Put(string tree, string rel, string text)
    {
        var path = Path.Combine(tree, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static string[] CommitArgs(string repo, string tree, params string[] extra) =>
        ["--repo=" + repo, "commit", "-b", "os", "--bootable", "--timestamp=2021-03-04 05:06:07 +0000", "-s", "boot",
         "--owner-uid=0", "--owner-gid=0", .. extra, "--tree=dir=" + tree];

    [Fact]
    public void Bootable_metadata_and_checksum_match_ostree()
    {
        var tree = fx.NewDir("boot-tree");
        Put(tree, "usr/lib/modules/6.1.0-13-amd64/vmlinuz", "kernel\n");
        Put(tree, "usr/lib/modules/6.1.0-13-amd64/modules.dep", "\n");
        Put(tree, "usr/lib/modules/extra/readme", "no kernel here\n");
        Put(tree, "etc/os-release", "ID=test\n");
        var theirs = fx.NewDir("boot-ostree");
        var ours = fx.NewDir("boot-arbor");
        Tools.OstreeOk("--repo=" + theirs, "init", "--mode=archive");
        Tools.OstreeOk("--repo=" + ours, "init", "--mode=archive");
        string[][] variants =
        [
            [],
            ["--add-metadata-string=version=1.0"],
            // Past seven keys GLib's table grows and rehashes: the order must still be ostree's.
            [.. Enumerable.Range(0, 12).Select(i => $"--add-metadata-string=key{i}=v{i}"), "--add-metadata=n=uint32 7"],
            ["--no-bindings", "--add-metadata-string=ostree.linux=overridden"],
        ];
        foreach (var v in variants)
        {
            var o = Tools.OstreeOk(CommitArgs(theirs, tree, v)).Stdout.Trim();
            var a = Tools.ArborOk(["ostree", .. CommitArgs(ours, tree, v)]).Stdout.Trim();
            var meta = Tools.OstreeOk("--repo=" + theirs, "show", "--raw", o).Stdout;
            Assert.Contains("'ostree.linux': <'6.1.0-13-amd64'>", meta);
            Assert.Equal(meta, Tools.OstreeOk("--repo=" + ours, "show", "--raw", a).Stdout);
            Assert.Equal(o, a);
        }
        Tools.OstreeOk("--repo=" + ours, "fsck");
    }

    [Fact]
    public void Trees_without_one_kernel_fail_as_in_ostree()
    {
        var none = fx.NewDir("boot-none");
        Put(none, "usr/lib/modules/6.1/modules.dep", "\n");
        var two = fx.NewDir("boot-two");
        Put(two, "usr/lib/modules/6.1/vmlinuz", "a\n");
        Put(two, "usr/lib/modules/6.2/vmlinuz", "b\n");
        var nolib = fx.NewDir("boot-nolib");
        Put(nolib, "usr/bin/sh", "sh\n");
        var theirs = fx.NewDir("boot-fail-ostree");
        var ours = fx.NewDir("boot-fail-arbor");
        Tools.OstreeOk("--repo=" + theirs, "init", "--mode=archive");
        Tools.OstreeOk("--repo=" + ours, "init", "--mode=archive");
        foreach (var tree in new[] { none, two, nolib })
        {
            var o = Tools.OstreeRun(CommitArgs(theirs, tree));
            var a = Tools.Arbor(["ostree", .. CommitArgs(ours, tree)]);
            Assert.NotEqual(0, o.ExitCode);
            Assert.NotEqual(0, a.ExitCode);
            var message = o.Stderr.Trim().Replace("error: ", "", StringComparison.Ordinal);
            Assert.Contains(message, a.Stderr);
        }
        Assert.Equal("", Tools.OstreeOk("--repo=" + ours, "refs").Stdout.Trim());
    }
}
