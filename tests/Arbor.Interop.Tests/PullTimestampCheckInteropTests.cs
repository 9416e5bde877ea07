// `pull --timestamp-check` and `--timestamp-check-from-rev`: a pull that would move a ref to an
// older commit fails as ostree's does (same error line, exit 1) and leaves the ref where it was;
// a newer commit pulls. Both tools run the same script against the same file:// remote.
namespace Arbor.Interop.Tests;

[Collection("interop")]
public sealed class PullTimestampCheckInteropTests(InteropFixture fx)
{
    private sealed record Source(string Url, string Newer, string Older);

    private Source MakeSource()
    {
        var tree = fx.NewDir("ts-tree");
        File.WriteAllText(Path.Combine(tree, "a"), "a\n");
        var repo = fx.NewDir("ts-src");
        Tools.OstreeOk("--repo=" + repo, "init", "--mode=archive");
        var newer = Tools.OstreeOk("--repo=" + repo, "commit", "-b", "m", "--timestamp=2021-01-01 00:00:00 +0000", "--tree=dir=" + tree).Stdout.Trim();
        File.WriteAllText(Path.Combine(tree, "b"), "b\n");
        var older = Tools.OstreeOk("--repo=" + repo, "commit", "-b", "m", "--timestamp=2020-01-01 00:00:00 +0000", "--tree=dir=" + tree).Stdout.Trim();
        return new Source("file://" + repo, newer, older);
    }

    private string Client(Source src, Func<string[], ProcessResult> tool, string name)
    {
        var repo = fx.NewDir(name);
        Tools.OstreeOk("--repo=" + repo, "init", "--mode=archive");
        Tools.OstreeOk("--repo=" + repo, "remote", "add", "--no-gpg-verify", "o", src.Url);
        var first = tool(["--repo=" + repo, "pull", "o", "m@" + src.Newer]);
        Assert.True(first.ExitCode == 0, first.ToString());
        return repo;
    }

    [Fact]
    public void AnOlderCommitIsRefusedAsOstreeRefusesIt()
    {
        var src = MakeSource();
        ProcessResult Ostree(string[] a) => Tools.Run(Tools.Ostree, a);
        ProcessResult Arbor(string[] a) => Tools.Arbor(["ostree", .. a]);
        var theirs = Client(src, Ostree, "ts-ostree");
        var ours = Client(src, Arbor, "ts-arbor");

        foreach (var args in new[] { new[] { "--timestamp-check", "o", "m" }, ["-T", "o", "m"], ["--timestamp-check-from-rev=" + src.Newer, "o", "m"] })
        {
            var o = Ostree(["--repo=" + theirs, "pull", .. args]);
            var a = Arbor(["--repo=" + ours, "pull", .. args]);
            Assert.Equal(1, o.ExitCode);
            Assert.Equal(1, a.ExitCode);
            Assert.Contains("is chronologically older than current revision", a.StderrLines[^1], StringComparison.Ordinal);
            Assert.Equal(o.StderrLines[^1], a.StderrLines[^1]);
            Assert.Equal(src.Newer, Tools.OstreeOk("--repo=" + ours, "rev-parse", "o:m").Stdout.Trim());
        }

        var fine = Arbor(["--repo=" + ours, "pull", "--timestamp-check-from-rev=" + src.Older, "o", "m@" + src.Newer]);
        Assert.True(fine.ExitCode == 0, fine.ToString());
        Tools.OstreeOk("--repo=" + ours, "fsck");
    }
}
