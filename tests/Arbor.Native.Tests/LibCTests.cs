namespace Arbor.Native.Tests;

public sealed class LibCTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-native-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    [Fact]
    public void FStat_reports_what_an_open_descriptor_refers_to()
    {
        File.WriteAllText(P("f"), "123");
        using (var f = new FileStream(P("f"), FileMode.Open, FileAccess.Read))
        {
            var st = LibC.FStat(f.SafeFileHandle);
            Assert.True(st.IsRegular);
            Assert.Equal(3ul, st.Size);
        }
        using var devnull = new FileStream("/dev/null", FileMode.Open, FileAccess.Write);
        Assert.Equal(UnixMode.S_IFCHR, LibC.FStat(devnull.SafeFileHandle).Type);
    }

    [Fact]
    public void LStat_reports_type_mode_size_and_does_not_follow_symlinks()
    {
        File.WriteAllText(P("f"), "12345");
        File.SetUnixFileMode(P("f"), (UnixFileMode)0x1E4);
        File.CreateSymbolicLink(P("l"), "f");
        var f = LibC.LStat(P("f"));
        Assert.True(f.IsRegular);
        Assert.Equal(0x81E4u, f.Mode);
        Assert.Equal(5ul, f.Size);
        Assert.Equal(1u, f.NLink);
        var l = LibC.LStat(P("l"));
        Assert.True(l.IsSymlink);
        Assert.Equal(1ul, l.Size);
        Assert.True(LibC.LStat(_dir).IsDirectory);
        Assert.False(LibC.TryLStat(P("missing"), out _, out int errno));
        Assert.Equal(LibC.ENOENT, errno);
        var e = Assert.Throws<NativeIOException>(() => LibC.LStat(P("missing")));
        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hard_links_share_the_inode()
    {
        File.WriteAllText(P("a"), "x");
        LibC.Link(P("a"), P("b"));
        var a = LibC.LStat(P("a"));
        var b = LibC.LStat(P("b"));
        Assert.Equal(a.Inode, b.Inode);
        Assert.Equal(a.Device, b.Device);
        Assert.Equal(2u, b.NLink);
        Assert.Equal(LibC.EEXIST, LibC.TryLink(P("a"), P("b")));
    }

    [Fact]
    public void Mkdir_and_symlink_report_errno_instead_of_throwing()
    {
        Assert.Equal(0, LibC.TryMkdir(P("d"), 0x1C0));
        Assert.Equal(0x1C0u, LibC.LStat(P("d")).Mode & 0xFFF);
        Assert.Equal(LibC.EEXIST, LibC.TryMkdir(P("d"), 0x1C0));
        Assert.Equal(LibC.ENOENT, LibC.TryMkdir(P("no/parent"), 0x1C0));
        Assert.Equal(0, LibC.TrySymlink("../dangling", P("l")));
        Assert.Equal("../dangling", new FileInfo(P("l")).LinkTarget);
        Assert.Equal(LibC.EEXIST, LibC.TrySymlink("x", P("l")));
        Assert.Equal(LibC.EEXIST, LibC.TrySymlink("x", P("d")));
    }

    [Fact]
    public void Xattrs_round_trip_with_binary_values()
    {
        File.WriteAllText(P("x"), "");
        byte[] value = [0, 1, 2, 255, 0];
        LibC.LSetXattr(P("x"), "user.arbor.test"u8, value);
        LibC.LSetXattr(P("x"), "user.arbor.empty"u8, []);
        Assert.Equal(value, LibC.LGetXattr(P("x"), "user.arbor.test"u8)!);
        Assert.Empty(LibC.LGetXattr(P("x"), "user.arbor.empty"u8)!);
        Assert.Null(LibC.LGetXattr(P("x"), "user.none"u8));
        var names = LibC.LListXattrs(P("x")).Select(n => System.Text.Encoding.UTF8.GetString(n)).ToList();
        Assert.Contains("user.arbor.test", names);
        Assert.Contains("user.arbor.empty", names);
    }

    [Fact]
    public void Fd_calls_set_owner_mode_time_and_xattrs()
    {
        using (var fs = new FileStream(P("f"), FileMode.CreateNew))
        {
            LibC.FChown(fs.SafeFileHandle, 1234, 5678, P("f"));
            LibC.FSetXattr(fs.SafeFileHandle, "user.k"u8, "v"u8, P("f"));
            LibC.FUtimes(fs.SafeFileHandle, 0, P("f"));
        }
        var st = LibC.LStat(P("f"));
        Assert.Equal(1234u, st.Uid);
        Assert.Equal(5678u, st.Gid);
        Assert.Equal(DateTime.UnixEpoch, File.GetLastWriteTimeUtc(P("f")));
        Assert.Equal("v"u8.ToArray(), LibC.LGetXattr(P("f"), "user.k"u8)!);
    }

    [Fact]
    public void Mknod_makes_fifos_and_rename_exchange_swaps()
    {
        LibC.Mknod(P("fifo"), UnixMode.S_IFIFO | 0x1A4, 0, 0);
        Assert.Equal(UnixMode.S_IFIFO, LibC.LStat(P("fifo")).Type);
        Assert.Equal("FIFO", UnixMode.Describe(LibC.LStat(P("fifo")).Mode));
        File.WriteAllText(P("one"), "1");
        File.WriteAllText(P("two"), "2");
        LibC.Rename(P("one"), P("two"), LibC.RENAME_EXCHANGE);
        Assert.Equal("2", File.ReadAllText(P("one")));
        Assert.Equal("1", File.ReadAllText(P("two")));
        Assert.Throws<NativeIOException>(() => LibC.Rename(P("one"), P("two"), LibC.RENAME_NOREPLACE));
    }

    [Fact]
    public void Ofd_locks_conflict_between_descriptors()
    {
        var path = P(".lock");
        using var a = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        using var b = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        int fa = (int)a.DangerousGetHandle(), fb = (int)b.DangerousGetHandle();
        Assert.True(OfdLock.TryLock(fa, exclusive: false, path));
        Assert.True(OfdLock.TryLock(fb, exclusive: false, path));
        Assert.False(OfdLock.TryLock(fb, exclusive: true, path));
        OfdLock.Unlock(fa, path);
        Assert.True(OfdLock.TryLock(fb, exclusive: true, path));
        Assert.False(OfdLock.TryLock(fa, exclusive: false, path));
    }
    [Fact]
    public void Anonymous_files_have_no_name_until_linked_and_link_once()
    {
        using var fd = LibC.TryOpenAnonymous(_dir, 0x1A4, out int errno);
        Assert.True(fd is not null, $"O_TMPFILE failed with errno {errno}");
        RandomAccess.Write(fd, "hello"u8, 0);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
        var target = Path.Combine(_dir, "named");
        Assert.Equal(0, LibC.TryLinkAnonymous(fd, target));
        Assert.Equal("hello", File.ReadAllText(target));
        Assert.Equal(LibC.EEXIST, LibC.TryLinkAnonymous(fd, target));
        Assert.Null(LibC.TryOpenAnonymous(Path.Combine(_dir, "missing"), 0x1A4, out errno));
        Assert.Equal(LibC.ENOENT, errno);
    }
}
