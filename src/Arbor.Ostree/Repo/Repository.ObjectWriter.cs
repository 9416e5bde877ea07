// Writing objects. Every object is written to a unique file in tmp/ while its checksum is
// computed in the same pass, then renamed to objects/XX/REST.EXT; a reader therefore never sees
// a partial object, and two writers racing on the same object both succeed. Content objects are
// stored in the repository's mode:
//   archive         [BE u32 len][4 NUL][(tuuuusa(ayay)) header][raw deflate of the content]
//   bare            the file itself with real uid/gid/mode/xattrs (symlinks as symlinks)
//   bare-user       the file with mode & 0775 | u+r; truth in the user.ostreemeta xattr;
//                   symlinks are regular files holding the target
//   bare-user-only  the file with its mode; no ownership, no xattrs
// Bare modes set mtime to 0, as ostree does. The durability barrier is a syncfs before refs move.
using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Arbor.Native;
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

public sealed partial class Repository
{
    private const int CopyBufferSize = 256 * 1024;
    private static readonly byte[] BareUserMetaXattr = "user.ostreemeta"u8.ToArray();

    /// <summary>
    /// fsync each object before it is linked into objects/ (pull's <c>--per-object-fsync</c>): many
    /// small flushes instead of one syncfs at the end, which would stall other writers of the
    /// filesystem for as long as the whole transaction's data takes to reach the disk.
    /// </summary>
    public bool PerObjectFsync { get; set; }

    /// <summary>Flushes a finished object file under construction when <see cref="PerObjectFsync"/> is on.</summary>
    internal void SyncObjectFile(string tmp)
    {
        if (!PerObjectFsync)
            return;
        using var h = File.OpenHandle(tmp, FileMode.Open, FileAccess.Read);
        LibC.Fsync((int)h.DangerousGetHandle(), tmp);
    }

    /// <summary>The zlib level for archive objects (<c>[archive] zlib-level</c>, default 6).</summary>
    public int ZlibLevel => int.TryParse(Config.Get("archive", "zlib-level"), out var l) && l is >= 0 and <= 9 ? l : 6;

    /// <summary>Stores a metadata object and returns its checksum.</summary>
    /// <param name="type">The object type.</param>
    /// <param name="data">The serialized object.</param>
    /// <param name="expected">When given, the object is refused, and nothing stored, unless it hashes to this checksum.</param>
    /// <exception cref="OstreeException">The data does not hash to <paramref name="expected"/>.</exception>
    public Checksum WriteMetadata(ObjectType type, ReadOnlySpan<byte> data, Checksum? expected = null)
    {
        if (!type.IsMeta())
            throw new ArgumentException($"{type} is not a metadata object type", nameof(type));
        var checksum = Checksum.Of(data);
        if (expected is { } want && want != checksum)
            throw new OstreeException($"Corrupted {type.Name()} object; checksum expected='{want}' actual='{checksum}'");
        var final = ObjectPath(checksum, type);
        if (File.Exists(final))
            return checksum;
        EnsureObjectSubdir(checksum);
        WriteRawObject(data, checksum, type);
        return checksum;
    }

