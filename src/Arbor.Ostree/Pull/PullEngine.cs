// Pulling from an archive repository over HTTP (or file://), as `ostree pull` does:
//   config → summary (or refs/heads/REF when a repository has none) → for each wanted commit:
//   mark it partial (state/CSUM.commitpartial), fetch commit + detached metadata, then walk
//   dirmeta/dirtree/content objects concurrently, skipping objects already present and taking
//   them from --localcache-repo repositories when there. When the remote offers a static delta
//   to a wanted commit, DeltaPull fetches and applies it instead (see DeltaPull.cs). Every
//   object is verified against its checksum before it enters the repository. Only when a commit
//   is complete is its partial marker removed and, after a filesystem sync, its ref moved. An
//   interrupted pull therefore leaves finished objects behind and the next pull fetches only
//   what is missing.
using System.Collections.Concurrent;
using System.Diagnostics;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Pull;

/// <summary>What to pull.</summary>
public sealed record PullOptions
{
    /// <summary>Refs to pull, optionally pinned as <c>REF@CHECKSUM</c>; empty means the remote's branches (or all, with <see cref="Mirror"/>).</summary>
    public IReadOnlyList<string> Refs { get; init; } = [];

    /// <summary>Parents to traverse (-1: all).</summary>
    public int Depth { get; init; }

    /// <summary>Fetch only commit objects.</summary>
    public bool CommitMetadataOnly { get; init; }

    /// <summary>Only these subdirectories of the tree.</summary>
    public IReadOnlyList<string> Subpaths { get; init; } = [];

    /// <summary>Write refs/heads (a mirror) instead of refs/remotes.</summary>
    public bool Mirror { get; init; }

    /// <summary>Repositories to take objects from before going to the network.</summary>
    public IReadOnlyList<Repository> LocalCaches { get; init; } = [];

    /// <summary>Overrides the remote URL.</summary>
    public string? OverrideUrl { get; init; }

    /// <summary>Fetcher settings.</summary>
    public FetcherOptions Fetcher { get; init; } = new();

    /// <summary>Skip the filesystem syncs before refs move (<c>--disable-fsync</c>).</summary>
    public bool DisableFsync { get; init; }

    /// <summary>Never use static deltas (<c>--disable-static-deltas</c>).</summary>
    public bool DisableStaticDeltas { get; init; }

    /// <summary>Fail unless every commit comes from a static delta (<c>--require-static-deltas</c>).</summary>
    public bool RequireStaticDeltas { get; init; }

    /// <summary>Only measure the deltas that would be fetched; write nothing (needs <see cref="RequireStaticDeltas"/>).</summary>
    public bool DryRun { get; init; }

    /// <summary>Called about twice a second with progress, when set.</summary>
    public IProgress<PullProgress>? Progress { get; init; }

    /// <summary>How often <see cref="Progress"/> is called (<c>--update-frequency</c>).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Refuse regular files whose mode has bits outside 0775 (setuid, world-writable…), which a
    /// bare-user-only repository cannot hold faithfully (<c>--bareuseronly-files</c>). As in ostree, the
    /// check covers objects fetched one by one and from local caches, not static delta parts.
    /// </summary>
    public bool BareUserOnlyFiles { get; init; }

    /// <summary>Refuse to move a ref to a commit older than the one it names (<c>--timestamp-check</c>).</summary>
    public bool TimestampCheck { get; init; }

    /// <summary>Refuse pulled commits older than this one (<c>--timestamp-check-from-rev</c>).</summary>
    public Checksum? TimestampCheckFromRev { get; init; }

    /// <summary>
    /// Trust the HTTP server's objects (<c>--http-trusted</c>). As in ostree this only changes a
    /// mirror into an archive repository without <see cref="BareUserOnlyFiles"/>: content objects
    /// are stored as fetched, neither inflated nor checksummed. Metadata is always verified.
    /// </summary>
    public bool HttpTrusted { get; init; }

    /// <summary>Skip checking the pulled commits' ref and collection bindings (<c>--disable-verify-bindings</c>).</summary>
    public bool DisableVerifyBindings { get; init; }

