// Symbolic links whose targets are directories ("." and "..", links into /etc), or nothing at all,
// in every repository mode: committed from a directory and from a tar stream, checked out, pulled
// locally into bare repositories and carried by a static delta. A link is stored and read as the
// link itself, never through it.
using System.Formats.Tar;
using Arbor.Native;
using Arbor.Ostree.Checkout;
using Arbor.Ostree.Commits;
using Arbor.Ostree.Deltas;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Commits;

public sealed class SymlinkTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Link name (relative to the tree) and target.</summary>
    public static readonly (string Name, string Target)[] Links =
    [
        ("dot", "."), ("up", ".."), ("dangling", "nowhere/at/all"), ("etc-link", "/etc"), ("sub/self", "../sub"),
    ];

    private string MakeTree()
    {
        var root = _dir["tree"];
        if (Directory.Exists(root))
            return root;
        Directory.CreateDirectory(Path.Combine(root, "sub"));
        File.WriteAllText(Path.Combine(root, "sub/file"), "content\n");
        foreach (var (name, target) in Links)
            File.CreateSymbolicLink(Path.Combine(root, name), target);
        return root;
    }

    private static Checksum Commit(Repository repo, MutableTree mt) =>
        CommitWriter.WriteCommit(repo, mt, new CommitRequest { Timestamp = 1, Subject = "links" }, out _);

    private static Checksum CommitDir(Repository repo, string tree)
    {
        var mt = new MutableTree();
        new DirectoryImporter(repo, new CommitModifier().For(repo.Mode)).Import(tree, mt);
        return Commit(repo, mt);
    }

    /// <summary>The symlink targets the commit records, by path.</summary>
    private static Dictionary<string, string> StoredLinks(Repository repo, Checksum commit)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(Checksum tree, string prefix)
        {
            var dt = repo.LoadDirTree(tree);
            foreach (var f in dt.Files)
            {
                var h = repo.OpenContent(f.Checksum).Header;
                if (h.IsSymlink)
                    found[prefix + f.Name] = h.SymlinkTarget;
            }
            foreach (var d in dt.Dirs)
                Walk(d.Tree, prefix + d.Name + "/");
        }
        Walk(repo.LoadCommit(commit).RootTree, "");
        return found;
    }

    private static void AssertLinks(Repository repo, Checksum commit)
    {
        Assert.Equal(Links.ToDictionary(l => l.Name, l => l.Target).OrderBy(k => k.Key), StoredLinks(repo, commit).OrderBy(k => k.Key));
        Assert.Empty(Fsck.FsckLines.Problems(repo));
    }

    private void AssertCheckout(Repository repo, Checksum commit, string name)
    {
        var dest = _dir[name];
        var mode = repo.Mode == RepoMode.Bare && LibC.GetUid() == 0 ? CheckoutMode.None : CheckoutMode.User;
        TreeCheckout.Run(repo, commit, dest, new CheckoutOptions { Mode = mode });
        foreach (var (link, target) in Links)
        {
            var path = Path.Combine(dest, link);
            Assert.True(LibC.LStat(path).IsSymlink, link);
            Assert.Equal(target, new FileInfo(path).LinkTarget);
        }
        Assert.Equal("content\n", File.ReadAllText(Path.Combine(dest, "sub/file")));
    }

    [Theory]
    [InlineData(RepoMode.Bare)]
    [InlineData(RepoMode.BareUserOnly)]
    [InlineData(RepoMode.BareUser)]
    [InlineData(RepoMode.Archive)]
    public void DirectorySymlinksCommitAndCheckOut(RepoMode mode)
    {
        var repo = Repository.Create(_dir["repo"], mode);
        var commit = CommitDir(repo, MakeTree());
        AssertLinks(repo, commit);
        AssertCheckout(repo, commit, "out");
    }

    [Theory]
    [InlineData(RepoMode.Bare)]
    [InlineData(RepoMode.BareUserOnly)]
    public void DirectorySymlinksCommitFromATar(RepoMode mode)
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "sub/") { Mode = (UnixFileMode)0x1ED });
            var file = new PaxTarEntry(TarEntryType.RegularFile, "sub/file") { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream("content\n"u8.ToArray()) };
            w.WriteEntry(file);
            foreach (var (name, target) in Links)
                w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Mode = (UnixFileMode)0x1FF });
        }
        ms.Position = 0;
        var repo = Repository.Create(_dir["repo"], mode);
        var mt = new MutableTree();
        TarImporter.Import(repo, ms, mt, new CommitModifier().For(mode), autocreateParents: true);
        var commit = Commit(repo, mt);
        AssertLinks(repo, commit);
        AssertCheckout(repo, commit, "out");
    }

    [Theory]
    [InlineData(RepoMode.Archive, RepoMode.Bare)]
    [InlineData(RepoMode.Archive, RepoMode.BareUserOnly)]
    [InlineData(RepoMode.BareUser, RepoMode.Bare)]
    [InlineData(RepoMode.Bare, RepoMode.Bare)]
    public void DirectorySymlinksPullLocallyIntoBareRepositories(RepoMode from, RepoMode to)
    {
        var src = Repository.Create(_dir["src"], from);
        var commit = CommitDir(src, MakeTree());
        src.SetRefImmediate(null, "main", commit);
        var dest = Repository.Create(_dir["dest"], to);
        new LocalPull(dest, src, new LocalPullOptions { Refs = ["main"] }).Run();
        AssertLinks(dest, commit);
        AssertCheckout(dest, commit, "out");
    }

    [Fact]
    public void DirectorySymlinksTravelInAStaticDeltaBetweenBareRepositories()
    {
        var src = Repository.Create(_dir["src"], RepoMode.Bare);
        var commit = CommitDir(src, MakeTree());
        DeltaCompiler.Generate(src, null, commit, new DeltaGenerateOptions { Compress = false, Filename = _dir["delta/superblock"] });
        var dest = Repository.Create(_dir["dest"], RepoMode.Bare);
        DeltaApplier.ApplyOffline(dest, _dir["delta"]);
        AssertLinks(dest, commit);
    }
}
