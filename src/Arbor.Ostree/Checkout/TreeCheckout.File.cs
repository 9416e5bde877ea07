// Checking out one file (ostree's checkout_one_file_at), called from many threads at once.
// Decision per file: zero-sized files and (in user mode) unreadable files are always copied;
// otherwise a hardlink from objects/ when the repo mode matches the checkout mode (bare with full
// mode, bare-user/bare-user-only with -U; bare-user symlinks are plain files there and are
// recreated), a hardlink from uncompressed-objects-cache for archive repos in user mode when the
// cache is on, else a copy: archive objects are inflated straight from the .filez stream (or read
// from the file the cache path inflated them into). A link that cannot be made (EXDEV: destination
// on another filesystem, EMLINK, EPERM) falls back to a copy unless hardlinks are required; temp
// files never outlive the checkout.
// Copies get ownership and xattrs (unless user mode), then the mode; mtime is left as now.
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Compression;
using Arbor.Native;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Microsoft.Win32.SafeHandles;

namespace Arbor.Ostree.Checkout;

public sealed partial class TreeCheckout
{
    private const int CopyBufferSize = 128 * 1024;
    private const uint SIsUid = 0x800, SIsGid = 0x400, SIrUsr = 0x100;

    private readonly bool _cacheEnabled;
    private readonly ConcurrentBag<(string Tmp, string CachePath)> _newCacheEntries = [];

    private enum LinkResult { NotSupported, SkipExisted, Linked }

    private void CheckoutOneFile(FileJob job)
    {
        var dest = job.DirPath + "/" + job.Name;
        using var src = OpenSource(job.Checksum);
        var header = src.Header;
        if (job.FilterPath is not null && _options.SkipList!.Contains(job.FilterPath))
            return;

        bool isSymlink = header.IsSymlink;
        if (_options.ProcessPassthroughWhiteouts && !isSymlink && job.Name.StartsWith(OverlayWhiteoutPrefix, StringComparison.Ordinal))
        {
            CheckoutOverlayWhiteout(job.DirPath, job.Name[OverlayWhiteoutPrefix.Length..], header);
            return;
        }
        bool zeroSized = !isSymlink && src.Size == 0;
        bool overrideUnreadable = _user && !isSymlink && (header.Mode & SIrUsr) == 0;
        bool needCopy = true;
        if (zeroSized || overrideUnreadable)
        {
            needCopy = true;
        }
        else if (!_options.ForceCopy)
        {
            bool repoUserMode = _repo.Mode is RepoMode.BareUser or RepoMode.BareUserOnly;
            bool hardlinkable = (_repo.Mode == RepoMode.Bare && !_user) || (repoUserMode && _user);
            bool bareUserSymlink = repoUserMode && isSymlink;
            if (_options.NoCopyFallback && !hardlinkable && !bareUserSymlink)
            {
                throw new OstreeException(repoUserMode
                    ? "User repository mode requires user checkout mode to hardlink"
                    : "Bare repository mode cannot hardlink in user checkout mode");
            }
            if (hardlinkable && !bareUserSymlink)
                needCopy = Hardlink(job.Checksum, src.Path, dest, allowNoent: true) == LinkResult.NotSupported;
            else if (_cacheEnabled && !isSymlink)
                needCopy = CheckoutViaCache(job.Checksum, src, dest) == LinkResult.NotSupported;
        }
        if (needCopy)
        {
            try
            {
                CopyOut(src, dest, overrideUnreadable);
            }
            catch (Exception e) when (e is IOException or OstreeException)
            {
                throw new OstreeException($"Copy checkout of {job.Checksum} to {job.Name}: {e.Message}", e);
            }
        }
    }

