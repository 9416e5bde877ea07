// The one write path into a repository: libostree's prepare_transaction / commit_transaction /
// abort_transaction. Every writer (commit, pull, pull-local, static-delta apply, sysroot deploys,
// and later compose, layering and container import) runs the same order:
//   1. Prepare: take the repository lock shared, clear what killed writers left in tmp/.
//   2. Mark the commits being written partial (state/CSUM.commitpartial) before any of their
//      objects arrive, so a crash leaves a commit that fsck and pull know to complete.
//   3. Write objects (each lands in objects/ whole, under its verified checksum) and sign.
//   4. Commit: wait for background syncs, sync the filesystem, drop the partial markers of the
//      commits now complete, then apply the queued ref changes (each an atomic rename) and the
//      summary, and sync once more so the refs are durable before the caller reports success.
// Abort (or Dispose without Commit) discards the queued ref changes: the objects already written
// stay (they are content-addressed and harmless; prune collects them), no ref moves.
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

/// <summary>A ref change queued in a transaction.</summary>
/// <param name="Remote">The remote, or null for a local ref.</param>
/// <param name="Name">The ref name.</param>
/// <param name="Target">The new target, or null to delete the ref.</param>
public readonly record struct RefChange(string? Remote, string Name, Checksum? Target);

/// <summary>Options of a transaction.</summary>
public sealed class TransactionOptions
{
    /// <summary>Skip the filesystem syncs (pull's <c>--disable-fsync</c>); <c>[core] fsync=false</c> does the same.</summary>
    public bool DisableFsync { get; init; }

    /// <summary>Allow ref targets whose commit is still marked partial (<c>--commit-metadata-only</c> pulls).</summary>
    public bool AllowPartialTargets { get; init; }
}

/// <summary>
/// A write transaction on a repository: objects are written while it is open; ref changes and
/// summary replacements are queued and applied by <see cref="Commit"/> only after everything
/// written is durable.
/// </summary>
public sealed class RepoTransaction : IDisposable
{
    private readonly RepoLock _lock;
    private readonly TransactionOptions _options;
    private readonly List<RefChange> _refs = [];
    private readonly List<(string Relative, Checksum? Target)> _mirrorRefs = [];
    private readonly HashSet<Checksum> _completed = [];
    private byte[]? _summary;
    private byte[]? _summarySignature;
    private bool _finished;

    private RepoTransaction(Repository repo, TransactionOptions options)
    {
        Repository = repo;
        _options = options;
        _lock = RepoLock.Acquire(repo, exclusive: false);
        try
        {
            Directory.CreateDirectory(repo.TmpDir);
            TmpCleanup.CleanStale(repo);
            Pacer = new WritebackPacer(repo, enabled: !options.DisableFsync);
        }
        catch
        {
            _lock.Dispose();
            throw;
        }
    }

    /// <summary>Starts a transaction (<c>ostree_repo_prepare_transaction</c>).</summary>
    public static RepoTransaction Prepare(Repository repo, TransactionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(repo);
        return new RepoTransaction(repo, options ?? new TransactionOptions());
    }

    /// <summary>The repository written to.</summary>
    public Repository Repository { get; }

    /// <summary>True once <see cref="Commit"/> or <see cref="Abort"/> ran.</summary>
    public bool IsFinished => _finished;

    /// <summary>The ref changes queued so far, in order.</summary>
    public IReadOnlyList<RefChange> QueuedRefs => _refs;

    /// <summary>Starts background syncs as content is written (pull engines report bytes to it).</summary>
    internal WritebackPacer Pacer { get; }

    private bool Syncs => !_options.DisableFsync && Repository.Fsync;

