// Repository consistency check with `ostree fsck` semantics (ot-builtin-fsck.c): validate that
// every ref's commit is present and sound, enumerate all commit objects, walk what each complete
// commit reaches (Repository.Traverse.cs), then verify every reached object: metadata by SHA-256 of its bytes
// plus a structural parse, content by recomputing the checksum from header + data. Verification
// runs on all cores; messages are then reported in a stable order. Missing objects mark their
// commits partial ("f" in state/X.commitpartial); corrupt ones are fatal unless --all (report and
// go on) or --delete (remove under the exclusive lock, then treat as missing).
using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Arbor.Native;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

/// <summary>Options of <see cref="Fsck"/>, as <c>ostree fsck</c> takes them.</summary>
public sealed record FsckOptions
{
    /// <summary>Do not stop at the first corrupt object (<c>-a/--all</c>).</summary>
    public bool All { get; init; }

    /// <summary>Remove corrupt objects (<c>--delete</c>).</summary>
    public bool Delete { get; init; }

    /// <summary>Check that each ref's commit is bound to that ref (<c>--verify-bindings</c>).</summary>
    public bool VerifyBindings { get; init; }

    /// <summary>Check that every ref a commit is bound to points back at it (<c>--verify-back-refs</c>).</summary>
    public bool VerifyBackRefs { get; init; }

    /// <summary>Receives the verification's progress (objects verified of those reached).</summary>
    public IProgress<OperationProgress>? Progress { get; init; }
}

/// <summary>Verifies a repository's objects.</summary>
public static class Fsck
{
    private sealed record Problem(ObjectName Name, bool Missing, string Message);

    /// <summary>Runs the check; steps and problems go to <paramref name="events"/> as they happen.</summary>
    /// <returns>The number of complete commits verified.</returns>
    /// <exception cref="OstreeException">Corruption was found (the message says what), or a commit could not be loaded.</exception>
    public static int Run(Repository repo, FsckOptions options, Action<FsckEvent> events)
    {
        if (options.VerifyBackRefs)
            options = options with { VerifyBindings = true };
        using var repoLock = RepoLock.Acquire(repo, exclusive: options.Delete);
        bool corruption = false;
        events(new FsckStepStarted(FsckStep.ValidatingRefs));
        foreach (var r in repo.ListRefs(includeRemotes: true))
            CheckRefCommit(repo, options, r.Target, null, r.Name, ref corruption, events);
        events(new FsckStepStarted(FsckStep.ValidatingCollectionRefs));
        foreach (var r in repo.ListMirrorRefs())
            CheckRefCommit(repo, options, r.Target, repo.CollectionId, r.Name, ref corruption, events);

        events(new FsckStepStarted(FsckStep.EnumeratingCommits));
        var complete = new List<Checksum>();
        int partial = 0, fsckPartial = 0;
        foreach (var c in repo.ListObjects(ObjectType.Commit).OrderBy(c => c))
        {
            var commit = repo.LoadCommit(c);
            if (options.VerifyBackRefs)
                VerifyBackRefs(repo, c, commit);
            if (repo.IsCommitPartial(c, out bool byFsck))
            {
                partial++;
                if (byFsck)
                    fsckPartial++;
            }
            else
            {
                complete.Add(c);
            }
        }

        events(new FsckStepStarted(FsckStep.VerifyingContent, complete.Count));
        var reachable = new HashSet<ObjectName>();
        var parents = new Dictionary<ObjectName, List<Checksum>>();
        foreach (var c in complete)
            repo.TraverseCommit(c, 0, reachable, parents, tolerateCorruptTrees: true);

        var progress = new ProgressCounter(options.Progress, "Verifying", reachable.Count);
        progress.Report();
        var problems = VerifyAll(repo, reachable, stopAtFirstCorruption: !options.All && !options.Delete, progress);
        progress.Report();
        foreach (var p in problems.OrderBy(p => p.Name.Checksum).ThenBy(p => p.Name.Type))
        {
            parents.TryGetValue(p.Name, out var list);
            bool missing = p.Missing;
            if (missing)
            {
                events(new FsckObjectMissing(p.Name, list));
            }
            else
            {
                if (!options.Delete && !options.All)
                    throw new OstreeException(list is null ? p.Message : $"In commits {string.Join(", ", list)}: {p.Message}");
                events(new FsckObjectCorrupt(p.Name, list, p.Message));
                if (options.Delete)
                {
                    DeleteObject(repo, p.Name);
                    missing = true;
                }
            }
            corruption = true;
            if (missing && list is not null && p.Name.Type != ObjectType.Commit)
            {
                foreach (var c in list)
                {
                    if (!repo.IsCommitPartial(c, out _))
                    {
                        events(new FsckCommitMarkedPartial(c));
                        MarkPartialByFsck(repo, c);
                    }
                }
            }
        }

        if (partial > 0)
            events(new FsckPartialCommitsSkipped(partial));
        if (corruption)
            throw new OstreeException("Repository corruption encountered");
        if (fsckPartial > 0)
            throw new OstreeException($"{partial} partial commits from fsck-detected corruption");
        events(new FsckCompleted(complete.Count));
        return complete.Count;
    }

