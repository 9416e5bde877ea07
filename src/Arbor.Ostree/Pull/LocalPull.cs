// Copying commits from another repository on this machine, as `ostree pull-local` does:
//   resolve each ref (or commit checksum) in the source → walk the parent chain up to --depth →
//   mark every commit not yet complete here partial (state/CSUM.commitpartial) → collect the
//   objects those commits reach (Repository.Traverse.cs) → import them in parallel → drop the partial
//   markers → sync the filesystem → move the refs.
// An object is imported the cheapest way that keeps it exact: a hard link when both repositories
// store it in the same form (metadata always, content when the modes match), are on one
// filesystem and have one owner; a byte copy when only the filesystem differs; otherwise it is
// read through OpenContent and written in this repository's form — without hashing it again, as
// ostree trusts a local source; with --untrusted every source object is verified before it is
// linked, copied or rewritten. Objects already here are left alone and not counted.
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Arbor.Native;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Pull;

/// <summary>What to copy from a local repository.</summary>
public sealed record LocalPullOptions
{
    /// <summary>Refs (or commit checksums) to copy; empty means every ref of the source.</summary>
    public IReadOnlyList<string> Refs { get; init; } = [];

    /// <summary>Write refs under <c>refs/remotes/REMOTE/</c> instead of <c>refs/heads/</c>.</summary>
    public string? Remote { get; init; }

    /// <summary>Parents to traverse (-1: all).</summary>
    public int Depth { get; init; }

    /// <summary>Verify every source object before taking it.</summary>
    public bool Untrusted { get; init; }

    /// <summary>Copy only the commit objects (the commits stay marked partial).</summary>
    public bool CommitMetadataOnly { get; init; }

    /// <summary>Skip the filesystem sync before refs move (<c>--disable-fsync</c>).</summary>
    public bool DisableFsync { get; init; }

    /// <summary>Called about twice a second with progress, when set.</summary>
    public IProgress<LocalPullProgress>? Progress { get; init; }
}

/// <summary>A progress snapshot of a local pull.</summary>
public readonly record struct LocalPullProgress(int Imported, int Total, TimeSpan Elapsed);

/// <summary>The outcome of a local pull.</summary>
public sealed record LocalPullResult(int MetadataImported, int ContentImported, long ContentBytesWritten, int Hardlinked, IReadOnlyDictionary<string, Checksum> Refs);

/// <summary>Copies commits and their objects from one local repository into another.</summary>
public sealed class LocalPull
{
    private const int EXDEV = 18, EMLINK = 31, EPERM = 1, EEXIST = 17;
    private readonly Repository _repo;
    private readonly Repository _source;
    private readonly LocalPullOptions _options;
    private readonly bool _sameDevice;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _meta, _content, _linked, _done, _total;
    private long _written;
    private RepoTransaction? _txn;

    /// <summary>Prepares a pull from <paramref name="source"/> into <paramref name="repo"/>.</summary>
    public LocalPull(Repository repo, Repository source, LocalPullOptions options)
    {
        _repo = repo;
        _source = source;
        _options = options;
        var a = LibC.LStat(source.ObjectsDir);
        var b = LibC.LStat(repo.ObjectsDir);
        // Hard links need one filesystem and, like ostree, one owner (an untrusted source's files must not be shared).
        _sameDevice = a.Device == b.Device && a.Uid == b.Uid;
    }