    /// <summary>fsync each object as it is written rather than the filesystem once at the end (<c>--per-object-fsync</c>).</summary>
    public bool PerObjectFsync { get; init; }
}

/// <summary>A progress snapshot; <paramref name="Delta"/> counts static-delta parts (all zero without deltas).</summary>
public readonly record struct PullProgress(int MetadataFetched, int ContentFetched, int ObjectsRequested, long Bytes, TimeSpan Elapsed, DeltaPullStats Delta = default);

/// <summary>The outcome of a pull.</summary>
public sealed record PullResult(int MetadataFetched, int ContentFetched, int MetadataLocal, int ContentLocal, long BytesTransferred, long ContentBytesWritten, TimeSpan Elapsed, IReadOnlyDictionary<string, Checksum> Refs)
{
    /// <summary>Static-delta counters (all zero when no delta was used).</summary>
    public DeltaPullStats Delta { get; init; }
}

/// <summary>Pulls commits from a remote repository.</summary>
public sealed class PullEngine : IDisposable
{
    private const long MaxMetadataSize = 128L * 1024 * 1024;
    private readonly Repository _repo;
    private readonly PullOptions _options;
    private readonly Fetcher _fetcher;
    private readonly string _url;
    private readonly string _contentUrl;
    private readonly ConcurrentDictionary<ObjectName, Lazy<Task>> _inflight = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly HashSet<string>? _subpaths;
    private DeltaPull? _deltas;
    private int _metaFetched, _contentFetched, _metaLocal, _contentLocal, _requested;
    private long _contentWritten;
    private RepoTransaction? _txn;

