// Filling delta parts: the payload blob, the operation stream and the deduplicated mode and
// xattr tables of the part being built, with the op encodings ostree's generator emits. When a
// part is full it is handed to a background task that serializes the (a(uuu)aa(ayay)ayay)
// payload, xz-compresses it and writes it to a temporary file next to the superblock; Finish
// waits for all of them. The compiler (DeltaCompiler.cs) decides what goes in which order.
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Deltas;

/// <summary>A finished part: its header, and its bytes either in memory (inline) or in a temporary file.</summary>
internal sealed class FinishedPart
{
    public required DeltaPartHeader Header { get; init; }
    public byte[]? File { get; init; }
    public string? TmpPath { get; init; }

    /// <summary>Moves the temporary part file to its final name.</summary>
    public void Commit(string path)
    {
        if (TmpPath is null)
        {
            AtomicFile.WriteAllBytes(path, File!, false);
        }
        else
            System.IO.File.Move(TmpPath, path, overwrite: true);
        System.IO.File.SetUnixFileMode(path, (UnixFileMode)0x1A4);
    }
}

/// <summary>Builds delta parts one after another.</summary>
internal sealed class PartWriter(DeltaGenerateOptions opt, string dir)
{
    private readonly List<Task<FinishedPart>> _done = [];
    private Builder _cur = new();

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "MemoryStreams hold no unmanaged resources")]
    private sealed class Builder
    {
        public readonly List<ObjectName> Objects = [];
        public readonly MemoryStream Payload = new();
        public readonly MemoryStream Ops = new();
        public readonly Dictionary<(uint, uint, uint), int> ModeIndex = [];
        public readonly List<(uint, uint, uint)> Modes = [];
        public readonly Dictionary<string, int> XattrIndex = new(StringComparer.Ordinal);
        public readonly List<IReadOnlyList<Xattr>> Xattrs = [];
        public long TablesSize;
        public ulong Uncompressed;

        public long Estimate => Payload.Length + Ops.Length + TablesSize;
    }

    /// <summary>Starts a new part if the current one has objects and adding <paramref name="size"/> would overflow it.</summary>
    public void Reserve(ulong size)
    {
        if (_cur.Objects.Count > 0 && (ulong)_cur.Estimate + size > opt.MaxChunkSize)
            Flush();
    }

    /// <summary>Bytes (payload, ops, tables) in the part being filled.</summary>
    public long CurrentSize => _cur.Estimate;

    /// <summary>Closes the current part (if it has objects), so that what follows goes into a new one.</summary>
    public void Split()
    {
        if (_cur.Objects.Count > 0)
            Flush();
    }

    /// <summary>Starts a new part if the current one is already over the limit (rollsum/bsdiff rule).</summary>
    public void ReserveOverflowOnly()
    {
        if (_cur.Objects.Count > 0 && (ulong)_cur.Estimate > opt.MaxChunkSize)
            Flush();
    }

    private void Op(byte op, params ulong[] args)
    {
        _cur.Ops.WriteByte(op);
        foreach (var a in args)
            DeltaOps.WriteVarUInt64(_cur.Ops, a);
    }

    private (ulong Mode, ulong Xattr) ModeXattrs(FileHeader h)
    {
        var key = (h.Uid, h.Gid, h.Mode);
        if (!_cur.ModeIndex.TryGetValue(key, out int mi))
        {
            mi = _cur.Modes.Count;
            _cur.ModeIndex[key] = mi;
            _cur.Modes.Add(key);
            _cur.TablesSize += 12;
        }
        var xkey = Convert.ToHexString(Objects.Xattrs.ToValue(h.Xattrs).Serialize());
        if (!_cur.XattrIndex.TryGetValue(xkey, out int xi))
        {
            xi = _cur.Xattrs.Count;
            _cur.XattrIndex[xkey] = xi;
            _cur.Xattrs.Add(h.Xattrs);
            _cur.TablesSize += xkey.Length / 2;
        }
        return ((ulong)mi, (ulong)xi);
    }

    /// <summary>A metadata object, spliced whole.</summary>
    public void AddMetadata(ObjectName name, ReadOnlySpan<byte> data)
    {
        _cur.Objects.Add(name);
        _cur.Uncompressed += (ulong)data.Length;
        ulong off = (ulong)_cur.Payload.Length;
        _cur.Payload.Write(data);
        Op(DeltaOps.OpenSpliceAndClose, (ulong)data.Length, off);
    }

    /// <summary>A content object (regular file data or symlink target), spliced whole.</summary>
    public void AddContent(Checksum c, FileHeader header, ReadOnlySpan<byte> data)
    {
        _cur.Objects.Add(new ObjectName(c, ObjectType.File));
        if (!header.IsSymlink)
            _cur.Uncompressed += (ulong)data.Length;
        var (m, x) = ModeXattrs(header);
        ulong off = (ulong)_cur.Payload.Length;
        _cur.Payload.Write(data);
        Op(DeltaOps.OpenSpliceAndClose, m, x, (ulong)data.Length, off);
    }

    /// <summary>A modified file rebuilt from rollsum matches against <paramref name="from"/>.</summary>
    public void AddRollsum(Checksum c, FileHeader header, byte[] data, Checksum from, RollsumResult rs)
    {
        _cur.Objects.Add(new ObjectName(c, ObjectType.File));
        _cur.Uncompressed += (ulong)data.Length;
        var (m, x) = ModeXattrs(header);
        ulong csumOff = (ulong)_cur.Payload.Length;
        _cur.Payload.Write(from.ToBytes());
        Op(DeltaOps.Open, m, x, (ulong)data.Length);
        long writing = 0;
        bool readingPayload = true;
        foreach (var match in rs.Matches)
        {
            long prefix = match.ToStart - writing;
            if (prefix > 0)
            {
                if (!readingPayload)
                {
                    Op(DeltaOps.UnsetReadSource);
                    readingPayload = true;
                }
                WritePayloadChunk(data.AsSpan((int)writing, (int)prefix));
                writing += prefix;
            }
            if (readingPayload)
            {
                Op(DeltaOps.SetReadSource, csumOff);
                readingPayload = false;
            }
            Op(DeltaOps.Write, (ulong)match.Length, (ulong)match.FromStart);
            writing += match.Length;
        }
        if (!readingPayload)
            Op(DeltaOps.UnsetReadSource);
        if (data.Length - writing > 0)
            WritePayloadChunk(data.AsSpan((int)writing));
        Op(DeltaOps.Close);
    }

    private void WritePayloadChunk(ReadOnlySpan<byte> chunk)
    {
        ulong off = (ulong)_cur.Payload.Length;
        _cur.Payload.Write(chunk);
        Op(DeltaOps.Write, (ulong)chunk.Length, off);
    }

    /// <summary>A modified file rebuilt by applying a bsdiff patch to <paramref name="from"/>.</summary>
    public void AddBsdiff(Checksum c, FileHeader header, long size, Checksum from, byte[] patch)
    {
        _cur.Objects.Add(new ObjectName(c, ObjectType.File));
        _cur.Uncompressed += (ulong)size;
        var (m, x) = ModeXattrs(header);
        Op(DeltaOps.SetReadSource, (ulong)_cur.Payload.Length);
        _cur.Payload.Write(from.ToBytes());
        Op(DeltaOps.Open, m, x, (ulong)size);
        Op(DeltaOps.Bspatch, (ulong)_cur.Payload.Length, (ulong)patch.Length);
        _cur.Payload.Write(patch);
        Op(DeltaOps.Close);
        Op(DeltaOps.UnsetReadSource);
    }

    private void Flush()
    {
        var b = _cur;
        _cur = new Builder();
        _done.Add(Task.Run(() => Complete(b)));
    }

    private FinishedPart Complete(Builder b)
    {
        var payload = new DeltaPartPayload(b.Modes, b.Xattrs, b.Payload.GetBuffer().AsMemory(0, (int)b.Payload.Length), b.Ops.ToArray());
        var file = DeltaPartPayload.EncodePartFile(payload.Serialize(), opt.Compress);
        var header = new DeltaPartHeader(0, Checksum.Of(file), (ulong)file.Length, b.Uncompressed, b.Objects);
        if (opt.Inline)
            return new FinishedPart { Header = header, File = file };
        var tmp = Path.Combine(dir, $".tmp-part-{Guid.NewGuid():N}");
        System.IO.File.WriteAllBytes(tmp, file);
        return new FinishedPart { Header = header, TmpPath = tmp };
    }

    /// <summary>Closes the last part and waits for every part to be written.</summary>
    public List<FinishedPart> Finish()
    {
        Flush();
        Task.WaitAll([.. _done]);
        return _done.Select(t => t.Result).ToList();
    }
}
