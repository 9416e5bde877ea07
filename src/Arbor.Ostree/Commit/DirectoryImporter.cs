// Committing a directory from disk. Three phases, shaped for speed:
//   1. scan  — one thread walks the tree with statx, checks file types (sockets, FIFOs and devices
//              are refused naming the path), records dirmeta and one job per distinct inode;
//   2. write — all cores hash and store the content objects (hard-linked names share one job);
//   3. link  — checksums are placed into the MutableTree, which CommitWriter turns into objects.
// Ownership, mode and xattr rules follow ostree's commit modifier (canonical permissions,
// --owner-uid/--owner-gid, --no-xattrs; bare-user-only implies both canonical forms).
using System.Text;
using System.Text.Unicode;
using Arbor.Native;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Commits;

/// <summary>How metadata is adjusted while committing (ostree's OstreeRepoCommitModifier).</summary>
public sealed record CommitModifier
{
    /// <summary>Force this uid on every file and directory (-1: keep).</summary>
    public int OwnerUid { get; init; } = -1;

    /// <summary>Force this gid on every file and directory (-1: keep).</summary>
    public int OwnerGid { get; init; } = -1;

    /// <summary>uid/gid 0 and modes masked to 0755, as bare-user-only requires.</summary>
    public bool CanonicalPermissions { get; init; }

    /// <summary>Do not record extended attributes.</summary>
    public bool SkipXattrs { get; init; }

    /// <summary>Clear the write bits of regular files with any execute bit (<c>--mode-ro-executables</c>), before any statoverride.</summary>
    public bool ReadOnlyExecutables { get; init; }

    /// <summary><paramref name="mode"/> after <see cref="ReadOnlyExecutables"/>.</summary>
    public uint ApplyReadOnlyExecutables(uint mode) =>
        ReadOnlyExecutables && (mode & UnixMode.S_IFMT) == UnixMode.S_IFREG && (mode & 0x49) != 0 // 0111
            ? mode & ~0x92u // 0222
            : mode;

    /// <summary>Reuse checksums of files that are hard links to objects of the repository.</summary>
    public bool LinkCheckoutSpeedup { get; init; }

    /// <summary>Paths left out of the commit (<c>--skip-list</c>), as "/dir/name" from the tree's root; a directory is left out whole.</summary>
    public IReadOnlySet<string>? SkipList { get; init; }

    /// <summary>Per-path mode changes (<c>--statoverride</c>): bits added, or the permission bits replaced.</summary>
    public IReadOnlyDictionary<string, ModeOverride>? ModeOverrides { get; init; }

    /// <summary>True when any per-path rule (<see cref="SkipList"/>, <see cref="ModeOverrides"/>) is set,
    /// so an import must know each entry's path from the root.</summary>
    public bool HasPathRules => SkipList is not null || ModeOverrides is not null;

    /// <summary>The mode <paramref name="path"/> is committed with, after its <c>--statoverride</c> entry if any.</summary>
    public uint OverrideMode(string path, uint mode)
    {
        TryOverrideMode(path, ref mode);
        return mode;
    }

    /// <summary>Applies <paramref name="path"/>'s <c>--statoverride</c> entry to <paramref name="mode"/>; false when it has none.</summary>
    public bool TryOverrideMode(string path, ref uint mode)
    {
        if (ModeOverrides is not { } o || !o.TryGetValue(path, out var m))
            return false;
        mode = m.Replace ? (mode & UnixMode.S_IFMT) | m.Bits : mode | m.Bits;
        return true;
    }

    /// <summary>The effective modifier for a repository mode (bare-user-only forces canonical form).</summary>
    public CommitModifier For(RepoMode mode) => mode == RepoMode.BareUserOnly
        ? this with { CanonicalPermissions = true, SkipXattrs = true }
        : CanonicalPermissions ? this with { SkipXattrs = true } : this;

    /// <summary>Applies the ownership and permission rules to a stat result.</summary>
    public (uint Uid, uint Gid, uint Mode) Apply(uint uid, uint gid, uint mode)
    {
        if (OwnerUid >= 0)
            uid = (uint)OwnerUid;
        if (OwnerGid >= 0)
            gid = (uint)OwnerGid;
        if (CanonicalPermissions)
        {
            uid = 0;
            gid = 0;
            var type = mode & UnixMode.S_IFMT;
            if (type is UnixMode.S_IFREG or UnixMode.S_IFDIR)
                mode = type | (mode & 0x1ED);
        }
        return (uid, gid, mode);
    }
}

