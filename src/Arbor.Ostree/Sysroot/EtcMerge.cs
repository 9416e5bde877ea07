// The three-way /etc merge a new deployment gets from the one it replaces, with libostree's
// semantics (merge_configuration_from): the new /etc starts as a copy of the new defaults
// (usr/etc), then everything the administrator removed from the old /etc is removed, and
// everything modified or added is copied over it, the local version always winning. The order
// of those operations and their quirks (a parent directory of a copied path takes the old /etc's
// mode, owner and xattrs; a modified directory that is still a directory in the new defaults is
// left alone; a local file where the new defaults have a directory is an error) follow ostree.
// Files are copied, never hard-linked, keeping mode, uid/gid, xattrs and symlink targets. The
// result is built under a temporary name beside the target and renamed into place only when
// complete (the deploy syncs the file system before it switches the bootloader); the bulk copy
// of the defaults runs in parallel.
using Arbor.Native;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Sysroot;

/// <summary>The /etc three-way merge of a new deployment.</summary>
public static class EtcMerge
{
    /// <summary>
    /// Builds <paramref name="newEtc"/> (which must not exist) from <paramref name="newDefaults"/> plus the
    /// administrator's changes: the difference between <paramref name="oldDefaults"/> and <paramref name="oldEtc"/>.
    /// </summary>
    /// <param name="oldDefaults">The previous deployment's usr/etc.</param>
    /// <param name="oldEtc">The previous deployment's etc, with the local changes.</param>
    /// <param name="newDefaults">The new deployment's usr/etc.</param>
    /// <param name="newEtc">The new deployment's etc, created by this call.</param>
    /// <exception cref="OstreeException">The merge is impossible or an I/O step failed; nothing is left at <paramref name="newEtc"/>.</exception>
    public static void Merge(string oldDefaults, string oldEtc, string newDefaults, string newEtc)
    {
        newEtc = Path.TrimEndingDirectorySeparator(Path.GetFullPath(newEtc));
        if (LibC.TryLStat(newEtc, out _, out _))
            throw new OstreeException($"During /etc merge: {newEtc} already exists");
        var changes = ConfigDiff.Compute(oldDefaults, oldEtc);
        var parent = Path.GetDirectoryName(newEtc) ?? "/";
        var tmp = Path.Combine(parent, $".{Path.GetFileName(newEtc)}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            CopyDefaults(newDefaults, tmp);
            foreach (var path in changes.Removed)
                PathRemoval.RemoveAny(Path.Combine(tmp, path));
            foreach (var path in changes.Modified)
                CopyModified(oldEtc, tmp, path);
            foreach (var path in changes.Added)
                CopyModified(oldEtc, tmp, path);
            // No fsync here: as in ostree, the deployment is synced as a whole (syncfs) before the bootloader switch.
            LibC.Rename(tmp, newEtc, LibC.RENAME_NOREPLACE);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OstreeException)
        {
            TryRemove(tmp);
            if (e is OstreeException && e.Message.StartsWith("During /etc merge", StringComparison.Ordinal))
                throw;
            throw new OstreeException($"During /etc merge: {e.Message}", e);
        }
    }

    /// <summary>Copies a whole tree (the defaults) to a new directory: directories first, files in parallel, directory metadata last.</summary>
    private static void CopyDefaults(string source, string dest)
    {
        var rootStat = LibC.LStat(source);
        if (!rootStat.IsDirectory)
            throw new IOException($"{source}: not a directory");
        var dirs = new List<(string Src, string Dst, FileStat St)> { (source, dest, rootStat) };
        var leaves = new List<(string Src, string Dst, FileStat St)>();
        Directory.CreateDirectory(dest);
        for (int i = 0; i < dirs.Count; i++)
        {
            var (src, dst, _) = dirs[i];
            foreach (var e in GioDirectory.Read(src))
            {
                var s = Path.Combine(src, e.Name);
                var d = Path.Combine(dst, e.Name);
                if (e.Stat.IsDirectory)
                {
                    Directory.CreateDirectory(d);
                    dirs.Add((s, d, e.Stat));
                }
                else if (e.Stat.IsRegular || e.Stat.IsSymlink)
                {
                    leaves.Add((s, d, e.Stat));
                }
            }
        }
        Parallel.ForEach(leaves, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            l => CopyLeaf(l.Src, l.St, l.Dst, keepTimes: false));
        // Deepest first, so a directory made read-only never blocks filling the ones inside it.
        for (int i = dirs.Count - 1; i >= 0; i--)
            CopyDirAttributes(dirs[i].Src, dirs[i].St, dirs[i].Dst);
    }

