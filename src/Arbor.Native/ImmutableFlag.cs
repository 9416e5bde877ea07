// libostree seals each deployment directory with the immutable inode flag (chattr +i) so that a
// stray "rm -rf" cannot delete a bootable tree, and lifts it before removing one. Arbor does the
// same, or it could not delete deployments ostree made. Filesystems without inode flags (tmpfs,
// overlayfs) answer ENOTTY/EOPNOTSUPP, which is ignored exactly as libostree ignores it. The two
// ioctls sit with the other POSIX calls .NET lacks.
using System.Runtime.InteropServices;

namespace Arbor.Native;

/// <summary>The immutable inode flag (chattr +i / -i) of directories.</summary>
public static partial class ImmutableFlag
{
    private const int O_RDONLY = 0, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000, O_CLOEXEC = 0x80000;
    private const nuint FS_IOC_GETFLAGS = 0x80086601, FS_IOC_SETFLAGS = 0x40086602;
    private const int FS_IMMUTABLE_FL = 0x10;
    private const int ENOTTY = 25, EINVAL = 22;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, nuint request, int* arg);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>Sets or clears the immutable flag of a directory; unsupported filesystems are ignored.</summary>
    public static unsafe void Set(string dir, bool immutable)
    {
        int fd = Open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            throw new NativeIOException("open", dir, Marshal.GetLastPInvokeError());
        try
        {
            int flags = 0;
            if (Ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0)
            {
                int e = Marshal.GetLastPInvokeError();
                if (e is ENOTTY or LibC.EOPNOTSUPP or EINVAL)
                    return;
                throw new NativeIOException("ioctl(GETFLAGS)", dir, e);
            }
            int wanted = immutable ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
            if (wanted == flags)
                return;
            if (Ioctl(fd, FS_IOC_SETFLAGS, &wanted) != 0)
            {
                int e = Marshal.GetLastPInvokeError();
                if (e is ENOTTY or LibC.EOPNOTSUPP or EINVAL or LibC.EPERM)
                    return;
                throw new NativeIOException("ioctl(SETFLAGS)", dir, e);
            }
        }
        finally
        {
            Close(fd);
        }
    }
}
