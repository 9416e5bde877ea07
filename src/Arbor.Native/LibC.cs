// The POSIX calls Arbor needs that .NET does not expose: statx (uid/gid/inode/nlink of a file
// without following symlinks), extended attributes, ownership, hard links, device nodes and
// renameat2. Everything here is a thin, errno-checked binding; callers get exceptions that name
// the call and the path.
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;

namespace Arbor.Native;

/// <summary>File metadata as returned by <c>statx</c>, without following symlinks.</summary>
public readonly record struct FileStat(
    uint Mode, uint Uid, uint Gid, ulong Size, ulong Inode, uint NLink, ulong Device, uint RdevMajor, uint RdevMinor)
{
    /// <summary>The file type bits (S_IFMT) of <see cref="Mode"/>.</summary>
    public uint Type => Mode & UnixMode.S_IFMT;

    /// <summary>True for a regular file.</summary>
    public bool IsRegular => Type == UnixMode.S_IFREG;

    /// <summary>True for a directory.</summary>
    public bool IsDirectory => Type == UnixMode.S_IFDIR;

    /// <summary>True for a symbolic link.</summary>
    public bool IsSymlink => Type == UnixMode.S_IFLNK;
}

/// <summary>Unix mode constants.</summary>
public static class UnixMode
{
    /// <summary>File type mask.</summary>
    public const uint S_IFMT = 0xF000;
    /// <summary>Socket.</summary>
    public const uint S_IFSOCK = 0xC000;
    /// <summary>Symbolic link.</summary>
    public const uint S_IFLNK = 0xA000;
    /// <summary>Regular file.</summary>
    public const uint S_IFREG = 0x8000;
    /// <summary>Block device.</summary>
    public const uint S_IFBLK = 0x6000;
    /// <summary>Directory.</summary>
    public const uint S_IFDIR = 0x4000;
    /// <summary>Character device.</summary>
    public const uint S_IFCHR = 0x2000;
    /// <summary>FIFO.</summary>
    public const uint S_IFIFO = 0x1000;

    /// <summary>Names the file type of <paramref name="mode"/> for error messages.</summary>
    public static string Describe(uint mode) => (mode & S_IFMT) switch
    {
        S_IFSOCK => "socket",
        S_IFLNK => "symbolic link",
        S_IFREG => "regular file",
        S_IFBLK => "block device",
        S_IFDIR => "directory",
        S_IFCHR => "character device",
        S_IFIFO => "FIFO",
        _ => "unknown file type",
    };
}

/// <summary>Raised when a system call fails; the message names the call, the path and the errno text.</summary>
public sealed class NativeIOException : IOException
{
    /// <summary>The errno value.</summary>
    public int Errno { get; }

    /// <summary>Creates the exception.</summary>
    public NativeIOException(string call, string? path, int errno)
        : base($"{call}({path}): {new Win32Exception(errno).Message}", errno) => Errno = errno;
}

/// <summary>Bindings to libc.</summary>
public static partial class LibC
{
    /// <summary>errno: no such attribute.</summary>
    public const int ENODATA = 61;
    /// <summary>errno: operation not supported.</summary>
    public const int EOPNOTSUPP = 95;
    /// <summary>errno: file exists.</summary>
    public const int EEXIST = 17;
    /// <summary>errno: no such file.</summary>
    public const int ENOENT = 2;
    /// <summary>errno: cross-device link.</summary>
    public const int EXDEV = 18;
    /// <summary>errno: too many links.</summary>
    public const int EMLINK = 31;
    /// <summary>errno: result too large (buffer too small).</summary>
    public const int ERANGE = 34;
    /// <summary>errno: permission denied.</summary>
    public const int EACCES = 13;
    /// <summary>errno: operation not permitted.</summary>
    public const int EPERM = 1;
    /// <summary>Is a directory.</summary>
    public const int EISDIR = 21;
    /// <summary>Invalid argument.</summary>
    public const int EINVAL = 22;

    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_BASIC_STATS = 0x7ff;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatxNative(int dirfd, string path, int flags, uint mask, byte* buf);

