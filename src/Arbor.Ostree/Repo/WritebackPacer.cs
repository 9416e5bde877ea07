// Overlapping a pull's disk writes with its CPU work. A pull writes its objects into the page
// cache and, before any ref moves, syncs the filesystem. On a machine with plenty of memory the
// kernel writes nothing back until then, so the final syncfs waits for every byte of the pull
// while the CPUs idle. The pacer starts a syncfs on a background thread each time another
// chunk of content has been written (and none is running), so the device works while objects
// are still being inflated and hashed, and the final syncfs finds little left. Durability does
// not depend on it: the caller still syncs before moving refs; a failing early sync is left for
// that final one to report.
namespace Arbor.Ostree.Repo;

/// <summary>Starts background filesystem syncs as content is written.</summary>
internal sealed class WritebackPacer
{
    /// <summary>Content bytes between background syncs.</summary>
    internal const long Chunk = 48L << 20;

    private readonly Action _sync;
    private readonly bool _enabled;
    private long _sinceLast;
    private int _running;
    private volatile Task _last = Task.CompletedTask;

    /// <summary>A pacer for <paramref name="repo"/>; idle when the pull will not sync (<c>fsync=false</c>, <c>--disable-fsync</c>).</summary>
    public WritebackPacer(Repository repo, bool enabled = true)
        : this(repo.SyncFilesystem, enabled && repo.Fsync)
    {
    }

    /// <summary>A pacer that calls <paramref name="sync"/> (tests watch it).</summary>
    internal WritebackPacer(Action sync, bool enabled)
    {
        _sync = sync;
        _enabled = enabled;
    }

    /// <summary>Records <paramref name="bytes"/> of content written; may start a background sync.</summary>
    public void Written(long bytes)
    {
        if (!_enabled || Interlocked.Add(ref _sinceLast, bytes) < Chunk || Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            return;
        Interlocked.Exchange(ref _sinceLast, 0);
        _last = Task.Factory.StartNew(() =>
        {
            try
            {
                _sync();
            }
            catch (IOException)
            {
                // The final sync reports it.
            }
            finally
            {
                Volatile.Write(ref _running, 0);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Waits for a background sync still running.</summary>
    public void Drain() => _last.GetAwaiter().GetResult();
}
