// The on-disk formats of an OSTree static delta, reader and writer side by side:
//   superblock  (a{sv}tayay(commit)aya(uayttay)a(yaytt)) — metadata, timestamp (BE), from, to,
//               the to-commit itself, recursive deltas (always empty), part headers, fallbacks;
//               optionally wrapped in the signed form (taya{sv}) with magic "OSTSGNDT"
//               (DeltaSignatures signs, unwraps and verifies it).
//   part file   one compression byte ('\0' none, 'x' xz) then the payload (a(uuu)aa(ayay)ayay):
//               modes (uid, gid, mode, each BE), xattr sets, the raw data blob, the operations.
// Part header and fallback sizes are in the superblock's "ostree.endianness" ('l' or 'B'), as
// ostree writes them. The compiler builds these records and the applier reads them.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Arbor.Native;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Deltas;

/// <summary>The opcodes of a delta part's operation stream.</summary>
public static class DeltaOps
{
    /// <summary>Open, write from the payload and close in one step ('S').</summary>
    public const byte OpenSpliceAndClose = (byte)'S';
    /// <summary>Open a content object for writing ('o').</summary>
    public const byte Open = (byte)'o';
    /// <summary>Write a range from the payload or the read source ('w').</summary>
    public const byte Write = (byte)'w';
    /// <summary>Set the read source to an existing object ('r').</summary>
    public const byte SetReadSource = (byte)'r';
    /// <summary>Go back to reading from the payload ('R').</summary>
    public const byte UnsetReadSource = (byte)'R';
    /// <summary>Commit the open object ('c').</summary>
    public const byte Close = (byte)'c';
    /// <summary>Apply a bsdiff patch to the read source ('B').</summary>
    public const byte Bspatch = (byte)'B';

    /// <summary>Appends a protobuf-style varuint64.</summary>
    public static void WriteVarUInt64(Stream to, ulong value)
    {
        while (value >= 0x80)
        {
            to.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        to.WriteByte((byte)value);
    }

    /// <summary>Reads a varuint64 at <paramref name="pos"/>, advancing it.</summary>
    /// <exception cref="InvalidDataException">The stream ends inside the number.</exception>
    public static ulong ReadVarUInt64(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length)
                throw new InvalidDataException("Unexpected EOF reading varint in delta operations");
            byte b = data[pos++];
            v |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return v;
        }
        throw new InvalidDataException("Delta operations: varint longer than 10 bytes");
    }
}

/// <summary>One part's entry in the superblock.</summary>
/// <param name="Version">Part format version (0).</param>
/// <param name="Checksum">SHA-256 of the part file.</param>
/// <param name="CompressedSize">Size of the part file.</param>
/// <param name="UncompressedSize">Sum of the object sizes the part produces.</param>
/// <param name="Objects">The objects the part writes, in order.</param>
public sealed record DeltaPartHeader(uint Version, Checksum Checksum, ulong CompressedSize, ulong UncompressedSize, IReadOnlyList<ObjectName> Objects);

/// <summary>An object to fetch separately rather than from a part.</summary>
/// <param name="Object">The object.</param>
/// <param name="CompressedSize">Its stored size.</param>
/// <param name="UncompressedSize">Its content size.</param>
public sealed record DeltaFallback(ObjectName Object, ulong CompressedSize, ulong UncompressedSize);

/// <summary>A static delta superblock.</summary>
public sealed record DeltaSuperblock
{
    /// <summary>The GVariant type of the superblock.</summary>
    public static readonly GVariantType Type = GVariantType.Parse("(a{sv}tayay(a{sv}aya(say)sstayay)aya(uayttay)a(yaytt))");

    /// <summary>The signed wrapper type.</summary>
    public static readonly GVariantType SignedType = GVariantType.Parse("(taya{sv})");

    /// <summary>"OSTSGNDT" as a big-endian u64.</summary>
    public const ulong SignedMagic = 0x4F535453474E4454;

    private static readonly GVariantType PartHeaderType = GVariantType.Parse("(uayttay)");
    private static readonly GVariantType FallbackType = GVariantType.Parse("(yaytt)");

