// Reading content objects back in every mode: the header facts (uid, gid, mode, symlink target,
// xattrs) and a stream of the file data. The inverse of Repository.ObjectWriter.cs; fsck, checkout, cat,
// ls and pull all come through here.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Arbor.Native;
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

/// <summary>A content object opened for reading.</summary>
/// <param name="Header">uid, gid, mode, symlink target and xattrs.</param>
/// <param name="Size">Length of the file data (0 for symlinks).</param>
/// <param name="Path">The loose object file.</param>
/// <param name="DataOffset">For archive objects, where the compressed data starts.</param>
public sealed record ContentObject(FileHeader Header, long Size, string Path, long DataOffset)
{
    /// <summary>True when the data is zlib-compressed (archive mode).</summary>
    public bool Compressed { get; init; }

    /// <summary>Opens the file data (uncompressed). Not valid for symlinks.</summary>
    public Stream OpenData()
    {
        var fs = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (!Compressed)
            return fs;
        fs.Position = DataOffset;
        return new DeflateStream(fs, CompressionMode.Decompress, leaveOpen: false);
    }
}

/// <summary>Receives a content object read whole into memory.</summary>
/// <param name="header">uid, gid, mode and xattrs.</param>
/// <param name="data">The file data; valid only during the call.</param>
public delegate void InMemoryContentAction(FileHeader header, ReadOnlySpan<byte> data);

