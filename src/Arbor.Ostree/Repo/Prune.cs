// Deleting unreachable objects, with libostree's semantics (ostree-repo-prune.c, ot-builtin-prune.c):
//  1. under an exclusive repository lock, compute the reachable set — from every commit object
//     (default) or only from refs (--refs-only, or whenever --keep-younger-than, --retain-branch-depth
//     or --only-branch is given), each walked DEPTH parents deep (-1: all history);
//  2. visit every loose file/dirtree/dirmeta/commit/payload-link object, delete the unreachable ones
//     (a commit takes its .commitmeta and partial marker with it, and leaves a tombstone when
//     core.tombstone-commits is set) and count objects and freed bytes (st_size of the loose file);
//  3. drop static deltas whose target commit is gone and summary caches of unknown remotes.
// The reachability walk here is private to prune and diff --stats; it mirrors
// ostree_repo_traverse_commit_with_flags, including stopping at a commit already seen.
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

/// <summary>What to prune.</summary>
public sealed record PruneOptions
{
    /// <summary>Only report; delete nothing.</summary>
    public bool NoPrune { get; init; }

    /// <summary>Compute reachability from refs only (otherwise every commit object is a root).</summary>
    public bool RefsOnly { get; init; }

    /// <summary>Parents to walk from each root; -1 walks all history.</summary>
    public int Depth { get; init; } = -1;

    /// <summary>Only consider (and delete) commit objects.</summary>
    public bool CommitOnly { get; init; }

    /// <summary>Keep commits at least this new (Unix seconds) on each ref; implies refs-only.</summary>
    public long? KeepYoungerThan { get; init; }

    /// <summary>Per-ref depth overrides (BRANCH=DEPTH); implies refs-only.</summary>
    public IReadOnlyDictionary<string, int> RetainBranchDepth { get; init; } = new Dictionary<string, int>();

    /// <summary>Prune only these refs; the others keep all history. Implies refs-only.</summary>
    public IReadOnlyList<string> OnlyBranches { get; init; } = [];
}

/// <summary>Counts reported by a prune.</summary>
/// <param name="Total">Objects examined.</param>
/// <param name="Pruned">Objects deleted (or that would be).</param>
/// <param name="FreedBytes">Storage size of those objects.</param>
public sealed record PruneResult(int Total, int Pruned, ulong FreedBytes);

/// <summary>Repository pruning.</summary>
public static class Pruner
{
    /// <summary>Prunes <paramref name="repo"/> as <c>ostree prune</c> does.</summary>
    public static PruneResult Prune(Repository repo, PruneOptions o)
    {
        using var _ = RepoLock.Acquire(repo, exclusive: true);
        var reach = new Reachability(repo, o.CommitOnly);
        bool advanced = o.KeepYoungerThan is not null || o.RetainBranchDepth.Count > 0 || o.OnlyBranches.Count > 0;
        if (advanced)
        {
            var retain = new Dictionary<string, int>(o.RetainBranchDepth, StringComparer.Ordinal);
            var refs = repo.ListRefs(includeRemotes: true);
            if (o.OnlyBranches.Count > 0)
            {
                foreach (var b in o.OnlyBranches)
                    repo.ResolveRev(b);
                foreach (var r in refs)
                {
                    if (!o.OnlyBranches.Contains(r.Refspec) && !retain.ContainsKey(r.Refspec))
                        retain[r.Refspec] = -1;
                }
            }
            foreach (var r in refs.OrderBy(r => r.Refspec, StringComparer.Ordinal))
            {
                if (retain.TryGetValue(r.Refspec, out var depth))
                    reach.Walk(r.Target, depth);
                else if (o.KeepYoungerThan is { } limit)
                    WalkYoungerThan(repo, reach, r.Target, limit);
                else
                    reach.Walk(r.Target, o.Depth);
            }
        }
        else if (o.RefsOnly)
        {
            foreach (var c in RefTargets(repo))
                reach.Walk(c, o.Depth);
        }

        var objects = LooseObjects(repo, o.CommitOnly).ToList();
        if (!advanced && !o.RefsOnly)
        {
            foreach (var obj in objects.Where(x => x.Type == ObjectType.Commit).OrderBy(x => x.Checksum))
                reach.Walk(obj.Checksum, o.Depth);
        }

        int total = 0, pruned = 0;
        ulong freed = 0;
        ulong payloadThreshold = ulong.TryParse(repo.Config.Get("core", "payload-link-threshold"), out var t) ? t : ulong.MaxValue;
        foreach (var obj in objects)
        {
            total++;
            if (reach.Set.Contains(obj))
                continue;
            ulong size = StorageSize(repo, obj);
            if (!o.NoPrune)
            {
                if (obj.Type == ObjectType.PayloadLink && PayloadTargetKept(repo, obj, reach.Set, payloadThreshold))
                    continue;
                Delete(repo, obj);
            }
            freed += size;
            pruned++;
        }
        if (!o.NoPrune)
        {
            PruneStaticDeltas(repo, null);
            PruneSummaryCache(repo);
        }
        return new PruneResult(total, pruned, freed);
    }

