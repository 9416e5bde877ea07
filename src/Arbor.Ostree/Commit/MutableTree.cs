// An in-memory directory tree being assembled for a commit: files map to content checksums,
// subdirectories to child trees, and each directory carries its dirmeta checksum. Several
// sources (--tree=dir=, tar=, ref=) are layered into one MutableTree, later ones winning, and
// WriteTree turns it into dirtree/dirmeta objects bottom-up. A directory loaded from a commit
// remembers its dirtree until something below it changes, and is then not written again — as
// ostree's mutable tree keeps its contents checksum, which `commit --generate-sizes` shows.
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Commits;

/// <summary>A directory being built for a commit.</summary>
public sealed class MutableTree
{
    /// <summary>Files in this directory: name → content checksum.</summary>
    public Dictionary<string, Checksum> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Subdirectories: name → tree.</summary>
    public Dictionary<string, MutableTree> Dirs { get; } = new(StringComparer.Ordinal);

    /// <summary>The dirmeta checksum of this directory, once known.</summary>
    public Checksum? MetaChecksum
    {
        get => _meta;
        set
        {
            // The dirmeta is recorded in the parent's dirtree, not in this one's.
            if (_meta != value)
                _parent?.Invalidate();
            _meta = value;
        }
    }

    private Checksum? _meta;
    private MutableTree? _parent;

    // The dirtree this directory was loaded from, while nothing in it has changed.
    private Checksum? _loadedTree;

    private void Invalidate()
    {
        for (var t = this; t is not null && t._loadedTree is not null; t = t._parent)
            t._loadedTree = null;
    }

    /// <summary>Returns the subdirectory <paramref name="name"/>, creating it (and replacing a file of that name) if needed.</summary>
    public MutableTree EnsureDir(string name)
    {
        if (!Dirs.TryGetValue(name, out var child))
        {
            Files.Remove(name);
            child = new MutableTree { _parent = this };
            Dirs[name] = child;
            Invalidate();
        }
        return child;
    }

    /// <summary>Sets a file, replacing a directory of that name.</summary>
    public void SetFile(string name, Checksum checksum)
    {
        Dirs.Remove(name);
        Files[name] = checksum;
        Invalidate();
    }

    /// <summary>Walks <paramref name="components"/> creating directories; returns the last one.</summary>
    public MutableTree EnsurePath(IEnumerable<string> components)
    {
        var t = this;
        foreach (var c in components)
            t = t.EnsureDir(c);
        return t;
    }

    /// <summary>Writes this tree's dirtree and dirmeta objects (children first); returns (tree, meta).</summary>
    /// <param name="repo">The repository.</param>
    /// <param name="defaultMeta">The dirmeta of directories that have none.</param>
    /// <param name="sizes">Records each dirtree written, for <c>--generate-sizes</c>.</param>
    public (Checksum Tree, Checksum Meta) Write(Repository repo, Checksum defaultMeta, SizeIndex? sizes = null)
    {
        if (_loadedTree is { } unchanged)
            return (unchanged, MetaChecksum ??= defaultMeta);
        var dirs = new List<DirTreeDir>(Dirs.Count);
        foreach (var (name, child) in Dirs)
        {
            var (t, m) = child.Write(repo, defaultMeta, sizes);
            dirs.Add(new DirTreeDir(name, t, m));
        }
        var files = new List<DirTreeFile>(Files.Count);
        foreach (var (name, c) in Files)
            files.Add(new DirTreeFile(name, c));
        var tree = repo.WriteMetadata(ObjectType.DirTree, new DirTree(files, dirs).Serialize());
        sizes?.Add(ObjectType.DirTree, tree);
        MetaChecksum ??= defaultMeta;
        return (tree, MetaChecksum.Value);
    }

    /// <summary>Loads a committed directory tree into a mutable one, recursively.</summary>
    public static void LoadInto(Repository repo, MutableTree into, Checksum tree, Checksum meta)
    {
        bool wasEmpty = into.Files.Count == 0 && into.Dirs.Count == 0;
        into.MetaChecksum = meta;
        var dt = repo.LoadDirTree(tree);
        foreach (var f in dt.Files)
            into.SetFile(f.Name, f.Checksum);
        foreach (var d in dt.Dirs)
            LoadInto(repo, into.EnsureDir(d.Name), d.Tree, d.Meta);
        // Merged over earlier content, the directory is new; loaded whole, it is that dirtree.
        if (wasEmpty)
            into._loadedTree = tree;
    }
}
