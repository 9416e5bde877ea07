// Taking in a `.filez` object that arrived from elsewhere (pull, static delta fallback): parse its
// header, inflate its data while hashing, and refuse it unless the checksum is the expected one.
// An archive repository then keeps the file exactly as received; other modes store the content
// in their own form (one pass: WriteContent hashes while it writes).
using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

public sealed partial class Repository
{
    /// <summary>Verifies the archive-form object at <paramref name="filezPath"/> and stores it; returns the content size.</summary>
    /// <exception cref="OstreeException">The object does not parse or does not hash to <paramref name="expected"/>; nothing is stored.</exception>
    /// <param name="filezPath">The object as fetched.</param>
    /// <param name="expected">The checksum it must have.</param>
    /// <param name="checkHeader">Called with the parsed header before anything is stored; throws to refuse the object.</param>
    public long ImportArchiveContent(string filezPath, Checksum expected, Action<FileHeader, Checksum>? checkHeader = null) =>
        ImportArchiveContent(() => new FileStream(filezPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), expected, final =>
        {
            File.SetUnixFileMode(filezPath, RawObjectMode);
            SyncObjectFile(filezPath);
            File.Move(filezPath, final, overwrite: true);
        }, checkHeader);

    /// <summary>
    /// Stores a fetched archive-form object as it came, without inflating or hashing it: what
    /// ostree does for <c>pull --mirror --http-trusted</c> into an archive repository, where the
    /// server is trusted and the object is already in the form the repository keeps. Returns the
    /// content size the header states.
    /// </summary>
    /// <exception cref="OstreeException">This repository is not in archive mode, or the header does not parse.</exception>
    public long StoreArchiveContentTrusted(ArraySegment<byte> filez, Checksum checksum)
    {
        if (!IsArchive)
            throw new OstreeException($"Cannot store file object {checksum} unverified: the repository is not in archive mode");
        ulong size;
        try
        {
            _ = ParseArchivePrefix(filez, out size, out _);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentOutOfRangeException)
        {
            throw new OstreeException($"Corrupted file object {checksum}: {e.Message}", e);
        }
        if (!Native.LibC.TryLStat(ObjectPath(checksum, ObjectType.File), out _, out _))
        {
            EnsureObjectSubdir(checksum);
            WriteRawObject(filez, checksum, ObjectType.File);
        }
        return (long)size;
    }

    /// <summary>Verifies an archive-form object held in memory and stores it; returns the content size.</summary>
    /// <exception cref="OstreeException">The object does not parse or does not hash to <paramref name="expected"/>; nothing is stored.</exception>
    /// <param name="filez">The object as fetched.</param>
    /// <param name="expected">The checksum it must have.</param>
    /// <param name="checkHeader">Called with the parsed header before anything is stored; throws to refuse the object.</param>
    public long ImportArchiveContent(ArraySegment<byte> filez, Checksum expected, Action<FileHeader, Checksum>? checkHeader = null)
    {
        FileHeader header;
        ulong size;
        int dataOffset;
        try
        {
            header = ParseArchivePrefix(filez, out size, out dataOffset);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentOutOfRangeException)
        {
            throw new OstreeException($"Corrupted file object {expected}: {e.Message}", e);
        }
        if (!header.IsRegular || size > WholeObjectLimit)
            return ImportArchiveContent(() => new MemoryStream(filez.Array!, filez.Offset, filez.Count, writable: false), expected,
                _ => WriteRawObject(filez, expected, ObjectType.File), checkHeader);
        checkHeader?.Invoke(header, expected);

        // The common case of a pull: a regular file inflated once, whole, into a pooled buffer.
        var data = ArrayPool<byte>.Shared.Rent((int)Math.Max(size, 1));
        try
        {
            var content = data.AsSpan(0, (int)size);
            try
            {
                Native.RawInflate.Decompress(filez.AsSpan(dataOffset), content);
            }
            catch (InvalidDataException e)
            {
                throw new OstreeException($"Corrupted file object {expected}: {e.Message}", e);
            }
            var actual = ContentChecksum(header, content);
            if (actual != expected)
                throw new OstreeException($"Corrupted file object; checksum expected='{expected}' actual='{actual}'");
            // Callers import objects they just found missing; a concurrent writer of the same
            // object is harmless (the second link finds the first), so there is no second lookup.
            if (!IsArchive)
            {
                WriteContentData(header, content, expected, checkExisting: false);
                return content.Length;
            }
            if (!Native.LibC.TryLStat(ObjectPath(expected, ObjectType.File), out _, out _))
            {
                EnsureObjectSubdir(expected);
                WriteRawObject(filez, expected, ObjectType.File);
            }
            return content.Length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
        }
    }

