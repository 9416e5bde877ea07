// Pruner against repositories built with the library: exactly the unreachable objects go, the
// --depth limit decides how much history refs keep, every commit is a root unless refs-only,
// partial commits tolerate missing trees, and g_format_size's text is reproduced.
using Arbor.Ostree.Commits;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Prune;

public sealed class PrunerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-prune-test-").FullName;
    private readonly Repository _repo;

    public PrunerTests() => _repo = Repository.Create(Path.Combine(_dir, "repo"), RepoMode.Archive);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Checksum File(string text) =>
        _repo.WriteContent(new FileHeader(0, 0, 0x81A4, "", Xattrs.None), System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>A commit whose tree holds shared.txt, a file unique to it, and sub/n.txt.</summary>
    private Checksum Commit(int n, Checksum? parent)
    {
        var tree = new MutableTree();
        tree.SetFile("shared.txt", File("shared"));
        tree.SetFile($"only{n}.txt", File($"only {n}"));
        tree.EnsureDir("sub").SetFile("n.txt", File($"n = {n}"));
        return CommitWriter.WriteCommit(_repo, tree, new CommitRequest { Parent = parent, Subject = $"c{n}", Timestamp = (ulong)(1_600_000_000 + n * 86400) }, out _);
    }

    private HashSet<ObjectName> Objects() => _repo.ListAllObjects().ToHashSet();

    private HashSet<ObjectName> ObjectsOf(Checksum commit)
    {
        var c = _repo.LoadCommit(commit);
        var set = new HashSet<ObjectName> { new(commit, ObjectType.Commit), new(c.RootMeta, ObjectType.DirMeta) };
        void Walk(Checksum tree)
        {
            set.Add(new(tree, ObjectType.DirTree));
            var dt = _repo.LoadDirTree(tree);
            foreach (var f in dt.Files)
                set.Add(new(f.Checksum, ObjectType.File));
            foreach (var d in dt.Dirs)
            {
                set.Add(new(d.Meta, ObjectType.DirMeta));
                Walk(d.Tree);
            }
        }
        Walk(c.RootTree);
        return set;
    }

    [Fact]
    public void RefsOnlyRemovesExactlyTheUnreachableObjects()
    {
        var c1 = Commit(1, null);
        var c2 = Commit(2, c1);
        var orphan = Commit(3, null);
        _repo.SetRefImmediate(null, "main", c2);
        var before = Objects();
        var keep = ObjectsOf(c2).Union(ObjectsOf(c1)).ToHashSet();
        var expectedGone = before.Except(keep).ToHashSet();
        Assert.Contains(new ObjectName(orphan, ObjectType.Commit), expectedGone);

        var dry = Pruner.Prune(_repo, new PruneOptions { RefsOnly = true, NoPrune = true });
        Assert.Equal(before.Count, dry.Total);
        Assert.Equal(expectedGone.Count, dry.Pruned);
        Assert.Equal(before, Objects());

        var freed = expectedGone.Aggregate(0UL, (s, o) => s + (ulong)new FileInfo(_repo.ObjectPath(o)).Length);
        var result = Pruner.Prune(_repo, new PruneOptions { RefsOnly = true });
        Assert.Equal(new PruneResult(before.Count, expectedGone.Count, freed), result);
        Assert.Equal(keep, Objects());
    }

    [Fact]
    public void DepthLimitsHistoryKeptByRefs()
    {
        var c1 = Commit(1, null);
        var c2 = Commit(2, c1);
        var c3 = Commit(3, c2);
        _repo.SetRefImmediate(null, "main", c3);

        Pruner.Prune(_repo, new PruneOptions { RefsOnly = true, Depth = 1 });
        Assert.Equal(ObjectsOf(c3).Union(ObjectsOf(c2)).ToHashSet(), Objects());

        Pruner.Prune(_repo, new PruneOptions { RefsOnly = true, Depth = 0 });
        Assert.Equal(ObjectsOf(c3), Objects());
        Assert.Equal(0, Pruner.Prune(_repo, new PruneOptions { RefsOnly = true }).Pruned);
    }

    [Fact]
    public void WithoutRefsOnlyEveryCommitIsARoot()
    {
        var c1 = Commit(1, null);
        var c2 = Commit(2, c1);
        Commit(3, null);
        _repo.SetRefImmediate(null, "main", c2);
        var before = Objects();
        var r = Pruner.Prune(_repo, new PruneOptions { Depth = 0 });
        Assert.Equal(0, r.Pruned);
        Assert.Equal(before, Objects());
        // A stray object nothing points at does go.
        var stray = File("stray");
        Assert.Equal(1, Pruner.Prune(_repo, new PruneOptions()).Pruned);
        Assert.False(_repo.HasObject(stray, ObjectType.File));
    }

    [Fact]
    public void CommitOnlyDeletesOnlyCommits()
    {
        var c1 = Commit(1, null);
        var c2 = Commit(2, c1);
        _repo.SetRefImmediate(null, "main", c2);
        var r = Pruner.Prune(_repo, new PruneOptions { RefsOnly = true, Depth = 0, CommitOnly = true });
        Assert.Equal(new PruneResult(2, 1, r.FreedBytes), r);
        Assert.False(_repo.HasObject(c1, ObjectType.Commit));
        Assert.True(_repo.HasObject(_repo.LoadCommit(c2).RootTree, ObjectType.DirTree));
    }

    [Fact]
    public void KeepYoungerThanKeepsRecentHistory()
    {
        var c1 = Commit(1, null);
        var c2 = Commit(2, c1);
        var c3 = Commit(3, c2);
        _repo.SetRefImmediate(null, "main", c3);
        Pruner.Prune(_repo, new PruneOptions { KeepYoungerThan = 1_600_000_000 + 2 * 86400 });
        Assert.Equal(ObjectsOf(c3).Union(ObjectsOf(c2)).ToHashSet(), Objects());
    }

    [Fact]
    public void DeleteCommitLeavesTombstone()
    {
        var c1 = Commit(1, null);
        _repo.SetRefImmediate(null, "main", c1);
        Assert.Throws<OstreeException>(() => Pruner.DeleteCommit(_repo, c1));
        _repo.SetRefImmediate(null, "main", null);
        Pruner.DeleteCommit(_repo, c1);
        Assert.False(_repo.HasObject(c1, ObjectType.Commit));
        Assert.True(_repo.HasObject(c1, ObjectType.TombstoneCommit));
        Assert.True(_repo.Config.GetBool("core", "tombstone-commits", false));
    }

    [Fact]
    public void PartialCommitToleratesMissingTree()
    {
        var c1 = Commit(1, null);
        _repo.SetRefImmediate(null, "main", c1);
        var root = _repo.LoadCommit(c1).RootTree;
        System.IO.File.Delete(_repo.ObjectPath(root, ObjectType.DirTree));
        Assert.Throws<OstreeException>(() => Pruner.Prune(_repo, new PruneOptions { RefsOnly = true, NoPrune = true }));
        Directory.CreateDirectory(Path.Combine(_repo.Path, "state"));
        System.IO.File.WriteAllText(Path.Combine(_repo.Path, "state", c1 + ".commitpartial"), "");
        var r = Pruner.Prune(_repo, new PruneOptions { RefsOnly = true, NoPrune = true });
        Assert.True(r.Pruned > 0);
    }

    [Theory]
    [InlineData(0UL, "0 bytes")]
    [InlineData(1UL, "1 byte")]
    [InlineData(999UL, "999 bytes")]
    [InlineData(1000UL, "1.0\u00a0kB")]
    [InlineData(302500UL, "302.5\u00a0kB")]
    [InlineData(1_500_000UL, "1.5\u00a0MB")]
    [InlineData(2_000_000_000UL, "2.0\u00a0GB")]
    public void FormatSizeMatchesGLib(ulong size, string text) => Assert.Equal(text, Arbor.Native.ByteSize.Format(size));
}