    /// <summary>Marks <paramref name="commit"/> partial before its objects are written (idempotent).</summary>
    public void MarkCommitPartial(Checksum commit)
    {
        ThrowIfFinished();
        var marker = Repository.CommitPartialPath(commit);
        if (File.Exists(marker))
            return;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(marker)!);
        using (File.Create(marker))
        {
        }
        _completed.Remove(commit);
    }

    /// <summary>Records that every object of <paramref name="commit"/> is written: its partial marker goes at commit time, after the sync.</summary>
    public void MarkCommitComplete(Checksum commit)
    {
        ThrowIfFinished();
        _completed.Add(commit);
    }

    /// <summary>True when <paramref name="commit"/> is marked partial and not yet completed in this transaction.</summary>
    public bool IsPartial(Checksum commit) =>
        !_completed.Contains(commit) && File.Exists(Repository.CommitPartialPath(commit));

    /// <summary>
    /// Drops the partial marker of a commit that will not be written after all (a parent the
    /// remote does not have); the commit object is absent, so nothing can name it.
    /// </summary>
    public void ForgetPartialCommit(Checksum commit)
    {
        ThrowIfFinished();
        if (!Repository.HasObject(commit, ObjectType.Commit))
            PathRemoval.DeleteFileIfExists(Repository.CommitPartialPath(commit));
    }

    /// <summary>Queues pointing <c>REMOTE:NAME</c> (or local NAME) at <paramref name="target"/>; null deletes it.</summary>
    /// <exception cref="OstreeException">The ref name is invalid.</exception>
    public void SetRef(string? remote, string name, Checksum? target)
    {
        ThrowIfFinished();
        name = Repository.ValidateRefName(name);
        if (remote is not null)
            remote = Repository.ValidateRemoteName(remote);
        if (target is not null && Checksum.TryParse(name, out _))
            throw new OstreeException($"Rev name '{name}' looks like a checksum");
        _refs.Add(new RefChange(remote, name, target));
    }

    /// <summary>Queues a refspec change (<c>REMOTE:NAME</c> or <c>NAME</c>).</summary>
    public void SetRefspec(string refspec, Checksum? target)
    {
        var (remote, name) = Repository.ParseRefspec(refspec);
        SetRef(remote, name, target);
    }

    /// <summary>Queues a change of a mirror ref (path relative to <c>refs/mirrors</c>).</summary>
    public void SetMirrorRef(string relative, Checksum? target)
    {
        ThrowIfFinished();
        Repository.ValidateRefName(relative);
        _mirrorRefs.Add((relative, target));
    }

    /// <summary>Queues replacing the repository's summary (and its signature; null removes it), as a mirror pull does.</summary>
    public void ReplaceSummary(byte[] summary, byte[]? signature)
    {
        ThrowIfFinished();
        ArgumentNullException.ThrowIfNull(summary);
        _summary = summary;
        _summarySignature = signature;
    }

    /// <summary>
    /// Makes the transaction durable (<c>ostree_repo_commit_transaction</c>): syncs the objects,
    /// drops the partial markers of completed commits, then moves the queued refs.
    /// </summary>
    /// <exception cref="OstreeException">A queued ref names a commit that is missing or incomplete; no ref moved.</exception>
    public void Commit()
    {
        ThrowIfFinished();
        try
        {
            Pacer.Drain();
            foreach (var change in _refs)
                CheckTarget(change.Target, change.Remote is null ? change.Name : $"{change.Remote}:{change.Name}");
            foreach (var (relative, target) in _mirrorRefs)
                CheckTarget(target, relative);
            if (Syncs)
                Repository.SyncFilesystem();
            foreach (var commit in _completed)
                PathRemoval.DeleteFileIfExists(Repository.CommitPartialPath(commit));
            bool fsync = Syncs;
            foreach (var change in _refs)
                Repository.WriteRefFile(change.Remote, change.Name, change.Target, fsync);
            foreach (var (relative, target) in _mirrorRefs)
                Repository.WriteMirrorRefFile(relative, target, fsync);
            if (_summary is not null)
                Repository.WriteSummaryFiles(_summary, _summarySignature, fsync);
            if (Syncs && (_refs.Count > 0 || _mirrorRefs.Count > 0 || _summary is not null || _completed.Count > 0))
                Repository.SyncFilesystem();
        }
        finally
        {
            Finish();
        }
    }

    /// <summary>Discards the queued ref changes (<c>ostree_repo_abort_transaction</c>); written objects stay for prune.</summary>
    public void Abort()
    {
        if (_finished)
            return;
        Finish();
    }

    /// <inheritdoc />
    public void Dispose() => Abort();

    private void CheckTarget(Checksum? target, string what)
    {
        if (target is not { } c)
            return;
        if (!Repository.HasObject(c, ObjectType.Commit))
            throw new OstreeException($"Cannot set ref {what} to {c}: the commit object is missing");
        if (!_options.AllowPartialTargets && !_completed.Contains(c) && Repository.IsCommitPartial(c, out _))
            throw new OstreeException($"Cannot set ref {what} to {c}: the commit is incomplete (partial)");
    }

    private void Finish()
    {
        _finished = true;
        try
        {
            Pacer.Drain();
        }
        finally
        {
            _lock.Dispose();
        }
    }

    private void ThrowIfFinished()
    {
        if (_finished)
            throw new InvalidOperationException("The transaction is already committed or aborted");
    }
}
