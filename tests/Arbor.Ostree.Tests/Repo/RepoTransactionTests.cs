// The transaction's promises: queued refs stay invisible until Commit, move only to complete
// commits (all or none), vanish on Abort; partial markers of commits completed in the
// transaction go at Commit; a mirror's summary and its signature change together; and the
// RepoCommit engine writes through it (the branch names a complete, fsck-clean commit).
using Arbor.Ostree.Commits;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Repo;

public sealed class RepoTransactionTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private (Repository Repo, Checksum Commit) RepoWithCommit(RepoMode mode = RepoMode.Archive)
    {
        var repo = Repository.Create(_dir["repo"], mode);
        var mt = new MutableTree();
        mt.SetFile("hello", repo.WriteContent(new FileHeader(0, 0, 0x81A4, "", Xattrs.None), new MemoryStream("hi"u8.ToArray()), 2));
        var c = CommitWriter.WriteCommit(repo, mt, new CommitRequest { Timestamp = 1 }, out _);
        return (repo, c);
    }

    [Fact]
    public void QueuedRefsMoveOnlyAtCommit()
    {
        var (repo, c) = RepoWithCommit();
        using (var txn = RepoTransaction.Prepare(repo))
        {
            txn.SetRef(null, "main", c);
            txn.SetRef("origin", "os/stable", c);
            Assert.Null(repo.ResolveRev("main", allowMissing: true));
            Assert.Equal(2, txn.QueuedRefs.Count);
            txn.Commit();
            Assert.True(txn.IsFinished);
        }
        Assert.Equal(c, repo.ResolveRev("main"));
        Assert.Equal(c, repo.ResolveRev("origin:os/stable"));
    }

    [Fact]
    public void AbortAndDisposeDiscardQueuedRefs()
    {
        var (repo, c) = RepoWithCommit();
        using (var txn = RepoTransaction.Prepare(repo))
        {
            txn.SetRef(null, "a", c);
            txn.Abort();
            Assert.Throws<InvalidOperationException>(() => txn.SetRef(null, "b", c));
        }
        using (var txn = RepoTransaction.Prepare(repo))
            txn.SetRef(null, "b", c);
        Assert.Empty(repo.ListRefs());
    }

    [Fact]
    public void RefToMissingCommitMovesNoRef()
    {
        var (repo, c) = RepoWithCommit();
        var missing = Checksum.Of("not a commit"u8);
        using var txn = RepoTransaction.Prepare(repo);
        txn.SetRef(null, "good", c);
        txn.SetRef(null, "bad", missing);
        var e = Assert.Throws<OstreeException>(txn.Commit);
        Assert.Contains("bad", e.Message, StringComparison.Ordinal);
        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
        Assert.Empty(repo.ListRefs());
    }

    [Fact]
    public void PartialCommitNeedsCompletionBeforeItsRefMoves()
    {
        var (repo, c) = RepoWithCommit();
        using (var txn = RepoTransaction.Prepare(repo))
        {
            txn.MarkCommitPartial(c);
            Assert.True(txn.IsPartial(c));
            txn.SetRef(null, "main", c);
            Assert.Throws<OstreeException>(txn.Commit);
        }
        Assert.True(repo.IsCommitPartial(c, out _));
        Assert.Null(repo.ResolveRev("main", allowMissing: true));

        using (var txn = RepoTransaction.Prepare(repo))
        {
            txn.MarkCommitComplete(c);
            Assert.False(txn.IsPartial(c));
            Assert.True(repo.IsCommitPartial(c, out _)); // the marker goes only after the sync, at Commit
            txn.SetRef(null, "main", c);
            txn.Commit();
        }
        Assert.False(repo.IsCommitPartial(c, out _));
        Assert.Equal(c, repo.ResolveRev("main"));
    }

    [Fact]
    public void PartialTargetsAllowedWhenAsked()
    {
        var (repo, c) = RepoWithCommit();
        using var txn = RepoTransaction.Prepare(repo, new TransactionOptions { AllowPartialTargets = true });
        txn.MarkCommitPartial(c);
        txn.SetRef("origin", "main", c);
        txn.Commit();
        Assert.Equal(c, repo.ResolveRev("origin:main"));
        Assert.True(repo.IsCommitPartial(c, out _));
    }

    [Fact]
    public void SummaryAndSignatureChangeTogether()
    {
        var (repo, _) = RepoWithCommit();
        using (var txn = RepoTransaction.Prepare(repo))
        {
            txn.ReplaceSummary([1, 2, 3], [9]);
            Assert.False(File.Exists(Path.Combine(repo.Path, "summary")));
            txn.Commit();
        }
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(repo.Path, "summary")));
        Assert.Equal([9], File.ReadAllBytes(Path.Combine(repo.Path, "summary.sig")));
        using (var txn = RepoTransaction.Prepare(repo))
        {
            txn.ReplaceSummary([4], signature: null);
            txn.Commit();
        }
        Assert.Equal([4], File.ReadAllBytes(Path.Combine(repo.Path, "summary")));
        Assert.False(File.Exists(Path.Combine(repo.Path, "summary.sig")));
    }

    [Fact]
    public void InvalidRefNamesAreRefusedWhenQueued()
    {
        var (repo, c) = RepoWithCommit();
        using var txn = RepoTransaction.Prepare(repo);
        Assert.Throws<OstreeException>(() => txn.SetRef(null, "../escape", c));
        Assert.Throws<OstreeException>(() => txn.SetRef("a/b", "main", c));
        Assert.Throws<OstreeException>(() => txn.SetMirrorRef("../x", c));
    }

    [Fact]
    public void RepoCommitWritesThroughTheTransaction()
    {
        var repo = Repository.Create(_dir["repo"], RepoMode.Bare);
        var tree = Directory.CreateDirectory(_dir["tree"]).FullName;
        File.WriteAllText(Path.Combine(tree, "a"), "alpha");
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        File.WriteAllText(Path.Combine(tree, "sub", "b"), "beta");
        var reports = new List<Arbor.Native.OperationProgress>();
        var outcome = RepoCommit.Run(repo, new CommitSpec
        {
            Branch = "os/main",
            Subject = "first",
            Timestamp = 1,
            Trees = [new TreeSource.Dir(tree)],
            Metadata = [new("version", GVariantValue.Str("1"))],
        }, new SyncProgress(reports.Add));
        Assert.False(outcome.Unchanged);
        Assert.Equal(2, outcome.FilesWritten);
        Assert.Equal(outcome.Checksum, repo.ResolveRev("os/main"));
        Assert.False(repo.IsCommitPartial(outcome.Checksum, out _));
        Assert.Equal(2, reports[^1].Done);
        Assert.Equal(2, reports[^1].Total);

        var again = RepoCommit.Run(repo, new CommitSpec { Branch = "os/main", SkipIfUnchanged = true, Trees = [new TreeSource.Dir(tree)] });
        Assert.True(again.Unchanged);
        Assert.Equal(outcome.Checksum, again.Checksum);

        Assert.Throws<OstreeException>(() => RepoCommit.Run(repo, new CommitSpec { Trees = [new TreeSource.Dir(tree)] }));
        Assert.Throws<OstreeException>(() => RepoCommit.Run(repo, new CommitSpec { Branch = "-bad/../x", Trees = [new TreeSource.Dir(tree)] }));
        Assert.Equal(["os/main"], repo.ListRefs().Select(r => r.Refspec));
    }

    // Progress<T> posts to the thread pool; the engine's reports must be seen in order here.
    private sealed class SyncProgress(Action<Arbor.Native.OperationProgress> report) : IProgress<Arbor.Native.OperationProgress>
    {
        public void Report(Arbor.Native.OperationProgress value) => report(value);
    }
}
