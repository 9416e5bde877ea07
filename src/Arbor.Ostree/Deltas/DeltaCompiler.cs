// `static-delta generate`: computes the objects reachable from the to-commit but not from the
// from-commit and packs them into parts, the way ostree's "lowlatency" generator does:
//   1. new metadata (minus the to-commit, which travels in the superblock) as OPEN_SPLICE_AND_CLOSE;
//   2. modified regular files (same basename, size within 30%) as bsdiff patches (BSPATCH), or
//      when too large to bsdiff, rollsum matching (≥ 50% of chunks found → WRITE ops copying from
//      the old object);
//   3. large new files (> min-fallback-size) become fallbacks fetched separately;
//   4. the remaining regular files, then symlinks, as OPEN_SPLICE_AND_CLOSE.
// A part is closed when the next object would push it past max-chunk-size, and between the
// patches and the new files when both are large, so they compress and decompress on separate
// cores. Unlike ostree, the expensive steps run in parallel: content is probed and
// rollsum/bsdiff computed across cores, and every finished part is serialized and xz-compressed
// on its own task while the next one is filled. New files are ordered by extension and name so similar files share a part window.
// With signing keys the serialized superblock is wrapped in the signed form before it is written.
using System.Collections.Concurrent;
using Arbor.Native;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Deltas;

/// <summary>Parameters of delta generation (ostree's defaults).</summary>
public sealed record DeltaGenerateOptions
{
    /// <summary>Files larger than this (bytes) become fallbacks; 0 disables fallbacks.</summary>
    public ulong MinFallbackSize { get; init; } = 4_000_000;
    /// <summary>Pairs whose sizes sum above this (bytes) are not bsdiffed.</summary>
    public ulong MaxBsdiffSize { get; init; } = 128_000_000;
    /// <summary>Target maximum uncompressed part size (bytes).</summary>
    public ulong MaxChunkSize { get; init; } = 32_000_000;
    /// <summary>Use bsdiff for modified files.</summary>
    public bool Bsdiff { get; init; } = true;
    /// <summary>Store the parts inside the superblock.</summary>
    public bool Inline { get; init; }
    /// <summary>Write the superblock to this path (parts beside it) instead of into the repository.</summary>
    public string? Filename { get; init; }
    /// <summary>Write sizes big-endian.</summary>
    public bool BigEndian { get; init; } = !BitConverter.IsLittleEndian;
    /// <summary>xz-compress parts (ostree always does).</summary>
    public bool Compress { get; init; } = true;
    /// <summary>Extra superblock metadata, placed first.</summary>
    public IReadOnlyList<KeyValuePair<string, GVariantValue>> Metadata { get; init; } = [];
    /// <summary>Receives diagnostic lines.</summary>
    public Action<string>? Verbose { get; init; }
    /// <summary>Receives progress: modified files compared, then parts written.</summary>
    public IProgress<Arbor.Native.OperationProgress>? Progress { get; init; }
    /// <summary>Sign the superblock (the signed "OSTSGNDT" form); null writes it unsigned.</summary>
    public DeltaSigning? Sign { get; init; }
}

/// <summary>How to sign a generated superblock.</summary>
/// <param name="Engine">The signature engine.</param>
/// <param name="SecretKeys">One signature is made per key, in this order; an empty list still writes the signed form, as ostree does.</param>
public sealed record DeltaSigning(Signing.SignEngine Engine, IReadOnlyList<string> SecretKeys);

/// <summary>What generation produced.</summary>
/// <param name="SuperblockPath">Where the superblock was written.</param>
/// <param name="Superblock">The superblock.</param>
public sealed record DeltaGenerateResult(string SuperblockPath, DeltaSuperblock Superblock);

/// <summary>Builds static deltas.</summary>
public static class DeltaCompiler
{
    private const int SimilarityPercent = 30;

    // Below this (bytes) a part is not worth splitting for parallelism.
    private const long SplitThreshold = 1 << 20;

    private sealed record Probe(FileHeader Header, long Size, long StorageSize);
    private sealed record Modified(Checksum From, RollsumResult? Rollsum, byte[]? Patch);

