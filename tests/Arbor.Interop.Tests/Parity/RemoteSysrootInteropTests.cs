// `remote add|delete --sysroot=PATH` and `remote add --gpg-import=FILE` against the real ostree: the
// same commands on twin sysroots (made by ostree admin init-fs) or twin repositories give the same
// exit codes, messages and remote configuration, and the keys imported with the remote are the
// ones ostree's own gpg-list-keys reports.
namespace Arbor.Interop.Tests.Parity;

public sealed class RemoteSysrootInteropTests : IClassFixture<GpgKeys>, IDisposable
{
    private readonly GpgKeys _keys;
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-remote-sysroot-").FullName;

    public RemoteSysrootInteropTests(GpgKeys keys) => _keys = keys;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ProcessResult Run(bool arbor, params string[] args) => arbor ? Tools.Arbor(["ostree", .. args]) : Tools.OstreeRun(args);

    private static void AssertSame(ProcessResult theirs, ProcessResult ours, string what)
    {
        Assert.True(theirs.ExitCode == ours.ExitCode, $"{what}\nostree: {theirs}\narbor: {ours}");
        Assert.Equal(theirs.Stdout, ours.Stdout);
        if (theirs.ExitCode != 0)
            Assert.Equal(theirs.StderrLines[^1], ours.StderrLines[^1]);
    }

    [Fact]
    public void Sysroot_remotes_are_added_to_and_deleted_from_the_sysroot_repository_as_by_ostree()
    {
        var sysroots = new[] { Path.Combine(_dir, "ostree-sysroot"), Path.Combine(_dir, "arbor-sysroot") };
        foreach (var s in sysroots)
        {
            Directory.CreateDirectory(s);
            Tools.OstreeOk("admin", "init-fs", s);
        }
        string[][] steps =
        [
            ["remote", "add", "--no-gpg-verify", "origin", "http://example.com/repo", "os/x86_64/stable"],
            ["remote", "add", "--if-not-exists", "origin", "http://example.com/other"],
            ["remote", "add", "origin", "http://example.com/other"],
            ["remote", "add", "--set=branches=a;b;", "second", "http://example.com/second"],
            ["remote", "delete", "second"],
            ["remote", "delete", "second"],
            ["remote", "delete", "--if-exists", "second"],
        ];
        foreach (var step in steps)
        {
            var theirs = Run(false, [.. step, "--sysroot=" + sysroots[0]]);
            var ours = Run(true, [.. step, "--sysroot=" + sysroots[1]]);
            AssertSame(theirs, ours, string.Join(' ', step));
            Assert.Equal(File.ReadAllText(Path.Combine(sysroots[0], "ostree/repo/config")), File.ReadAllText(Path.Combine(sysroots[1], "ostree/repo/config")));
            Assert.Equal(Directory.Exists(Path.Combine(sysroots[0], "etc")), Directory.Exists(Path.Combine(sysroots[1], "etc")));
        }
        Assert.Contains("origin", Tools.OstreeOk("--repo=" + Path.Combine(sysroots[1], "ostree/repo"), "remote", "list").Stdout);
        // A path that is not a sysroot is refused, and the message names it.
        foreach (var bad in new[] { Path.Combine(_dir, "missing"), _dir })
        {
            AssertSame(Run(false, "remote", "add", "--sysroot=" + bad, "x", "http://x/"), Run(true, "remote", "add", "--sysroot=" + bad, "x", "http://x/"), bad);
            AssertSame(Run(false, "remote", "delete", "--sysroot=" + bad, "x"), Run(true, "remote", "delete", "--sysroot=" + bad, "x"), bad);
        }
    }

    [Fact]
    public void Gpg_import_with_remote_add_imports_the_file_keys_as_ostree_does()
    {
        var repos = new[] { Path.Combine(_dir, "ostree-repo"), Path.Combine(_dir, "arbor-repo") };
        foreach (var r in repos)
            Tools.OstreeOk("--repo=" + r, "init", "--mode=archive");
        var theirs = Run(false, "--repo=" + repos[0], "remote", "add", "--gpg-import=" + _keys.TrustedPublic, "origin", "http://example.com/repo");
        var ours = Run(true, "--repo=" + repos[1], "remote", "add", "--gpg-import=" + _keys.TrustedPublic, "origin", "http://example.com/repo");
        AssertSame(theirs, ours, "remote add --gpg-import");
        Assert.Contains("Imported 1 GPG key", ours.Stdout);
        var listed = Tools.OstreeOk("--repo=" + repos[0], "remote", "gpg-list-keys", "origin").Stdout;
        Assert.Contains(_keys.Trusted, listed);
        Assert.Equal(listed, Tools.OstreeOk("--repo=" + repos[1], "remote", "gpg-list-keys", "origin").Stdout);
        // A missing key file fails after the remote is added (ostree imports last), with the same message.
        var missing = Path.Combine(_dir, "no-such.asc");
        AssertSame(Run(false, "--repo=" + repos[0], "remote", "add", "--gpg-import=" + missing, "second", "http://x/"),
            Run(true, "--repo=" + repos[1], "remote", "add", "--gpg-import=" + missing, "second", "http://x/"), "missing key file");
        Assert.Equal(File.ReadAllText(Path.Combine(repos[0], "config")), File.ReadAllText(Path.Combine(repos[1], "config")));
    }
}