    [LibraryImport("libc", EntryPoint = "llistxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial nint LListXattr(string path, byte* list, nuint size);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial nint LGetXattr(string path, byte* name, byte* value, nuint size);

    [LibraryImport("libc", EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int LSetXattr(string path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChownNative(string path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkNative(string oldpath, string newpath);

    [LibraryImport("libc", EntryPoint = "symlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SymlinkNative(string target, string linkpath);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirNative(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkAtNative(int olddirfd, string oldpath, int newdirfd, string newpath, int flags);

    [LibraryImport("libc", EntryPoint = "mknod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MknodNative(string path, uint mode, ulong dev);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int UtimensAt(int dirfd, string path, long* times, int flags);

    [LibraryImport("libc", EntryPoint = "opendir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint OpenDirNative(string path);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    private static partial nint ReadDirNative(nint dir);

    [LibraryImport("libc", EntryPoint = "closedir")]
    private static partial int CloseDirNative(nint dir);

    [LibraryImport("libc", EntryPoint = "readlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial nint ReadLinkNative(string path, byte* buf, nint size);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncNative(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncfsNative(int fd);

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint UmaskNative(uint mask);

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUidNative();

    [LibraryImport("libc", EntryPoint = "getgid")]
    private static partial uint GetGidNative();

    /// <summary>The real user id of the process.</summary>
    public static uint GetUid() => GetUidNative();

    /// <summary>The real group id of the process.</summary>
    public static uint GetGid() => GetGidNative();

    /// <summary>Sets the process umask and returns the previous one.</summary>
    public static uint Umask(uint mask) => UmaskNative(mask);

    private static NativeIOException Fail(string call, string? path) => new(call, path, Marshal.GetLastPInvokeError());

    /// <summary>statx without following symlinks.</summary>
    public static unsafe FileStat LStat(string path)
    {
        if (!TryLStat(path, out var st, out int errno))
            throw new NativeIOException("statx", path, errno);
        return st;
    }

    /// <summary>statx of an open file (fstat): what the descriptor refers to, a pipe or device included.</summary>
    public static unsafe FileStat FStat(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            byte* buf = stackalloc byte[256];
            if (StatxNative((int)handle.DangerousGetHandle(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, buf) != 0)
                throw Fail("statx", null);
            return FromStatx(buf);
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }

    /// <summary>statx without following symlinks; false with <paramref name="errno"/> on failure.</summary>
    public static unsafe bool TryLStat(string path, out FileStat stat, out int errno)
    {
        byte* buf = stackalloc byte[256];
        if (StatxNative(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            stat = default;
            return false;
        }
        errno = 0;
        stat = FromStatx(buf);
        return true;
    }

    private static unsafe FileStat FromStatx(byte* buf) =>
        new(
            Mode: *(ushort*)(buf + 28),
            Uid: *(uint*)(buf + 20),
            Gid: *(uint*)(buf + 24),
            Size: *(ulong*)(buf + 40),
            Inode: *(ulong*)(buf + 32),
            NLink: *(uint*)(buf + 16),
            Device: ((ulong)*(uint*)(buf + 136) << 32) | *(uint*)(buf + 140),
            RdevMajor: *(uint*)(buf + 128),
            RdevMinor: *(uint*)(buf + 132));

    /// <summary>
    /// The names in a directory as the file system stores them, without "." and "..". .NET's own
    /// enumeration decodes names as UTF-8 and turns bytes that are not into U+FFFD; this does not.
    /// </summary>
    public static unsafe List<byte[]> ReadDirNames(string path)
    {
        nint dir = OpenDirNative(path);
        if (dir == 0)
            throw Fail("opendir", path);
        try
        {
            var names = new List<byte[]>();
            while (true)
            {
                Marshal.SetLastPInvokeError(0);
                nint entry = ReadDirNative(dir);
                if (entry == 0)
                {
                    if (Marshal.GetLastPInvokeError() != 0)
                        throw Fail("readdir", path);
                    return names;
                }
                // struct dirent on 64-bit Linux (glibc and musl): d_ino, d_off, d_reclen, d_type, then d_name at 19.
                var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated((byte*)entry + 19);
                if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                    names.Add(name.ToArray());
            }
        }
        finally
        {
            _ = CloseDirNative(dir);
        }
    }

    /// <summary>A symbolic link's target as stored, not decoded.</summary>
    public static unsafe byte[] ReadLink(string path)
    {
        for (int size = 256; ; size *= 4)
        {
            var buf = new byte[size];
            nint n;
            fixed (byte* p = buf)
                n = ReadLinkNative(path, p, size);
            if (n < 0)
                throw Fail("readlink", path);
            if (n < size)
                return buf[..(int)n];
        }
    }

    /// <summary>Lists the extended attribute names of a path (not following symlinks), as raw bytes without NULs.</summary>
    public static unsafe List<byte[]> LListXattrs(string path)
    {
        var names = new List<byte[]>();
        // Most files have few or no attributes: try a stack buffer before asking for the size.
        byte* small = stackalloc byte[1024];
        nint quick = LListXattr(path, small, 1024);
        if (quick >= 0)
        {
            SplitNames(new ReadOnlySpan<byte>(small, (int)quick), names);
            return names;
        }
        nint size = LListXattr(path, null, 0);
        if (size < 0)
        {
            int e = Marshal.GetLastPInvokeError();
            if (e == EOPNOTSUPP)
                return names;
            throw new NativeIOException("llistxattr", path, e);
        }
        if (size == 0)
            return names;
        while (true)
        {
            var buf = new byte[size];
            nint got;
            fixed (byte* p = buf)
                got = LListXattr(path, p, (nuint)buf.Length);
            if (got < 0)
            {
                int e = Marshal.GetLastPInvokeError();
                if (e == ERANGE)
                {
                    size = LListXattr(path, null, 0);
                    continue;
                }
                throw new NativeIOException("llistxattr", path, e);
            }
            SplitNames(buf.AsSpan(0, (int)got), names);
            return names;
        }
    }

    private static void SplitNames(ReadOnlySpan<byte> list, List<byte[]> into)
    {
        while (!list.IsEmpty)
        {
            int nul = list.IndexOf((byte)0);
            var name = nul < 0 ? list : list[..nul];
            if (!name.IsEmpty)
                into.Add(name.ToArray());
            list = nul < 0 ? default : list[(nul + 1)..];
        }
    }

    /// <summary>Reads one extended attribute (not following symlinks); null when absent.</summary>
    public static unsafe byte[]? LGetXattr(string path, ReadOnlySpan<byte> name)
    {
        Span<byte> z = name.Length < 256 ? stackalloc byte[name.Length + 1] : new byte[name.Length + 1];
        name.CopyTo(z);
        z[name.Length] = 0;
        fixed (byte* n = z)
        {
            // Most values are small: one call into a stack buffer avoids asking for the size first.
            byte* small = stackalloc byte[512];
            nint first = LGetXattr(path, n, small, 512);
            if (first >= 0)
                return new ReadOnlySpan<byte>(small, (int)first).ToArray();
            int e0 = Marshal.GetLastPInvokeError();
            if (e0 is ENODATA or EOPNOTSUPP)
                return null;
            if (e0 != ERANGE)
                throw new NativeIOException("lgetxattr", path, e0);
            while (true)
            {
                nint size = LGetXattr(path, n, null, 0);
                if (size < 0)
                {
                    int e = Marshal.GetLastPInvokeError();
                    if (e is ENODATA or EOPNOTSUPP)
                        return null;
                    throw new NativeIOException("lgetxattr", path, e);
                }
                var buf = new byte[size];
                nint got;
                fixed (byte* v = buf)
                    got = LGetXattr(path, n, v, (nuint)buf.Length);
                if (got >= 0)
                    return got == buf.Length ? buf : buf[..(int)got];
                if (Marshal.GetLastPInvokeError() != ERANGE)
                    throw Fail("lgetxattr", path);
            }
        }
    }

    /// <summary>Sets one extended attribute (not following symlinks).</summary>
    public static unsafe void LSetXattr(string path, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        Span<byte> z = name.Length < 256 ? stackalloc byte[name.Length + 1] : new byte[name.Length + 1];
        name.CopyTo(z);
        z[name.Length] = 0;
        fixed (byte* n = z)
        fixed (byte* v = value)
        {
            if (LSetXattr(path, n, v, (nuint)value.Length, 0) != 0)
                throw new NativeIOException($"lsetxattr {Encoding.UTF8.GetString(name)}", path, Marshal.GetLastPInvokeError());
        }
    }

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static partial int FChownNative(int fd, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "fsetxattr", SetLastError = true)]
    private static unsafe partial int FSetXattrNative(int fd, byte* name, byte* value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    private static unsafe partial int FUtimensNative(int fd, long* times);

    /// <summary>Changes the owner of an open file.</summary>
    public static void FChown(Microsoft.Win32.SafeHandles.SafeFileHandle fd, uint uid, uint gid, string what)
    {
        if (FChownNative((int)fd.DangerousGetHandle(), uid, gid) != 0)
            throw Fail("fchown", what);
    }

    /// <summary>Sets one extended attribute on an open file.</summary>
    public static unsafe void FSetXattr(Microsoft.Win32.SafeHandles.SafeFileHandle fd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, string what)
    {
        Span<byte> z = name.Length < 256 ? stackalloc byte[name.Length + 1] : new byte[name.Length + 1];
        name.CopyTo(z);
        z[name.Length] = 0;
        fixed (byte* n = z)
        fixed (byte* v = value)
        {
            if (FSetXattrNative((int)fd.DangerousGetHandle(), n, v, (nuint)value.Length, 0) != 0)
                throw new NativeIOException($"fsetxattr {Encoding.UTF8.GetString(name)}", what, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Sets an open file's access and modification times to <paramref name="seconds"/>.</summary>
    public static unsafe void FUtimes(Microsoft.Win32.SafeHandles.SafeFileHandle fd, long seconds, string what)
    {
        long* times = stackalloc long[4] { seconds, 0, seconds, 0 };
        if (FUtimensNative((int)fd.DangerousGetHandle(), times) != 0)
            throw Fail("futimens", what);
    }

    /// <summary>Changes the owner of a path without following symlinks.</summary>
    public static void LChown(string path, uint uid, uint gid)
    {
        if (LChownNative(path, uid, gid) != 0)
            throw Fail("lchown", path);
    }

    /// <summary>symlink(2): <paramref name="linkPath"/> pointing at <paramref name="target"/>; returns the errno instead of throwing (0 on success).</summary>
    public static int TrySymlink(string target, string linkPath) =>
        SymlinkNative(target, linkPath) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>mkdir(2): one directory, no parents; returns the errno instead of throwing (0 on success).</summary>
    public static int TryMkdir(string path, uint mode) =>
        MkdirNative(path, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Creates a hard link; returns the errno instead of throwing (0 on success).</summary>
    public static int TryLink(string existing, string newPath) =>
        LinkNative(existing, newPath) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Creates a hard link.</summary>
    public static void Link(string existing, string newPath)
    {
        if (LinkNative(existing, newPath) != 0)
            throw Fail("link", newPath);
    }

    private const int O_WRONLY = 1, O_CLOEXEC = 0x80000, AT_SYMLINK_FOLLOW = 0x400;

    // __O_TMPFILE | O_DIRECTORY; O_DIRECTORY differs between the x86 and the arm64 ABI.
    private static readonly int O_TMPFILE = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x404000 : 0x410000;

    /// <summary>
    /// Opens an unnamed regular file in <paramref name="directory"/> (O_TMPFILE): it has no name until
    /// <see cref="TryLinkAnonymous"/> gives it one, so a crash leaves nothing behind. Null, with the
    /// errno, when the call fails (EOPNOTSUPP/EISDIR: the filesystem or kernel cannot do it).
    /// </summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle? TryOpenAnonymous(string directory, uint mode, out int errno)
    {
        int fd = OpenNative(directory, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        errno = 0;
        return new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Links a file opened by <see cref="TryOpenAnonymous"/> at <paramref name="newPath"/>; the errno (EEXIST when taken), 0 on success.</summary>
    public static int TryLinkAnonymous(Microsoft.Win32.SafeHandles.SafeFileHandle fd, string newPath) =>
        LinkAtNative(AT_FDCWD, "/proc/self/fd/" + fd.DangerousGetHandle().ToString(System.Globalization.CultureInfo.InvariantCulture), AT_FDCWD, newPath, AT_SYMLINK_FOLLOW) == 0
            ? 0
            : Marshal.GetLastPInvokeError();

    /// <summary>Creates a device node, FIFO or socket file; returns 0 or the errno (EEXIST when the path exists).</summary>
    public static int TryMknod(string path, uint mode, uint major, uint minor)
    {
        ulong dev = ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8)
            | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);
        return MknodNative(path, mode, dev) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>Creates a device node, FIFO or socket file.</summary>
    public static void Mknod(string path, uint mode, uint major, uint minor)
    {
        ulong dev = ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8)
            | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);
        if (MknodNative(path, mode, dev) != 0)
            throw Fail("mknod", path);
    }

    /// <summary>renameat2 flag: fail if the target exists.</summary>
    public const uint RENAME_NOREPLACE = 1;
    /// <summary>renameat2 flag: atomically exchange the two paths.</summary>
    public const uint RENAME_EXCHANGE = 2;

    /// <summary>Renames with renameat2 flags (e.g. <see cref="RENAME_EXCHANGE"/>).</summary>
    public static void Rename(string from, string to, uint flags)
    {
        if (RenameAt2(AT_FDCWD, from, AT_FDCWD, to, flags) != 0)
            throw Fail("renameat2", to);
    }

    /// <summary>Sets a path's access and modification times (seconds since the epoch) without following symlinks.</summary>
    public static unsafe void LUtimes(string path, long seconds)
    {
        long* times = stackalloc long[4] { seconds, 0, seconds, 0 };
        if (UtimensAt(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) != 0)
            throw Fail("utimensat", path);
    }

    /// <summary>fsync on a raw descriptor.</summary>
    public static void Fsync(int fd, string what)
    {
        if (FsyncNative(fd) != 0)
            throw Fail("fsync", what);
    }

    /// <summary>syncfs on the filesystem holding the descriptor.</summary>
    public static void Syncfs(int fd, string what)
    {
        if (SyncfsNative(fd) != 0)
            throw Fail("syncfs", what);
    }
}

/// <summary>Open-file-description locks (fcntl F_OFD_SETLK[W]), the kind libostree takes on a repository's <c>.lock</c>.</summary>
public static partial class OfdLock
{
    private const int F_OFD_SETLK = 37;
    private const int F_OFD_SETLKW = 38;
    private const short F_RDLCK = 0;
    private const short F_WRLCK = 1;
    private const short F_UNLCK = 2;
    private const int EINTR = 4;
    private const int EAGAIN = 11;

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static unsafe partial int Fcntl(int fd, int cmd, byte* flock);

    /// <summary>Tries to take (or change) the lock on <paramref name="fd"/>; false when another holder conflicts.</summary>
    public static unsafe bool TryLock(int fd, bool exclusive, string path) => Set(fd, exclusive ? F_WRLCK : F_RDLCK, wait: false, path);

    /// <summary>Releases the lock on <paramref name="fd"/>.</summary>
    public static unsafe void Unlock(int fd, string path) => Set(fd, F_UNLCK, wait: false, path);

    private static unsafe bool Set(int fd, short type, bool wait, string path)
    {
        // struct flock on Linux 64-bit: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid.
        byte* fl = stackalloc byte[32];
        new Span<byte>(fl, 32).Clear();
        *(short*)fl = type;
        while (true)
        {
            if (Fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, fl) == 0)
                return true;
            int e = Marshal.GetLastPInvokeError();
            if (e == EINTR)
                continue;
            if (e is EAGAIN or LibC.EACCES)
                return false;
            throw new NativeIOException("fcntl(F_OFD_SETLK)", path, e);
        }
    }
}
