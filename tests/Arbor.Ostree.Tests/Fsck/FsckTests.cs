// fsck finds what was broken: a flipped byte and a truncated content object in every repository
// mode, a corrupt dirtree, a missing object; the messages name the object's checksum, and
// --delete removes the object and marks the commit partial.
using Arbor.Ostree.Commits;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Tests.Checkout;

namespace Arbor.Ostree.Tests.Fsck;

public sealed class FsckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-fsck-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (Repository Repo, Checksum Commit) Make(RepoMode mode)
    {
        var src = Path.Combine(_dir, "src");
        if (!Directory.Exists(src))
            CheckoutTests.MakeTree(src);
        var repo = Repository.Create(Path.Combine(_dir, "repo-" + mode), mode);
        var mt = new MutableTree();
        new DirectoryImporter(repo, new CommitModifier().For(mode)).Import(src, mt);
        var c = CommitWriter.WriteCommit(repo, mt, new CommitRequest { Timestamp = 1 }, out _);
        repo.SetRefImmediate(null, "main", c);
        return (repo, c);
    }

    private static (List<string> Out, List<string> Err, OstreeException? Failure) Run(Repository repo, FsckOptions o)
    {
        var output = new List<string>();
        var err = new List<string>();
        try
        {
            FsckLines.Run(repo, o, output, err);
            return (output, err, null);
        }
        catch (OstreeException e)
        {
            return (output, err, e);
        }
    }

    private static Checksum BigObject(Repository repo) =>
        repo.ListObjects(ObjectType.File).MaxBy(c => new FileInfo(repo.ObjectPath(c, ObjectType.File)).Length);

    [Theory]
    [InlineData(RepoMode.Bare)]
    [InlineData(RepoMode.BareUser)]
    [InlineData(RepoMode.BareUserOnly)]
    [InlineData(RepoMode.Archive)]
    public void CleanRepositoryPasses(RepoMode mode)
    {
        var (repo, _) = Make(mode);
        var (output, err, failure) = Run(repo, new FsckOptions());
        Assert.Null(failure);
        Assert.Empty(err);
        Assert.Equal("object fsck of 1 commits completed successfully - no errors found.", output[^1]);
    }

    [Theory]
    [InlineData(RepoMode.Bare, false)]
    [InlineData(RepoMode.BareUser, false)]
    [InlineData(RepoMode.BareUserOnly, false)]
    [InlineData(RepoMode.Archive, false)]
    [InlineData(RepoMode.Bare, true)]
    [InlineData(RepoMode.BareUser, true)]
    [InlineData(RepoMode.BareUserOnly, true)]
    [InlineData(RepoMode.Archive, true)]
    public void DamagedContentIsNamed(RepoMode mode, bool truncate)
    {
        var (repo, _) = Make(mode);
        var victim = BigObject(repo);
        var path = repo.ObjectPath(victim, ObjectType.File);
        var bytes = File.ReadAllBytes(path);
        if (truncate)
        {
            bytes = bytes[..(bytes.Length / 2)];
        }
        else
        {
            bytes[bytes.Length / 2] ^= 0x40;
        }
        File.WriteAllBytes(path, bytes);

        var (_, _, failure) = Run(repo, new FsckOptions());
        Assert.NotNull(failure);
        Assert.Contains($"fsck content object {victim}", failure!.Message);

        var (_, err, failure2) = Run(repo, new FsckOptions { Delete = true });
        Assert.Equal("Repository corruption encountered", failure2!.Message);
        Assert.Contains(err, l => l.Contains(victim.ToString()));
        Assert.False(File.Exists(path));
        Assert.True(repo.IsCommitPartial(repo.ResolveRev("main")!.Value, out bool byFsck) && byFsck);
    }

    [Fact]
    public void CorruptDirTreeAndMissingObjectAreReported()
    {
        var (repo, c) = Make(RepoMode.BareUser);
        var tree = repo.LoadCommit(c).RootTree;
        var treePath = repo.ObjectPath(tree, ObjectType.DirTree);
        var bytes = File.ReadAllBytes(treePath);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(treePath, bytes);
        var (_, err, failure) = Run(repo, new FsckOptions { All = true });
        Assert.Equal("Repository corruption encountered", failure!.Message);
        Assert.Contains(err, l => l.Contains($"{tree}.dirtree"));

        var (repo2, _) = Make(RepoMode.Archive);
        var victim = BigObject(repo2);
        File.Delete(repo2.ObjectPath(victim, ObjectType.File));
        var (_, err2, failure2) = Run(repo2, new FsckOptions());
        Assert.NotNull(failure2);
        Assert.Contains(err2, l => l.StartsWith("Object missing in commits", StringComparison.Ordinal) && l.Contains(victim.ToString()));
    }
}