    /// <summary>Generates the delta from <paramref name="from"/> (null: from scratch) to <paramref name="to"/>.</summary>
    /// <exception cref="OstreeException">A commit or object is missing.</exception>
    public static DeltaGenerateResult Generate(Repository repo, Checksum? from, Checksum to, DeltaGenerateOptions opt)
    {
        // A bad signing key must fail before any part is written.
        if (opt.Sign is { } signing)
            DeltaSignatures.CheckSecretKeys(signing.Engine, signing.SecretKeys);
        var toCommitBytes = repo.LoadMetadataBytes(to, ObjectType.Commit);
        var toReach = repo.TraverseCommit(to);
        var fromReach = from is { } f0 ? repo.TraverseCommit(f0) : [];
        if (from is { } fc && !repo.HasObject(fc, ObjectType.Commit))
            throw new OstreeException($"No such metadata object {fc}.commit");

        var newMeta = new List<ObjectName>();
        var newContent = new List<Checksum>();
        foreach (var o in toReach)
        {
            if (fromReach.Contains(o))
                continue;
            if (o.Type.IsMeta())
            {
                if (!(o.Type == ObjectType.Commit && o.Checksum == to))
                    newMeta.Add(o);
            }
            else
                newContent.Add(o.Checksum);
        }

        var probes = new ConcurrentDictionary<Checksum, Probe>();
        Probe ProbeOf(Checksum c) => probes.GetOrAdd(c, k =>
        {
            var co = repo.OpenContent(k);
            // lstat: a bare repository stores symlinks as symlinks, possibly to directories.
            return new Probe(co.Header, co.Size, (long)LibC.LStat(co.Path).Size);
        });
        Parallel.ForEach(newContent, c => ProbeOf(c));

        var toNames = CollectNames(repo, repo.LoadCommit(to));
        var modified = new Dictionary<Checksum, Modified>();
        if (from is { } fromC)
        {
            var fromNames = CollectNames(repo, repo.LoadCommit(fromC));
            Parallel.ForEach(fromNames.Keys, c => ProbeOf(c));
            var pairs = SimilarObjects(fromNames, toNames, newContent, ProbeOf);
            var results = new ConcurrentDictionary<Checksum, Modified>();
            var comparing = new Arbor.Native.ProgressCounter(opt.Progress, "Comparing modified files", pairs.Count, "files");
            comparing.Report();
            Parallel.ForEach(pairs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, pair =>
            {
                var (toC, fromSum) = pair;
                if ((ProbeOf(fromSum).Header.Mode & 4) == 0)
                    return;
                var fromData = ReadAll(repo, fromSum);
                var toData = ReadAll(repo, toC);
                // bsdiff first: its patch (mostly zero bytes where the files agree) compresses far
                // better than chunk copies plus the unmatched chunks, so rollsum is for pairs too
                // large to bsdiff.
                if (opt.Bsdiff && (ulong)(fromData.Length + toData.Length) <= opt.MaxBsdiffSize)
                {
                    results[toC] = new Modified(fromSum, null, Bsdiff.Diff(fromData, toData));
                    return;
                }
                var rs = Rollsum.Match(fromData, toData);
                if (rs.Total > 0 && rs.BufMatches * 100 / rs.Total >= 50)
                    results[toC] = new Modified(fromSum, rs, null);
                comparing.Add(1);
            });
            comparing.Report();
            foreach (var kv in results)
                modified[kv.Key] = kv.Value;
        }

        string dir, superblockName;
        var relDir = Repository.StaticDeltaRelativeDir(from, to);
        if (opt.Filename is { } fn)
        {
            dir = Path.GetDirectoryName(Path.GetFullPath(fn))!;
            superblockName = Path.GetFileName(fn);
        }
        else
        {
            dir = Path.Combine(repo.Path, relDir);
            superblockName = "superblock";
        }
        Directory.CreateDirectory(dir);

        var writer = new PartWriter(opt, dir);
        // 1. metadata
        newMeta.Sort((a, b) => a.Type != b.Type ? a.Type.CompareTo(b.Type) : a.Checksum.CompareTo(b.Checksum));
        foreach (var m in newMeta)
        {
            var bytes = repo.LoadMetadataBytes(m.Checksum, m.Type);
            writer.Reserve((ulong)bytes.Length);
            writer.AddMetadata(m, bytes);
        }
        // 2. rollsum, then bsdiff
        var ordered = modified.Keys.OrderBy(c => SortKey(toNames, c), StringComparer.Ordinal).ToList();
        foreach (var c in ordered.Where(c => modified[c].Rollsum is not null))
        {
            writer.ReserveOverflowOnly();
            var p = ProbeOf(c);
            writer.AddRollsum(c, p.Header, ReadAll(repo, c), modified[c].From, modified[c].Rollsum!);
        }
        foreach (var c in ordered.Where(c => modified[c].Patch is not null))
        {
            writer.ReserveOverflowOnly();
            writer.AddBsdiff(c, ProbeOf(c).Header, ProbeOf(c).Size, modified[c].From, modified[c].Patch!);
        }
        // 3. fallbacks, 4. plain content
        var fallbacks = new List<DeltaFallback>();
        var regular = new List<Checksum>();
        var symlinks = new List<Checksum>();
        foreach (var c in newContent)
        {
            if (modified.ContainsKey(c))
                continue;
            var p = ProbeOf(c);
            if (p.Header.IsSymlink)
            {
                symlinks.Add(c);
                continue;
            }
            ulong streamSize = (ulong)(FileHeader.LengthPrefixed(p.Header.SerializeBare()).Length + p.Size);
            if (opt.MinFallbackSize > 0 && streamSize > opt.MinFallbackSize)
                fallbacks.Add(new DeltaFallback(new ObjectName(c, ObjectType.File), (ulong)p.StorageSize, (ulong)p.Size));
            else
                regular.Add(c);
        }
        regular.Sort((a, b) => string.CompareOrdinal(SortKey(toNames, a), SortKey(toNames, b)));
        symlinks.Sort((a, b) => string.CompareOrdinal(SortKey(toNames, a), SortKey(toNames, b)));
        // Patches of modified files and new files share little, so when both are substantial they
        // go to separate parts: each is compressed on its own core here and decompressed on its
        // own core when applied, at almost no cost in size.
        long plainBytes = regular.Sum(c => ProbeOf(c).Size);
        if (writer.CurrentSize >= SplitThreshold && plainBytes >= SplitThreshold)
            writer.Split();
        var adding = new Arbor.Native.ProgressCounter(opt.Progress, "Adding new files", regular.Count, "files");
        adding.Report();
        foreach (var c in regular)
        {
            var p = ProbeOf(c);
            writer.Reserve((ulong)p.Size);
            writer.AddContent(c, p.Header, ReadAll(repo, c));
            adding.Add(1, p.Size);
        }
        adding.Report();
        foreach (var c in symlinks)
        {
            writer.Reserve(0);
            writer.AddContent(c, ProbeOf(c).Header, System.Text.Encoding.UTF8.GetBytes(ProbeOf(c).Header.SymlinkTarget));
        }
        var parts = writer.Finish();

        var metadata = new List<KeyValuePair<string, GVariantValue>>(opt.Metadata)
        {
            new("ostree.endianness", new GVNumber('y', opt.BigEndian ? (byte)'B' : (byte)'l')),
        };
        if (opt.Inline)
        {
            for (int i = 0; i < parts.Count; i++)
            {
                var file = parts[i].File!;
                metadata.Add(new($"{relDir}/{i}", new GVTuple([new GVNumber('y', file[0]), new GVBytes(file.AsMemory(1))])));
            }
        }
        else
        {
            for (int i = 0; i < parts.Count; i++)
                parts[i].Commit(Path.Combine(dir, i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (repo.LoadDetachedMetadata(to) is { } detached)
            metadata.Add(new($"{relDir}/commitmeta", detached.ToValue()));

        var sb = new DeltaSuperblock
        {
            Metadata = metadata,
            Timestamp = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            From = from,
            To = to,
            CommitBytes = toCommitBytes,
            Parts = parts.Select(p => p.Header).ToList(),
            Fallbacks = fallbacks,
            BigEndian = opt.BigEndian,
        };
        var sbPath = Path.Combine(dir, superblockName);
        var sbBytes = sb.Serialize();
        if (opt.Sign is { } sign)
        {
            sbBytes = DeltaSignatures.Sign(sbBytes, sign.Engine, sign.SecretKeys);
            sb = DeltaSuperblock.Parse(sbBytes);
        }
        AtomicFile.WriteAllBytes(sbPath, sbBytes, repo.Fsync);
        File.SetUnixFileMode(sbPath, (UnixFileMode)0x1A4);
        opt.Verbose?.Invoke($"uncompressed={parts.Sum(p => (long)p.Header.UncompressedSize)} compressed={parts.Sum(p => (long)p.Header.CompressedSize)}");
        opt.Verbose?.Invoke($"rollsum={modified.Values.Count(m => m.Rollsum is not null)} objects, bsdiff={modified.Values.Count(m => m.Patch is not null)} objects, fallback={fallbacks.Count}");
        return new DeltaGenerateResult(sbPath, sb);
    }

    private static string SortKey(Dictionary<Checksum, List<string>> names, Checksum c)
    {
        if (!names.TryGetValue(c, out var l) || l.Count == 0)
            return "\uffff" + c;
        var n = l[0];
        int dot = n.LastIndexOf('.');
        var ext = dot > 0 ? n[(dot + 1)..] : "";
        return ext + "\0" + n + "\0" + c;
    }

    internal static byte[] ReadAll(Repository repo, Checksum c)
    {
        var co = repo.OpenContent(c);
        if (co.Header.IsSymlink)
            return System.Text.Encoding.UTF8.GetBytes(co.Header.SymlinkTarget);
        var buf = new byte[co.Size];
        using var s = co.OpenData();
        s.ReadExactly(buf);
        return buf;
    }

    /// <summary>Every file checksum of a commit's tree with its basenames.</summary>
    private static Dictionary<Checksum, List<string>> CollectNames(Repository repo, Commit commit)
    {
        var map = new Dictionary<Checksum, List<string>>();
        var stack = new Stack<Checksum>();
        var seen = new HashSet<Checksum>();
        stack.Push(commit.RootTree);
        while (stack.Count > 0)
        {
            var t = stack.Pop();
            if (!seen.Add(t))
                continue;
            var tree = repo.LoadDirTree(t);
            foreach (var f in tree.Files)
            {
                if (!map.TryGetValue(f.Checksum, out var l))
                    map[f.Checksum] = l = [];
                l.Add(f.Name);
            }
            foreach (var d in tree.Dirs)
                stack.Push(d.Tree);
        }
        return map;
    }

    /// <summary>ostree's pairing of new regular files with old ones of similar size and the same (or fuzzy) basename.</summary>
    private static List<(Checksum To, Checksum From)> SimilarObjects(Dictionary<Checksum, List<string>> fromNames,
        Dictionary<Checksum, List<string>> toNames, List<Checksum> newContent, Func<Checksum, Probe> probe)
    {
        var newSet = newContent.ToHashSet();
        var fromSizes = fromNames.Where(kv => probe(kv.Key).Header.IsRegular)
            .Select(kv => (C: kv.Key, Size: probe(kv.Key).Size, Names: kv.Value)).OrderBy(x => x.Size).ThenBy(x => x.C).ToList();
        var toSizes = toNames.Where(kv => newSet.Contains(kv.Key) && probe(kv.Key).Header.IsRegular)
            .Select(kv => (C: kv.Key, Size: probe(kv.Key).Size, Names: kv.Value)).OrderBy(x => x.Size).ThenBy(x => x.C).ToList();
        var result = new List<(Checksum, Checksum)>();
        int lower = 0, upper = fromSizes.Count;
        foreach (var t in toSizes)
        {
            if (!IsCandidate(t.Size, t.Names))
                continue;
            ulong min = (ulong)(t.Size * (1.0 - SimilarityPercent / 100.0));
            ulong max = (ulong)(t.Size * (1.0 + SimilarityPercent / 100.0));
            bool found = false;
            for (int fuzzy = 0; fuzzy < 2 && !found; fuzzy++)
            {
                for (int j = lower; j < upper; j++)
                {
                    var fr = fromSizes[j];
                    if (!IsCandidate(fr.Size, fr.Names))
                        continue;
                    if ((ulong)fr.Size < min)
                    {
                        lower++;
                        continue;
                    }
                    if ((ulong)fr.Size > max)
                        break;
                    if (!NamesIntersect(fr.Names, t.Names, fuzzy == 1))
                        continue;
                    result.Add((t.C, fr.C));
                    found = true;
                    break;
                }
            }
        }
        return result;
    }

    private static bool IsCandidate(long size, List<string> names)
    {
        if (size == 0)
            return false;
        foreach (var n in names)
        {
            int dot = n.LastIndexOf('.');
            if (dot < 0)
                continue;
            var ext = n[(dot + 1)..];
            if (ext is "xz" or "bz2")
                return false;
        }
        return true;
    }

    private static bool NamesIntersect(List<string> a, List<string> b, bool fuzzy)
    {
        foreach (var x in a)
        {
            int xd = x.IndexOf('.');
            foreach (var y in b)
            {
                int yd = y.IndexOf('.');
                if (fuzzy && xd >= 0 && yd > 0 && xd == yd)
                {
                    if (string.CompareOrdinal(x, 0, y, 0, xd) == 0)
                        return true;
                }
                else if (x == y)
                    return true;
            }
        }
        return false;
    }
}