/// <summary>One <c>--statoverride</c> line: "+BITS PATH" adds mode bits, "=BITS PATH" replaces the
/// permission bits (the file type stays); BITS is a decimal number, as ostree reads it.</summary>
/// <param name="Bits">The mode bits.</param>
/// <param name="Replace">Replace rather than add.</param>
public readonly record struct ModeOverride(uint Bits, bool Replace)
{
    /// <summary>Parses a statoverride file (ostree's format; empty lines are skipped).</summary>
    /// <exception cref="OstreeException">A line has no space between the mode and the path.</exception>
    public static Dictionary<string, ModeOverride> ParseFile(string text)
    {
        var result = new Dictionary<string, ModeOverride>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
                continue;
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0)
                throw new OstreeException("Malformed statoverride file (no space found)");
            bool replace = line[0] == '=';
            result[line[(space + 1)..]] = new ModeOverride((uint)(int)LeadingNumber(line.AsSpan(replace ? 1 : 0, space - (replace ? 1 : 0))), replace);
        }
        return result;
    }

    // g_ascii_strtod: the longest leading number, 0 when there is none.
    private static double LeadingNumber(ReadOnlySpan<char> s)
    {
        s = s.TrimStart();
        for (int len = s.Length; len > 0; len--)
        {
            if (double.TryParse(s[..len], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v))
                return v;
        }
        return 0;
    }
}

/// <summary>Writes a directory tree from disk into a repository.</summary>
public sealed class DirectoryImporter
{
    private readonly Repository _repo;
    private readonly CommitModifier _modifier;
    private Dictionary<(ulong Dev, ulong Ino), Checksum>? _devino;

    private sealed class FileJob(string path, FileStat stat)
    {
        public string Path { get; } = path;
        public FileStat Stat { get; } = stat;
        public Checksum Result { get; set; }
        public List<(MutableTree Dir, string Name)> Targets { get; } = [];

        // Its mode differs from the inode's, so a checksum cached by inode does not apply.
        public bool Overridden { get; init; }

        // The checksum came from the repository's hard link, nothing was written.
        public bool Linked { get; set; }
    }

    /// <summary>Creates an importer for <paramref name="repo"/>.</summary>
    public DirectoryImporter(Repository repo, CommitModifier modifier)
    {
        _repo = repo;
        _modifier = modifier.For(repo.Mode);
    }

    /// <summary>Counts written files (and their bytes) for progress, when set.</summary>
    public ProgressCounter? Progress { get; init; }

    /// <summary>Records the objects written, for <c>--generate-sizes</c>, when set.</summary>
    public SizeIndex? Sizes { get; init; }

    /// <summary>Number of content objects processed by the last import.</summary>
    public int FilesProcessed { get; private set; }

    /// <summary>Imports the directory at <paramref name="root"/> into <paramref name="into"/>.</summary>
    public void Import(string root, MutableTree into)
    {
        var full = Path.GetFullPath(root);
        if (!LibC.TryLStat(full, out var st, out int errno))
            throw new OstreeException(errno == LibC.ENOENT ? $"opendir({root}): No such file or directory" : new NativeIOException("statx", root, errno).Message);
        if (!st.IsDirectory)
            throw new OstreeException($"opendir({root}): Not a directory");
        if (_modifier.LinkCheckoutSpeedup)
            _devino = ScanHardlinks();

        var jobs = new List<FileJob>();
        var byInode = new Dictionary<(ulong, ulong), FileJob>();
        Scan(full, "/", st with { Mode = _modifier.OverrideMode("/", st.Mode) }, into, jobs, byInode);
        Progress?.Begin("Committing", jobs.Count);

        try
        {
            Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
            {
                job.Result = WriteFile(job);
                Progress?.Add(1, (long)job.Stat.Size);
            });
        }
        catch (AggregateException e)
        {
            // Report the first failure as it happened, not wrapped.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        foreach (var job in jobs)
        {
            if (!job.Linked)
                Sizes?.Add(ObjectType.File, job.Result);
            foreach (var (dir, name) in job.Targets)
                dir.SetFile(name, job.Result);
        }
        FilesProcessed = jobs.Count;
    }