    /// <summary>Prepares a pull from <paramref name="remote"/> into <paramref name="repo"/>.</summary>
    public PullEngine(Repository repo, Remote remote, PullOptions options)
    {
        _repo = repo;
        _options = options;
        _url = options.OverrideUrl ?? remote.Url;
        _contentUrl = options.OverrideUrl ?? remote.ContentUrl;
        _fetcher = new Fetcher(options.Fetcher);
        RemoteName = remote.Name;
        GpgVerify = remote.GpgVerify;
        if (options.Subpaths.Count > 0)
            _subpaths = options.Subpaths.Select(p => "/" + p.Trim('/')).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The remote being pulled from.</summary>
    public string RemoteName { get; }

    /// <summary>Whether commits must be signed.</summary>
    public bool GpgVerify { get; }

    /// <summary>Verifies a commit's signatures; set by the signing layer. Without it, a remote with gpg-verify=true refuses every commit.</summary>
    public Func<Repository, Checksum, byte[], byte[]?, string?>? CommitVerifier { get; init; }

    /// <summary>Whether commits must carry valid sign-API (ed25519) signatures; the check itself is done by <see cref="CommitVerifier"/>.</summary>
    public bool SignVerify { get; init; }

    /// <summary>Checks the fetched summary and summary.sig (either may be null); returns a failure message or null. Unset: no summary check.</summary>
    public Func<byte[]?, byte[]?, string?>? SummaryVerifier { get; init; }

    /// <summary>Requests sent so far (for tests counting refetches).</summary>
    public int Requests => _fetcher.Requests;

    /// <summary>Runs the pull.</summary>
    public async Task<PullResult> RunAsync(CancellationToken ct = default)
    {
        var config = await _fetcher.FetchBytesAsync(_url, "config", allowMissing: true, 1 << 20, ct).ConfigureAwait(false);
        var remoteConfig = config is null ? null : KeyFile.Parse(System.Text.Encoding.UTF8.GetString(config), $"{_url}/config");
        if (remoteConfig is not null)
        {
            var mode = remoteConfig.Get("core", "mode");
            if (mode is not ("archive-z2" or "archive"))
                throw new OstreeException($"Remote repository at {_url} has mode '{mode}'; only archive repositories can be pulled over HTTP (use pull-local for local repositories)");
        }
        if (_options.PerObjectFsync)
            _repo.PerObjectFsync = true;
        var summaryBytes = await _fetcher.FetchBytesAsync(_url, "summary", allowMissing: true, MaxMetadataSize, ct).ConfigureAwait(false);
        if (SummaryVerifier is not null)
        {
            var sigBytes = summaryBytes is null ? null : await _fetcher.FetchBytesAsync(_url, "summary.sig", allowMissing: true, MaxMetadataSize, ct).ConfigureAwait(false);
            if (SummaryVerifier(summaryBytes, sigBytes) is { } failure)
                throw new OstreeException($"Summary of remote {RemoteName}: {failure}");
        }
        var summary = summaryBytes is null ? null : Repo.Summary.Parse(summaryBytes, $"{_url}/summary");

        var wanted = await ResolveWantedAsync(summary, ct).ConfigureAwait(false);
        _deltas = DeltaPull.Create(_repo, _fetcher, _url, _contentUrl, RemoteName, _options, summary, remoteConfig, SummaryVerifier is not null);
        using var txn = RepoTransaction.Prepare(_repo, new TransactionOptions
        {
            DisableFsync = _options.DisableFsync,
            AllowPartialTargets = _subpaths is not null || _options.CommitMetadataOnly,
        });
        _txn = txn;
        using var progressTimer = _options.Progress is null ? null : new Timer(_ => ReportProgress(), null, _options.ProgressInterval, _options.ProgressInterval);

        var done = new HashSet<Checksum>();
        foreach (var (name, commit) in wanted)
        {
            if (!done.Add(commit))
                continue;
            var outcome = _deltas is null ? DeltaOutcome.UseObjects
                : await _deltas.PullAsync(txn, name, commit, VerifyIfRequired, EnsureContentAsync, ct).ConfigureAwait(false);
            if (outcome == DeltaOutcome.UseObjects)
                await PullCommitAsync(commit, _options.Depth, isParent: false, ct).ConfigureAwait(false);
            else if (outcome == DeltaOutcome.Applied && !_options.DryRun)
                await PullParentsAsync(_repo.LoadCommit(commit), _options.Depth, ct).ConfigureAwait(false);
        }
        if (_options.DryRun)
            return Result(new Dictionary<string, Checksum>());

        VerifyBindings(wanted);
        CheckTimestamps(wanted);
        foreach (var (name, commit) in wanted)
        {
            if (!_commitIds.Contains(name))
                txn.SetRef(_options.Mirror ? null : RemoteName, name, commit);
        }
        if (_options.Mirror && _options.Refs.Count == 0 && summaryBytes is not null)
        {
            var sig = await _fetcher.FetchBytesAsync(_url, "summary.sig", allowMissing: true, MaxMetadataSize, ct).ConfigureAwait(false);
            txn.ReplaceSummary(summaryBytes, sig);
        }
        txn.Commit();
        if (_options.Progress is not null)
            ReportProgress();
        return Result(wanted);
    }

    // Specs that named a commit rather than a branch.
    private readonly HashSet<string> _commitIds = new(StringComparer.Ordinal);

    private PullResult Result(IReadOnlyDictionary<string, Checksum> refs) =>
        new(_metaFetched + (_deltas?.MetadataFetched ?? 0), _contentFetched, _metaLocal, _contentLocal, _fetcher.BytesTransferred, _contentWritten, _clock.Elapsed, refs)
        {
            Delta = _deltas?.Stats ?? default,
        };

    private void ReportProgress() =>
        _options.Progress?.Report(new PullProgress(_metaFetched + (_deltas?.MetadataFetched ?? 0), _contentFetched, Volatile.Read(ref _requested), _fetcher.BytesTransferred, _clock.Elapsed, _deltas?.Stats ?? default));

    private async Task<Dictionary<string, Checksum>> ResolveWantedAsync(Repo.Summary? summary, CancellationToken ct)
    {
        var refs = _options.Refs.ToList();
        if (refs.Count == 0)
        {
            var remote = Remotes.List(_repo).FirstOrDefault(r => r.Name == RemoteName);
            var branches = remote?.Branches ?? [];
            if (branches.Length > 0)
                refs.AddRange(branches);
            else if (_options.Mirror && summary is not null)
                refs.AddRange(summary.Refs.Select(r => r.Name));
            else if (_options.Mirror)
                throw new OstreeException($"Fetching all refs was requested in mirror mode, but remote repository at {_url} does not have a summary");
            else
                throw new OstreeException($"No refs specified and no configured branches for remote {RemoteName}");
        }
        var wanted = new Dictionary<string, Checksum>(StringComparer.Ordinal);
        foreach (var spec in refs)
        {
            // A bare commit checksum is pulled as such, like `ostree pull REMOTE CHECKSUM`; no ref moves.
            if (spec.Length == 64 && Checksum.TryParse(spec, out var commitId))
            {
                wanted[spec] = commitId;
                _commitIds.Add(spec);
                continue;
            }
            int at = spec.LastIndexOf('@');
            if (at > 0 && Checksum.TryParse(spec.AsSpan(at + 1), out var pinned))
            {
                wanted[Repository.ValidateRefName(spec[..at])] = pinned;
                continue;
            }
            Repository.ValidateRefName(spec);
            if (summary is not null)
            {
                var entry = summary.Find(spec) ?? throw new OstreeException($"No such branch '{spec}' in repository summary of remote {RemoteName} ({_url})");
                wanted[spec] = entry.Checksum;
                continue;
            }
            var refFile = await _fetcher.FetchBytesAsync(_url, Repository.HeadRelativePath(spec), allowMissing: true, 1024, ct).ConfigureAwait(false)
                ?? throw new OstreeException($"No such branch '{spec}' in remote {RemoteName} ({_url})");
            var text = System.Text.Encoding.ASCII.GetString(refFile).Trim();
            wanted[spec] = Checksum.TryParse(text, out var c) ? c : throw new OstreeException($"Remote ref {spec} at {_url} does not contain a checksum: '{text}'");
        }
        return wanted;
    }

    // ostree checks the commits a pull would move refs to; the objects fetched stay (the commit is
    // complete and the next pull reuses it), but no ref moves.
    private void CheckTimestamps(IReadOnlyDictionary<string, Checksum> wanted)
    {
        foreach (var (name, commit) in wanted)
        {
            if (_options.TimestampCheckFromRev is { } from)
                CommitTimestamps.RequireNotOlder(_repo, from.ToString(), commit.ToString());
            if (_options.TimestampCheck && !_commitIds.Contains(name)
                && _repo.ResolveRev(_options.Mirror ? name : $"{RemoteName}:{name}", allowMissing: true) is { } current && current != commit)
                CommitTimestamps.RequireNotOlder(_repo, current.ToString(), commit.ToString());
        }
    }

    private async Task PullCommitAsync(Checksum commit, int depth, bool isParent, CancellationToken ct)
    {
        var txn = _txn!;
        bool haveCommit = _repo.HasObject(commit, ObjectType.Commit);
        bool partial = txn.IsPartial(commit);
        if (haveCommit && !partial && _subpaths is null && !_options.CommitMetadataOnly)
        {
            // Complete locally: only the requested history depth may still be missing.
            await PullParentsAsync(_repo.LoadCommit(commit), depth, ct).ConfigureAwait(false);
            return;
        }
        // A commit already complete here stays complete: a metadata-only or subpath pull of it
        // must not mark it partial (that would hide it from refs and flag it in fsck).
        if (!haveCommit || partial)
            txn.MarkCommitPartial(commit);

        if (!haveCommit)
        {
            var bytes = await _fetcher.FetchBytesAsync(_url, ObjectRelPath(commit, ObjectType.Commit), allowMissing: isParent, MaxMetadataSize, ct).ConfigureAwait(false);
            if (bytes is null)
            {
                txn.ForgetPartialCommit(commit);
                return;
            }
            var detached = await _fetcher.FetchBytesAsync(_url, ObjectRelPath(commit, ObjectType.CommitMeta), allowMissing: true, MaxMetadataSize, ct).ConfigureAwait(false);
            VerifyMetadata(commit, ObjectType.Commit, bytes);
            if (GpgVerify || SignVerify)
                VerifyCommitSignature(commit, bytes, detached);
            if (detached is not null)
                _repo.WriteDetachedMetadata(commit, detached);
            _repo.WriteMetadata(ObjectType.Commit, bytes);
            Interlocked.Increment(ref _metaFetched);
        }
        else if (GpgVerify || SignVerify)
        {
            var detached = _repo.LoadDetachedMetadata(commit)?.Data.ToArray();
            VerifyCommitSignature(commit, _repo.LoadMetadataBytes(commit, ObjectType.Commit), detached);
        }

        var c = _repo.LoadCommit(commit);
        if (!_options.CommitMetadataOnly)
        {
            await WalkAsync(c.RootTree, c.RootMeta, "/", ct).ConfigureAwait(false);
            if (_subpaths is null)
                txn.MarkCommitComplete(commit);
        }
        await PullParentsAsync(c, depth, ct).ConfigureAwait(false);
    }

    private async Task PullParentsAsync(Objects.Commit c, int depth, CancellationToken ct)
    {
        if (depth != 0 && c.Parent is { } parent)
            await PullCommitAsync(parent, depth < 0 ? depth : depth - 1, isParent: true, ct).ConfigureAwait(false);
    }

    private void VerifyIfRequired(Checksum commit, byte[] commitBytes, byte[]? detached)
    {
        if (GpgVerify || SignVerify)
            VerifyCommitSignature(commit, commitBytes, detached);
    }

    private void VerifyCommitSignature(Checksum commit, byte[] commitBytes, byte[]? detached)
    {
        if (CommitVerifier is null)
        {
            bool signed = detached is not null && new GVariant.GVariantView(GVariant.GVariantType.VarDict, detached).TryLookup("ostree.gpgsigs", out _);
            throw new OstreeException(signed
                ? $"Commit {commit}: GPG verification enabled, but signatures cannot be checked here (use gpg-verify=false in remote config to disable)"
                : $"Commit {commit}: GPG verification enabled, but no signatures found (use gpg-verify=false in remote config to disable)");
        }
        var failure = CommitVerifier(_repo, commit, commitBytes, detached);
        if (failure is not null)
            throw new OstreeException($"Commit {commit}: {failure}");
    }

    internal static string ObjectRelPath(Checksum c, ObjectType type) => c.ToObjectPath("objects", type.Extension(archive: true));

    private static void VerifyMetadata(Checksum expected, ObjectType type, byte[] bytes)
    {
        var actual = Checksum.Of(bytes);
        if (actual != expected)
            throw new OstreeException($"Corrupted {type.Name()} object; checksum expected='{expected}' actual='{actual}'");
    }

    private bool InSubpath(string path)
    {
        if (_subpaths is null)
            return true;
        foreach (var s in _subpaths)
        {
            // Walk into ancestors of a wanted subpath and everything below it.
            if (path == "/" || s == "/" || path == s || path.StartsWith(s + "/", StringComparison.Ordinal) || s.StartsWith(path.TrimEnd('/') + "/", StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    private bool FullyInSubpath(string path) =>
        _subpaths is null || _subpaths.Any(s => s == "/" || path == s || path.StartsWith(s + "/", StringComparison.Ordinal));

    private async Task WalkAsync(Checksum tree, Checksum meta, string path, CancellationToken ct)
    {
        var metaTask = EnsureMetadataAsync(meta, ObjectType.DirMeta, ct);
        await EnsureMetadataAsync(tree, ObjectType.DirTree, ct).ConfigureAwait(false);
        var dt = _repo.LoadDirTree(tree);
        var tasks = new List<Task> { metaTask };
        if (FullyInSubpath(path))
        {
            foreach (var f in dt.Files)
                tasks.Add(EnsureContentAsync(f.Checksum, ct));
        }
        foreach (var d in dt.Dirs)
        {
            var childPath = path == "/" ? "/" + d.Name : path + "/" + d.Name;
            if (InSubpath(childPath))
                tasks.Add(WalkAsync(d.Tree, d.Meta, childPath, ct));
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private Task EnsureMetadataAsync(Checksum c, ObjectType type, CancellationToken ct) =>
        Once(new ObjectName(c, type), async () =>
        {
            if (_repo.HasObject(c, type))
                return;
            foreach (var cache in _options.LocalCaches)
            {
                if (cache.HasObject(c, type))
                {
                    var local = cache.LoadMetadataBytes(c, type);
                    VerifyMetadata(c, type, local);
                    _repo.WriteMetadata(type, local);
                    Interlocked.Increment(ref _metaLocal);
                    return;
                }
            }
            Interlocked.Increment(ref _requested);
            var bytes = await _fetcher.FetchBytesAsync(_url, ObjectRelPath(c, type), allowMissing: false, MaxMetadataSize, ct).ConfigureAwait(false);
            VerifyMetadata(c, type, bytes!);
            _repo.WriteMetadata(type, bytes!);
            Interlocked.Increment(ref _metaFetched);
        });

    private Task EnsureContentAsync(Checksum c, CancellationToken ct) =>
        Once(new ObjectName(c, ObjectType.File), async () =>
        {
            if (_repo.HasObject(c, ObjectType.File))
                return;
            foreach (var cache in _options.LocalCaches)
            {
                if (cache.HasObject(c, ObjectType.File))
                {
                    var obj = cache.OpenContent(c);
                    CheckBareUserOnly(obj.Header, c);
                    using var data = obj.Header.IsSymlink ? null : obj.OpenData();
                    _repo.WriteContent(obj.Header, data, obj.Size, c);
                    Interlocked.Increment(ref _contentLocal);
                    return;
                }
            }
            Interlocked.Increment(ref _requested);
            string? tmp = null;
            try
            {
                long size = 0;
                bool inMemory = await _fetcher.FetchSmallOrSpillAsync(_contentUrl, ObjectRelPath(c, ObjectType.File), () => tmp = _repo.NewTmpPath("pull"), Repository.WholeObjectLimit,
                    filez => size = TrustedDirect
                        ? _repo.StoreArchiveContentTrusted(filez, c)
                        : _repo.ImportArchiveContent(filez, c, CheckBareUserOnly), ct).ConfigureAwait(false);
                if (!inMemory)
                    size = TrustedDirect
                        ? _repo.StoreArchiveContentTrusted(File.ReadAllBytes(tmp!), c)
                        : _repo.ImportArchiveContent(tmp!, c, CheckBareUserOnly);
                Interlocked.Add(ref _contentWritten, size);
                _txn!.Pacer.Written(size);
                Interlocked.Increment(ref _contentFetched);
            }
            finally
            {
                // Only a spilled (large) object ever has a temp file; most objects never touch one.
                if (tmp is not null)
                    File.Delete(tmp);
            }
        });

    // ostree's trusted_http_direct: only a mirror into an archive repository, with no mode check to make.
    private bool TrustedDirect => _options.HttpTrusted && _options.Mirror && _repo.IsArchive && !_options.BareUserOnlyFiles;

    // ostree's _ostree_repo_verify_bindings for each requested commit: the ref it was asked by must
    // be among its bound refs, and a remote with a collection ID needs the same collection binding.
    private void VerifyBindings(Dictionary<string, Checksum> wanted)
    {
        if (_options.DisableVerifyBindings)
            return;
        var collectionId = Remotes.List(_repo).FirstOrDefault(r => r.Name == RemoteName)?.Get("collection-id") is { Length: > 0 } cid ? cid : null;
        foreach (var (name, commit) in wanted)
        {
            if (!_repo.HasObject(commit, ObjectType.Commit))
                continue;
            try
            {
                Fsck.VerifyBindings(collectionId, _commitIds.Contains(name) ? null : name, _repo.LoadCommit(commit));
            }
            catch (OstreeException e)
            {
                throw new OstreeException($"Commit {commit}: {e.Message}", e);
            }
        }
    }

    // ostree's _ostree_validate_bareuseronly_mode, with its message.
    private void CheckBareUserOnly(FileHeader header, Checksum c)
    {
        if (!_options.BareUserOnlyFiles || !header.IsRegular)
            return;
        uint invalid = header.Mode & 0xFFFu & ~0x1FDu; // permission bits outside 0775
        if (invalid != 0)
            throw new OstreeException($"Content object {c}: invalid mode 0{Convert.ToString(header.Mode, 8).PadLeft(4, '0')} with bits 0{Convert.ToString(invalid, 8).PadLeft(4, '0')}");
    }

    private Task Once(ObjectName name, Func<Task> work) =>
        _inflight.GetOrAdd(name, _ => new Lazy<Task>(work)).Value;

    /// <inheritdoc />
    public void Dispose() => _fetcher.Dispose();
}
