// The filesystems the fault campaigns put repositories and sysroots on: a small loop-mounted ext4
// (which can be filled to the last block or remounted read-only) and a tmpfs (a second filesystem
// for cross-device cases). Both unmount on Dispose, lazily when something still holds them, so a
// failing test never leaves a mount behind; the ext4 image file goes with it.
namespace Arbor.Interop.Tests.Faults;

/// <summary>A mounted filesystem owned by a test.</summary>
public abstract class TestMount : IDisposable
{
    private bool _mounted;

    /// <summary>The mount point.</summary>
    public string Dir { get; }

    /// <summary>Creates the mount point (not yet mounted).</summary>
    protected TestMount(string dir)
    {
        Dir = dir;
        Directory.CreateDirectory(dir);
    }

    /// <summary>Mounts with <paramref name="args"/> (mount's arguments before the mount point).</summary>
    protected void Mount(params string[] args)
    {
        Tools.RunOk("mount", [.. args, Dir]);
        _mounted = true;
    }

    /// <summary>A path inside the filesystem.</summary>
    public string Path(string name) => System.IO.Path.Combine(Dir, name);

    /// <summary>Bytes available to root.</summary>
    public long Free => new DriveInfo(Dir).AvailableFreeSpace;

    /// <summary>Remounts read-only or read-write.</summary>
    public void Remount(bool readOnly) => Tools.RunOk("mount", "-o", readOnly ? "remount,ro" : "remount,rw", Dir);

    /// <summary>Unmounts (lazily if busy).</summary>
    public virtual void Dispose()
    {
        if (_mounted)
        {
            FaultChecks.Unfreeze(Dir);
            if (Tools.Run("umount", Dir).ExitCode != 0)
                Tools.Run("umount", "-l", Dir);
            _mounted = false;
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>A small ext4 on a loop device, without reserved blocks (so root sees the real free space).</summary>
public sealed class LoopExt4 : TestMount
{
    private readonly string _image;

    /// <summary>Makes and mounts a filesystem of <paramref name="megabytes"/> MiB at <paramref name="dir"/>.</summary>
    public LoopExt4(string dir, int megabytes) : base(dir)
    {
        _image = dir + ".img";
        Tools.RunOk("truncate", "-s", $"{megabytes}M", _image);
        Tools.RunOk("mkfs.ext4", "-q", "-F", "-m", "0", _image);
        Mount("-o", "loop", _image);
    }

    /// <summary>Fills the filesystem with FILLER until <paramref name="leave"/> bytes are free (within a block).</summary>
    public void Fill(long leave)
    {
        var filler = Path("FILLER");
        File.Delete(filler);
        Tools.RunOk("sync", "-f", Dir);
        var size = Math.Max(0, Free - leave);
        size -= size % 4096;
        // The filler's own extent tree takes a few blocks: step down until it fits.
        for (int attempt = 0; size > 0; attempt++, size -= 64 << 10)
        {
            File.Delete(filler);
            if (Tools.Run("fallocate", "-l", size.ToString(System.Globalization.CultureInfo.InvariantCulture), filler).ExitCode == 0)
                return;
            if (attempt > 16)
                throw new InvalidOperationException($"cannot fill {Dir} to {leave} bytes free");
        }
    }

    /// <summary>Removes the filler.</summary>
    public void Unfill() => File.Delete(Path("FILLER"));

    /// <inheritdoc />
    public override void Dispose()
    {
        base.Dispose();
        File.Delete(_image);
    }
}

/// <summary>A tmpfs.</summary>
public sealed class Tmpfs : TestMount
{
    /// <summary>Mounts a tmpfs of <paramref name="megabytes"/> MiB at <paramref name="dir"/>.</summary>
    public Tmpfs(string dir, int megabytes) : base(dir) => Mount("-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs");
}
