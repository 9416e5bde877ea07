// Checkout round trips: a generated tree is committed with the library in each repository mode
// and checked out again; type, mode, ownership, content, symlink targets and xattrs must come
// back, plus the union, union-add, whiteout, subpath and hardlink rules.
using Arbor.Native;
using Arbor.Ostree.Checkout;
using Arbor.Ostree.Commits;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Checkout;

public sealed class CheckoutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-checkout-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static void MakeTree(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "sub/deep"));
        File.WriteAllText(Path.Combine(root, "a.txt"), "alpha\n");
        // Incompressible, so that any flipped byte of an archive object changes the data.
        var big = new byte[300_000];
        new Random(42).NextBytes(big);
        File.WriteAllBytes(Path.Combine(root, "sub/big.bin"), big);
        File.WriteAllText(Path.Combine(root, "sub/deep/c"), "c");
        File.WriteAllText(Path.Combine(root, "empty"), "");
        File.SetUnixFileMode(Path.Combine(root, "a.txt"), (UnixFileMode)0x1ED);
        File.SetUnixFileMode(Path.Combine(root, "sub/deep/c"), (UnixFileMode)0x180);
        File.CreateSymbolicLink(Path.Combine(root, "link"), "sub/deep/c");
        Directory.CreateDirectory(Path.Combine(root, "ro"));
        File.WriteAllText(Path.Combine(root, "ro/f"), "inside read-only dir");
        File.SetUnixFileMode(Path.Combine(root, "ro"), (UnixFileMode)0x16D);
        if (LibC.GetUid() == 0)
            LibC.LSetXattr(Path.Combine(root, "a.txt"), "user.test"u8, "v"u8);
    }

    private (Repository Repo, Checksum Commit) Commit(RepoMode mode, string tree)
    {
        var repo = Repository.Create(Path.Combine(_dir, "repo-" + mode), mode);
        var mt = new MutableTree();
        new DirectoryImporter(repo, new CommitModifier().For(mode)).Import(tree, mt);
        var c = CommitWriter.WriteCommit(repo, mt, new CommitRequest { Timestamp = 1 }, out _);
        return (repo, c);
    }

    private string Src(string name = "src")
    {
        var p = Path.Combine(_dir, name);
        MakeTree(p);
        return p;
    }

    [Theory]
    [InlineData(RepoMode.Bare, CheckoutMode.None)]
    [InlineData(RepoMode.BareUser, CheckoutMode.User)]
    [InlineData(RepoMode.BareUserOnly, CheckoutMode.User)]
    [InlineData(RepoMode.Archive, CheckoutMode.User)]
    [InlineData(RepoMode.Archive, CheckoutMode.None)]
    public void RoundTripKeepsTheTree(RepoMode mode, CheckoutMode checkoutMode)
    {
        var src = Src();
        var (repo, c) = Commit(mode, src);
        var dest = Path.Combine(_dir, "out");
        TreeCheckout.Run(repo, c, dest, new CheckoutOptions { Mode = checkoutMode });
        bool full = checkoutMode == CheckoutMode.None && mode != RepoMode.BareUserOnly;
        foreach (var rel in new[] { "a.txt", "sub", "sub/big.bin", "sub/deep", "sub/deep/c", "empty", "link", "ro", "ro/f" })
        {
            var s = LibC.LStat(Path.Combine(src, rel));
            var d = LibC.LStat(Path.Combine(dest, rel));
            Assert.Equal(s.Type, d.Type);
            if (!s.IsSymlink)
                Assert.Equal(mode == RepoMode.BareUserOnly ? s.Mode & 0xF1ED : s.Mode, d.Mode);
            if (s.IsRegular)
                Assert.Equal(File.ReadAllBytes(Path.Combine(src, rel)), File.ReadAllBytes(Path.Combine(dest, rel)));
            if (full)
                Assert.Equal((s.Uid, s.Gid), (d.Uid, d.Gid));
        }
        Assert.Equal("sub/deep/c", new FileInfo(Path.Combine(dest, "link")).LinkTarget);
        if (full && LibC.GetUid() == 0)
            Assert.Equal("v"u8.ToArray(), LibC.LGetXattr(Path.Combine(dest, "a.txt"), "user.test"u8));
        // Hardlinks when the modes match; zero-sized files are always copies.
        bool linked = (mode == RepoMode.Bare && checkoutMode == CheckoutMode.None) || (mode is RepoMode.BareUser or RepoMode.BareUserOnly);
        Assert.Equal(linked ? 2u : 1u, LibC.LStat(Path.Combine(dest, "sub/big.bin")).NLink);
        Assert.Equal(1u, LibC.LStat(Path.Combine(dest, "empty")).NLink);
    }

    [Theory]
    [InlineData(RepoMode.Bare, CheckoutMode.None, OverwriteMode.None)]
    [InlineData(RepoMode.Bare, CheckoutMode.None, OverwriteMode.UnionFiles)]
    [InlineData(RepoMode.BareUser, CheckoutMode.User, OverwriteMode.None)]
    [InlineData(RepoMode.BareUser, CheckoutMode.User, OverwriteMode.UnionFiles)]
    [InlineData(RepoMode.Archive, CheckoutMode.User, OverwriteMode.None)]
    [InlineData(RepoMode.Archive, CheckoutMode.User, OverwriteMode.UnionFiles)]
    [InlineData(RepoMode.Archive, CheckoutMode.None, OverwriteMode.None)]
    public void CheckoutOntoAnotherFilesystemCopies(RepoMode mode, CheckoutMode checkoutMode, OverwriteMode overwrite)
    {
        var src = Src();
        var (repo, c) = Commit(mode, src);
        using var other = new OtherFilesystem(repo.Path);
        var dest = other["out"];
        var options = new CheckoutOptions { Mode = checkoutMode, Overwrite = overwrite, EnableUncompressedCache = true };
        if (overwrite == OverwriteMode.UnionFiles)
        {
            // Existing files make link(2) fail with EEXIST before it looks at the filesystems.
            TreeCheckout.Run(repo, c, dest, options);
            File.WriteAllText(Path.Combine(dest, "a.txt"), "mine");
        }
        TreeCheckout.Run(repo, c, dest, options);
        foreach (var rel in new[] { "a.txt", "sub/big.bin", "sub/deep/c", "empty", "ro/f" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(src, rel)), File.ReadAllBytes(Path.Combine(dest, rel)));
            Assert.Equal(LibC.LStat(Path.Combine(src, rel)).Mode, LibC.LStat(Path.Combine(dest, rel)).Mode);
        }
        Assert.Equal("sub/deep/c", new FileInfo(Path.Combine(dest, "link")).LinkTarget);
        if (checkoutMode == CheckoutMode.None && LibC.GetUid() == 0)
            Assert.Equal("v"u8.ToArray(), LibC.LGetXattr(Path.Combine(dest, "a.txt"), "user.test"u8));
        Assert.Empty(TmpLeftovers(repo));
        Assert.Empty(Directory.GetFiles(dest, "*.arbor-*", SearchOption.AllDirectories));
        if (mode == RepoMode.Archive && checkoutMode == CheckoutMode.User)
        {
            // The cache is still filled, so a later checkout on the repository's filesystem links.
            var cached = Directory.GetFiles(Path.Combine(repo.Path, "uncompressed-objects-cache"), "*.file", SearchOption.AllDirectories);
            Assert.Equal(4, cached.Length);
        }
    }

    [Fact]
    public void FailedArchiveCheckoutLeavesNoTempFiles()
    {
        var (repo, c) = Commit(RepoMode.Archive, Src());
        var hex = ContentChecksumOf(repo, c, "sub/big.bin").ToString();
        var obj = Path.Combine(repo.Path, "objects", hex[..2], hex[2..] + ".filez");
        var bytes = File.ReadAllBytes(obj);
        File.WriteAllBytes(obj, bytes[..(bytes.Length / 2)]);
        using var other = new OtherFilesystem(repo.Path);
        Assert.Throws<OstreeException>(() => TreeCheckout.Run(repo, c, other["out"],
            new CheckoutOptions { Mode = CheckoutMode.User, EnableUncompressedCache = true }));
        Assert.Empty(TmpLeftovers(repo));
        Assert.False(File.Exists(other["out/sub/big.bin"]));
    }

    /// <summary>What tmp/ holds besides the cache directory a repository is created with.</summary>
    // What is left in tmp/ besides the cache: this process's own staging directory (and its lock)
    // stay while the process lives, so only what is inside it counts.
    private static IEnumerable<string> TmpLeftovers(Repository repo)
    {
        var own = repo.StagingName;
        foreach (var p in Directory.GetFileSystemEntries(repo.TmpDir))
        {
            var name = Path.GetFileName(p);
            if (name == "cache")
                continue;
            if (own is not null && name.StartsWith(own, StringComparison.Ordinal))
            {
                if (Directory.Exists(p))
                {
                    foreach (var inner in Directory.GetFileSystemEntries(p))
                        yield return inner;
                }
                continue;
            }
            yield return p;
        }
    }

    private static Checksum ContentChecksumOf(Repository repo, Checksum commit, string path)
    {
        Assert.True(TreeCheckout.TryResolvePath(repo, commit, path, out _, out var file, out _));
        return file!.Value;
    }

    [Fact]
    public void RequireHardlinksFailsOnArchive()
    {
        var (repo, c) = Commit(RepoMode.Archive, Src());
        var e = Assert.Throws<OstreeException>(() => TreeCheckout.Run(repo, c, Path.Combine(_dir, "o"),
            new CheckoutOptions { Mode = CheckoutMode.User, NoCopyFallback = true }));
        Assert.Contains("cannot hardlink", e.Message);
    }

    [Fact]
    public void ForceCopyNeverLinks()
    {
        var (repo, c) = Commit(RepoMode.BareUser, Src());
        var dest = Path.Combine(_dir, "o");
        TreeCheckout.Run(repo, c, dest, new CheckoutOptions { Mode = CheckoutMode.User, ForceCopy = true });
        Assert.Equal(1u, LibC.LStat(Path.Combine(dest, "sub/big.bin")).NLink);
    }

    [Fact]
    public void ExistingDestinationIsAnErrorUnlessUnion()
    {
        var (repo, c) = Commit(RepoMode.BareUser, Src());
        var dest = Path.Combine(_dir, "o");
        Directory.CreateDirectory(dest);
        Assert.Throws<OstreeException>(() => TreeCheckout.Run(repo, c, dest, new CheckoutOptions { Mode = CheckoutMode.User }));
    }

    [Fact]
    public void UnionReplacesFilesAndUnionAddKeepsThem()
    {
        var (repo, c) = Commit(RepoMode.BareUser, Src());
        var dest = Path.Combine(_dir, "o");
        Directory.CreateDirectory(Path.Combine(dest, "sub"));
        File.WriteAllText(Path.Combine(dest, "a.txt"), "mine");
        File.WriteAllText(Path.Combine(dest, "sub/extra"), "kept");
        TreeCheckout.Run(repo, c, dest, new CheckoutOptions { Mode = CheckoutMode.User, Overwrite = OverwriteMode.AddFiles });
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dest, "a.txt")));
        Assert.True(File.Exists(Path.Combine(dest, "sub/big.bin")));
        TreeCheckout.Run(repo, c, dest, new CheckoutOptions { Mode = CheckoutMode.User, Overwrite = OverwriteMode.UnionFiles });
        Assert.Equal("alpha\n", File.ReadAllText(Path.Combine(dest, "a.txt")));
        Assert.Equal("kept", File.ReadAllText(Path.Combine(dest, "sub/extra")));
    }

    [Fact]
    public void WhiteoutsRemoveLowerLayerEntries()
    {
        var (repo, c) = Commit(RepoMode.BareUser, Src());
        var layer = Path.Combine(_dir, "layer");
        Directory.CreateDirectory(Path.Combine(layer, "sub"));
        File.WriteAllText(Path.Combine(layer, ".wh.a.txt"), "");
        File.WriteAllText(Path.Combine(layer, "sub/.wh..wh..opq"), "");
        File.WriteAllText(Path.Combine(layer, "sub/new"), "n");
        var repo2 = Repository.Open(repo.Path);
        var mt = new MutableTree();
        new DirectoryImporter(repo2, new CommitModifier()).Import(layer, mt);
        var c2 = CommitWriter.WriteCommit(repo2, mt, new CommitRequest { Timestamp = 2 }, out _);
        var dest = Path.Combine(_dir, "o");
        TreeCheckout.Run(repo, c, dest, new CheckoutOptions { Mode = CheckoutMode.User, ProcessWhiteouts = true, Overwrite = OverwriteMode.UnionFiles });
        TreeCheckout.Run(repo2, c2, dest, new CheckoutOptions { Mode = CheckoutMode.User, ProcessWhiteouts = true, Overwrite = OverwriteMode.UnionFiles });
        Assert.False(File.Exists(Path.Combine(dest, "a.txt")));
        Assert.False(File.Exists(Path.Combine(dest, ".wh.a.txt")));
        Assert.Equal(["new"], Directory.GetFileSystemEntries(Path.Combine(dest, "sub")).Select(Path.GetFileName));
    }

    [Fact]
    public void SubpathChecksOutADirectoryOrAFile()
    {
        var (repo, c) = Commit(RepoMode.Archive, Src());
        var dest = Path.Combine(_dir, "o");
        TreeCheckout.Run(repo, c, dest, new CheckoutOptions { Mode = CheckoutMode.User, Subpath = "/sub/deep" });
        Assert.Equal("c", File.ReadAllText(Path.Combine(dest, "c")));
        var dest2 = Path.Combine(_dir, "o2");
        TreeCheckout.Run(repo, c, dest2, new CheckoutOptions { Mode = CheckoutMode.User, Subpath = "/a.txt" });
        Assert.Equal("alpha\n", File.ReadAllText(Path.Combine(dest2, "a.txt")));
        Assert.Throws<OstreeException>(() => TreeCheckout.Run(repo, c, Path.Combine(_dir, "o3"), new CheckoutOptions { Subpath = "/nope" }));
    }

    [Fact]
    public void TraverseFindsEveryObject()
    {
        var (repo, c) = Commit(RepoMode.BareUser, Src());
        var set = repo.TraverseCommit(c);
        Assert.Equal(repo.ListAllObjects().ToHashSet(), set);
    }
}
