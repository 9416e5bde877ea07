// An in-memory directory tree being assembled for a commit: files map to content checksums,
// subdirectories to child trees, and each directory carries its dirmeta checksum. Several
// sources (--tree=dir=, tar=, ref=) are layered into one MutableTree, later ones winning, and
// WriteTree turns it into dirtree/dirmeta objects bottom-up.
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
    public Checksum? MetaChecksum { get; set; }

    /// <summary>Returns the subdirectory <paramref name="name"/>, creating it (and replacing a file of that name) if needed.</summary>
    public MutableTree EnsureDir(string name)
    {
        if (!Dirs.TryGetValue(name, out var child))
        {
            Files.Remove(name);
            child = new MutableTree();
            Dirs[name] = child;
        }
        return child;
    }

    /// <summary>Sets a file, replacing a directory of that name.</summary>
    public void SetFile(string name, Checksum checksum)
    {
        Dirs.Remove(name);
        Files[name] = checksum;
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
        into.MetaChecksum = meta;
        var dt = repo.LoadDirTree(tree);
        foreach (var f in dt.Files)
            into.SetFile(f.Name, f.Checksum);
        foreach (var d in dt.Dirs)
            LoadInto(repo, into.EnsureDir(d.Name), d.Tree, d.Meta);
    }
}
