// Where Arbor's temporary files live while a write is under way: one staging directory per
// process and repository, tmp/staging-BOOTID-arbor-RANDOM, named and locked the way libostree names
// and locks its own (tmp/staging-BOOTID-RANDOM, with an open-file-description lock held on the
// sibling file NAME-lock). The lock lives exactly as long as the process, so a process that dies
// (killed mid-commit, out of memory) leaves a directory nobody holds, which the next write's
// TmpCleanup removes whole, whatever its age; and ostree's own cleanup, seeing the lock held,
// leaves a live one alone. On a normal exit the directory and its lock file are removed.
using Arbor.Native;
using Microsoft.Win32.SafeHandles;

namespace Arbor.Ostree.Repo;

public sealed partial class Repository
{
    private TmpStaging? _staging;
    private readonly Lock _stagingGate = new();

    /// <summary>This process's staging directory under <c>tmp/</c>, created and locked on first use.</summary>
    internal string StagingDir
    {
        get
        {
            lock (_stagingGate)
            {
                // Someone may have emptied tmp/ under a long-lived Repository (an admin's rm -rf,
                // a test's reset): a fresh staging directory then, rather than writes that fail.
                if (_staging is null || !Directory.Exists(_staging.Path))
                    _staging = TmpStaging.Create(TmpDir);
                return _staging.Path;
            }
        }
    }

    /// <summary>The name (in <c>tmp/</c>) of this process's staging directory, or null before the first temp file.</summary>
    internal string? StagingName => _staging?.Name;

    /// <summary>
    /// False when nothing can be created in the repository (a read-only mount, a directory the
    /// caller may not write): libostree's faccessat(objects, W_OK). Readers then take no lock and
    /// keep no cache, as libostree's do.
    /// </summary>
    internal bool IsWritable
    {
        get
        {
            var probe = System.IO.Path.Combine(Path, "objects", $".arbor-writable-{Environment.ProcessId}");
            try
            {
                using (File.Create(probe, 1, FileOptions.DeleteOnClose))
                {
                }
                return true;
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                return false;
            }
        }
    }
}

/// <summary>A locked staging directory; removed with its lock file when the process exits normally.</summary>
internal sealed class TmpStaging
{
    /// <summary>The prefix ostree gives staging directories.</summary>
    public const string Prefix = "staging-";

    /// <summary>What follows the boot id in Arbor's staging directories: they are Arbor's, so a dead one is only litter.</summary>
    public const string ArborMark = "arbor-";

    private readonly SafeFileHandle _lock;
    private readonly string _lockPath;

    private TmpStaging(string path, SafeFileHandle lockHandle, string lockPath)
    {
        Path = path;
        _lock = lockHandle;
        _lockPath = lockPath;
    }

    /// <summary>The directory.</summary>
    public string Path { get; }

    /// <summary>Its name in <c>tmp/</c>.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>The boot id, as ostree reads it ($OSTREE_BOOTID first): a staging directory of another boot may hold unsynced data.</summary>
    public static string BootId { get; } = ReadBootId();

    /// <summary>The prefix of staging directories made during this boot.</summary>
    public static string BootPrefix => Prefix + BootId + "-";

    public static TmpStaging Create(string tmpDir)
    {
        Directory.CreateDirectory(tmpDir);
        var name = BootPrefix + ArborMark + Guid.NewGuid().ToString("N")[..12];
        var path = System.IO.Path.Combine(tmpDir, name);
        var lockPath = path + "-lock";
        // The lock first, then the directory: a cleaner never sees the directory without its held lock.
        var handle = TryLock(lockPath) ?? throw new OstreeException($"Locking {lockPath}: held by another process");
        Directory.CreateDirectory(path);
        var staging = new TmpStaging(path, handle, lockPath);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => staging.Remove();
        return staging;
    }

    /// <summary>Opens (creating) and locks <paramref name="lockPath"/> exclusively without waiting; null when another holds it.</summary>
    public static SafeFileHandle? TryLock(string lockPath)
    {
        var handle = File.OpenHandle(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        if (OfdLock.TryLock((int)handle.DangerousGetHandle(), exclusive: true, lockPath))
            return handle;
        handle.Dispose();
        return null;
    }

    private void Remove()
    {
        try
        {
            PathRemoval.RemoveAny(Path);
            // As libostree releases a lock it holds exclusively: the lock file goes too.
            File.Delete(_lockPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next write's cleanup, which sees the lock free once this process is gone.
        }
        _lock.Dispose();
    }

    private static string ReadBootId()
    {
        if (Environment.GetEnvironmentVariable("OSTREE_BOOTID") is { Length: > 0 } env)
            return env;
        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
