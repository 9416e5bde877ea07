// Comparing two trees, each either a commit (through RepoFile) or a directory on disk, with the
// algorithm of libostree's ostree_diff_dirs_with_options: walk A's entries (files then dirs for
// commits, readdir order on disk), look each up in B; a type change or a checksum change is
// "modified", a missing entry "removed"; then B's entries missing from A are "added" together with
// everything beneath them. Disk entries are checksummed the way commit would store them
// (ContentHasher), so an unchanged checkout compares equal to its commit. Also home of the
// `diff --stats` object counts.
using System.Security.Cryptography;
using Arbor.Native;
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

/// <summary>One side of a diff: a commit tree or a directory on disk.</summary>
public abstract class DiffNode
{
    /// <summary>The entry's kind, or null when it does not exist.</summary>
    public abstract RepoFileType? QueryType();

    /// <summary>The checksum ostree would give this entry (dirmeta for directories).</summary>
    public abstract Checksum ComputeChecksum(bool ignoreXattrs, int ownerUid, int ownerGid);

    /// <summary>The children in enumeration order.</summary>
    public abstract IEnumerable<DiffNode> Children();

    /// <summary>A child by name (it may not exist).</summary>
    public abstract DiffNode Child(string name);

    /// <summary>The entry name.</summary>
    public abstract string Name { get; }

    /// <summary>How ostree prints the entry relative to the root it was reached from.</summary>
    public abstract string DisplayPath { get; }

    /// <summary>A commit's root directory.</summary>
    public static DiffNode ForCommit(RepoFile root) => new RepoNode(root);

    /// <summary>A directory on disk.</summary>
    public static DiffNode ForDirectory(string path) => new LocalNode(Path.GetFullPath(path), "");

    private sealed class RepoNode(RepoFile file) : DiffNode
    {
        public RepoFile File { get; } = file;
        public override string Name => File.Name ?? "";
        public override string DisplayPath => File.Path;

        public override RepoFileType? QueryType()
        {
            if (!File.Exists())
                return null;
            return File.IsDirectory ? RepoFileType.Directory : File.QueryInfo().Type;
        }

        public override Checksum ComputeChecksum(bool ignoreXattrs, int ownerUid, int ownerGid) => File.Checksum;
        public override IEnumerable<DiffNode> Children() => File.EnumerateChildren().Select(c => (DiffNode)new RepoNode(c));
        public override DiffNode Child(string name) => new RepoNode(File.Child(name));
    }

    private sealed class LocalNode(string fullPath, string relative) : DiffNode
    {
        public string FullPath { get; } = fullPath;
        public override string Name => Path.GetFileName(FullPath);
        public override string DisplayPath => relative;

        private FileStat? _stat;

        private FileStat? Stat()
        {
            if (_stat is null)
            {
                if (LibC.TryLStat(FullPath, out var st, out int errno))
                    _stat = st;
                else if (errno is not (LibC.ENOENT or 20 /* ENOTDIR */))
                    throw new NativeIOException("statx", FullPath, errno);
            }
            return _stat;
        }

        public override RepoFileType? QueryType() => Stat() is { } st ? RepoFileInfo.TypeOf(st.Mode) : null;

        public override Checksum ComputeChecksum(bool ignoreXattrs, int ownerUid, int ownerGid)
        {
            var st = Stat() ?? throw new OstreeException($"No such file or directory: {FullPath}");
            return ContentHasher.Checksum(FullPath, st, ignoreXattrs, ownerUid, ownerGid);
        }

        // ostree walks a local directory through GFile, so children come in glib's order.
        public override IEnumerable<DiffNode> Children() =>
            GioDirectory.Read(FullPath).Select(e => (DiffNode)new LocalNode(Path.Combine(FullPath, e.Name), Relative(e.Name)) { _stat = e.Stat });

        private string Relative(string name) => relative.Length == 0 ? name : relative + "/" + name;

        public override DiffNode Child(string name) =>
            new LocalNode(Path.Combine(FullPath, name), Relative(name));
    }

    internal bool IsRepo => this is RepoNode;

    internal string NotFoundMessage => this is LocalNode l
        ? $"Error when getting information for file \u201c{l.FullPath.TrimEnd('/')}\u201d: No such file or directory"
        : $"No such file or directory: {DisplayPath}";

    internal Checksum? RepoContentsChecksum => this is RepoNode r && r.File.IsDirectory ? r.File.ContentsChecksum : null;

    internal Repository? Repo => (this as RepoNode)?.File.Repo;
}

/// <summary>What changed between two trees, in ostree's order.</summary>
public sealed class DiffResult
{
    /// <summary>Entries present on both sides whose type or checksum differ (printed relative to A).</summary>
    public List<DiffNode> Modified { get; } = [];

    /// <summary>Entries only in A.</summary>
    public List<DiffNode> Removed { get; } = [];

    /// <summary>Entries only in B, with everything beneath added directories.</summary>
    public List<DiffNode> Added { get; } = [];
}

/// <summary>Options of a tree comparison.</summary>
public sealed record DiffOptions
{
    /// <summary>Leave extended attributes out of the comparison.</summary>
    public bool IgnoreXattrs { get; init; }

    /// <summary>Treat disk entries on the B side as owned by this uid (-1: as they are).</summary>
    public int OwnerUid { get; init; } = -1;

