// Repository locking compatible with libostree: an open-file-description lock on `.lock`,
// shared while objects are written or read in a transaction, exclusive while objects are
// deleted (prune, fsck --delete). Waits up to `[core] lock-timeout-secs` (default 30) and then
// fails with a message saying who holds what. A repository that cannot be written (a read-only
// mount, a directory the caller may not write) is not locked at all, as libostree does: readers
// (fsck, checkout, show) work, and a writer fails on its first write with the reason.
using Arbor.Native;
using Microsoft.Win32.SafeHandles;

namespace Arbor.Ostree.Repo;

/// <summary>A held repository lock; dispose to release.</summary>
public sealed class RepoLock : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly string _path;

    private RepoLock(SafeFileHandle handle, string path)
    {
        _handle = handle;
        _path = path;
    }

    /// <summary>Takes the lock, waiting up to <paramref name="timeout"/>.</summary>
    public static RepoLock Acquire(Repository repo, bool exclusive, TimeSpan? timeout = null)
    {
        var path = Path.Combine(repo.Path, ".lock");
        if (!repo.Config.GetBool("core", "locking", true))
            return new RepoLock(new SafeFileHandle(), path);
        var secs = int.TryParse(repo.Config.Get("core", "lock-timeout-secs"), out var s) ? s : 30;
        var limit = timeout ?? TimeSpan.FromSeconds(secs);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException && !repo.IsWritable)
        {
            return new RepoLock(new SafeFileHandle(), path);
        }
        int fd = (int)handle.DangerousGetHandle();
        var deadline = DateTime.UtcNow + limit;
        int sleep = 5;
        while (!OfdLock.TryLock(fd, exclusive, path))
        {
            if (DateTime.UtcNow >= deadline)
            {
                handle.Dispose();
                throw new OstreeException($"Locking repo {(exclusive ? "exclusive" : "shared")} failed: another process holds a conflicting lock on {path} (waited {limit.TotalSeconds:0}s)");
            }
            Thread.Sleep(sleep);
            sleep = Math.Min(sleep * 2, 200);
        }
        return new RepoLock(handle, path);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_handle.IsInvalid && !_handle.IsClosed)
            OfdLock.Unlock((int)_handle.DangerousGetHandle(), _path);
        _handle.Dispose();
    }
}
