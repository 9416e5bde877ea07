// Clearing what earlier writers left in tmp/, at the start of a write, by libostree's rules
// (cleanup_tmpdir and cleanup_txn_dir in ostree-repo-commit.c):
//   - tmp/cache is kept;
//   - a staging-* directory is removed only when its NAME-lock file can be locked (its owner is
//     gone), and then only if it is from another boot (its data may never have reached the disk)
//     or it is one of Arbor's own (staging-BOOTID-arbor-*, which Arbor never reuses); a free
//     staging directory ostree made during this boot is kept, as ostree keeps it to reuse;
//   - anything else (loose temp files, lock files, temporary checkouts of other tools) is removed
//     once it is older than [core] tmp-expiry-secs (default 86400, a day), unless its mtime is in
//     the future or it is a staging lock file someone holds.
// Removal failures are left for a later write: clearing litter never fails the write itself.
using Arbor.Native;

namespace Arbor.Ostree.Repo;

/// <summary>Removes stale entries from a repository's <c>tmp/</c>.</summary>
internal static class TmpCleanup
{
    private const long DefaultExpirySeconds = 86400;

    /// <summary>Removes what dead writers left in <c>tmp/</c>; never touches what a live process holds.</summary>
    internal static void CleanStale(Repository repo)
    {
        if (!Directory.Exists(repo.TmpDir))
            return;
        long expiry = long.TryParse(repo.Config.Get("core", "tmp-expiry-secs"), out var secs) && secs >= 0 ? secs : DefaultExpirySeconds;
        var now = DateTimeOffset.UtcNow;
        List<FileSystemInfo> entries;
        try
        {
            entries = [.. new DirectoryInfo(repo.TmpDir).EnumerateFileSystemInfos()];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var entry in entries)
        {
            var name = entry.Name;
            if (name == "cache" || name == repo.StagingName)
                continue;
            try
            {
                if (!LibC.TryLStat(entry.FullName, out var st, out _))
                    continue; // gone meanwhile (another cleanup), or a name .NET cannot spell
                if (st.IsDirectory && name.StartsWith(TmpStaging.Prefix, StringComparison.Ordinal))
                {
                    CleanStagingDir(entry.FullName, name);
                    continue;
                }
                var mtime = new DateTimeOffset(entry.LastWriteTimeUtc);
                if (mtime > now || (now - mtime).TotalSeconds <= expiry)
                    continue;
                if (name.StartsWith(TmpStaging.Prefix, StringComparison.Ordinal) && name.EndsWith("-lock", StringComparison.Ordinal))
                {
                    using var held = TmpStaging.TryLock(entry.FullName);
                    if (held is null)
                        continue;
                    File.Delete(entry.FullName);
                    continue;
                }
                PathRemoval.RemoveAny(entry.FullName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for a later write.
            }
        }
    }

    private static void CleanStagingDir(string path, string name)
    {
        var lockPath = path + "-lock";
        using var held = TmpStaging.TryLock(lockPath);
        if (held is null)
            return; // a live writer's
        bool thisBoot = name.StartsWith(TmpStaging.BootPrefix, StringComparison.Ordinal);
        bool arbors = thisBoot && name.AsSpan(TmpStaging.BootPrefix.Length).StartsWith(TmpStaging.ArborMark, StringComparison.Ordinal);
        if (!thisBoot || arbors)
            PathRemoval.RemoveAny(path);
        // Holding the lock exclusively, the lock file goes as libostree's release does.
        File.Delete(lockPath);
    }
}