    /// <summary>Treat disk entries on the B side as owned by this gid (-1: as they are).</summary>
    public int OwnerGid { get; init; } = -1;
}

/// <summary>Tree comparison (ostree-diff.c).</summary>
public static class TreeDiff
{
    /// <summary>Compares <paramref name="a"/> with <paramref name="b"/>.</summary>
    public static DiffResult Compare(DiffNode a, DiffNode b, DiffOptions options)
    {
        bool ignore = options.IgnoreXattrs || IgnoresXattrs(a.Repo) || IgnoresXattrs(b.Repo);
        var result = new DiffResult();
        DiffDirs(a, b, result, options with { IgnoreXattrs = ignore });
        return result;
    }

    private static bool IgnoresXattrs(Repository? repo) =>
        repo is not null && (repo.Mode == RepoMode.BareUserOnly || repo.Config.GetBool("core", "disable-xattrs", false));

    private static void DiffDirs(DiffNode a, DiffNode b, DiffResult result, DiffOptions o)
    {
        var ta = a.QueryType() ?? throw NotFound(a);
        var tb = b.QueryType() ?? throw NotFound(b);
        if (ta == RepoFileType.Directory && tb == RepoFileType.Directory && a.IsRepo && b.IsRepo
            && a.RepoContentsChecksum == b.RepoContentsChecksum)
            return;

        foreach (var childA in a.Children())
        {
            var typeA = childA.QueryType()!.Value;
            var childB = b.Child(childA.Name);
            var typeB = childB.QueryType();
            if (typeB is null)
            {
                result.Removed.Add(childA);
                continue;
            }
            if (typeA != typeB)
            {
                result.Modified.Add(childA);
                continue;
            }
            var ca = childA.ComputeChecksum(o.IgnoreXattrs, -1, -1);
            var cb = childB.ComputeChecksum(o.IgnoreXattrs, o.OwnerUid, o.OwnerGid);
            if (ca != cb)
                result.Modified.Add(childA);
            if (typeA == RepoFileType.Directory)
                DiffDirs(childA, childB, result, o);
        }

        foreach (var childB in b.Children())
        {
            var childA = a.Child(childB.Name);
            if (childA.QueryType() is null)
            {
                result.Added.Add(childB);
                if (childB.QueryType() == RepoFileType.Directory)
                    AddRecursive(childB, result);
            }
        }
    }

    private static void AddRecursive(DiffNode dir, DiffResult result)
    {
        foreach (var child in dir.Children())
        {
            result.Added.Add(child);
            if (child.QueryType() == RepoFileType.Directory)
                AddRecursive(child, result);
        }
    }

    private static OstreeException NotFound(DiffNode n) => new RepoFileNotFoundException(n.NotFoundMessage);


    /// <summary>The object counts <c>ostree diff --stats</c> compares for two commits.</summary>
    public static DiffStats Stats(Repository repo, Checksum a, Checksum b)
    {
        var ra = Reachability.ForCommit(repo, a, 0, commitOnly: false);
        var rb = Reachability.ForCommit(repo, b, 0, commitOnly: false);
        var common = ra.Where(rb.Contains).ToList();
        ulong size = 0;
        foreach (var obj in common)
            size += Pruner.StorageSize(repo, obj);
        return new DiffStats(ra.Count, rb.Count, common.Count, size);
    }
}

/// <summary>Object counts of two commits and the size of what they share.</summary>
/// <param name="CountA">Objects reachable from the first commit.</param>
/// <param name="CountB">Objects reachable from the second commit.</param>
/// <param name="Common">Objects both reach.</param>
/// <param name="CommonSize">Storage size of the shared objects.</param>
public readonly record struct DiffStats(int CountA, int CountB, int Common, ulong CommonSize);

/// <summary>Checksums of files and directories on disk, computed as commit would store them.</summary>
public static class ContentHasher
{
    /// <summary>The content checksum of a file or symlink, or the dirmeta checksum of a directory.</summary>
    /// <param name="path">The path (not followed if a symlink).</param>
    /// <param name="st">Its lstat result.</param>
    /// <param name="ignoreXattrs">Hash as if it had no extended attributes.</param>
    /// <param name="ownerUid">uid to record instead of the file's (-1: keep).</param>
    /// <param name="ownerGid">gid to record instead of the file's (-1: keep).</param>
    public static Checksum Checksum(string path, FileStat st, bool ignoreXattrs, int ownerUid = -1, int ownerGid = -1)
    {
        uint uid = ownerUid >= 0 ? (uint)ownerUid : st.Uid;
        uint gid = ownerGid >= 0 ? (uint)ownerGid : st.Gid;
        var xattrs = ignoreXattrs ? Xattrs.None : Repository.ReadXattrs(path);
        if (st.IsDirectory)
            return Objects.Checksum.Of(new DirMeta(uid, gid, st.Mode, xattrs).Serialize());
        var target = st.IsSymlink ? new FileInfo(path).LinkTarget ?? "" : "";
        var header = new FileHeader(uid, gid, st.Mode, target, xattrs);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(FileHeader.LengthPrefixed(header.SerializeBare()));
        if (st.IsRegular)
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            var buf = new byte[128 * 1024];
            int n;
            while ((n = fs.Read(buf)) > 0)
                hash.AppendData(buf, 0, n);
        }
        return Objects.Checksum.From(hash);
    }
}