    /// <summary>Deletes one unreferenced commit (<c>--delete-commit</c>), turning on tombstone commits like ostree.</summary>
    /// <exception cref="OstreeException">A ref still points at the commit.</exception>
    public static void DeleteCommit(Repository repo, Checksum commit)
    {
        foreach (var r in repo.ListRefs(includeRemotes: true))
        {
            if (r.Target == commit)
                throw new OstreeException($"Commit '{commit}' is referenced by '{r.Refspec}'");
        }
        if (repo.CollectionId is { } cid)
        {
            foreach (var r in repo.ListRefs(includeRemotes: false))
            {
                if (r.Target == commit)
                    throw new OstreeException($"Commit '{commit}' is referenced by ({cid}, {r.Name})");
            }
        }
        foreach (var r in repo.ListMirrorRefs())
        {
            if (r.Target == commit)
            {
                int slash = r.Name.IndexOf('/');
                throw new OstreeException($"Commit '{commit}' is referenced by ({r.Name[..Math.Max(slash, 0)]}, {r.Name[(slash + 1)..]})");
            }
        }
        if (!repo.Config.GetBool("core", "tombstone-commits", false))
        {
            var config = repo.Config;
            config.Set("core", "tombstone-commits", "true");
            repo.SaveConfig(config);
        }
        using var _ = RepoLock.Acquire(repo, exclusive: true);
        var path = repo.ObjectPath(commit, ObjectType.Commit);
        if (!File.Exists(path))
            throw new OstreeException($"Deleting object {commit}.commit: unlinkat: No such file or directory");
        Delete(repo, new ObjectName(commit, ObjectType.Commit));
    }

