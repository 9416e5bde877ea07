// `commit --generate-sizes`: the ostree.sizes commit metadata, an `aay` with one entry per object
// the commit wrote — checksum (32 bytes), varuint archived size, varuint unpacked size, object
// type byte — sorted by checksum, as libostree's add_size_index_to_metadata makes it. Like
// ostree, only archive repositories get sizes, and only files, dirtrees and dirmetas count. The
// archived size of a content object is the size of its .filez as ostree writes it: the header,
// then GLib's zlib raw deflate of the data. Arbor stores archive data through the runtime's
// zlib-ng, whose bytes differ, so the deflated length is computed again with the system zlib
// (RawDeflate) from the stored object: the index says what ostree would, on the same tree.
using System.Text;
using Arbor.Native;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Commits;

/// <summary>Collects the objects a commit writes and turns them into <c>ostree.sizes</c>.</summary>
public sealed class SizeIndex(Repository repo)
{
    /// <summary>The metadata key.</summary>
    public const string MetadataKey = "ostree.sizes";

    private readonly Dictionary<Checksum, ObjectType> _objects = [];

    /// <summary>Forgets what was recorded (ostree starts afresh at each directory or commit source).</summary>
    public void Clear() => _objects.Clear();

    /// <summary>Records an object the commit wrote or found already stored.</summary>
    public void Add(ObjectType type, Checksum checksum)
    {
        if (type is ObjectType.File or ObjectType.DirTree or ObjectType.DirMeta)
            _objects.TryAdd(checksum, type);
    }

    /// <summary>Number of objects recorded.</summary>
    public int Count => _objects.Count;

    /// <summary>The <c>ostree.sizes</c> value, or null when nothing was recorded (ostree then adds no key).</summary>
    public GVariantValue? Build()
    {
        if (_objects.Count == 0)
            return null;
        var entries = new List<(string Hex, GVariantValue Entry)>(_objects.Count);
        foreach (var (checksum, type) in _objects)
        {
            var (archived, unpacked) = type == ObjectType.File ? ContentSizes(checksum) : MetadataSizes(checksum, type);
            var buf = new List<byte>(48);
            buf.AddRange(checksum.ToBytes());
            WriteVarUInt64(buf, archived);
            WriteVarUInt64(buf, unpacked);
            buf.Add((byte)type);
            entries.Add((checksum.ToString(), GVariantValue.Bytes(buf.ToArray())));
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Hex, b.Hex));
        return new GVArray(GVariantType.ByteString, entries.Select(e => e.Entry).ToList());
    }

    private (ulong Archived, ulong Unpacked) MetadataSizes(Checksum checksum, ObjectType type)
    {
        var len = (ulong)new FileInfo(repo.ObjectPath(checksum, type)).Length;
        return (len, len);
    }

    private (ulong Archived, ulong Unpacked) ContentSizes(Checksum checksum)
    {
        var obj = repo.OpenContent(checksum);
        var header = (ulong)obj.DataOffset;
        if (obj.Header.IsSymlink)
            return (header, (ulong)Encoding.UTF8.GetByteCount(obj.Header.SymlinkTarget));
        using var data = obj.OpenData();
        return (header + (ulong)RawDeflate.CompressedLength(data, repo.ZlibLevel), (ulong)obj.Size);
    }

    /// <summary>ostree's varuint64: seven bits a byte, least significant first, high bit set on all but the last.</summary>
    internal static void WriteVarUInt64(List<byte> to, ulong value)
    {
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            if (value != 0)
                b |= 0x80;
            to.Add(b);
        }
        while (value != 0);
    }
}