public sealed partial class Repository
{
    /// <summary>
    /// Reads a regular-file object of an archive repository whose data is at most
    /// <paramref name="limit"/> bytes in one read and inflates it in memory, then calls
    /// <paramref name="action"/>; false (nothing called) for symlinks, larger objects and other
    /// modes. Pulls copy thousands of small objects: this is one open, one read and one close
    /// each instead of a header read and a streamed reopen.
    /// </summary>
    /// <exception cref="OstreeException">The object is missing or does not parse.</exception>
    public bool TryReadArchiveContent(Checksum checksum, int limit, InMemoryContentAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (!IsArchive)
            return false;
        var path = ObjectPath(checksum, ObjectType.File);
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new OstreeException($"Couldn't find file object '{checksum}'");
        }
        byte[]? file = null, data = null;
        try
        {
            long length = RandomAccess.GetLength(handle);
            if (length > limit + 65536L)
                return false;
            file = System.Buffers.ArrayPool<byte>.Shared.Rent((int)length);
            int got = 0, n;
            while (got < length && (n = RandomAccess.Read(handle, file.AsSpan(got, (int)length - got), got)) > 0)
                got += n;
            var header = ParseArchivePrefix(new ArraySegment<byte>(file, 0, got), out ulong size, out int dataOffset);
            if (header.IsSymlink || size > (ulong)limit)
                return false;
            data = System.Buffers.ArrayPool<byte>.Shared.Rent((int)Math.Max(size, 1));
            RawInflate.Decompress(file.AsSpan(dataOffset, got - dataOffset), data.AsSpan(0, (int)size));
            action(header, data.AsSpan(0, (int)size));
            return true;
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentOutOfRangeException or EndOfStreamException)
        {
            throw new OstreeException($"Corrupted file object {checksum}: {e.Message}", e);
        }
        finally
        {
            handle.Dispose();
            if (file is not null)
                System.Buffers.ArrayPool<byte>.Shared.Return(file);
            if (data is not null)
                System.Buffers.ArrayPool<byte>.Shared.Return(data);
        }
    }

    /// <summary>Parses the length prefix and header of an archive-form object held in memory.</summary>
    /// <exception cref="InvalidDataException">The prefix or header does not fit the object.</exception>
    internal static FileHeader ParseArchivePrefix(ArraySegment<byte> filez, out ulong size, out int dataOffset)
    {
        if (filez.Count < 8)
            throw new InvalidDataException($"archive object is {filez.Count} bytes, shorter than its header prefix");
        uint len = BinaryPrimitives.ReadUInt32BigEndian(filez);
        if (len > filez.Count - 8)
            throw new InvalidDataException($"archive header length {len} exceeds the object size {filez.Count}");
        dataOffset = 8 + (int)len;
        var header = FileHeader.ParseArchive(filez.AsMemory(8, (int)len), out size);
        CheckArchiveContentSize(header, size, filez.Count - dataOffset);
        return header;
    }

    /// <summary>
    /// Refuses an archive header whose content size its compressed data cannot hold: deflate
    /// expands at most 1032:1, and the size decides buffers and file lengths before any data is read.
    /// </summary>
    /// <exception cref="InvalidDataException">The size is impossible.</exception>
    internal static void CheckArchiveContentSize(FileHeader header, ulong size, long compressedBytes)
    {
        if (header.IsRegular && size > (ulong)Math.Max(compressedBytes, 0) * 1032 + 1024)
            throw new InvalidDataException($"archive header size {size} is more than its {compressedBytes} bytes of compressed data can hold");
    }

    /// <summary>Opens a content object, reading its metadata according to the repository mode.</summary>
    /// <exception cref="OstreeException">The object is missing or its header does not parse.</exception>
    public ContentObject OpenContent(Checksum checksum)
    {
        var path = ObjectPath(checksum, ObjectType.File);
        if (!LibC.TryLStat(path, out var st, out int errno))
        {
            throw errno == LibC.ENOENT
                ? new OstreeException($"Couldn't find file object '{checksum}'")
                : new NativeIOException("statx", path, errno);
        }
        try
        {
            return Mode switch
            {
                RepoMode.Archive => OpenArchiveContent(path),
                RepoMode.Bare => OpenBareContent(path, st, keepOwnership: true),
                RepoMode.BareUserOnly => OpenBareContent(path, st, keepOwnership: false),
                _ => OpenBareUserContent(path, st, checksum),
            };
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentOutOfRangeException or EndOfStreamException)
        {
            throw new OstreeException($"Corrupted file object {checksum}: {e.Message}", e);
        }
    }

    private static ContentObject OpenArchiveContent(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        Span<byte> prefix = stackalloc byte[8];
        fs.ReadExactly(prefix);
        uint len = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        if (len > fs.Length - 8)
            throw new InvalidDataException($"archive header length {len} exceeds the file size {fs.Length}");
        var header = new byte[len];
        fs.ReadExactly(header);
        var h = FileHeader.ParseArchive(header, out ulong size);
        CheckArchiveContentSize(h, size, fs.Length - 8 - len);
        return new ContentObject(h, h.IsSymlink ? 0 : (long)size, path, 8 + len) { Compressed = true };
    }

    private static ContentObject OpenBareContent(string path, FileStat st, bool keepOwnership)
    {
        string target = st.IsSymlink ? new FileInfo(path).LinkTarget ?? "" : "";
        var xattrs = keepOwnership ? ReadXattrs(path) : Xattrs.None;
        var header = new FileHeader(keepOwnership ? st.Uid : 0, keepOwnership ? st.Gid : 0, st.Mode, target, xattrs);
        return new ContentObject(header, st.IsSymlink ? 0 : (long)st.Size, path, 0);
    }

    private static ContentObject OpenBareUserContent(string path, FileStat st, Checksum checksum)
    {
        var meta = LibC.LGetXattr(path, BareUserMetaXattr)
            ?? throw new OstreeException($"Corrupted file object {checksum}: missing user.ostreemeta xattr");
        var header = FileHeader.ParseBareUser(meta);
        if (header.IsSymlink)
        {
            // ostree stores the target NUL-terminated; Arbor without. Accept both.
            var target = Encoding.UTF8.GetString(File.ReadAllBytes(path)).TrimEnd('\0');
            return new ContentObject(header with { SymlinkTarget = target }, 0, path, 0);
        }
        return new ContentObject(header, (long)st.Size, path, 0);
    }

    /// <summary>Reads all xattrs of a path (not following symlinks), sorted by name.</summary>
    public static IReadOnlyList<Xattr> ReadXattrs(string path)
    {
        var names = LibC.LListXattrs(path);
        if (names.Count == 0)
            return Xattrs.None;
        var list = new List<Xattr>(names.Count);
        foreach (var n in names)
        {
            // ostree skips attributes whose value is empty, so the same tree hashes the same.
            var v = LibC.LGetXattr(path, n);
            if (v is { Length: > 0 })
                list.Add(new Xattr(n, v));
        }
        return Xattrs.Canonicalize(list);
    }
}
