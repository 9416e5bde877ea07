// `pull --bareuseronly-files` against the real ostree: a commit holding a world-writable or setuid
// regular file is refused with ostree's message (the object's checksum, its mode and the bits
// outside 0775) and the ref does not move; a commit within 0775 pulls, and without the option the
// same bad commit pulls too. Both tools pull the same file:// remote.
namespace Arbor.Interop.Tests.Parity;

[Collection("interop")]
public sealed class PullBareUserOnlyFilesInteropTests(InteropFixture fx)
{
    [Theory]
    [InlineData("0777")]
    [InlineData("4755")]
    public void Files_outside_0775_are_refused_as_ostree_refuses_them(string mode)
    {
        var tree = fx.NewDir("buof-tree");
        File.WriteAllText(Path.Combine(tree, "fine"), "fine\n");
        File.SetUnixFileMode(Path.Combine(tree, "fine"), (UnixFileMode)Convert.ToInt32("0755", 8));
        var src = fx.NewDir("buof-src");
        Tools.OstreeOk("--repo=" + src, "init", "--mode=archive");
        var good = Tools.OstreeOk("--repo=" + src, "commit", "-b", "good", "--tree=dir=" + tree).Stdout.Trim();
        var bad = Path.Combine(tree, "bad");
        File.WriteAllText(bad, "bad\n");
        File.SetUnixFileMode(bad, (UnixFileMode)Convert.ToInt32(mode, 8));
        Tools.OstreeOk("--repo=" + src, "commit", "-b", "bad", "--tree=dir=" + tree);

        string Client(string name)
        {
            var repo = fx.NewDir(name);
            Tools.OstreeOk("--repo=" + repo, "init", "--mode=archive");
            Tools.OstreeOk("--repo=" + repo, "remote", "add", "--no-gpg-verify", "o", "file://" + src);
            return repo;
        }
        var theirs = Client("buof-ostree");
        var ours = Client("buof-arbor");
        var o = Tools.OstreeRun("--repo=" + theirs, "pull", "--bareuseronly-files", "o", "bad");
        var a = Tools.Arbor("ostree", "--repo=" + ours, "pull", "--bareuseronly-files", "o", "bad");
        Assert.Equal(1, o.ExitCode);
        Assert.True(a.ExitCode == 1, a.ToString());
        Assert.Contains("invalid mode", a.StderrLines[^1], StringComparison.Ordinal);
        Assert.Equal(o.StderrLines[^1], a.StderrLines[^1]);
        Assert.Null(Tools.OstreeOk("--repo=" + ours, "refs").Stdout.Split('\n').FirstOrDefault(l => l == "o:bad"));

        var fine = Tools.Arbor("ostree", "--repo=" + ours, "pull", "--bareuseronly-files", "o", "good");
        Assert.True(fine.ExitCode == 0, fine.ToString());
        Assert.Equal(good, Tools.OstreeOk("--repo=" + ours, "rev-parse", "o:good").Stdout.Trim());
        var without = Tools.Arbor("ostree", "--repo=" + ours, "pull", "o", "bad");
        Assert.True(without.ExitCode == 0, without.ToString());
        Tools.OstreeOk("--repo=" + ours, "fsck");
    }
}