    /// <summary>Links <paramref name="source"/> to <paramref name="dest"/>, handling EEXIST per overwrite mode.</summary>
    private LinkResult Hardlink(Checksum checksum, string source, string dest, bool allowNoent)
    {
        int err = LibC.TryLink(source, dest);
        if (err == 0)
            return LinkResult.Linked;
        if (!_options.NoCopyFallback && err is LibC.EMLINK or LibC.EXDEV or LibC.EPERM)
            return LinkResult.NotSupported;
        if (allowNoent && err == LibC.ENOENT)
            return LinkResult.NotSupported;
        var what = $"Hardlinking {LoosePath(checksum)} to {Path.GetFileName(dest)}";
        if (err != LibC.EEXIST)
            throw new NativeIOException(what, null, err);
        switch (_options.Overwrite)
        {
            case OverwriteMode.None:
                throw new OstreeException($"{what}: File exists");
            case OverwriteMode.AddFiles:
                return LinkResult.SkipExisted;
        }
        var s = LibC.LStat(source);
        var d = LibC.LStat(dest);
        bool identical = s.Device == d.Device && s.Inode == d.Inode;
        if (!identical && s.Mode == d.Mode && s.Uid == d.Uid && s.Gid == d.Gid && s.Size == d.Size)
            identical = ChecksumOnDisk(dest, d) == checksum;
        if (identical)
            return LinkResult.SkipExisted;
        if (_options.Overwrite == OverwriteMode.UnionIdentical)
            throw new OstreeException($"{what}: File exists");
        // Link next to the destination so the rename stays on its filesystem; link(2) reports
        // EEXIST before EXDEV, so only this second link shows whether the filesystems differ.
        var tmp = dest + ".arbor-link-" + Guid.NewGuid().ToString("N")[..8];
        err = LibC.TryLink(source, tmp);
        if (err != 0)
        {
            if (!_options.NoCopyFallback && err is LibC.EMLINK or LibC.EXDEV or LibC.EPERM)
                return LinkResult.NotSupported;
            throw new NativeIOException(what, null, err);
        }
        try
        {
            if (_options.ProcessWhiteouts)
                PathRemoval.RemoveAny(dest);
            LibC.Rename(tmp, dest, 0);
        }
        finally
        {
            if (LibC.TryLStat(tmp, out _, out _))
                File.Delete(tmp);
        }
        return LinkResult.Linked;
    }

    /// <summary>The checksum of a file already in the destination, as the repository would record it.</summary>
    private Checksum ChecksumOnDisk(string path, FileStat st)
    {
        if (_repo.Mode != RepoMode.BareUserOnly)
            return ContentHasher.Checksum(path, st, ignoreXattrs: false);
        // bare-user-only records canonical permissions: root-owned, modes masked to 0755, no xattrs.
        var canonical = st.IsRegular ? st with { Mode = UnixMode.S_IFREG | (st.Mode & 0x1ED) } : st;
        return ContentHasher.Checksum(path, canonical, ignoreXattrs: true, ownerUid: 0, ownerGid: 0);
    }

    private string LoosePath(Checksum checksum)
    {
        var hex = checksum.ToString();
        return $"{hex[..2]}/{hex[2..]}.file";
    }

