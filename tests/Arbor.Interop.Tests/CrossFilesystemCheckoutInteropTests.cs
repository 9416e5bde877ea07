// Checkouts onto another filesystem (a tmpfs mounted by the test), where link(2) and rename(2)
// from the repository fail with EXDEV: from an archive repository in user mode (through the
// uncompressed-objects cache) and in full mode, and from bare and bare-user repositories. Arbor's
// checkout must equal the real ostree's, and no temp file may stay in the repository's tmp/.
namespace Arbor.Interop.Tests;

[Collection("interop")]
public sealed class CrossFilesystemCheckoutInteropTests(InteropFixture fx) : IDisposable
{
    private readonly List<string> _mounts = [];

    public void Dispose()
    {
        foreach (var m in _mounts)
            Tools.Run("umount", m);
    }

    private string Tmpfs()
    {
        var dir = fx.NewDir("tmpfs");
        Tools.RunOk("mount", "-t", "tmpfs", "tmpfs", dir);
        _mounts.Add(dir);
        return dir;
    }

    [Theory]
    [InlineData("archive", true)]
    [InlineData("archive", false)]
    [InlineData("bare", false)]
    [InlineData("bare-user", true)]
    public void CheckoutOntoAnotherFilesystemEqualsOstrees(string mode, bool user)
    {
        var pair = fx.MakePair(mode, fx.Tree, Tools.DefaultTimeout);
        var other = Tmpfs();
        string[] u = user ? ["-U"] : [];
        var ours = Path.Combine(other, "arbor");
        var r = Tools.Arbor(["ostree", pair.ArborRepoArg, "checkout", .. u, "main", ours]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var theirs = Path.Combine(other, "ostree");
        Tools.OstreeOk([pair.OstreeRepoArg, "checkout", .. u, "main", theirs]);
        Assert.Null(TreeComparer.Compare(theirs, ours, user ? TreeAspects.Mode : TreeAspects.All));
        Assert.Equal(["cache"], Directory.GetFileSystemEntries(Path.Combine(pair.ArborRepo, "tmp")).Select(Path.GetFileName));
    }
}
