// Removing paths the way ostree's glnx helpers do: never following a symlink, a path that is
// already gone is not an error, and a directory goes with everything beneath it. Checkout
// (--force-copy over existing paths), sysroot cleanup, the /etc merge and temp-file cleanup all
// remove through here.
using Arbor.Native;

namespace Arbor.Ostree.Repo;

/// <summary>rm -rf and rm -f on single paths.</summary>
public static class PathRemoval
{
    /// <summary>Removes <paramref name="path"/> (a directory with its contents, or any other file); a missing path is fine.</summary>
    public static void RemoveAny(string path)
    {
        if (!LibC.TryLStat(path, out var st, out int errno))
        {
            if (errno is LibC.ENOENT or 20 /* ENOTDIR */)
                return;
            throw new NativeIOException("statx", path, errno);
        }
        if (st.IsDirectory)
            Directory.Delete(path, recursive: true);
        else
            File.Delete(path);
    }

    /// <summary>Deletes a non-directory at <paramref name="path"/> if there is one.</summary>
    public static void DeleteFileIfExists(string path)
    {
        if (LibC.TryLStat(path, out _, out _))
            File.Delete(path);
    }
}
