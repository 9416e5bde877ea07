// `ostree export`: a commit's tree (or a subdirectory of it) streamed as a GNU tar archive, laid
// out as ostree 2022.7 lays it out through libarchive, so both tools give the same bytes. The walk
// mirrors ostree_repo_export_tree_to_archive: a directory's own entry, then its files (symlinks
// and regular files, in dirtree order), then each subdirectory depth-first. Every entry carries
// the commit's timestamp as mtime and the uid, gid and mode of its dirmeta or content header;
// names are relative to the exported directory ("./" for itself), behind an optional prefix that is
// prepended as is. Hardlinks are not detected (every file carries its data), and xattrs are not
// written: libarchive's gnutar format has no place for them, so ostree drops them with or without
// --no-xattrs. Data flows object -> GnuTarWriter's buffer -> output stream; small archive-mode
// objects are inflated in memory in one read, the rest streamed.
// Where Arbor parts from ostree on purpose: names are always written as UTF-8 (libarchive converts
// them to the locale's charset, and under LC_ALL=C writes non-ASCII names as empty strings, a
// broken archive); a subpath naming a file is refused ("Not a directory: PATH") where ostree
// aborts on an assertion.
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Tar;

namespace Arbor.Ostree.Export;

/// <summary>What to export and how.</summary>
public sealed record ExportOptions
{
    /// <summary>The directory of the commit to export, resolved like ostree's --subpath (null: the root).</summary>
    public string? Subpath { get; init; }

    /// <summary>Prepended verbatim to every archive path (ostree adds no '/' of its own).</summary>
    public string? Prefix { get; init; }

    /// <summary>
    /// ostree's --no-xattrs. The GNU tar format ostree writes carries no xattrs, so this changes
    /// nothing in the output; it is kept so callers can say what they asked for.
    /// </summary>
    public bool NoXattrs { get; init; }

    /// <summary>Fill the last 10240-byte record with zeros, as libarchive does on stdout, pipes and devices.</summary>
    public bool PadRecord { get; init; }
}

/// <summary>Streams a commit as a tar archive, byte for byte like <c>ostree export</c>.</summary>
public sealed class TreeExport
{
    /// <summary>Archive-mode objects whose data is at most this size are inflated in memory.</summary>
    private const int InMemoryLimit = 256 * 1024;

    private readonly Repository _repo;
    private readonly GnuTarWriter _tar;
    private readonly string _prefix;
    private readonly long _mtime;
    private readonly InMemoryContentAction _writeInMemory;
    private string _pendingName = "";

    private TreeExport(Repository repo, GnuTarWriter tar, string prefix, long mtime)
    {
        _repo = repo;
        _tar = tar;
        _prefix = prefix;
        _mtime = mtime;
        _writeInMemory = WriteInMemory;
    }

    /// <summary>Writes <paramref name="commit"/>'s tree (or <see cref="ExportOptions.Subpath"/>) to <paramref name="output"/> as a tar archive.</summary>
    /// <exception cref="RepoFileNotFoundException">The subpath does not exist (ostree's "No such file or directory: PATH").</exception>
    /// <exception cref="OstreeException">The subpath is not a directory, or an object is missing or damaged.</exception>
    public static void Export(Repository repo, Checksum commit, Stream output, ExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        using var tar = new GnuTarWriter(output, leaveOpen: true);
        try
        {
            var c = repo.LoadCommit(commit);
            var root = RepoFile.ForTree(repo, c.RootTree, c.RootMeta);
            var top = options.Subpath is { } sub ? root.ResolveRelative(sub) : root;
            top.EnsureResolved();
            // ostree asserts (and aborts) when the subpath is a file; Arbor refuses it before writing.
            if (!top.IsDirectory)
                throw new OstreeException($"Not a directory: {top.Path}");
            // time_t is signed: a timestamp past its range goes negative and libarchive writes 0.
            long mtime = c.Timestamp > long.MaxValue ? 0 : (long)c.Timestamp;
            var export = new TreeExport(repo, tar, options.Prefix ?? "", mtime);
            export.Directory("", top.Contents!, repo.LoadDirMeta(top.Checksum));
        }
        catch (Exception e) when (e is OstreeException or IOException)
        {
            EndAfterFailure(tar, options.PadRecord);
            throw;
        }
        tar.Finish(options.PadRecord);
    }

    /// <summary>
    /// Ends an archive that failed before it was complete, as ostree does when libarchive closes
    /// on the way out: whatever was written, then the end marker (and record padding).
    /// </summary>
    public static void WriteEmptyArchive(Stream output, bool padRecord)
    {
        using var tar = new GnuTarWriter(output, leaveOpen: true);
        EndAfterFailure(tar, padRecord);
    }

    private static void EndAfterFailure(GnuTarWriter tar, bool padRecord)
    {
        try
        {
            tar.Finish(padRecord);
        }
        catch (IOException)
        {
            // The output itself failed: the first error is the one to report.
        }
    }

    /// <summary>The archive path of a path relative to the exported directory.</summary>
    private string ArchiveName(string relative)
    {
        var name = _prefix + relative;
        return name.Length == 0 ? "." : name;
    }

    private void Directory(string relative, DirTree tree, DirMeta meta)
    {
        _tar.WriteHeader(new TarHeader(ArchiveName(relative), TarTypeFlag.Directory, meta.Mode, meta.Uid, meta.Gid, 0, _mtime));
        var dirPrefix = relative.Length == 0 ? "" : relative + "/";
        foreach (var f in tree.Files)
            File(ArchiveName(dirPrefix + f.Name), f.Checksum);
        foreach (var d in tree.Dirs)
            Directory(dirPrefix + d.Name, _repo.LoadDirTree(d.Tree), _repo.LoadDirMeta(d.Meta));
    }

    private void File(string name, Checksum checksum)
    {
        _pendingName = name;
        if (_repo.TryReadArchiveContent(checksum, InMemoryLimit, _writeInMemory))
            return;
        var obj = _repo.OpenContent(checksum);
        var h = obj.Header;
        if (h.IsSymlink)
        {
            _tar.WriteHeader(new TarHeader(name, TarTypeFlag.Symlink, h.Mode, h.Uid, h.Gid, 0, _mtime, h.SymlinkTarget));
            return;
        }
        if (!h.IsRegular)
            throw new OstreeException($"Unsupported file type for export: {name}");
        _tar.WriteHeader(new TarHeader(name, TarTypeFlag.Regular, h.Mode, h.Uid, h.Gid, obj.Size, _mtime));
        using var data = obj.OpenData();
        _tar.CopyData(data);
    }

    private void WriteInMemory(FileHeader header, ReadOnlySpan<byte> data)
    {
        _tar.WriteHeader(new TarHeader(_pendingName, TarTypeFlag.Regular, header.Mode, header.Uid, header.Gid, data.Length, _mtime));
        _tar.WriteData(data);
    }
}