    private void Scan(string dirPath, string relDir, FileStat dirStat, MutableTree tree, List<FileJob> jobs, Dictionary<(ulong, ulong), FileJob> byInode)
    {
        tree.MetaChecksum = WriteDirMeta(dirPath, dirStat);
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(dirPath);
        }
        catch (UnauthorizedAccessException)
        {
            throw new OstreeException($"opendir({dirPath}): Permission denied");
        }
        var list = new List<string>();
        try
        {
            list.AddRange(entries);
        }
        catch (UnauthorizedAccessException)
        {
            throw new OstreeException($"opendir({dirPath}): Permission denied");
        }
        bool rawChecked = false;
        foreach (var path in list)
        {
            var name = Path.GetFileName(path);
            // .NET decodes names as UTF-8 and shows a byte that is not as U+FFFD, so a name that was
            // not UTF-8 would be committed as another (two could even become one). Only a name with
            // U+FFFD can be such a name; the directory's stored names tell whether it really is.
            if (!rawChecked && name.Contains('\uFFFD'))
            {
                RefuseNamesNotUtf8(dirPath);
                rawChecked = true;
            }
            // Paths from the root are only built when a rule needs them: this loop runs per file.
            var rel = _modifier.HasPathRules ? (relDir == "/" ? "/" + name : relDir + "/" + name) : "";
            if (_modifier.SkipList?.Contains(rel) == true)
                continue;
            var st = LibC.LStat(path);
            uint mode = _modifier.ApplyReadOnlyExecutables(st.Mode);
            // A mode changed here is not the inode's: the devino shortcut must not reuse its object.
            bool overridden = mode != st.Mode;
            overridden |= _modifier.HasPathRules && _modifier.TryOverrideMode(rel, ref mode);
            if (overridden)
                st = st with { Mode = mode };
            if (st.IsDirectory)
            {
                Scan(path, rel, st, tree.EnsureDir(name), jobs, byInode);
            }
            else if (st.IsRegular || st.IsSymlink)
            {
                // Hard links to one inode share metadata and content, hence one object (unless a
                // statoverride gives this name its own mode).
                var key = (st.Device, st.Inode);
                if (!st.IsRegular || st.NLink < 2 || overridden || !byInode.TryGetValue(key, out var job))
                {
                    job = new FileJob(path, st) { Overridden = overridden };
                    jobs.Add(job);
                    if (st.IsRegular && st.NLink >= 2 && !overridden)
                        byInode[key] = job;
                }
                job.Targets.Add((tree, name));
            }
            else
            {
                throw new OstreeException($"Unsupported file type {UnixMode.Describe(st.Mode)} for '{path}': only regular files, symbolic links and directories can be committed");
            }
        }
    }

    private static void RefuseNamesNotUtf8(string dirPath)
    {
        foreach (var raw in LibC.ReadDirNames(dirPath))
        {
            if (!Utf8.IsValid(raw))
                throw new OstreeException(DirTree.InvalidUtf8Message([.. Encoding.UTF8.GetBytes(dirPath), (byte)'/', .. raw]));
        }
    }

    private Checksum WriteDirMeta(string path, FileStat st)
    {
        var (uid, gid, mode) = _modifier.Apply(st.Uid, st.Gid, st.Mode);
        var xattrs = _modifier.SkipXattrs ? Xattrs.None : Repository.ReadXattrs(path);
        var checksum = _repo.WriteMetadata(ObjectType.DirMeta, new DirMeta(uid, gid, mode, xattrs).Serialize());
        Sizes?.Add(ObjectType.DirMeta, checksum);
        return checksum;
    }

    private Checksum WriteFile(FileJob job)
    {
        var st = job.Stat;
        if (_devino is not null && st.IsRegular && !job.Overridden && _devino.TryGetValue((st.Device, st.Inode), out var known))
        {
            job.Linked = true;
            return known;
        }
        var (uid, gid, mode) = _modifier.Apply(st.Uid, st.Gid, st.Mode);
        var xattrs = _modifier.SkipXattrs ? Xattrs.None : Repository.ReadXattrs(job.Path);
        if (st.IsSymlink)
        {
            var target = new FileInfo(job.Path).LinkTarget ?? "";
            if (target.Contains('\uFFFD') && LibC.ReadLink(job.Path) is var raw && !Utf8.IsValid(raw))
                throw new OstreeException($"Invalid UTF-8 in the symbolic link target of '{TerminalText.Escape(job.Path)}': {TerminalText.Escape(raw)}");
            return _repo.WriteContent(new FileHeader(uid, gid, mode, target, xattrs), null, 0);
        }
        var header = new FileHeader(uid, gid, mode, "", xattrs);
        try
        {
            // The size comes from the scan's statx, as ostree takes it from its stat; a file that
            // shrinks meanwhile fails the read instead of being committed short.
            using var fs = new FileStream(job.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            return _repo.WriteContent(header, fs, (long)st.Size);
        }
        catch (UnauthorizedAccessException)
        {
            throw new OstreeException($"Opening '{job.Path}': Permission denied");
        }
    }

    /// <summary>Maps (device, inode) of the repository's loose file objects to their checksums.</summary>
    private Dictionary<(ulong, ulong), Checksum> ScanHardlinks()
    {
        var map = new Dictionary<(ulong, ulong), Checksum>();
        if (_repo.Mode == RepoMode.Archive)
            return map;
        foreach (var sub in Directory.EnumerateDirectories(_repo.ObjectsDir))
        {
            var prefix = Path.GetFileName(sub);
            foreach (var f in Directory.EnumerateFiles(sub, "*.file"))
            {
                var hex = prefix + Path.GetFileNameWithoutExtension(f);
                if (Checksum.TryParse(hex, out var c) && LibC.TryLStat(f, out var st, out _))
                    map[(st.Device, st.Inode)] = c;
            }
        }
        return map;
    }
}