    /// <summary>Verifies one object; returns null when sound, else the ostree-style message.</summary>
    /// <param name="repo">The repository.</param>
    /// <param name="name">The object.</param>
    /// <param name="missing">Set when the object is not stored at all.</param>
    public static string? VerifyObject(Repository repo, ObjectName name, out bool missing)
    {
        missing = !LibC.TryLStat(repo.ObjectPath(name), out _, out _);
        if (missing)
            return $"Object missing: {name}";
        try
        {
            return name.Type.IsMeta() ? VerifyMetadata(repo, name) : VerifyContent(repo, name.Checksum);
        }
        catch (Exception e) when (e is OstreeException or IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            var prefix = name.Type.IsMeta() ? $"fsck {name}" : $"fsck content object {name.Checksum}";
            return $"{prefix}: {e.Message}";
        }
    }

    private static List<Problem> VerifyAll(Repository repo, HashSet<ObjectName> objects, bool stopAtFirstCorruption, ProgressCounter progress)
    {
        var found = new ConcurrentBag<Problem>();
        var items = objects.ToArray();
        // Big content objects first keeps the cores busy to the end; the order of the set is arbitrary anyway.
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(items, loadBalance: true),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            (name, state) =>
            {
                var message = VerifyObject(repo, name, out bool missing);
                progress.Add(1);
                if (message is null)
                    return;
                found.Add(new Problem(name, missing, message));
                if (!missing && stopAtFirstCorruption)
                    state.Stop();
            });
        return [.. found];
    }

    private static string? VerifyMetadata(Repository repo, ObjectName name)
    {
        var bytes = File.ReadAllBytes(repo.ObjectPath(name));
        var actual = Checksum.Of(bytes);
        if (actual != name.Checksum)
            return $"fsck {name}: Corrupted {name.Type.Name()} object; checksum expected='{name.Checksum}' actual='{actual}'";
        try
        {
            switch (name.Type)
            {
                case ObjectType.Commit:
                    Commit.Parse(bytes);
                    break;
                case ObjectType.DirTree:
                    DirTree.Parse(bytes);
                    break;
                case ObjectType.DirMeta:
                    DirMeta.Parse(bytes);
                    break;
            }
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentOutOfRangeException)
        {
            return $"fsck {name}: {name}: {e.Message}";
        }
        return null;
    }

    private static string? VerifyContent(Repository repo, Checksum checksum)
    {
        var obj = repo.OpenContent(checksum);
        var h = obj.Header;
        if (!h.IsRegular && !h.IsSymlink)
            return $"fsck content object {checksum}: Invalid file metadata mode {h.Mode}; not a valid file type";
        if ((h.Mode & ~(UnixMode.S_IFMT | 0xFFFu)) != 0)
            return $"fsck content object {checksum}: Invalid mode {h.Mode}; invalid bits in mode";
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(FileHeader.LengthPrefixed(h.SerializeBare()));
        if (h.IsRegular)
        {
            var buf = ArrayPool<byte>.Shared.Rent(128 * 1024);
            try
            {
                using var data = obj.OpenData();
                int n;
                while ((n = data.Read(buf, 0, buf.Length)) > 0)
                    hash.AppendData(buf, 0, n);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buf);
            }
        }
        var actual = Checksum.From(hash);
        return actual == checksum ? null
            : $"fsck content object {checksum}: Corrupted file object; checksum expected='{checksum}' actual='{actual}'";
    }

    private static void CheckRefCommit(Repository repo, FsckOptions options, Checksum commit, string? collectionId, string refName, ref bool corruption, Action<FsckEvent> events)
    {
        var name = new ObjectName(commit, ObjectType.Commit);
        var message = VerifyObject(repo, name, out bool missing);
        if (message is not null)
        {
            if (missing)
            {
                events(new FsckObjectMissing(name, null));
                corruption = true;
            }
            else if (options.Delete)
            {
                events(new FsckObjectCorrupt(name, null, message));
                DeleteObject(repo, name);
                corruption = true;
            }
            else if (options.All)
            {
                events(new FsckObjectCorrupt(name, null, message));
                corruption = true;
            }
            else
            {
                throw new OstreeException(message);
            }
        }
        Commit c;
        try
        {
            c = repo.LoadCommit(commit);
        }
        catch (OstreeException e)
        {
            throw new OstreeException(collectionId is null
                ? $"Loading commit for ref {refName}: {e.Message}"
                : $"Loading commit for ref ({collectionId}, {refName}): {e.Message}", e);
        }
        if (options.VerifyBindings)
        {
            try
            {
                VerifyBindings(collectionId, refName, c);
            }
            catch (OstreeException e)
            {
                throw new OstreeException($"Commit {commit}: {e.Message}", e);
            }
        }
    }

    private static IReadOnlyList<string>? RefBindings(Commit c) =>
        c.GetMetadata("ostree.ref-binding") is GVArray a ? a.Items.OfType<GVString>().Select(s => s.Value).ToList() : null;

    /// <summary>ostree's binding check: <paramref name="refName"/> (unless null) must be bound, and so must <paramref name="collectionId"/> (unless null).</summary>
    internal static void VerifyBindings(string? collectionId, string? refName, Commit c)
    {
        var refs = RefBindings(c);
        if (refs is null)
        {
            if (collectionId is null)
                return;
            throw new OstreeException("Expected commit metadata to have ref binding information, found none");
        }
        if (refName is not null && !refs.Contains(refName))
        {
            var dump = refs.Count > 0 ? string.Join(", ", refs.Select(r => $"‘{r}’")) : "no refs";
            throw new OstreeException($"Commit has no requested ref ‘{refName}’ in ref binding metadata ({dump})");
        }
        if (collectionId is not null)
        {
            if (c.GetMetadata("ostree.collection-binding") is not GVString binding)
                throw new OstreeException("Expected commit metadata to have collection ID binding information, found none");
            if (binding.Value != collectionId)
                throw new OstreeException($"Commit has collection ID ‘{binding.Value}’ in collection binding metadata, while the remote it came from has collection ID ‘{collectionId}’");
        }
    }

    private static void VerifyBackRefs(Repository repo, Checksum checksum, Commit c)
    {
        var refs = RefBindings(c);
        if (refs is null)
            return;
        var collection = c.GetMetadata("ostree.collection-binding") is GVString s ? s.Value : null;
        foreach (var r in refs)
        {
            var target = repo.ResolveRev(r, allowMissing: true);
            if (target is null)
            {
                throw new OstreeException(collection is null
                    ? $"Ref ‘{r}’ in bindings for commit {checksum} does not exist"
                    : $"Collection–ref ({collection}, {r}) in bindings for commit {checksum} does not exist");
            }
            if (target != checksum)
            {
                throw new OstreeException(collection is null
                    ? $"Ref ‘{r}’ in bindings for commit {checksum} does not resolve to that commit"
                    : $"Collection–ref ({collection}, {r}) in bindings for commit {checksum} does not resolve to that commit");
            }
        }
    }

    /// <summary>Removes a loose object (and a commit's detached metadata), as ostree_repo_delete_object does.</summary>
    public static void DeleteObject(Repository repo, ObjectName name)
    {
        if (name.Type == ObjectType.Commit)
        {
            var meta = repo.ObjectPath(name.Checksum, ObjectType.CommitMeta);
            if (File.Exists(meta))
                File.Delete(meta);
        }
        File.Delete(repo.ObjectPath(name));
    }

    private static void MarkPartialByFsck(Repository repo, Checksum commit)
    {
        Directory.CreateDirectory(Path.Combine(repo.Path, "state"));
        AtomicFile.WriteAllBytes(repo.CommitPartialPath(commit), "f"u8, repo.Fsync);
    }
}