    private const UnixFileMode RawObjectMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>
    /// Stores bytes that are the object file itself (metadata, or an archive .filez as received) at
    /// the path of <paramref name="checksum"/>, mode 0644; the objects/XX directory must exist.
    /// </summary>
    internal void WriteRawObject(ReadOnlySpan<byte> data, Checksum checksum, ObjectType type)
    {
        if (TryWriteAnonymous(data, checksum, type, fd => File.SetUnixFileMode(fd, RawObjectMode)))
            return;
        var tmp = NewTmpPath("raw");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite, 1))
                fs.Write(data);
            File.SetUnixFileMode(tmp, RawObjectMode);
            SyncObjectFile(tmp);
            File.Move(tmp, ObjectPath(checksum, type), overwrite: true);
        }
        finally
        {
            PathRemoval.DeleteFileIfExists(tmp);
        }
    }

    /// <summary>Stores the detached metadata (<c>.commitmeta</c>) of a commit, replacing any previous one.</summary>
    public void WriteDetachedMetadata(Checksum commit, ReadOnlySpan<byte> data)
    {
        EnsureObjectSubdir(commit);
        AtomicFile.WriteAllBytes(ObjectPath(commit, ObjectType.CommitMeta), data, Fsync);
    }

    /// <summary>Content up to this size is read into memory, hashed, and written only if new.</summary>
    internal const int SmallContentLimit = 1024 * 1024;

    /// <summary>
    /// Archive objects whose content is at most this size are imported whole (pull, pull-local):
    /// one read, one inflate, one write; larger ones are streamed.
    /// </summary>
    internal const int WholeObjectLimit = 8 << 20;

    /// <summary>Stores a content object read from <paramref name="content"/> (null for symlinks).</summary>
    /// <param name="header">uid, gid, mode, symlink target and xattrs of the object.</param>
    /// <param name="content">The file data; exactly <paramref name="size"/> bytes are read.</param>
    /// <param name="size">The content length.</param>
    /// <param name="expected">When given, the object is refused unless it hashes to this checksum.</param>
    public Checksum WriteContent(FileHeader header, Stream? content, long size, Checksum? expected = null) =>
        WriteContent(header, content, size, expected, trusted: false);

    /// <summary>
    /// Stores a content object known to hash to <paramref name="checksum"/> without hashing it again:
    /// what ostree does for a trusted local pull, where the source repository vouches for its objects.
    /// </summary>
    public Checksum WriteContentTrusted(FileHeader header, Stream? content, long size, Checksum checksum) =>
        WriteContent(header, content, size, checksum, trusted: true);

    /// <summary>
    /// Stores in-memory regular-file data as the content object <paramref name="checksum"/> without
    /// hashing it (a trusted local source). The caller has found the object missing and does not
    /// look again: should another writer store it meanwhile, both wrote the same content.
    /// </summary>
    public Checksum WriteContentTrusted(FileHeader header, ReadOnlySpan<byte> data, Checksum checksum) =>
        WriteContentData(header, data, checksum, checkExisting: false);

    private Checksum WriteContent(FileHeader header, Stream? content, long size, Checksum? expected, bool trusted)
    {
        if (!header.IsRegular && !header.IsSymlink)
            throw new OstreeException($"Unsupported file type (mode 0{Convert.ToString(header.Mode, 8)}) for a content object");
        if (header.IsSymlink)
            return WriteSymlinkContent(header, expected);
        if (content is null)
            throw new ArgumentNullException(nameof(content), "regular files need content");
        if (size <= SmallContentLimit)
        {
            var buf = ArrayPool<byte>.Shared.Rent((int)Math.Max(size, 1));
            try
            {
                if (content is FileStream { CanSeek: true, Position: 0 } file)
                    ReadExactlyAt(file.SafeFileHandle, buf.AsSpan(0, (int)size));
                else
                    content.ReadExactly(buf, 0, (int)size);
                return trusted
                    ? WriteContentData(header, buf.AsSpan(0, (int)size), expected!.Value)
                    : WriteContent(header, buf.AsSpan(0, (int)size), expected);
            }
            catch (EndOfStreamException e)
            {
                throw new OstreeException($"Unexpected end of content: expected {size} bytes", e);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buf);
            }
        }

        using var hash = trusted ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash?.AppendData(FileHeader.LengthPrefixed(header.SerializeBare()));
        var tmp = NewTmpPath("content");
        bool committed = false;
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite, 1))
            {
                if (IsArchive)
                {
                    fs.Write(FileHeader.LengthPrefixed(header.SerializeArchive((ulong)size)));
                    using var z = new DeflateStream(fs, new ZLibCompressionOptions { CompressionLevel = ZlibLevel }, leaveOpen: true);
                    CopyHashing(content, z, hash, size);
                }
                else
                {
                    fs.SetLength(size);
                    CopyHashing(content, fs, hash, size);
                }
                ApplyRegularFileMetadata(fs.SafeFileHandle, tmp, header);
            }
            var checksum = hash is null ? expected!.Value : Checksum.From(hash);
            if (expected is { } want && want != checksum)
                throw new OstreeException($"Corrupted file object; checksum expected='{want}' actual='{checksum}'");
            CommitTmpObject(tmp, checksum);
            committed = true;
            return checksum;
        }
        finally
        {
            if (!committed)
                PathRemoval.DeleteFileIfExists(tmp);
        }
    }

    /// <summary>Stores a regular-file content object whose data is in memory.</summary>
    public Checksum WriteContent(FileHeader header, ReadOnlySpan<byte> data, Checksum? expected = null)
    {
        var checksum = ContentChecksum(header, data);
        if (expected is { } want && want != checksum)
            throw new OstreeException($"Corrupted file object; checksum expected='{want}' actual='{checksum}'");
        return WriteContentData(header, data, checksum);
    }

    /// <summary>The checksum of a regular-file content object: SHA-256 of the length-prefixed bare header, then the data.</summary>
    internal static Checksum ContentChecksum(FileHeader header, ReadOnlySpan<byte> data)
    {
        // One hash context per thread: a pull hashes thousands of small objects on a few threads.
        var hash = t_contentHash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(FileHeader.LengthPrefixed(header.SerializeBare()));
        hash.AppendData(data);
        return Checksum.From(hash);
    }

    [ThreadStatic]
    private static IncrementalHash? t_contentHash;

    /// <summary>Writes in-memory data as the content object <paramref name="checksum"/> (already known) unless it exists.</summary>
    private Checksum WriteContentData(FileHeader header, ReadOnlySpan<byte> data, Checksum checksum, bool checkExisting = true)
    {
        if (checkExisting && LibC.TryLStat(ObjectPath(checksum, ObjectType.File), out _, out _))
            return checksum;
        if (!IsArchive && TryWriteAnonymous(data, checksum, ObjectType.File, fd => ApplyRegularFileMetadata(fd, TmpDir, header)))
            return checksum;
        var tmp = NewTmpPath("content");
        bool committed = false;
        try
        {
            if (IsArchive)
            {
                using var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite, 1);
                fs.Write(FileHeader.LengthPrefixed(header.SerializeArchive((ulong)data.Length)));
                WriteDeflated(fs, data);
                ApplyRegularFileMetadata(fs.SafeFileHandle, tmp, header);
            }
            else
            {
                // Bare modes: one positional write on a raw handle, no stream bookkeeping.
                using var h = File.OpenHandle(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite);
                RandomAccess.Write(h, data, 0);
                ApplyRegularFileMetadata(h, tmp, header);
            }
            CommitTmpObject(tmp, checksum, checkExisting: false);
            committed = true;
        }
        finally
        {
            if (!committed)
                PathRemoval.DeleteFileIfExists(tmp);
        }
        return checksum;
    }

    private volatile bool _anonymousTmpUnsupported;

    /// <summary>
    /// Writes an object as an unnamed file in tmp/ (O_TMPFILE) and links it into
    /// objects/ when complete, as ostree does: parallel writers never contend on one temp
    /// directory, there is no rename across directories, and a crash leaves no temp file. False
    /// when the filesystem cannot make unnamed files (the caller then uses a named temp file).
    /// </summary>
    private bool TryWriteAnonymous(ReadOnlySpan<byte> data, Checksum checksum, ObjectType type, Action<Microsoft.Win32.SafeHandles.SafeFileHandle> finish)
    {
        if (_anonymousTmpUnsupported)
            return false;
        using var fd = LibC.TryOpenAnonymous(TmpDir, 0x1A4 /* 0644 */, out int errno);
        if (fd is null)
        {
            if (errno is LibC.EOPNOTSUPP or LibC.EISDIR or LibC.EINVAL)
            {
                _anonymousTmpUnsupported = true;
                return false;
            }
            throw new NativeIOException("open(O_TMPFILE)", TmpDir, errno);
        }
        RandomAccess.Write(fd, data, 0);
        finish(fd);
        if (PerObjectFsync)
            LibC.Fsync((int)fd.DangerousGetHandle(), TmpDir);
        var final = ObjectPath(checksum, type);
        EnsureObjectSubdir(checksum);
        int linked = LibC.TryLinkAnonymous(fd, final);
        if (linked is not (0 or LibC.EEXIST))
            throw new NativeIOException("linkat", final, linked);
        return true;
    }

    /// <summary>Raw deflate of <paramref name="data"/>; an empty input still gets its final block, as zlib emits it.</summary>
    private void WriteDeflated(Stream to, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            to.Write([0x03, 0x00]);
            return;
        }
        using var z = new DeflateStream(to, new ZLibCompressionOptions { CompressionLevel = ZlibLevel }, leaveOpen: true);
        z.Write(data);
    }

    /// <summary>Renames a finished temp file into place (or drops it when the object exists); the temp name is gone afterwards.</summary>
    private void CommitTmpObject(string tmp, Checksum checksum, bool checkExisting = true)
    {
        var final = ObjectPath(checksum, ObjectType.File);
        if (checkExisting && LibC.TryLStat(final, out _, out _))
        {
            File.Delete(tmp);
            return;
        }
        EnsureObjectSubdir(checksum);
        SyncObjectFile(tmp);
        LibC.Rename(tmp, final, 0);
    }

    private static void ReadExactlyAt(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> into)
    {
        long offset = 0;
        while (offset < into.Length)
        {
            int n = RandomAccess.Read(handle, into[(int)offset..], offset);
            if (n <= 0)
                throw new EndOfStreamException($"file ended after {offset} of {into.Length} bytes");
            offset += n;
        }
    }

    private static void CopyHashing(Stream from, Stream to, IncrementalHash? hash, long size)
    {
        var buf = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long left = size;
            while (left > 0)
            {
                int n = from.Read(buf, 0, (int)Math.Min(buf.Length, left));
                if (n <= 0)
                    throw new OstreeException($"Unexpected end of content: {left} of {size} bytes missing");
                hash?.AppendData(buf, 0, n);
                to.Write(buf, 0, n);
                left -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    /// <summary>Gives a freshly written regular-file object its mode-specific metadata.</summary>
    private void ApplyRegularFileMetadata(Microsoft.Win32.SafeHandles.SafeFileHandle fd, string tmp, FileHeader header)
    {
        switch (Mode)
        {
            case RepoMode.Bare:
                // chown first: it clears setuid/setgid bits that chmod then sets.
                LibC.FChown(fd, header.Uid, header.Gid, tmp);
                File.SetUnixFileMode(fd, (UnixFileMode)(header.Mode & 0xFFF));
                foreach (var x in header.Xattrs)
                    LibC.FSetXattr(fd, x.Name, x.Value, tmp);
                LibC.FUtimes(fd, 0, tmp);
                break;
            case RepoMode.BareUser:
                LibC.FSetXattr(fd, BareUserMetaXattr, header.SerializeBareUser(), tmp);
                File.SetUnixFileMode(fd, (UnixFileMode)((header.Mode & 0x1FD) | 0x100));
                LibC.FUtimes(fd, 0, tmp);
                break;
            case RepoMode.BareUserOnly:
                File.SetUnixFileMode(fd, (UnixFileMode)(header.Mode & 0xFFF));
                LibC.FUtimes(fd, 0, tmp);
                break;
            default:
                File.SetUnixFileMode(fd, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                break;
        }
    }

    private Checksum WriteSymlinkContent(FileHeader header, Checksum? expected)
    {
        var checksum = Checksum.Of(FileHeader.LengthPrefixed(header.SerializeBare()));
        if (expected is { } want && want != checksum)
            throw new OstreeException($"Corrupted file object; checksum expected='{want}' actual='{checksum}'");
        var final = ObjectPath(checksum, ObjectType.File);
        if (LibC.TryLStat(final, out _, out _))
            return checksum;
        var tmp = NewTmpPath("symlink");
        try
        {
            switch (Mode)
            {
                case RepoMode.Archive:
                    // ostree records size 0 for symlinks and writes no compressed stream.
                    var archiveHeader = header.SerializeArchive(0);
                    File.WriteAllBytes(tmp, FileHeader.LengthPrefixed(archiveHeader));
                    File.SetUnixFileMode(tmp, (UnixFileMode)0x1A4);
                    break;
                case RepoMode.BareUser:
                    // Like ostree: the target followed by its NUL terminator.
                    File.WriteAllBytes(tmp, Encoding.UTF8.GetBytes(header.SymlinkTarget + "\0"));
                    LibC.LSetXattr(tmp, BareUserMetaXattr, header.SerializeBareUser());
                    File.SetUnixFileMode(tmp, (UnixFileMode)0x1A4);
                    LibC.LUtimes(tmp, 0);
                    break;
                default:
                    File.CreateSymbolicLink(tmp, header.SymlinkTarget);
                    if (Mode == RepoMode.Bare)
                    {
                        LibC.LChown(tmp, header.Uid, header.Gid);
                        foreach (var x in header.Xattrs)
                            LibC.LSetXattr(tmp, x.Name, x.Value);
                    }
                    LibC.LUtimes(tmp, 0);
                    break;
            }
            EnsureObjectSubdir(checksum);
            // rename(2) moves the link itself; File.Move would look through a link to a directory.
            LibC.Rename(tmp, final, 0);
        }
        finally
        {
            PathRemoval.DeleteFileIfExists(tmp);
        }
        return checksum;
    }

    /// <summary>Flushes everything written to the repository's filesystem (before refs move).</summary>
    public void SyncFilesystem()
    {
        if (!Fsync)
            return;
        var config = System.IO.Path.Combine(Path, "config");
        using var h = File.OpenHandle(config, FileMode.Open, FileAccess.Read);
        LibC.Syncfs((int)h.DangerousGetHandle(), config);
    }
}