    /// <summary>Removes static deltas whose target commit is <paramref name="commit"/>, or (null) is missing.</summary>
    public static void PruneStaticDeltas(Repository repo, Checksum? commit)
    {
        var deltas = System.IO.Path.Combine(repo.Path, "deltas");
        if (!Directory.Exists(deltas))
            return;
        foreach (var sub in Directory.EnumerateDirectories(deltas))
        {
            foreach (var dir in Directory.EnumerateDirectories(sub))
            {
                var name = System.IO.Path.GetFileName(sub) + System.IO.Path.GetFileName(dir);
                var to = name.Contains('-') ? name[(name.IndexOf('-') + 1)..] : name;
                if (!TryDecodeMb64(to, out var target))
                    continue;
                bool remove = commit is { } c ? c == target : !repo.HasObject(target, ObjectType.Commit);
                if (remove)
                    Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>The bytes a loose object occupies (st_size, not following symlinks).</summary>
    public static ulong StorageSize(Repository repo, ObjectName obj) =>
        Native.LibC.TryLStat(repo.ObjectPath(obj), out var st, out _) ? st.Size : 0;

    private static bool TryDecodeMb64(string s, out Checksum c)
    {
        c = default;
        if (s.Length != 43)
            return false;
        try
        {
            var bytes = Convert.FromBase64String(s.Replace('_', '/') + "=");
            if (bytes.Length != Checksum.ByteLength)
                return false;
            c = new Checksum(bytes);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static void WalkYoungerThan(Repository repo, Reachability reach, Checksum start, long limit)
    {
        reach.Walk(start, 0);
        Checksum? next = start;
        while (next is { } c && repo.HasObject(c, ObjectType.Commit))
        {
            var commit = repo.LoadCommit(c);
            if ((long)commit.Timestamp < limit)
                break;
            reach.Walk(c, 0);
            next = commit.Parent;
        }
    }

    private static IEnumerable<Checksum> RefTargets(Repository repo)
    {
        var seen = new HashSet<Checksum>();
        var all = repo.ListRefs(includeRemotes: true).Concat(repo.ListMirrorRefs()).OrderBy(r => r.Refspec, StringComparer.Ordinal);
        foreach (var r in all)
        {
            if (seen.Add(r.Target))
                yield return r.Target;
        }
    }

    private static IEnumerable<ObjectName> LooseObjects(Repository repo, bool commitOnly)
    {
        foreach (var obj in repo.ListAllObjects())
        {
            if (commitOnly ? obj.Type == ObjectType.Commit : obj.Type is ObjectType.File or ObjectType.DirTree or ObjectType.DirMeta or ObjectType.Commit or ObjectType.PayloadLink)
            {
                if (obj.Type == ObjectType.File && !File.Exists(repo.ObjectPath(obj)) && !Native.LibC.TryLStat(repo.ObjectPath(obj), out _, out _))
                    continue;
                yield return obj;
            }
        }
    }

    private static bool PayloadTargetKept(Repository repo, ObjectName link, HashSet<ObjectName> reachable, ulong threshold)
    {
        var target = new FileInfo(repo.ObjectPath(link)).LinkTarget;
        // ../XX/YYYY….file: the checksum is the two-letter directory plus the 62-letter name.
        if (target is null || target.Length < 3 + 2 + 1 + 62)
            return false;
        var hex = string.Concat(target.AsSpan(3, 2), target.AsSpan(6, 62));
        if (!Checksum.TryParse(hex, out var c))
            return false;
        var file = new ObjectName(c, ObjectType.File);
        return reachable.Contains(file) && StorageSize(repo, file) >= threshold;
    }

    private static void Delete(Repository repo, ObjectName obj)
    {
        if (obj.Type == ObjectType.Commit)
        {
            var partial = System.IO.Path.Combine(repo.Path, "state", obj.Checksum + ".commitpartial");
            File.Delete(partial);
            File.Delete(repo.ObjectPath(obj.Checksum, ObjectType.CommitMeta));
        }
        File.Delete(repo.ObjectPath(obj));
        if (obj.Type == ObjectType.Commit && repo.Config.GetBool("core", "tombstone-commits", false))
        {
            var tombstone = Commit.MetadataToValue([new("commit", new GVBytes(System.Text.Encoding.ASCII.GetBytes(obj.Checksum + "\0")))]).Serialize();
            repo.EnsureObjectSubdir(obj.Checksum);
            AtomicFile.WriteAllBytes(repo.ObjectPath(obj.Checksum, ObjectType.TombstoneCommit), tombstone, repo.Fsync);
        }
    }

    private static void PruneSummaryCache(Repository repo)
    {
        var dir = System.IO.Path.Combine(repo.Path, "tmp", "cache", "summaries");
        if (!Directory.Exists(dir))
            return;
        var remotes = repo.Config.Groups
            .Where(s => s.StartsWith("remote \"", StringComparison.Ordinal) && s.EndsWith('"'))
            .Select(s => s[8..^1])
            .ToHashSet(StringComparer.Ordinal);
        foreach (var f in Directory.EnumerateFiles(dir))
        {
            var name = System.IO.Path.GetFileName(f);
            var remote = name.EndsWith(".sig", StringComparison.Ordinal) ? name[..^4] : name;
            if (!remotes.Contains(remote))
                File.Delete(f);
        }
    }
}

/// <summary>The set of objects reachable from commits (ostree_repo_traverse_commit_with_flags).</summary>
internal sealed class Reachability(Repository repo, bool commitOnly)
{
    /// <summary>Every object found so far.</summary>
    public HashSet<ObjectName> Set { get; } = [];

    /// <summary>The objects reachable from one commit and <paramref name="depth"/> parents.</summary>
    public static HashSet<ObjectName> ForCommit(Repository repo, Checksum commit, int depth, bool commitOnly)
    {
        var r = new Reachability(repo, commitOnly);
        r.Walk(commit, depth);
        return r.Set;
    }

    /// <summary>Adds <paramref name="commit"/> and up to <paramref name="depth"/> parents (-1: all); stops at a commit already seen or missing.</summary>
    public void Walk(Checksum commit, int depth)
    {
        Checksum? current = commit;
        while (current is { } c)
        {
            var key = new ObjectName(c, ObjectType.Commit);
            if (Set.Contains(key) || !repo.HasObject(c, ObjectType.Commit))
                break;
            var obj = repo.LoadCommit(c);
            bool partial = File.Exists(System.IO.Path.Combine(repo.Path, "state", c + ".commitpartial"));
            Set.Add(key);
            // A partial commit may lack its root dirtree; ostree then skips the whole tree.
            if (!commitOnly && (!partial || repo.HasObject(obj.RootTree, ObjectType.DirTree)))
            {
                Set.Add(new ObjectName(obj.RootMeta, ObjectType.DirMeta));
                var rootTree = new ObjectName(obj.RootTree, ObjectType.DirTree);
                if (!Set.Contains(rootTree))
                {
                    WalkTree(obj.RootTree, partial);
                    Set.Add(rootTree);
                }
            }
            if (depth == 0 || obj.Parent is null)
                break;
            if (depth > 0)
                depth--;
            current = obj.Parent;
        }
    }

    private void WalkTree(Checksum tree, bool ignoreMissing)
    {
        if (ignoreMissing && !repo.HasObject(tree, ObjectType.DirTree))
            return;
        var dt = repo.LoadDirTree(tree);
        foreach (var f in dt.Files)
            Set.Add(new ObjectName(f.Checksum, ObjectType.File));
        foreach (var d in dt.Dirs)
        {
            Set.Add(new ObjectName(d.Meta, ObjectType.DirMeta));
            var key = new ObjectName(d.Tree, ObjectType.DirTree);
            if (!Set.Contains(key))
            {
                WalkTree(d.Tree, ignoreMissing);
                Set.Add(key);
            }
        }
    }
}
