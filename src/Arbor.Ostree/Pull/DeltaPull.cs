// The static-delta side of a pull, as `ostree pull` does it. Per wanted ref:
//   1. which deltas the remote offers: the summary's "ostree.static-deltas" (name → superblock
//      digest) and, when the summary says "ostree.summary.indexed-deltas" (or, without that key,
//      the remote config says [core] indexed-deltas), delta-indexes/<to>.index for this commit;
//      without either, the from-commit is guessed from the local ref (legacy repositories);
//   2. the best start: the newest complete local commit some delta starts from, else a
//      from-scratch delta — but only for a first pull, since a ref we already have is usually a
//      few commits behind and objects are cheaper than a whole image;
//   3. deltas/.../superblock, checked against its digest, whose embedded to-commit is hashed and
//      signature-checked (engine's verifier) before anything is written; then the commit is marked
//      partial and written with its detached metadata, fallback objects are fetched as ordinary
//      content objects, and parts are fetched a few at a time and executed strictly in order,
//      each checked against the checksum in its header. Parts whose objects are all present are
//      skipped, so an interrupted pull resumes.
// Without a usable delta the engine falls back to fetching objects, unless deltas are required.
// The partial marker is removed, and the engine moves the ref, only after everything succeeded.
using Arbor.Ostree.Deltas;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Pull;

/// <summary>Counters of the static-delta part of a pull (ostree's "delta" progress keys).</summary>
/// <param name="PartsFetched">Parts fetched or already present.</param>
/// <param name="PartsTotal">Parts of all deltas used.</param>
/// <param name="FallbacksFetched">Fallback objects fetched or already present.</param>
/// <param name="FallbacksTotal">Fallback objects of all deltas used.</param>
/// <param name="FetchedSize">Compressed bytes of the parts and fallbacks fetched or present.</param>
/// <param name="TotalSize">Compressed bytes of all parts and fallbacks.</param>
/// <param name="TotalUncompressedSize">Uncompressed bytes of all parts and fallbacks.</param>
public readonly record struct DeltaPullStats(int PartsFetched, int PartsTotal, int FallbacksFetched, int FallbacksTotal,
    ulong FetchedSize, ulong TotalSize, ulong TotalUncompressedSize);

/// <summary>What <see cref="DeltaPull"/> did for one commit.</summary>
internal enum DeltaOutcome
{
    /// <summary>No delta: fetch objects.</summary>
    UseObjects,
    /// <summary>The delta was applied (or, in a dry run, measured).</summary>
    Applied,
    /// <summary>Deltas are required and the commit is already complete: nothing to do.</summary>
    Nothing,
}

/// <summary>Finds, fetches and applies static deltas during a pull.</summary>
internal sealed class DeltaPull
{
    private const long MaxMetadataSize = 128L * 1024 * 1024;
    private readonly Repository _repo;
    private readonly Fetcher _fetcher;
    private readonly string _url;
    private readonly string _contentUrl;
    private readonly string _remoteName;
    private readonly bool _require;
    private readonly bool _dryRun;
    private readonly bool _indexed;
    private readonly bool _summaryHasDeltas;
    private readonly bool _summaryVerified;
    private readonly int _partWindow;
    private readonly Dictionary<string, Checksum> _digests = new(StringComparer.Ordinal);
    private int _partsFetched, _partsTotal, _fallbacksFetched, _fallbacksTotal, _metadataFetched, _requestsForThisCommit;
    private long _fetchedSize, _totalSize, _totalUsize;

    private DeltaPull(Repository repo, Fetcher fetcher, string url, string contentUrl, string remoteName, PullOptions options,
        Repo.Summary? summary, KeyFile? remoteConfig, bool summaryVerified)
    {
        _repo = repo;
        _fetcher = fetcher;
        _url = url;
        _contentUrl = contentUrl;
        _remoteName = remoteName;
        _require = options.RequireStaticDeltas;
        _dryRun = options.DryRun;
        _summaryVerified = summaryVerified;
        _partWindow = Math.Clamp(options.Fetcher.MaxConcurrency / 2, 1, 4);
        if (summary?.GetMetadata("ostree.static-deltas") is { } deltas)
            AddDigests(deltas, $"summary of remote {remoteName}");
        _summaryHasDeltas = _digests.Count > 0;
        _indexed = summary?.GetMetadata("ostree.summary.indexed-deltas") is GVNumber { Kind: 'b' } flag
            ? flag.Bits != 0
            : remoteConfig?.GetBool("core", "indexed-deltas", false) ?? false;
    }

