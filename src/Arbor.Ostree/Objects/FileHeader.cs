// The metadata part of a content object. Three encodings of the same facts exist:
//  - the checksum/bare header (uuuusa(ayay)): uid, gid, mode, rdev, symlink target, xattrs;
//  - the archive header (tuuuusa(ayay)), which adds the uncompressed size, at the start of .filez;
//  - the bare-user metadata (uuua(ayay)) kept in the user.ostreemeta xattr.
// Integers are stored big-endian inside the little-endian GVariant (ostree's GUINT32_TO_BE).
// The object checksum is SHA-256 over [BE u32 length][4 NUL][header][content].
using System.Buffers.Binary;
using Arbor.Ostree.GVariant;

namespace Arbor.Ostree.Objects;

/// <summary>Metadata of a content (file or symlink) object.</summary>
public sealed record FileHeader(uint Uid, uint Gid, uint Mode, string SymlinkTarget, IReadOnlyList<Xattr> Xattrs)
{
    /// <summary>GVariant type of the checksum header.</summary>
    public static readonly GVariantType BareType = GVariantType.Parse("(uuuusa(ayay))");

    /// <summary>GVariant type of the archive header.</summary>
    public static readonly GVariantType ArchiveType = GVariantType.Parse("(tuuuusa(ayay))");

    /// <summary>GVariant type of the bare-user metadata xattr.</summary>
    public static readonly GVariantType BareUserType = GVariantType.Parse("(uuua(ayay))");

    /// <summary>True when this is a symbolic link.</summary>
    public bool IsSymlink => (Mode & 0xF000) == 0xA000;

    /// <summary>True when this is a regular file.</summary>
    public bool IsRegular => (Mode & 0xF000) == 0x8000;

    private static GVNumber Be32(uint v) => new('u', BinaryPrimitives.ReverseEndianness(v));

    /// <summary>The checksum header <c>(uuuusa(ayay))</c> with xattrs sorted.</summary>
    public byte[] SerializeBare() => new GVTuple([
        Be32(Uid), Be32(Gid), Be32(Mode), Be32(0), GVariantValue.Str(SymlinkTarget),
        Objects.Xattrs.ToValue(Objects.Xattrs.Canonicalize(Xattrs)),
    ]).Serialize();

    /// <summary>The archive header <c>(tuuuusa(ayay))</c> for content of <paramref name="size"/> bytes.</summary>
    public byte[] SerializeArchive(ulong size) => new GVTuple([
        new GVNumber('t', BinaryPrimitives.ReverseEndianness(size)),
        Be32(Uid), Be32(Gid), Be32(Mode), Be32(0), GVariantValue.Str(SymlinkTarget),
        Objects.Xattrs.ToValue(Objects.Xattrs.Canonicalize(Xattrs)),
    ]).Serialize();

    /// <summary>The bare-user metadata <c>(uuua(ayay))</c>.</summary>
    public byte[] SerializeBareUser() => new GVTuple([
        Be32(Uid), Be32(Gid), Be32(Mode), Objects.Xattrs.ToValue(Objects.Xattrs.Canonicalize(Xattrs)),
    ]).Serialize();

    /// <summary>Prefixes a serialized header with its BE u32 length and 4 bytes of padding.</summary>
    public static byte[] LengthPrefixed(ReadOnlySpan<byte> header)
    {
        var buf = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt32BigEndian(buf, (uint)header.Length);
        header.CopyTo(buf.AsSpan(8));
        return buf;
    }

    /// <summary>Parses a checksum header.</summary>
    public static FileHeader ParseBare(ReadOnlyMemory<byte> data)
    {
        var v = new GVariantView(BareType, data);
        return new FileHeader(v[0].GetUInt32BigEndian(), v[1].GetUInt32BigEndian(), v[2].GetUInt32BigEndian(),
            v[4].GetString(), Objects.Xattrs.FromView(v[5]));
    }

    /// <summary>Parses an archive header, returning the content size too.</summary>
    public static FileHeader ParseArchive(ReadOnlyMemory<byte> data, out ulong size)
    {
        var v = new GVariantView(ArchiveType, data);
        size = v[0].GetUInt64BigEndian();
        return new FileHeader(v[1].GetUInt32BigEndian(), v[2].GetUInt32BigEndian(), v[3].GetUInt32BigEndian(),
            v[5].GetString(), Objects.Xattrs.FromView(v[6]));
    }

    /// <summary>Parses bare-user metadata; the symlink target comes from the object's content.</summary>
    public static FileHeader ParseBareUser(ReadOnlyMemory<byte> data, string symlinkTarget = "")
    {
        var v = new GVariantView(BareUserType, data);
        return new FileHeader(v[0].GetUInt32BigEndian(), v[1].GetUInt32BigEndian(), v[2].GetUInt32BigEndian(),
            symlinkTarget, Objects.Xattrs.FromView(v[3]));
    }
}