    private long ImportArchiveContent(Func<Stream> open, Checksum expected, Action<string> storeRaw, Action<FileHeader, Checksum>? checkHeader)
    {
        FileHeader header;
        ulong size;
        long dataOffset;
        try
        {
            using var fs = open();
            Span<byte> prefix = stackalloc byte[8];
            fs.ReadExactly(prefix);
            uint len = BinaryPrimitives.ReadUInt32BigEndian(prefix);
            if (len > fs.Length - 8 || len > 1 << 24)
                throw new InvalidDataException($"header length {len} is larger than the object");
            var hbytes = new byte[len];
            fs.ReadExactly(hbytes);
            header = FileHeader.ParseArchive(hbytes, out size);
            dataOffset = 8 + len;
            CheckArchiveContentSize(header, size, fs.Length - dataOffset);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or EndOfStreamException or ArgumentOutOfRangeException)
        {
            throw new OstreeException($"Corrupted file object {expected}: {e.Message}", e);
        }
        if (!header.IsRegular && !header.IsSymlink)
            throw new OstreeException($"Corrupted file object {expected}: unsupported mode 0{Convert.ToString(header.Mode, 8)}");
        checkHeader?.Invoke(header, expected);
        long contentSize = header.IsSymlink ? 0 : checked((long)size);

        if (!IsArchive)
        {
            if (header.IsSymlink)
            {
                WriteContent(header, null, 0, expected);
                return 0;
            }
            using var fs = open();
            fs.Position = dataOffset;
            using var z = new DeflateStream(fs, CompressionMode.Decompress);
            try
            {
                WriteContent(header, z, contentSize, expected);
            }
            catch (InvalidDataException e)
            {
                throw new OstreeException($"Corrupted file object {expected}: {e.Message}", e);
            }
            catch (OstreeException e) when (!e.Message.Contains(expected.ToString(), StringComparison.Ordinal))
            {
                // Data that ends early: say which object.
                throw new OstreeException($"Corrupted file object {expected}: {e.Message}", e);
            }
            return contentSize;
        }

        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            hash.AppendData(FileHeader.LengthPrefixed(header.SerializeBare()));
            if (!header.IsSymlink)
            {
                using var fs = open();
                fs.Position = dataOffset;
                using var z = new DeflateStream(fs, CompressionMode.Decompress);
                var buf = ArrayPool<byte>.Shared.Rent(1 << 17);
                try
                {
                    long left = contentSize;
                    while (left > 0)
                    {
                        int n = z.Read(buf, 0, (int)Math.Min(buf.Length, left));
                        if (n <= 0)
                            throw new OstreeException($"Corrupted file object {expected}: compressed data ends {left} bytes early");
                        hash.AppendData(buf, 0, n);
                        left -= n;
                    }
                }
                catch (InvalidDataException e)
                {
                    throw new OstreeException($"Corrupted file object {expected}: {e.Message}", e);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buf);
                }
            }
            var actual = Checksum.From(hash);
            if (actual != expected)
                throw new OstreeException($"Corrupted file object; checksum expected='{expected}' actual='{actual}'");
        }
        var final = ObjectPath(expected, ObjectType.File);
        if (!Native.LibC.TryLStat(final, out _, out _))
        {
            EnsureObjectSubdir(expected);
            storeRaw(final);
        }
        return contentSize;
    }
}
