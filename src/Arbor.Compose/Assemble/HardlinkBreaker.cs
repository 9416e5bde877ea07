// Gives every hardlinked regular file under a directory its own inode, keeping mode, owner,
// extended attributes and modification time. A tree assembled from the package cache shares its
// files' inodes with the cache's objects; before something that may rewrite files in place runs
// without rofiles-fuse's copy-up, the sharing has to end or the cache would be changed with it.
using Arbor.Native;

namespace Arbor.Compose.Assemble;

/// <summary>Breaks hardlinks so that in-place writes cannot reach other names of the same inode.</summary>
public static class HardlinkBreaker
{
    /// <summary>Copies every regular file under <paramref name="directory"/> whose link count is above one onto a new inode; returns how many.</summary>
    public static int BreakUnder(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
            return 0;
        int broken = 0;
        var pending = new Stack<string>();
        pending.Push(directory);
        while (pending.Count > 0)
        {
            string dir = pending.Pop();
            foreach (string path in Directory.EnumerateFileSystemEntries(dir))
            {
                var st = LibC.LStat(path);
                if (st.IsDirectory)
                    pending.Push(path);
                else if (st.IsRegular && st.NLink > 1)
                {
                    Break(path, st);
                    broken++;
                }
            }
        }
        return broken;
    }

    /// <summary>Gives one regular file its own inode (a copy keeping mode, owner, xattrs and mtime).</summary>
    internal static void BreakFile(string path) => Break(path, LibC.LStat(path));

    private static void Break(string path, FileStat st)
    {
        string temp = Path.Combine(Path.GetDirectoryName(path)!, $".arbor-copy-{Path.GetFileName(path)}-{Environment.ProcessId}");
        var mtime = File.GetLastWriteTimeUtc(path);
        File.Copy(path, temp, overwrite: true);
        try
        {
            LibC.LChown(temp, st.Uid, st.Gid);
            File.SetUnixFileMode(temp, (UnixFileMode)(st.Mode & 0xFFF));
            foreach (byte[] name in LibC.LListXattrs(path))
            {
                byte[]? value = LibC.LGetXattr(path, name);
                if (value is not null)
                    LibC.LSetXattr(temp, name, value);
            }
            File.SetLastWriteTimeUtc(temp, mtime);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
