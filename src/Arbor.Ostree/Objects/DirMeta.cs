// Directory metadata object (uuua(ayay)): uid, gid, mode (big-endian) and xattrs.
using System.Buffers.Binary;
using Arbor.Ostree.GVariant;

namespace Arbor.Ostree.Objects;

/// <summary>A <c>.dirmeta</c> object.</summary>
public sealed record DirMeta(uint Uid, uint Gid, uint Mode, IReadOnlyList<Xattr> Xattrs)
{
    /// <summary>The GVariant type.</summary>
    public static readonly GVariantType Type = GVariantType.Parse("(uuua(ayay))");

    /// <summary>Serializes the object.</summary>
    public byte[] Serialize() => new GVTuple([
        new GVNumber('u', BinaryPrimitives.ReverseEndianness(Uid)),
        new GVNumber('u', BinaryPrimitives.ReverseEndianness(Gid)),
        new GVNumber('u', BinaryPrimitives.ReverseEndianness(Mode)),
        Objects.Xattrs.ToValue(Objects.Xattrs.Canonicalize(Xattrs)),
    ]).Serialize();

    /// <summary>Parses the object.</summary>
    public static DirMeta Parse(ReadOnlyMemory<byte> data)
    {
        var v = new GVariantView(Type, data);
        return new DirMeta(v[0].GetUInt32BigEndian(), v[1].GetUInt32BigEndian(), v[2].GetUInt32BigEndian(), Objects.Xattrs.FromView(v[3]));
    }

    /// <inheritdoc />
    public bool Equals(DirMeta? other) => other is not null && Uid == other.Uid && Gid == other.Gid && Mode == other.Mode && Objects.Xattrs.SequenceEqual(Xattrs, other.Xattrs);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Uid, Gid, Mode, Xattrs.Count);
}