    /// <summary>Metadata entries in file order (endianness, inline parts, detached commit metadata…).</summary>
    public required IReadOnlyList<KeyValuePair<string, GVariantValue>> Metadata { get; init; }
    /// <summary>Creation time, seconds since the epoch.</summary>
    public required ulong Timestamp { get; init; }
    /// <summary>The from-commit, or null for a from-scratch delta.</summary>
    public required Checksum? From { get; init; }
    /// <summary>The to-commit.</summary>
    public required Checksum To { get; init; }
    /// <summary>The serialized to-commit object.</summary>
    public required ReadOnlyMemory<byte> CommitBytes { get; init; }
    /// <summary>The parts.</summary>
    public required IReadOnlyList<DeltaPartHeader> Parts { get; init; }
    /// <summary>The fallback objects.</summary>
    public required IReadOnlyList<DeltaFallback> Fallbacks { get; init; }
    /// <summary>True when sizes are big-endian (ostree.endianness 'B').</summary>
    public bool BigEndian { get; init; }
    /// <summary>True when the file was in the signed form with at least one "ostree.sign." entry (see <see cref="DeltaSignatures"/>).</summary>
    public bool Signed { get; init; }
    /// <summary>The signatures of the signed form (key → value), empty otherwise.</summary>
    public IReadOnlyList<KeyValuePair<string, GVariantValue>> Signatures { get; init; } = [];
    /// <summary>True when endianness came from the size heuristic rather than the metadata key.</summary>
    public bool EndiannessHeuristic { get; init; }

    /// <summary>
    /// The part file (compression byte + payload) of part <paramref name="index"/> when the superblock
    /// carries it inline (metadata key "DELTADIR/N", a <c>(yay)</c>), else null.
    /// </summary>
    public byte[]? InlinePartFile(int index)
    {
        if (GetMetadata($"{Repository.StaticDeltaRelativeDir(From, To)}/{index}") is not GVTuple { Members: [GVNumber comp, GVBytes rest] })
            return null;
        var file = new byte[rest.Value.Length + 1];
        file[0] = (byte)comp.Bits;
        rest.Value.Span.CopyTo(file.AsSpan(1));
        return file;
    }

    /// <summary>Looks a metadata key up.</summary>
    public GVariantValue? GetMetadata(string key)
    {
        foreach (var (k, v) in Metadata)
            if (k == key)
                return v;
        return null;
    }

    private static ulong Swap(bool be, ulong v) => be == BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
    private static uint Swap(bool be, uint v) => be == BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;

    /// <summary>Serializes the (unsigned) superblock.</summary>
    public byte[] Serialize()
    {
        bool be = BigEndian;
        var parts = Parts.Select(p => (GVariantValue)new GVTuple([
            new GVNumber('u', Swap(be, p.Version)),
            new GVBytes(p.Checksum.ToBytes()),
            new GVNumber('t', Swap(be, p.CompressedSize)),
            new GVNumber('t', Swap(be, p.UncompressedSize)),
            new GVBytes(ObjectArray(p.Objects)),
        ])).ToList();
        var fallbacks = Fallbacks.Select(f => (GVariantValue)new GVTuple([
            new GVNumber('y', (byte)f.Object.Type),
            new GVBytes(f.Object.Checksum.ToBytes()),
            new GVNumber('t', Swap(be, f.CompressedSize)),
            new GVNumber('t', Swap(be, f.UncompressedSize)),
        ])).ToList();
        return new GVTuple([
            Commit.MetadataToValue(Metadata),
            new GVNumber('t', BinaryPrimitives.ReverseEndianness(Timestamp)),
            new GVBytes(From?.ToBytes() ?? []),
            new GVBytes(To.ToBytes()),
            new GVariantView(Commit.Type, CommitBytes).ToValue(),
            new GVBytes(Array.Empty<byte>()),
            new GVArray(PartHeaderType, parts),
            new GVArray(FallbackType, fallbacks),
        ]).Serialize();
    }

    /// <summary>The 33-byte-per-object array of a part header.</summary>
    public static byte[] ObjectArray(IReadOnlyList<ObjectName> objects)
    {
        var a = new byte[objects.Count * 33];
        for (int i = 0; i < objects.Count; i++)
        {
            a[i * 33] = (byte)objects[i].Type;
            objects[i].Checksum.CopyTo(a.AsSpan(i * 33 + 1, 32));
        }
        return a;
    }