    /// <summary>Runs the pull.</summary>
    /// <exception cref="OstreeException">A ref is missing in the source, or an object is missing or corrupt.</exception>
    public LocalPullResult Run()
    {
        if (_options.Remote is not null)
            Repository.ValidateRemoteName(_options.Remote);
        var wanted = ResolveWanted();
        using var txn = RepoTransaction.Prepare(_repo, new TransactionOptions
        {
            DisableFsync = _options.DisableFsync,
            AllowPartialTargets = _options.CommitMetadataOnly,
        });
        _txn = txn;
        using var progressTimer = _options.Progress is null ? null : new Timer(_ => ReportProgress(), null, 500, 500);

        // Commits along each parent chain, newest first, each once.
        var commits = new List<Checksum>();
        var seen = new HashSet<Checksum>();
        foreach (var start in wanted.Values)
        {
            Checksum? c = start;
            for (int depth = _options.Depth; c is { } cur && seen.Add(cur); depth = depth < 0 ? depth : depth - 1)
            {
                if (!_source.HasObject(cur, ObjectType.Commit))
                {
                    if (cur == start)
                        throw new OstreeException($"Couldn't find commit object '{cur}' in {_source.Path}");
                    break; // a parent the source does not have ends the chain quietly, as in ostree
                }
                commits.Add(cur);
                if (depth == 0)
                    break;
                c = _source.LoadCommit(cur).Parent;
            }
        }

        // Commits complete here need nothing; the others are marked partial before any object arrives.
        var objects = new HashSet<ObjectName>();
        var pending = new List<Checksum>();
        foreach (var c in commits)
        {
            bool have = _repo.HasObject(c, ObjectType.Commit) && !_repo.IsCommitPartial(c, out _);
            if (have)
                continue;
            pending.Add(c);
            txn.MarkCommitPartial(c);
            if (_options.CommitMetadataOnly)
                objects.Add(new ObjectName(c, ObjectType.Commit));
            else
                _source.TraverseCommit(c, 0, objects);
        }

        // Metadata goes after content within the batch order only for neatness; the markers make any order safe.
        var items = objects.OrderBy(o => o.Type == ObjectType.Commit ? 1 : 0).ToArray();
        _total = items.Length;
        try
        {
            Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(items, loadBalance: true),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(4, 2 * Environment.ProcessorCount) },
                Import);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // One clear error (the first object that failed), not a bundle.
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        if (!_options.CommitMetadataOnly)
        {
            foreach (var c in pending)
                txn.MarkCommitComplete(c);
        }
        foreach (var (name, commit) in wanted)
        {
            if (!Checksum.TryParse(name, out _))
                txn.SetRef(_options.Remote, name, commit);
        }
        txn.Commit();
        if (_options.Progress is not null)
            ReportProgress();
        return new LocalPullResult(_meta, _content, _written, _linked, wanted);
    }

    private void ReportProgress() =>
        _options.Progress?.Report(new LocalPullProgress(Volatile.Read(ref _done), _total, _clock.Elapsed));

    private Dictionary<string, Checksum> ResolveWanted()
    {
        var wanted = new Dictionary<string, Checksum>(StringComparer.Ordinal);
        IEnumerable<string> refs = _options.Refs.Count > 0 ? _options.Refs : _source.ListRefs().Select(r => r.Refspec);
        foreach (var spec in refs)
        {
            if (Checksum.TryParse(spec, out var commit))
            {
                wanted[spec] = commit;
                continue;
            }
            Repository.ValidateRefName(spec);
            wanted[spec] = _source.ResolveRev(spec, allowMissing: true) ?? throw new OstreeException($"Refspec '{spec}' not found");
        }
        return wanted;
    }

    private void Import(ObjectName name)
    {
        try
        {
            if (ImportOne(name))
            {
                if (name.Type.IsMeta())
                    Interlocked.Increment(ref _meta);
                else
                    Interlocked.Increment(ref _content);
            }
        }
        finally
        {
            Interlocked.Increment(ref _done);
        }
    }

    /// <summary>Imports one object; false when it was already here.</summary>
    private bool ImportOne(ObjectName name)
    {
        if (name.Type == ObjectType.Commit)
            CopyDetachedMetadata(name.Checksum);
        bool sameForm = name.Type.IsMeta() || _source.Mode == _repo.Mode;
        if (_options.Untrusted)
        {
            var problem = Fsck.VerifyObject(_source, name, out bool missing);
            if (problem is not null)
                throw new OstreeException(missing ? $"Couldn't find {name} in {_source.Path}" : problem);
        }
        var from = _source.ObjectPath(name);
        var to = _repo.ObjectPath(name);
        if (sameForm && _sameDevice)
        {
            _repo.EnsureObjectSubdir(name.Checksum);
            int errno = LibC.TryLink(from, to);
            if (errno == 0)
            {
                Interlocked.Increment(ref _linked);
                return true;
            }
            if (errno == EEXIST)
                return false;
            if (errno == LibC.ENOENT && !LibC.TryLStat(from, out _, out _))
                throw new OstreeException($"Couldn't find {name} in {_source.Path}");
            if (errno is not (EXDEV or EMLINK or EPERM))
                throw new NativeIOException("link", to, errno);
        }
        if (LibC.TryLStat(to, out _, out _))
            return false;
        if (name.Type.IsMeta())
        {
            var bytes = _source.LoadMetadataBytes(name.Checksum, name.Type);
            var actual = Checksum.Of(bytes);
            if (actual != name.Checksum)
                throw new OstreeException($"Corrupted {name.Type.Name()} object; checksum expected='{name.Checksum}' actual='{actual}'");
            _repo.WriteMetadata(name.Type, bytes);
            return true;
        }
        if (sameForm && _repo.IsArchive)
        {
            // The .filez as it is; ImportArchiveContent verifies it on the way in.
            var tmp = _repo.NewTmpPath("pull-local");
            try
            {
                File.Copy(from, tmp);
                _repo.ImportArchiveContent(tmp, name.Checksum);
            }
            finally
            {
                if (File.Exists(tmp))
                    File.Delete(tmp);
            }
            return true;
        }
        // Archive to bare: objects up to WholeObjectLimit are read and inflated in memory (sameForm is false here).
        long inMemory = 0;
        if (_source.TryReadArchiveContent(name.Checksum, Repository.WholeObjectLimit, (header, data) =>
        {
            _repo.WriteContentTrusted(header, data, name.Checksum);
            inMemory = data.Length;
        }))
        {
            Interlocked.Add(ref _written, inMemory);
            _txn!.Pacer.Written(inMemory);
            return true;
        }
        var obj = _source.OpenContent(name.Checksum);
        using (var data = obj.Header.IsSymlink ? null : obj.OpenData())
        {
            // Like ostree, a trusted local source is not hashed again (--untrusted verified it above).
            if (obj.Header.IsSymlink)
                _repo.WriteContent(obj.Header, data, obj.Size, name.Checksum);
            else
                _repo.WriteContentTrusted(obj.Header, data, obj.Size, name.Checksum);
        }
        // ostree counts bytes written only when the object had to be rewritten in another form.
        if (!sameForm)
            Interlocked.Add(ref _written, obj.Size);
        _txn!.Pacer.Written(obj.Size);
        return true;
    }

    private void CopyDetachedMetadata(Checksum commit)
    {
        var path = _source.ObjectPath(commit, ObjectType.CommitMeta);
        if (File.Exists(path))
            _repo.WriteDetachedMetadata(commit, File.ReadAllBytes(path));
    }
}
