// Checking a commit (or a subpath of it) out into a directory, with libostree's semantics
// (ostree-repo-checkout.c). Three phases, shaped for speed:
//   1. directories — one thread walks the dirtrees top-down, creates each directory (0700, so no
//      one works in a half-built tree), sets its xattrs, processes whiteouts, and lists the files;
//   2. files       — all cores check the files out: a hardlink from the object store when the repo
//      and checkout modes allow, else a copy (archive objects are inflated), see TreeCheckout.File.cs;
//   3. modes       — bottom-up, each created directory gets its mode, owner and mtime 0, last, so
//      read-only directories never block file creation.
using Arbor.Native;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Checkout;

/// <summary>Checks out trees from a repository.</summary>
public sealed partial class TreeCheckout
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueWhiteoutName = ".wh..wh..opq";

    private readonly Repository _repo;
    private readonly CheckoutOptions _options;
    private readonly bool _user;
    private readonly List<DirNode> _dirs = [];
    private readonly List<FileJob> _files = [];
    private readonly Dictionary<Checksum, DirMeta> _metaCache = [];

    private sealed class DirNode(string path, DirMeta meta, bool didExist)
    {
        public string Path { get; } = path;
        public DirMeta Meta { get; } = meta;
        public bool DidExist { get; } = didExist;
    }

    private readonly record struct FileJob(string DirPath, string Name, Checksum Checksum, string? FilterPath);

    private TreeCheckout(Repository repo, CheckoutOptions options)
    {
        _repo = repo;
        // bare-user-only repositories can only be checked out in user mode.
        _options = repo.Mode == RepoMode.BareUserOnly ? options with { Mode = CheckoutMode.User } : options;
        _user = _options.Mode == CheckoutMode.User;
        _cacheEnabled = _options.EnableUncompressedCache && repo.IsArchive && _user
            && repo.Config.GetBool("core", "enable-uncompressed-cache", true) && repo.IsWritable;
        // A checkout that inflates into tmp/ clears what killed checkouts left there first: no
        // write may come along to do it, and their inflated files can be a whole tree.
        if (_cacheEnabled)
            TmpCleanup.CleanStale(repo);
    }

    /// <summary>Checks out <paramref name="commit"/> (or its <see cref="CheckoutOptions.Subpath"/>) to <paramref name="destination"/>.</summary>
    /// <param name="repo">The repository holding the commit.</param>
    /// <param name="commit">The commit checksum.</param>
    /// <param name="destination">The directory to create (it may exist in the union modes).</param>
    /// <param name="options">How to check out.</param>
    /// <exception cref="OstreeException">An object is missing or corrupt, or the options conflict.</exception>
    /// <exception cref="IOException">The destination could not be written (the message names the path).</exception>
    public static void Run(Repository repo, Checksum commit, string destination, CheckoutOptions options)
    {
        if (options.ForceCopy && options.NoCopyFallback)
            throw new OstreeException("Cannot specify both --require-hardlinks and --force-copy");
        if (options.Overwrite == OverwriteMode.UnionIdentical && !options.NoCopyFallback)
            throw new OstreeException("--union-identical requires --require-hardlinks");
        new TreeCheckout(repo, options).Execute(commit, destination);
    }

    /// <summary>Resolves <paramref name="subpath"/> in a commit: a directory (tree, meta) or a file (checksum).</summary>
    /// <returns>False when the path does not exist.</returns>
    public static bool TryResolvePath(Repository repo, Checksum commit, string subpath, out (Checksum Tree, Checksum Meta) dir, out Checksum? file, out string name)
    {
        var c = repo.LoadCommit(commit);
        dir = (c.RootTree, c.RootMeta);
        file = null;
        name = "/";
        foreach (var part in subpath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (file is not null)
                return false;
            if (part == ".")
                continue;
            var tree = repo.LoadDirTree(dir.Tree);
            name = part;
            var f = tree.Files.FirstOrDefault(x => x.Name == part);
            if (f.Name is not null)
            {
                file = f.Checksum;
                continue;
            }
            var d = tree.Dirs.FirstOrDefault(x => x.Name == part);
            if (d.Name is null)
                return false;
            dir = (d.Tree, d.Meta);
        }
        return true;
    }

    private void Execute(Checksum commit, string destination)
    {
        if (!TryResolvePath(_repo, commit, _options.Subpath, out var dir, out var file, out var name))
            throw new OstreeException($"No such file or directory: {_options.Subpath}");
        if (file is { } fileChecksum)
        {
            // A single file goes into DESTINATION/NAME; DESTINATION is created if needed.
            if (destination != ".")
            {
                var st = MkdirAt(destination);
                if (st != 0 && st != LibC.EEXIST)
                    throw new NativeIOException("mkdirat", destination, st);
            }
            try
            {
                CheckoutOneFile(new FileJob(destination, name, fileChecksum, null));
            }
            catch
            {
                DiscardCache();
                throw;
            }
            FinishCache();
            return;
        }

        CreateDirectory(destination, dir.Tree, dir.Meta, isRoot: true, _options.SkipList is null ? null : "/");
        try
        {
            RunFiles();
        }
        catch
        {
            DiscardCache();
            throw;
        }
        FinishCache();
        for (int i = _dirs.Count - 1; i >= 0; i--)
            FinishDirectory(_dirs[i]);
    }

    private void RunFiles()
    {
        var progress = new ProgressCounter(_options.Progress, "Checking out", _files.Count, "files");
        progress.Report();
        if (_files.Count < 32)
        {
            foreach (var job in _files)
                CheckoutOneFile(job);
            progress.Add(_files.Count);
            progress.Report();
            return;
        }
        Exception? failure = null;
        Parallel.For(0, _files.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, (i, state) =>
        {
            try
            {
                CheckoutOneFile(_files[i]);
                progress.Add(1);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                state.Stop();
            }
        });
        if (failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        progress.Report();
    }

    private DirMeta LoadMeta(Checksum meta)
    {
        if (!_metaCache.TryGetValue(meta, out var m))
            _metaCache[meta] = m = _repo.LoadDirMeta(meta);
        return m;
    }

    private void CreateDirectory(string path, Checksum treeChecksum, Checksum metaChecksum, bool isRoot, string? filterPath)
    {
        var tree = _repo.LoadDirTree(treeChecksum);
        var meta = LoadMeta(metaChecksum);
        if (filterPath is not null && _options.SkipList!.Contains(filterPath))
            return;

        bool opaque = _options.ProcessWhiteouts && tree.Files.Any(f => f.Name == OpaqueWhiteoutName);
        if (opaque)
        {
            PathRemoval.RemoveAny(path);
        }
        else if (_options.ProcessWhiteouts && _options.Overwrite == OverwriteMode.UnionFiles
            && LibC.TryLStat(path, out var existing, out _) && !existing.IsDirectory)
        {
            PathRemoval.RemoveAny(path);
        }

        bool didExist = false;
        int err = MkdirAt(path);
        if (err == LibC.EEXIST)
        {
            if (_options.Overwrite == OverwriteMode.None)
                throw new OstreeException("mkdirat: File exists");
            didExist = true;
        }
        else if (err != 0)
        {
            throw new NativeIOException("mkdirat", path, err);
        }

        if (isRoot && _options.NoCopyFallback)
        {
            var repoDev = LibC.LStat(_repo.Path).Device;
            var destDev = LibC.LStat(path).Device;
            if (repoDev != destDev)
                throw new OstreeException($"Unable to do hardlink checkout across devices (src={repoDev} destination={destDev})");
        }
        if (!didExist && !_user)
        {
            foreach (var x in meta.Xattrs)
                LibC.LSetXattr(path, x.Name, x.Value);
        }
        _dirs.Add(new DirNode(path, meta, didExist));

        var files = tree.Files;
        HashSet<string>? whitedOut = null;
        if (_options.ProcessWhiteouts)
            whitedOut = ProcessWhiteouts(path, files);
        foreach (var f in files)
        {
            if (_options.ProcessWhiteouts && (f.Name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal) && IsWhiteoutFile(f.Checksum)
                || whitedOut!.Contains(f.Name)))
                continue;
            _files.Add(new FileJob(path, f.Name, f.Checksum, filterPath is null ? null : filterPath + f.Name));
        }
        foreach (var d in tree.Dirs)
            CreateDirectory(path + "/" + d.Name, d.Tree, d.Meta, isRoot: false, filterPath is null ? null : filterPath + d.Name + "/");
    }

    /// <summary>
    /// Removes what each <c>.wh.NAME</c> file names. Returns the files of this same directory that
    /// ostree would have checked out before their whiteout (they sort first) and then removed.
    /// </summary>
    private HashSet<string> ProcessWhiteouts(string path, IReadOnlyList<DirTreeFile> files)
    {
        var removedEarlier = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < files.Count; i++)
        {
            var f = files[i];
            if (!f.Name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal) || !IsWhiteoutFile(f.Checksum))
                continue;
            var target = f.Name[WhiteoutPrefix.Length..];
            if (target.Length == 0)
                throw new OstreeException($"Invalid empty whiteout '{target}'");
            PathRemoval.RemoveAny(path + "/" + target);
            for (int j = 0; j < i; j++)
            {
                if (files[j].Name == target)
                    removedEarlier.Add(target);
            }
        }
        return removedEarlier;
    }

    /// <summary>Whiteouts are regular files; a symlink named <c>.wh.X</c> is checked out as is.</summary>
    private bool IsWhiteoutFile(Checksum checksum) => !_repo.OpenContent(checksum).Header.IsSymlink;

    private void FinishDirectory(DirNode d)
    {
        if (d.DidExist)
            return;
        uint mode = d.Meta.Mode;
        if (_repo.Mode == RepoMode.BareUserOnly || _options.BareUserOnlyDirs)
            mode = (mode & 0x1FD) | UnixMode.S_IFDIR;
        File.SetUnixFileMode(d.Path, (UnixFileMode)(mode & 0xFFF));
        if (!_user)
            LibC.LChown(d.Path, d.Meta.Uid, d.Meta.Gid);
        // A constant mtime for every checkout, except for copying checkouts (mostly /etc).
        if (!_options.ForceCopy)
            LibC.LUtimes(d.Path, 0);
    }

    /// <summary>mkdir with mode 0700 (completed by FinishDirectory); returns 0 or the errno.</summary>
    private static int MkdirAt(string path) => LibC.TryMkdir(path, 0x1C0);
}