    /// <summary>ostree's copy_modified_config_file: puts <paramref name="rel"/> from the old /etc into the new one.</summary>
    private static void CopyModified(string oldEtc, string newEtc, string rel)
    {
        var src = Path.Combine(oldEtc, rel);
        var st = LibC.LStat(src);
        int slash = rel.LastIndexOf('/');
        if (slash > 0)
            EnsureDirectoryFromTemplate(oldEtc, newEtc, rel[..slash]);

        var dst = Path.Combine(newEtc, rel);
        if (LibC.TryLStat(dst, out var existing, out int errno))
        {
            if (existing.IsDirectory)
            {
                if (!st.IsDirectory)
                    throw new OstreeException($"During /etc merge: Modified config file newly defaults to directory '{rel}', cannot merge");
                // The directory's contents arrive as their own diff entries; its own metadata is left as the new defaults have it.
                return;
            }
            File.Delete(dst);
        }
        else if (errno != LibC.ENOENT)
        {
            throw new NativeIOException("statx", dst, errno);
        }

        if (st.IsDirectory)
            CopyDirRecursive(src, st, dst);
        else if (st.IsRegular || st.IsSymlink)
            CopyLeaf(src, st, dst, keepTimes: true);
        // Sockets, FIFOs and devices are not configuration: ostree skips them too.
    }

    /// <summary>Creates <paramref name="rel"/> (and missing parents) in the new /etc and gives it the old /etc's attributes.</summary>
    private static void EnsureDirectoryFromTemplate(string oldEtc, string newEtc, string rel)
    {
        var src = Path.Combine(oldEtc, rel);
        var srcStat = LibC.LStat(src);
        if (!srcStat.IsDirectory)
            throw new IOException($"opendir({src}): Not a directory");
        var dst = Path.Combine(newEtc, rel);
        if (!LibC.TryLStat(dst, out _, out int errno))
        {
            if (errno != LibC.ENOENT)
                throw new NativeIOException("statx", dst, errno);
            int slash = rel.LastIndexOf('/');
            if (slash > 0)
                EnsureDirectoryFromTemplate(oldEtc, newEtc, rel[..slash]);
            Directory.CreateDirectory(dst, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else if (!Directory.Exists(dst))
        {
            throw new IOException($"opendir({dst}): Not a directory");
        }
        CopyDirAttributes(src, srcStat, dst);
    }

    private static void CopyDirRecursive(string src, FileStat st, string dst)
    {
        if (!Directory.Exists(dst))
            Directory.CreateDirectory(dst, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        CopyDirAttributes(src, st, dst);
        foreach (var e in GioDirectory.Read(src))
        {
            var s = Path.Combine(src, e.Name);
            var d = Path.Combine(dst, e.Name);
            if (e.Stat.IsDirectory)
            {
                CopyDirRecursive(s, e.Stat, d);
            }
            else if (e.Stat.IsRegular || e.Stat.IsSymlink)
            {
                if (LibC.TryLStat(d, out var old, out _) && !old.IsDirectory)
                    File.Delete(d);
                CopyLeaf(s, e.Stat, d, keepTimes: true);
            }
        }
    }

    /// <summary>xattrs, then owner, then mode, in that order (a chown clears set-id bits).</summary>
    private static void CopyDirAttributes(string src, FileStat st, string dst)
    {
        CopyXattrs(src, dst);
        LibC.LChown(dst, st.Uid, st.Gid);
        File.SetUnixFileMode(dst, (UnixFileMode)(st.Mode & 0xFFF));
    }

    /// <summary>Copies a regular file or a symlink to a path that does not exist.</summary>
    private static void CopyLeaf(string src, FileStat st, string dst, bool keepTimes)
    {
        if (st.IsSymlink)
        {
            var target = new FileInfo(src).LinkTarget ?? throw new IOException($"readlink({src}): not a symbolic link");
            File.CreateSymbolicLink(dst, target);
            LibC.LChown(dst, st.Uid, st.Gid);
            CopyXattrs(src, dst);
            return;
        }
        File.Copy(src, dst, overwrite: false);
        LibC.LChown(dst, st.Uid, st.Gid);
        File.SetUnixFileMode(dst, (UnixFileMode)(st.Mode & 0xFFF));
        if (keepTimes)
        {
            File.SetLastAccessTimeUtc(dst, File.GetLastAccessTimeUtc(src));
            File.SetLastWriteTimeUtc(dst, File.GetLastWriteTimeUtc(src));
        }
        CopyXattrs(src, dst);
    }

    private static void CopyXattrs(string src, string dst)
    {
        foreach (var name in LibC.LListXattrs(src))
        {
            var value = LibC.LGetXattr(src, name);
            if (value is not null)
                LibC.LSetXattr(dst, name, value);
        }
    }

    private static void TryRemove(string path)
    {
        try
        {
            PathRemoval.RemoveAny(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
