// A path inside a commit's tree, resolved the way libostree's OstreeRepoFile resolves it, because
// `ls`, `cat` and `diff` print its paths and its error messages and scripts see both. A RepoFile
// is created unresolved (commit root, or parent + name); EnsureResolved walks the parent's dirtree
// to find the entry, loading the dirtree/dirmeta for directories or remembering the content
// checksum for files. Files are listed before directories, each in dirtree (byte) order.
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

/// <summary>Kinds of entries as GIO reports them.</summary>
public enum RepoFileType
{
    /// <summary>A regular file.</summary>
    Regular,
    /// <summary>A directory.</summary>
    Directory,
    /// <summary>A symbolic link.</summary>
    Symlink,
    /// <summary>A device node or FIFO.</summary>
    Special,
}

/// <summary>The facts <c>g_file_query_info</c> gives about a tree entry.</summary>
/// <param name="Type">Entry kind.</param>
/// <param name="Mode">Full st_mode including the type bits.</param>
/// <param name="Uid">Owner.</param>
/// <param name="Gid">Group.</param>
/// <param name="Size">Size of regular files; 0 for everything else.</param>
/// <param name="SymlinkTarget">Target of symlinks, else empty.</param>
/// <param name="Xattrs">Extended attributes.</param>
public sealed record RepoFileInfo(RepoFileType Type, uint Mode, uint Uid, uint Gid, long Size, string SymlinkTarget, IReadOnlyList<Xattr> Xattrs)
{
    /// <summary>Maps a st_mode to the GIO file type.</summary>
    public static RepoFileType TypeOf(uint mode) => (mode & 0xF000) switch
    {
        0x4000 => RepoFileType.Directory,
        0x8000 => RepoFileType.Regular,
        0xA000 => RepoFileType.Symlink,
        _ => RepoFileType.Special,
    };
}

/// <summary>Raised when a path does not exist in a commit (GIO's G_IO_ERROR_NOT_FOUND).</summary>
public sealed class RepoFileNotFoundException(string message) : OstreeException(message);

/// <summary>A file or directory inside a commit, addressed like ostree's OstreeRepoFile.</summary>
public sealed class RepoFile
{
    private readonly RepoFile? _parent;
    private bool _resolved;
    private DirTree? _contents;
    private DirMeta? _meta;
    private Checksum _contentsChecksum;
    private Checksum _checksum;

    /// <summary>The repository holding the tree.</summary>
    public Repository Repo { get; }

    /// <summary>The entry name (null for the root).</summary>
    public string? Name { get; }

    private RepoFile(Repository repo, RepoFile? parent, string? name)
    {
        Repo = repo;
        _parent = parent;
        Name = name;
    }

    /// <summary>The root directory of a commit.</summary>
    public static RepoFile ForCommit(Repository repo, Checksum commit)
    {
        var c = repo.LoadCommit(commit);
        return ForTree(repo, c.RootTree, c.RootMeta);
    }

    /// <summary>A root directory given its dirtree and dirmeta checksums.</summary>
    public static RepoFile ForTree(Repository repo, Checksum tree, Checksum meta) =>
        new(repo, null, null) { _contentsChecksum = tree, _checksum = meta };

    /// <summary>The parent directory, or null at the root.</summary>
    public RepoFile? Parent => _parent;

    /// <summary>The root of this file's tree.</summary>
    public RepoFile Root => _parent is null ? this : _parent.Root;

    /// <summary>The absolute path inside the commit, as ostree prints it ("/", "/usr/bin").</summary>
    public string Path
    {
        get
        {
            if (_parent is null)
                return "/";
            var parts = new List<string>();
            for (var p = this; p._parent is not null; p = p._parent)
                parts.Add(p.Name!);
            parts.Reverse();
            return "/" + string.Join('/', parts);
        }
    }

    /// <summary>A child by name (one trailing '/' is dropped, as ostree does); not yet resolved.</summary>
    public RepoFile Child(string name)
    {
        if (name.Length > 0 && name[^1] == '/')
            name = name[..^1];
        return new RepoFile(Repo, this, name);
    }

