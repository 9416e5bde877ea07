// Reachability: which objects a commit needs. A commit names a root dirtree and dirmeta; every
// dirtree names file objects, sub-dirtrees and dirmetas. Walking that graph (and optionally the
// parent chain) gives the set fsck verifies and prune keeps. The walk goes level by level: each
// level's dirtrees are loaded and parsed in parallel, then merged into the set on one thread, so
// big trees use all cores without locking the set. Semantics follow ostree-repo-traverse.c: a
// missing parent commit ends the chain quietly, and a partial commit (state/X.commitpartial)
// may lack dirtrees.
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

public sealed partial class Repository
{
    /// <summary>The objects reachable from <paramref name="commit"/>.</summary>
    /// <param name="commit">The commit to start from.</param>
    /// <param name="maxDepth">How many parents to follow: 0 only this commit, -1 the whole chain.</param>
    public HashSet<ObjectName> TraverseCommit(Checksum commit, int maxDepth = 0)
    {
        var set = new HashSet<ObjectName>();
        TraverseCommit(commit, maxDepth, set);
        return set;
    }

    /// <summary>Adds the objects reachable from <paramref name="commit"/> to <paramref name="reachable"/>.</summary>
    /// <param name="commit">The commit to start from.</param>
    /// <param name="maxDepth">How many parents to follow: 0 only this commit, -1 the whole chain.</param>
    /// <param name="reachable">The set to extend; objects already in it are not walked again.</param>
    /// <param name="parents">When given, records for each object found the commits through which it was reached.</param>
    /// <param name="tolerateCorruptTrees">When true, a dirtree that is present but does not parse is kept in the set
    /// without being descended into (fsck reports it); otherwise it is an error.</param>
    /// <exception cref="OstreeException">A dirtree of a complete commit is missing or does not parse.</exception>
    public void TraverseCommit(Checksum commit, int maxDepth, HashSet<ObjectName> reachable, Dictionary<ObjectName, List<Checksum>>? parents = null,
        bool tolerateCorruptTrees = false)
    {
        Checksum? current = commit;
        while (current is { } c)
        {
            var key = new ObjectName(c, ObjectType.Commit);
            if (reachable.Contains(key) || !HasObject(c, ObjectType.Commit))
                break;
            var obj = LoadCommit(c);
            bool ignoreMissing = IsCommitPartial(c, out _);
            reachable.Add(key);
            WalkTrees(c, obj.RootTree, obj.RootMeta, ignoreMissing, tolerateCorruptTrees, reachable, parents);
            if (maxDepth == 0 || obj.Parent is null)
                break;
            if (maxDepth > 0)
                maxDepth--;
            current = obj.Parent;
        }
    }

    /// <summary>True when the commit is marked partial (<c>state/X.commitpartial</c>).</summary>
    /// <param name="commit">The commit.</param>
    /// <param name="byFsck">True when fsck marked it so (the file starts with <c>f</c>).</param>
    public bool IsCommitPartial(Checksum commit, out bool byFsck)
    {
        byFsck = false;
        var path = CommitPartialPath(commit);
        if (!File.Exists(path))
            return false;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        byFsck = fs.ReadByte() == 'f';
        return true;
    }

    /// <summary>The path of a commit's partial marker.</summary>
    public string CommitPartialPath(Checksum commit) => System.IO.Path.Combine(Path, "state", $"{commit}.commitpartial");

    private void WalkTrees(Checksum commit, Checksum rootTree, Checksum rootMeta, bool ignoreMissing, bool tolerateCorrupt,
        HashSet<ObjectName> reachable, Dictionary<ObjectName, List<Checksum>>? parents)
    {
        AddReached(new ObjectName(rootMeta, ObjectType.DirMeta), commit, reachable, parents);
        var rootKey = new ObjectName(rootTree, ObjectType.DirTree);
        AddParent(rootKey, commit, parents);
        if (reachable.Contains(rootKey))
            return;
        var level = new List<Checksum> { rootTree };
        while (level.Count > 0)
        {
            var trees = new DirTree?[level.Count];
            if (level.Count < 8)
            {
                for (int i = 0; i < level.Count; i++)
                    trees[i] = LoadTreeForWalk(level[i], ignoreMissing, tolerateCorrupt);
            }
            else
            {
                Parallel.For(0, level.Count, i => trees[i] = LoadTreeForWalk(level[i], ignoreMissing, tolerateCorrupt));
            }
            var next = new List<Checksum>();
            for (int i = 0; i < level.Count; i++)
            {
                reachable.Add(new ObjectName(level[i], ObjectType.DirTree));
                if (trees[i] is not { } tree)
                    continue;
                foreach (var f in tree.Files)
                    AddReached(new ObjectName(f.Checksum, ObjectType.File), commit, reachable, parents);
                foreach (var d in tree.Dirs)
                {
                    AddReached(new ObjectName(d.Meta, ObjectType.DirMeta), commit, reachable, parents);
                    var tk = new ObjectName(d.Tree, ObjectType.DirTree);
                    AddParent(tk, commit, parents);
                    // Mark now so a tree shared by two directories of this level is loaded once.
                    if (reachable.Add(tk))
                        next.Add(d.Tree);
                }
            }
            level = next;
        }
    }

    private DirTree? LoadTreeForWalk(Checksum tree, bool ignoreMissing, bool tolerateCorrupt)
    {
        if (ignoreMissing && !HasObject(tree, ObjectType.DirTree))
            return null;
        try
        {
            return LoadDirTree(tree);
        }
        catch (OstreeException) when (tolerateCorrupt && HasObject(tree, ObjectType.DirTree))
        {
            return null;
        }
    }

    private static void AddReached(ObjectName name, Checksum commit, HashSet<ObjectName> reachable, Dictionary<ObjectName, List<Checksum>>? parents)
    {
        reachable.Add(name);
        AddParent(name, commit, parents);
    }

    private static void AddParent(ObjectName name, Checksum commit, Dictionary<ObjectName, List<Checksum>>? parents)
    {
        if (parents is null)
            return;
        if (!parents.TryGetValue(name, out var list))
            parents[name] = [commit];
        else if (!list.Contains(commit))
            list.Add(commit);
    }
}