    /// <summary>Sets up delta pulls, or returns null when deltas are not to be used for this pull.</summary>
    /// <exception cref="OstreeException">Deltas are required but cannot be used.</exception>
    public static DeltaPull? Create(Repository repo, Fetcher fetcher, string url, string contentUrl, string remoteName, PullOptions options,
        Repo.Summary? summary, KeyFile? remoteConfig, bool summaryVerified)
    {
        if (options.DisableStaticDeltas && options.RequireStaticDeltas)
            throw new OstreeException("--disable-static-deltas and --require-static-deltas cannot be used together");
        if (options.DryRun && !options.RequireStaticDeltas)
            throw new OstreeException("--dry-run requires --require-static-deltas");
        if (options.DisableStaticDeltas)
            return null;
        // A local source is copied object by object so the exact files arrive, unless deltas are required.
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.IsFile && !options.RequireStaticDeltas)
            return null;
        if (repo.IsArchive)
            return options.RequireStaticDeltas ? throw new OstreeException("Can't use static deltas in an archive repo") : null;
        if (options.CommitMetadataOnly)
            return options.DryRun ? throw new OstreeException("--dry-run measures static deltas, which --commit-metadata-only does not use") : null;
        var d = new DeltaPull(repo, fetcher, url, contentUrl, remoteName, options, summary, remoteConfig, summaryVerified);
        if (options.RequireStaticDeltas && !d._indexed && !d._summaryHasDeltas)
            throw new OstreeException("Fetch configured to require static deltas, but no summary deltas or delta index found");
        return d;
    }

    /// <summary>Requests of the deltas used (index, superblock, detached metadata — found or not, as ostree counts them),
    /// for the "loose fetched" count; requests that ended in a fallback to objects are not counted.</summary>
    public int MetadataFetched => _metadataFetched;

    /// <summary>The counters so far.</summary>
    public DeltaPullStats Stats => new(Volatile.Read(ref _partsFetched), _partsTotal, Volatile.Read(ref _fallbacksFetched), _fallbacksTotal,
        (ulong)Interlocked.Read(ref _fetchedSize), (ulong)_totalSize, (ulong)_totalUsize);

    /// <summary>Pulls <paramref name="to"/> for ref <paramref name="refName"/> through a static delta when one fits.</summary>
    /// <param name="txn">The pull's transaction: marks the commit partial while its objects arrive.</param>
    /// <param name="refName">The wanted ref (its current local value is the natural delta start).</param>
    /// <param name="to">The commit the ref should point to.</param>
    /// <param name="verify">Checks the to-commit's signatures (commit, commit bytes, detached metadata); throws on failure.</param>
    /// <param name="fetchContent">Fetches one content object the ordinary way (fallback objects).</param>
    /// <param name="ct">Cancels the pull.</param>
    public async Task<DeltaOutcome> PullAsync(RepoTransaction txn, string refName, Checksum to, Action<Checksum, byte[], byte[]?> verify,
        Func<Checksum, CancellationToken, Task> fetchContent, CancellationToken ct)
    {
        _txn = txn;
        _requestsForThisCommit = 0;
        var outcome = await ChooseAndPullAsync(refName, to, verify, fetchContent, ct).ConfigureAwait(false);
        if (outcome == DeltaOutcome.Applied)
            _metadataFetched += _requestsForThisCommit;
        return outcome;
    }

    private async Task<DeltaOutcome> ChooseAndPullAsync(string refName, Checksum to, Action<Checksum, byte[], byte[]?> verify,
        Func<Checksum, CancellationToken, Task> fetchContent, CancellationToken ct)
    {
        Checksum? localFrom = _repo.ResolveRev($"{_remoteName}:{refName}", allowMissing: true);
        if (_indexed)
        {
            var index = await _fetcher.FetchBytesAsync(_contentUrl, DeltaIndexes.IndexRelativePath(to), allowMissing: true, MaxMetadataSize, ct).ConfigureAwait(false);
            _requestsForThisCommit++;
            if (index is not null)
                AddIndex(index, to);
            return await FromSearchAsync(refName, to, localFrom, verify, fetchContent, ct).ConfigureAwait(false);
        }
        if (_summaryHasDeltas)
            return await FromSearchAsync(refName, to, localFrom, verify, fetchContent, ct).ConfigureAwait(false);
        // Legacy remote without delta listings: try the delta from what the ref points to now.
        if (localFrom is { } lf && (IsPartial(lf) || !_repo.HasObject(lf, ObjectType.Commit)))
            localFrom = null;
        if (localFrom == to)
            return DeltaOutcome.UseObjects;
        return await FetchAndApplyAsync(localFrom, to, expectedDigest: null, verify, fetchContent, ct).ConfigureAwait(false);
    }

    private async Task<DeltaOutcome> FromSearchAsync(string refName, Checksum to, Checksum? localFrom, Action<Checksum, byte[], byte[]?> verify,
        Func<Checksum, CancellationToken, Task> fetchContent, CancellationToken ct)
    {
        if (_repo.HasObject(to, ObjectType.Commit) && !IsPartial(to))
            return _require ? DeltaOutcome.Nothing : DeltaOutcome.UseObjects;
        bool scratch = false;
        Checksum? best = null;
        ulong bestTime = 0;
        foreach (var name in _digests.Keys.Order(StringComparer.Ordinal))
        {
            var (from, target) = DeltaIndexes.ParseName(name);
            if (target != to)
                continue;
            if (from is not { } f)
            {
                scratch = true;
                continue;
            }
            if (!_repo.HasObject(f, ObjectType.Commit) || IsPartial(f))
                continue;
            var ts = _repo.LoadCommit(f).Timestamp;
            if (best is null || ts > bestTime)
                (best, bestTime) = (f, ts);
        }
        if (best is { } start)
            return await FetchAndApplyAsync(start, to, _digests[$"{start}-{to}"], verify, fetchContent, ct).ConfigureAwait(false);
        if (scratch)
        {
            // A ref we already have is likely only a few commits behind: objects beat a whole image.
            return localFrom is null
                ? await FetchAndApplyAsync(null, to, _digests[to.ToString()], verify, fetchContent, ct).ConfigureAwait(false)
                : DeltaOutcome.UseObjects;
        }
        if (_require)
            throw new OstreeException($"Static deltas required, but none found for {refName} to {to}");
        return DeltaOutcome.UseObjects;
    }

    private async Task<DeltaOutcome> FetchAndApplyAsync(Checksum? from, Checksum to, Checksum? expectedDigest, Action<Checksum, byte[], byte[]?> verify,
        Func<Checksum, CancellationToken, Task> fetchContent, CancellationToken ct)
    {
        var name = from is null ? to.ToString() : $"{from}-{to}";
        var relDir = Repository.StaticDeltaRelativeDir(from, to);
        var bytes = await _fetcher.FetchBytesAsync(_contentUrl, relDir + "/superblock", allowMissing: true, MaxMetadataSize, ct).ConfigureAwait(false);
        _requestsForThisCommit++;
        if (bytes is null)
        {
            if (_require)
                throw new OstreeException($"Static deltas required, but none found for {from?.ToString() ?? "empty"} to {to}");
            return DeltaOutcome.UseObjects;
        }
        if (expectedDigest is null && _summaryVerified)
            throw new OstreeException($"Static delta {name} is not listed in the verified summary of remote {_remoteName}");
        if (expectedDigest is { } want && Checksum.Of(bytes) != want)
            throw new OstreeException($"Invalid checksum for static delta {name}");
        DeltaSuperblock sb;
        try
        {
            sb = DeltaSuperblock.Parse(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new OstreeException($"Static delta {name}: {e.Message}", e);
        }
        if (sb.To != to || sb.From != from)
            throw new OstreeException($"Static delta {name}: superblock is for {sb.From?.ToString() ?? "empty"}-{sb.To}");
        var commitBytes = sb.CommitBytes.ToArray();
        if (Checksum.Of(commitBytes) is var actual && actual != to)
            throw new OstreeException($"Static delta {name}: corrupted commit object; checksum expected='{to}' actual='{actual}'");

        var toFetch = CountAndPlan(sb);
        if (_dryRun)
            return DeltaOutcome.Applied;
        CheckFreeSpace();

        if (!_repo.HasObject(to, ObjectType.Commit))
        {
            byte[]? detached = sb.GetMetadata($"{relDir}/commitmeta")?.Serialize();
            if (detached is null)
            {
                // The delta may predate the signatures; the loose detached metadata is authoritative then.
                detached = await _fetcher.FetchBytesAsync(_url, PullEngine.ObjectRelPath(to, ObjectType.CommitMeta), allowMissing: true, MaxMetadataSize, ct).ConfigureAwait(false);
                _requestsForThisCommit++;
            }
            verify(to, commitBytes, detached);
            _txn!.MarkCommitPartial(to);
            if (detached is not null)
                _repo.WriteDetachedMetadata(to, detached);
            _repo.WriteMetadata(ObjectType.Commit, commitBytes);
        }
        else
        {
            verify(to, _repo.LoadMetadataBytes(to, ObjectType.Commit), _repo.LoadDetachedMetadata(to)?.Data.ToArray());
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var fallbacks = sb.Fallbacks.Where(f => !_repo.HasObject(f.Object.Checksum, f.Object.Type))
            .Select(f => FetchFallbackAsync(f, fetchContent, cts.Token)).ToList();
        try
        {
            await ApplyPartsAsync(sb, relDir, name, toFetch, cts.Token).ConfigureAwait(false);
            await Task.WhenAll(fallbacks).ConfigureAwait(false);
        }
        catch
        {
            await cts.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(fallbacks).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OstreeException or OperationCanceledException or IOException)
            {
                // The first failure is the one reported.
            }
            throw;
        }
        _txn!.MarkCommitComplete(to);
        return DeltaOutcome.Applied;
    }

    /// <summary>Adds the delta to the counters and returns the parts that still have to be executed.</summary>
    private List<int> CountAndPlan(DeltaSuperblock sb)
    {
        foreach (var f in sb.Fallbacks)
        {
            if (f.Object.Type.IsMeta())
                throw new OstreeException($"Found metadata object as fallback: {f.Object.Checksum}.{f.Object.Type.Name()}");
            _fallbacksTotal++;
            _totalSize += (long)f.CompressedSize;
            _totalUsize += (long)f.UncompressedSize;
            if (_repo.HasObject(f.Object.Checksum, f.Object.Type))
            {
                _fetchedSize += (long)f.CompressedSize;
                _fallbacksFetched++;
            }
        }
        var todo = new List<int>();
        _partsTotal += sb.Parts.Count;
        for (int i = 0; i < sb.Parts.Count; i++)
        {
            var p = sb.Parts[i];
            if (p.Version > 0)
                throw new OstreeException($"Delta part has too new version {p.Version}");
            _totalSize += (long)p.CompressedSize;
            _totalUsize += (long)p.UncompressedSize;
            if (p.Objects.All(o => _repo.HasObject(o.Checksum, o.Type)))
            {
                _fetchedSize += (long)p.CompressedSize;
                _partsFetched++;
            }
            else
                todo.Add(i);
        }
        return todo;
    }

    private void CheckFreeSpace()
    {
        long free;
        try
        {
            free = new DriveInfo(_repo.Path).TotalFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return;
        }
        if (_totalUsize > free)
            throw new OstreeException($"Delta requires {Arbor.Native.ByteSize.Format((ulong)_totalUsize)} free space, but only {Arbor.Native.ByteSize.Format((ulong)free)} available");
    }

    private async Task FetchFallbackAsync(DeltaFallback f, Func<Checksum, CancellationToken, Task> fetchContent, CancellationToken ct)
    {
        await fetchContent(f.Object.Checksum, ct).ConfigureAwait(false);
        Interlocked.Increment(ref _fallbacksFetched);
        Interlocked.Add(ref _fetchedSize, (long)f.CompressedSize);
    }

    /// <summary>Fetches up to <see cref="_partWindow"/> parts ahead and executes them one after another, in order.</summary>
    private async Task ApplyPartsAsync(DeltaSuperblock sb, string relDir, string name, List<int> todo, CancellationToken ct)
    {
        var pending = new Queue<(int Index, Task<byte[]?> Fetch)>();
        int next = 0;
        void StartMore()
        {
            while (next < todo.Count && pending.Count < _partWindow)
            {
                int i = todo[next++];
                // Inline parts travel inside the superblock; there is nothing to fetch.
                var fetch = sb.GetMetadata($"{relDir}/{i}") is null
                    ? _fetcher.FetchBytesAsync(_contentUrl, $"{relDir}/{i}", allowMissing: false, (long)Math.Min(sb.Parts[i].CompressedSize, int.MaxValue), ct)
                    : Task.FromResult<byte[]?>(null);
                pending.Enqueue((i, fetch));
            }
        }
        try
        {
            StartMore();
            while (pending.Count > 0)
            {
                var (i, fetch) = pending.Dequeue();
                var file = await fetch.ConfigureAwait(false);
                StartMore();
                var header = sb.Parts[i];
                await Task.Run(() => ExecutePart(sb, relDir, name, i, header, file), ct).ConfigureAwait(false);
                Interlocked.Increment(ref _partsFetched);
                Interlocked.Add(ref _fetchedSize, (long)header.CompressedSize);
            }
        }
        finally
        {
            // Parts fetched ahead of a failure are abandoned; observe them so nothing goes unobserved.
            foreach (var (_, fetch) in pending)
                _ = fetch.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    private void ExecutePart(DeltaSuperblock sb, string relDir, string name, int i, DeltaPartHeader header, byte[]? file)
    {
        try
        {
            DeltaPartPayload payload;
            if (file is null)
            {
                // Inline parts are covered by the superblock digest and the commit signature, as in ostree.
                var inline = sb.InlinePartFile(i) ?? throw new InvalidDataException("inline part is not a (yay) value");
                payload = DeltaPartPayload.DecodePartFile(inline);
            }
            else
            {
                var actual = Checksum.Of(file);
                if (actual != header.Checksum)
                    throw new OstreeException($"Checksum mismatch in static delta part; expected={header.Checksum} actual={actual}");
                payload = DeltaPartPayload.DecodePartFile(file, header.UncompressedSize);
            }
            DeltaApplier.ExecutePart(_repo, header.Objects, payload);
        }
        catch (Exception e) when (e is InvalidDataException or OstreeException)
        {
            throw new OstreeException($"Static delta {name} part {i}: {e.Message}", e);
        }
    }

    private bool IsPartial(Checksum c) => _txn!.IsPartial(c);

    private RepoTransaction? _txn;

    private void AddIndex(byte[] index, Checksum to)
    {
        var source = $"{_contentUrl.TrimEnd('/')}/{DeltaIndexes.IndexRelativePath(to)}";
        try
        {
            var meta = Commit.MetadataFromView(new GVariantView(GVariantType.VarDict, index));
            if (meta.FirstOrDefault(kv => kv.Key == "ostree.static-deltas").Value is { } deltas)
                AddDigests(deltas, source);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or InvalidDataException)
        {
            throw new OstreeException($"Invalid static delta index {source}: {e.Message}", e);
        }
    }

    private void AddDigests(GVariantValue deltas, string source)
    {
        if (deltas is not GVArray arr)
            throw new OstreeException($"Invalid ostree.static-deltas in {source}: expected a{{sv}}");
        foreach (var item in arr.Items)
        {
            if (item is not GVDictEntry { Key: GVString key, Value: var value })
                throw new OstreeException($"Invalid ostree.static-deltas in {source}: expected a{{sv}}");
            var inner = value is GVVariant v ? v.Inner : value;
            if (inner is not GVBytes { Value.Length: Checksum.ByteLength } digest)
                throw new OstreeException($"Invalid static delta digest for {key.Value} in {source}: expected 32 bytes");
            DeltaIndexes.ParseName(key.Value);
            _digests[key.Value] = new Checksum(digest.Value.Span);
        }
    }
}