    /// <summary>Archive + user mode: link from uncompressed-objects-cache, filling it on a miss.</summary>
    private LinkResult CheckoutViaCache(Checksum checksum, Source src, string dest)
    {
        var hex = checksum.ToString();
        var cachePath = $"{_repo.Path}/uncompressed-objects-cache/{hex[..2]}/{hex[2..]}.file";
        var r = Hardlink(checksum, cachePath, dest, allowNoent: true);
        if (r != LinkResult.NotSupported)
            return r;
        // Inflate into tmp/; the checkout links that file now, the cache gets it after a syncfs.
        var tmp = _repo.NewTmpPath("uncompressed");
        uint mode = src.Header.Mode & 0xFFF & ~(SIsUid | SIsGid);
        try
        {
            using var h = File.OpenHandle(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite);
            src.CopyDataTo(h);
            File.SetUnixFileMode(h, (UnixFileMode)mode);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
        _newCacheEntries.Add((tmp, cachePath));
        // The archive stream is spent: a copy fallback (destination on another filesystem) reads the inflated file.
        src.Inflated = tmp;
        return Hardlink(checksum, tmp, dest, allowNoent: false);
    }

    /// <summary>Removes the inflated temp files: linked into the cache already, or not wanted because the checkout failed.</summary>
    private void DiscardCache()
    {
        foreach (var (tmp, _) in _newCacheEntries)
            File.Delete(tmp);
        _newCacheEntries.Clear();
    }

    /// <summary>Moves newly inflated objects into uncompressed-objects-cache once they are durable.</summary>
    private void FinishCache()
    {
        if (_newCacheEntries.IsEmpty)
            return;
        try
        {
            _repo.SyncFilesystem();
            foreach (var (tmp, cachePath) in _newCacheEntries)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(cachePath)!);
                int err = LibC.TryLink(tmp, cachePath);
                if (err != 0 && err != LibC.EEXIST)
                    throw new NativeIOException("link", cachePath, err);
            }
        }
        finally
        {
            DiscardCache();
        }
    }

    private void CopyOut(Source src, string dest, bool overrideUnreadable)
    {
        var header = src.Header;
        if (header.IsSymlink)
        {
            if (!CreateSymlink(header.SymlinkTarget, dest))
                return;
            if (!_user)
            {
                LibC.LChown(dest, header.Uid, header.Gid);
                foreach (var x in header.Xattrs)
                    LibC.LSetXattr(dest, x.Name, x.Value);
            }
            return;
        }

        uint mode = header.Mode & 0xFFF;
        if (_user)
            mode &= ~(SIsUid | SIsGid);
        if (overrideUnreadable)
            mode |= SIrUsr;
        bool direct = _options.Overwrite == OverwriteMode.None;
        var target = direct ? dest : dest + ".arbor-tmp-" + Environment.CurrentManagedThreadId;
        SafeFileHandle h;
        try
        {
            h = File.OpenHandle(target, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite);
        }
        catch (IOException) when (direct && LibC.TryLStat(dest, out _, out _))
        {
            throw new OstreeException($"openat {Path.GetFileName(dest)}: File exists");
        }
        try
        {
            using (h)
            {
                src.CopyDataTo(h);
                if (!_user)
                {
                    LibC.FChown(h, header.Uid, header.Gid, dest);
                    foreach (var x in header.Xattrs)
                        LibC.FSetXattr(h, x.Name, x.Value, dest);
                }
                File.SetUnixFileMode(h, (UnixFileMode)mode);
                if (_options.Fsync)
                    LibC.Fsync((int)h.DangerousGetHandle(), dest);
            }
        }
        catch
        {
            // No truncated file stays behind under the object's name.
            File.Delete(target);
            throw;
        }
        if (!direct)
            PlaceCopy(target, dest, src.Checksum);
    }

    /// <summary>Puts a finished copy in place according to the overwrite mode.</summary>
    private void PlaceCopy(string tmp, string dest, Checksum checksum)
    {
        try
        {
            switch (_options.Overwrite)
            {
                case OverwriteMode.UnionFiles:
                    if (_options.ProcessWhiteouts)
                        PathRemoval.RemoveAny(dest);
                    LibC.Rename(tmp, dest, 0);
                    return;
                case OverwriteMode.AddFiles:
                    if (!LibC.TryLStat(dest, out _, out _))
                        LibC.Rename(tmp, dest, LibC.RENAME_NOREPLACE);
                    return;
                default:
                    if (LibC.TryLStat(dest, out var st, out _) && ChecksumOnDisk(dest, st) == checksum)
                        return;
                    LibC.Rename(tmp, dest, LibC.RENAME_NOREPLACE);
                    return;
            }
        }
        finally
        {
            if (LibC.TryLStat(tmp, out _, out _))
                File.Delete(tmp);
        }
    }

    /// <summary>Creates a symlink honouring the overwrite mode; false when nothing more should be done.</summary>
    private bool CreateSymlink(string target, string dest)
    {
        int err = LibC.TrySymlink(target, dest);
        if (err == 0)
            return true;
        if (err != LibC.EEXIST || !LibC.TryLStat(dest, out var st, out _))
            throw new NativeIOException("symlinkat", dest, err);
        switch (_options.Overwrite)
        {
            case OverwriteMode.UnionFiles:
                // Docker/OCI flattening may replace a directory; plain union only replaces files.
                if (!_options.ProcessWhiteouts && st.IsDirectory)
                    throw new OstreeException($"unlinkat({Path.GetFileName(dest)}): Is a directory");
                PathRemoval.RemoveAny(dest);
                File.CreateSymbolicLink(dest, target);
                return false;
            case OverwriteMode.AddFiles:
                return false;
            case OverwriteMode.UnionIdentical:
                if (st.IsSymlink && new FileInfo(dest).LinkTarget == target)
                    return false;
                break;
        }
        throw new OstreeException($"symlinkat: File exists");
    }

    private Source OpenSource(Checksum checksum)
    {
        if (!_repo.IsArchive)
        {
            var obj = _repo.OpenContent(checksum);
            return new Source(checksum, obj.Header, obj.Size, obj.Path, null);
        }
        var path = _repo.ObjectPath(checksum, ObjectType.File);
        FileStream fs;
        try
        {
            fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            throw new OstreeException($"Couldn't find file object '{checksum}'");
        }
        try
        {
            Span<byte> prefix = stackalloc byte[8];
            fs.ReadExactly(prefix);
            uint len = BinaryPrimitives.ReadUInt32BigEndian(prefix);
            if (len > fs.Length - 8)
                throw new InvalidDataException($"archive header length {len} exceeds the file size {fs.Length}");
            var buf = ArrayPool<byte>.Shared.Rent((int)len);
            try
            {
                fs.ReadExactly(buf, 0, (int)len);
                var header = FileHeader.ParseArchive(buf.AsMemory(0, (int)len), out ulong size);
                return new Source(checksum, header, header.IsSymlink ? 0 : (long)size, path, fs);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buf);
            }
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentOutOfRangeException or EndOfStreamException)
        {
            fs.Dispose();
            throw new OstreeException($"Corrupted file object {checksum}: {e.Message}", e);
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <summary>An opened content object: header facts and, for archives, the stream at the compressed data.</summary>
    private sealed class Source(Checksum checksum, FileHeader header, long size, string path, FileStream? archive) : IDisposable
    {
        public Checksum Checksum { get; } = checksum;
        public FileHeader Header { get; } = header;
        public long Size { get; } = size;
        public string Path { get; } = path;

        /// <summary>A plain file holding the data once the archive stream has been inflated into it.</summary>
        public string? Inflated { get; set; }

        /// <summary>Writes the uncompressed data to <paramref name="to"/>.</summary>
        public void CopyDataTo(SafeFileHandle to)
        {
            if (Size == 0)
                return;
            var buf = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
            try
            {
                if (Inflated is not null)
                {
                    using var fs = new FileStream(Inflated, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                    Pump(fs, to, buf);
                }
                else if (archive is not null)
                {
                    using var z = new DeflateStream(archive, CompressionMode.Decompress, leaveOpen: true);
                    Pump(z, to, buf);
                }
                else
                {
                    using var fs = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                    Pump(fs, to, buf);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buf);
            }
        }

        private void Pump(Stream from, SafeFileHandle to, byte[] buf)
        {
            long offset = 0;
            while (offset < Size)
            {
                int n = from.Read(buf, 0, (int)Math.Min(buf.Length, Size - offset));
                if (n <= 0)
                    throw new OstreeException($"Corrupted file object {Checksum}: data ends after {offset} of {Size} bytes");
                RandomAccess.Write(to, buf.AsSpan(0, n), offset);
                offset += n;
            }
        }

        public void Dispose() => archive?.Dispose();
    }
}