    /// <summary>Parses a part header's object array.</summary>
    /// <exception cref="InvalidDataException">The length is not a multiple of 33 or a type is invalid.</exception>
    public static List<ObjectName> ParseObjectArray(ReadOnlySpan<byte> a)
    {
        if (a.Length % 33 != 0)
            throw new InvalidDataException($"Invalid checksum array length {a.Length}");
        var list = new List<ObjectName>(a.Length / 33);
        for (int i = 0; i < a.Length; i += 33)
        {
            byte t = a[i];
            if (t is < 1 or > 6)
                throw new InvalidDataException($"Invalid object type '{t}' in delta part object list");
            list.Add(new ObjectName(new Checksum(a.Slice(i + 1, 32)), (ObjectType)t));
        }
        return list;
    }

    /// <summary>True when <paramref name="data"/> is in the signed form.</summary>
    public static bool IsSignedForm(ReadOnlySpan<byte> data) =>
        data.Length >= 8 && BinaryPrimitives.ReadUInt64BigEndian(data) == SignedMagic;

    /// <summary>Parses a superblock file (signed or not).</summary>
    /// <exception cref="InvalidDataException">The data is not a superblock; the message names the field.</exception>
    public static DeltaSuperblock Parse(ReadOnlyMemory<byte> data)
    {
        bool signed = false;
        IReadOnlyList<KeyValuePair<string, GVariantValue>> sigs = [];
        try
        {
            // Like ostree, the magic alone does not make a file signed: without an
            // "ostree.sign." entry the whole file is read as a plain superblock.
            if (DeltaSignatures.IsSigned(data) && DeltaSignatures.TryUnwrap(data) is { } w)
            {
                signed = true;
                sigs = Commit.MetadataFromView(new GVariantView(GVariantType.VarDict, w.Signatures));
                data = w.Superblock;
            }
            var v = new GVariantView(Type, data);
            var meta = Commit.MetadataFromView(v[0]);
            var from = v[2].GetBytes();
            if (from.Length is not (0 or 32))
                throw new InvalidDataException($"superblock field 'from': expected 0 or 32 bytes, got {from.Length}");
            var to = v[3].GetBytes();
            if (to.Length != 32)
                throw new InvalidDataException($"superblock field 'to': expected 32 bytes, got {to.Length}");
            var rawParts = new List<(uint, Checksum, ulong, ulong, List<ObjectName>)>();
            foreach (var p in v[6].Children())
            {
                var csum = p[1].GetBytes();
                if (csum.Length != 32)
                    throw new InvalidDataException($"superblock part header checksum: expected 32 bytes, got {csum.Length}");
                rawParts.Add((p[0].GetUInt32(), new Checksum(csum.Span), p[2].GetUInt64(), p[3].GetUInt64(), ParseObjectArray(p[4].GetBytes().Span)));
            }
            var rawFallbacks = new List<(ObjectName, ulong, ulong)>();
            foreach (var f in v[7].Children())
            {
                var csum = f[1].GetBytes();
                if (csum.Length != 32)
                    throw new InvalidDataException($"superblock fallback checksum: expected 32 bytes, got {csum.Length}");
                rawFallbacks.Add((new ObjectName(new Checksum(csum.Span), (ObjectType)f[0].GetByte()), f[2].GetUInt64(), f[3].GetUInt64()));
            }
            bool heuristic = false;
            bool be;
            var endian = meta.FirstOrDefault(kv => kv.Key == "ostree.endianness").Value;
            if (endian is GVNumber { Kind: 'y' } n)
                be = n.Bits == 'B';
            else
            {
                heuristic = true;
                be = LooksByteswapped(rawParts) ? BitConverter.IsLittleEndian : !BitConverter.IsLittleEndian;
            }
            return new DeltaSuperblock
            {
                Metadata = meta,
                Timestamp = v[1].GetUInt64BigEndian(),
                From = from.Length == 0 ? null : new Checksum(from.Span),
                To = new Checksum(to.Span),
                CommitBytes = v[4].Data,
                Parts = rawParts.Select(p => new DeltaPartHeader(Swap(be, p.Item1), p.Item2, Swap(be, p.Item3), Swap(be, p.Item4), p.Item5)).ToList(),
                Fallbacks = rawFallbacks.Select(f => new DeltaFallback(f.Item1, Swap(be, f.Item2), Swap(be, f.Item3))).ToList(),
                BigEndian = be,
                Signed = signed,
                Signatures = sigs,
                EndiannessHeuristic = heuristic,
            };
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"Invalid static delta superblock: {e.Message}", e);
        }
    }

    /// <summary>ostree's heuristic for deltas without an endianness key.</summary>
    private static bool LooksByteswapped(List<(uint, Checksum, ulong Size, ulong USize, List<ObjectName> Objects)> parts)
    {
        ulong total = 0, objects = 0;
        foreach (var p in parts)
        {
            objects += (ulong)p.Objects.Count;
            total += p.Size;
            if (p.Size > p.USize && (double)p.Size / p.USize > 1.2)
                return true;
        }
        return objects > 0 && total / objects > uint.MaxValue;
    }
}

