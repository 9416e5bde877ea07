// Crash-safe small-file writes: write a temp file in the same directory, fsync, rename over the
// target. Used for refs, config and summaries: a reader sees the old file or the new one.
using System.Text;

namespace Arbor.Ostree.Repo;

/// <summary>Atomic replacement of small files.</summary>
public static class AtomicFile
{
    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="data"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> data, bool fsync)
    {
        var dir = Path.GetDirectoryName(path) ?? ".";
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                fs.Write(data);
                if (fsync)
                    fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    /// <summary>Atomically replaces <paramref name="path"/> with UTF-8 <paramref name="text"/>.</summary>
    public static void WriteAllText(string path, string text, bool fsync) =>
        WriteAllBytes(path, Encoding.UTF8.GetBytes(text), fsync);
}
