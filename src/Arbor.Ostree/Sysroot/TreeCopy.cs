// A faithful recursive copy of a directory tree — regular files, directories, symlinks, with their
// modes, ownership and extended attributes — used to give a new deployment its writable /etc from
// /usr/etc (libostree checks /usr/etc out of the commit with force-copy; the tree on disk is that
// commit's content, so copying it is the same). Files are copied, never hardlinked: /etc is edited
// in place by administrators and must not alias the object store.
using Arbor.Native;

namespace Arbor.Ostree.Sysroot;

/// <summary>Recursive copy preserving metadata.</summary>
public static class TreeCopy
{
    /// <summary>Copies <paramref name="source"/> (a directory) to <paramref name="destination"/>, which must not exist.</summary>
    public static void Copy(string source, string destination)
    {
        var st = LibC.LStat(source);
        Directory.CreateDirectory(destination);
        CopyChildren(source, destination);
        ApplyMeta(source, destination, st, isSymlink: false);
    }

    private static void CopyChildren(string src, string dst)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(src))
        {
            var name = Path.GetFileName(entry);
            var to = Path.Combine(dst, name);
            var st = LibC.LStat(entry);
            if (st.IsSymlink)
            {
                File.CreateSymbolicLink(to, new FileInfo(entry).LinkTarget!);
                ApplyMeta(entry, to, st, isSymlink: true);
            }
            else if (st.IsDirectory)
            {
                Directory.CreateDirectory(to);
                CopyChildren(entry, to);
                ApplyMeta(entry, to, st, isSymlink: false);
            }
            else if (st.IsRegular)
            {
                File.Copy(entry, to);
                ApplyMeta(entry, to, st, isSymlink: false);
            }
            else
            {
                LibC.Mknod(to, st.Mode, st.RdevMajor, st.RdevMinor);
                ApplyMeta(entry, to, st, isSymlink: false);
            }
        }
    }

    private static void ApplyMeta(string src, string dst, FileStat st, bool isSymlink)
    {
        LibC.LChown(dst, st.Uid, st.Gid);
        foreach (var name in LibC.LListXattrs(src))
        {
            if (LibC.LGetXattr(src, name) is { } value)
                LibC.LSetXattr(dst, name, value);
        }
        if (!isSymlink)
            File.SetUnixFileMode(dst, (UnixFileMode)(st.Mode & 0xFFF));
    }
}
