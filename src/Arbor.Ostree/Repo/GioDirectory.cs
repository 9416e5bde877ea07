// The order in which glib's GFile enumerates a directory — readdir in chunks of 1000 names, each
// chunk sorted by inode — which ostree's diff walks (`ostree diff`, `admin config-diff`, the /etc
// merge) inherit and print in. Neither readdir nor name order matches it on filesystems like ext4.
using System.IO.Enumeration;
using Arbor.Native;

namespace Arbor.Ostree.Repo;

/// <summary>A directory entry with its lstat result.</summary>
internal readonly record struct GioEntry(string Name, FileStat Stat);

/// <summary>Directory listings in glib's enumeration order.</summary>
internal static class GioDirectory
{
    /// <summary>lstat that reports a missing path as false and any other failure as an error.</summary>
    public static bool TryLStat(string path, out FileStat st)
    {
        if (LibC.TryLStat(path, out st, out int errno))
            return true;
        if (errno is LibC.ENOENT or 20 /* ENOTDIR */)
            return false;
        throw new NativeIOException("statx", path, errno);
    }

    /// <summary>The entries of <paramref name="dir"/>, 1000 names at a time, each chunk sorted by inode.</summary>
    public static List<GioEntry> Read(string dir)
    {
        const int ChunkSize = 1000;
        var names = new FileSystemEnumerable<string>(dir, (ref FileSystemEntry e) => e.FileName.ToString(),
            new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false });
        var result = new List<GioEntry>();
        var chunk = new List<GioEntry>(64);
        foreach (var name in names)
        {
            // A name that vanished between readdir and stat is skipped, as glib does.
            if (!TryLStat(Path.Combine(dir, name), out var st))
                continue;
            chunk.Add(new GioEntry(name, st));
            if (chunk.Count == ChunkSize)
                Flush();
        }
        Flush();
        return result;

        void Flush()
        {
            // glib compares with a truncating `a->inode - b->inode`; reproduce it so the order matches even then.
            result.AddRange(chunk.Order(Comparer<GioEntry>.Create((x, y) => unchecked((int)(x.Stat.Inode - y.Stat.Inode)))));
            chunk.Clear();
        }
    }
}