/// <summary>The decompressed content of a delta part.</summary>
/// <param name="Modes">(uid, gid, mode) triples in host order.</param>
/// <param name="XattrSets">xattr sets referenced by index.</param>
/// <param name="Payload">The raw data blob.</param>
/// <param name="Operations">The operation stream.</param>
public sealed record DeltaPartPayload(IReadOnlyList<(uint Uid, uint Gid, uint Mode)> Modes, IReadOnlyList<IReadOnlyList<Xattr>> XattrSets,
    ReadOnlyMemory<byte> Payload, ReadOnlyMemory<byte> Operations)
{
    /// <summary>The GVariant type of a part payload.</summary>
    public static readonly GVariantType Type = GVariantType.Parse("(a(uuu)aa(ayay)ayay)");
    private static readonly GVariantType ModeType = GVariantType.Parse("(uuu)");

    /// <summary>Serializes the payload (uncompressed, without the compression byte).</summary>
    public byte[] Serialize() => new GVTuple([
        new GVArray(ModeType, Modes.Select(m => (GVariantValue)new GVTuple([
            new GVNumber('u', BinaryPrimitives.ReverseEndianness(m.Uid)),
            new GVNumber('u', BinaryPrimitives.ReverseEndianness(m.Gid)),
            new GVNumber('u', BinaryPrimitives.ReverseEndianness(m.Mode))])).ToList()),
        new GVArray(Xattrs.Type, XattrSets.Select(Xattrs.ToValue).ToList()),
        new GVBytes(Payload),
        new GVBytes(Operations),
    ]).Serialize();

    /// <summary>Parses an uncompressed payload.</summary>
    /// <exception cref="InvalidDataException">The payload does not parse.</exception>
    public static DeltaPartPayload Parse(ReadOnlyMemory<byte> data)
    {
        try
        {
            var v = new GVariantView(Type, data);
            var modes = v[0].Children().Select(m => (m[0].GetUInt32BigEndian(), m[1].GetUInt32BigEndian(), m[2].GetUInt32BigEndian())).ToList();
            var xattrs = v[1].Children().Select(Xattrs.FromView).ToList();
            return new DeltaPartPayload(modes, xattrs, v[2].GetBytes(), v[3].GetBytes());
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"Invalid static delta part payload: {e.Message}", e);
        }
    }

    /// <summary>Builds a part file: compression byte then the (optionally xz-compressed) payload.</summary>
    public static byte[] EncodePartFile(ReadOnlySpan<byte> payload, bool compress)
    {
        var ms = new MemoryStream(compress ? payload.Length / 3 + 64 : payload.Length + 1);
        ms.WriteByte(compress ? (byte)'x' : (byte)0);
        if (compress)
        {
            using var xz = new XzCompressStream(ms, PartCompression(payload), leaveOpen: true);
            xz.Write(payload);
        }
        else
            ms.Write(payload);
        return ms.ToArray();
    }

    /// <summary>Parts of at least this many bytes are compressed as <see cref="PartBlocks"/> xz blocks.</summary>
    public const int MultiBlockThreshold = 6 << 20;

    /// <summary>How many blocks a large part is cut into: enough for two cores to finish together
    /// although some blocks compress (and decode) slower than others, few enough to cost little size.</summary>
    public const int PartBlocks = 4;

    // Every xz decoder reads what this writes (ostree's included): the x86 branch filter when the
    // part carries x86-64 executables or libraries (smaller parts), and large parts as several
    // blocks with their sizes in the block headers, so applying decodes them on every core.
    private static XzOptions PartCompression(ReadOnlySpan<byte> payload)
    {
        bool blocks = payload.Length >= MultiBlockThreshold;
        return new XzOptions
        {
            Preset = 8,
            X86 = ContainsX86ElfImage(payload),
            BlockSize = blocks ? (ulong)(payload.Length + PartBlocks - 1) / PartBlocks : 0,
            Threads = blocks ? Math.Min(PartBlocks, Environment.ProcessorCount) : 1,
        };
    }

    /// <summary>True when <paramref name="data"/> holds an ELF header for 64-bit little-endian x86-64.</summary>
    public static bool ContainsX86ElfImage(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> magic = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1];
        for (int at = 0; at + 20 <= data.Length;)
        {
            int hit = data[at..].IndexOf(magic);
            if (hit < 0 || at + hit + 20 > data.Length)
                return false;
            at += hit;
            if (BinaryPrimitives.ReadUInt16LittleEndian(data[(at + 18)..]) == 62)
                return true;
            at += magic.Length;
        }
        return false;
    }

    /// <summary>Above this expansion a declared part size is not used to size the output buffer (it grows instead).</summary>
    private const ulong MaxTrustedXzRatio = 256;

    /// <summary>Decodes a part file (the compression byte and the payload after it).</summary>
    /// <param name="file">The part file.</param>
    /// <param name="uncompressedSize">The payload size the part header declares, when known: xz output then goes straight into one buffer of that size.</param>
    /// <exception cref="InvalidDataException">Unknown compression type or corrupt data.</exception>
    public static DeltaPartPayload DecodePartFile(ReadOnlyMemory<byte> file, ulong? uncompressedSize = null)
    {
        if (file.Length < 1)
            throw new InvalidDataException("Delta part is empty: missing compression type byte");
        byte comp = file.Span[0];
        switch (comp)
        {
            case 0:
                return Parse(file[1..]);
            case (byte)'x':
                {
                    using var src = MemoryMarshal.TryGetArray(file, out var seg)
                        ? new MemoryStream(seg.Array!, seg.Offset + 1, seg.Count - 1, writable: false)
                        : new MemoryStream(file[1..].ToArray(), writable: false);
                    using var xz = new XzDecompressStream(src, threads: Environment.ProcessorCount);
                    try
                    {
                        // The header's size is the sum of the objects the part makes: close to the payload of a
                        // from-scratch part (which adds modes, xattrs and operations), larger for patch parts.
                        // Untouched slack costs address space only. The header is the superblock's word, not
                        // the data's: a size no plausible xz ratio explains is not allocated up front.
                        if (uncompressedSize is { } declared and > 0 and < int.MaxValue / 2 && declared <= (ulong)file.Length * MaxTrustedXzRatio + (1 << 20))
                        {
                            var buf = GC.AllocateUninitializedArray<byte>((int)(declared + declared / 8 + 65536));
                            int total = 0, n;
                            while (total < buf.Length && (n = xz.Read(buf, total, buf.Length - total)) > 0)
                                total += n;
                            if (total < buf.Length)
                                return Parse(buf.AsMemory(0, total));
                            var more = new MemoryStream(buf.Length * 2);
                            more.Write(buf, 0, total);
                            xz.CopyTo(more);
                            return Parse(more.GetBuffer().AsMemory(0, (int)more.Length));
                        }
                        var outMs = new MemoryStream(file.Length * 4);
                        xz.CopyTo(outMs);
                        return Parse(outMs.GetBuffer().AsMemory(0, (int)outMs.Length));
                    }
                    catch (IOException e)
                    {
                        throw new InvalidDataException($"Delta part: xz data is corrupt: {e.Message}", e);
                    }
                }
            default:
                throw new InvalidDataException($"Invalid compression type '{comp}'");
        }
    }
}