    /// <summary>Resolves a path relative to this file (absolute paths start at the root).</summary>
    public RepoFile ResolveRelative(string relative)
    {
        var self = this;
        while (true)
        {
            if (relative.StartsWith('/'))
            {
                if (relative == "/")
                    return self.Root;
                self = self.Root;
                relative = relative[1..];
            }
            int slash = relative.IndexOf('/');
            if (slash < 0)
                return self.Child(relative);
            var child = self.Child(relative[..(slash + 1)]);
            var rest = relative[(slash + 1)..];
            if (rest.Length == 0)
                return child.Child("");
            self = child;
            relative = rest;
        }
    }

    /// <summary>Loads what this entry is; throws when it does not exist.</summary>
    /// <exception cref="RepoFileNotFoundException">No such entry.</exception>
    /// <exception cref="OstreeException">A parent is not a directory, or an object is missing.</exception>
    public void EnsureResolved()
    {
        if (_resolved)
            return;
        if (_parent is null)
        {
            _contents = Repo.LoadDirTree(_contentsChecksum);
            _meta = Repo.LoadDirMeta(_checksum);
            _resolved = true;
            return;
        }
        _parent.EnsureResolved();
        var tree = _parent._contents ?? throw new OstreeException("Not a directory");
        var name = Name!;
        foreach (var f in tree.Files)
        {
            if (f.Name == name)
            {
                _checksum = f.Checksum;
                _resolved = true;
                return;
            }
        }
        foreach (var d in tree.Dirs)
        {
            if (d.Name == name)
            {
                _contentsChecksum = d.Tree;
                _checksum = d.Meta;
                _contents = Repo.LoadDirTree(d.Tree);
                _meta = Repo.LoadDirMeta(d.Meta);
                _resolved = true;
                return;
            }
        }
        throw new RepoFileNotFoundException($"No such file or directory: {Path}");
    }

    /// <summary>True when the entry exists.</summary>
    public bool Exists()
    {
        try
        {
            EnsureResolved();
            return true;
        }
        catch (RepoFileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>True for directories.</summary>
    public bool IsDirectory
    {
        get
        {
            EnsureResolved();
            return _contents is not null;
        }
    }

    /// <summary>The dirmeta checksum of a directory, or the content checksum of a file.</summary>
    public Checksum Checksum
    {
        get
        {
            EnsureResolved();
            return _checksum;
        }
    }

    /// <summary>The dirtree checksum of a directory, or null for files.</summary>
    public Checksum? ContentsChecksum
    {
        get
        {
            EnsureResolved();
            return _contents is null ? null : _contentsChecksum;
        }
    }

    /// <summary>The parsed dirtree of a directory, or null for files.</summary>
    public DirTree? Contents
    {
        get
        {
            EnsureResolved();
            return _contents;
        }
    }

    /// <summary>Metadata of the entry (loads the content object header for files).</summary>
    public RepoFileInfo QueryInfo()
    {
        EnsureResolved();
        if (_meta is { } m)
            return new RepoFileInfo(RepoFileType.Directory, m.Mode, m.Uid, m.Gid, 0, "", m.Xattrs);
        var obj = Repo.OpenContent(_checksum);
        var h = obj.Header;
        var type = RepoFileInfo.TypeOf(h.Mode);
        return new RepoFileInfo(type, h.Mode, h.Uid, h.Gid, type == RepoFileType.Regular ? obj.Size : 0, h.SymlinkTarget, h.Xattrs);
    }

    /// <summary>The children: files first, then directories, each in dirtree order.</summary>
    public IEnumerable<RepoFile> EnumerateChildren()
    {
        EnsureResolved();
        var tree = _contents ?? throw new OstreeException("Not a directory");
        foreach (var f in tree.Files)
            yield return new RepoFile(Repo, this, f.Name) { _checksum = f.Checksum, _resolved = true };
        foreach (var d in tree.Dirs)
            yield return Child(d.Name);
    }

    /// <summary>Opens the file data; symlinks are followed inside the commit like ostree does.</summary>
    public Stream OpenRead()
    {
        var f = this;
        for (int hops = 0; ; hops++)
        {
            f.EnsureResolved();
            if (f._contents is not null)
                throw new OstreeException("Can't open directory");
            var obj = f.Repo.OpenContent(f._checksum);
            if (!obj.Header.IsSymlink)
                return obj.OpenData();
            if (hops > 40)
                throw new OstreeException($"Too many levels of symbolic links: {f.Path}");
            f = f._parent!.ResolveRelative(obj.Header.SymlinkTarget);
        }
    }
}
