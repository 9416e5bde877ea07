// The 96-byte lead that opens every RPM file: magic ED AB EE DB, format 3.0, binary/source type,
// arch number, the NEVR as a 66-byte C string, OS number and signature type 5 (header-style).
// rpm ignores most of it today, but checks the magic and version; so do we.
using System.Buffers.Binary;
using System.Text;
using Arbor.Rpm.Header;

namespace Arbor.Rpm.Package;

/// <summary>The RPM lead.</summary>
public sealed record Lead(byte Major, byte Minor, ushort Type, ushort ArchNum, string Name, ushort OsNum, ushort SignatureType)
{
    /// <summary>Size of the lead in bytes.</summary>
    public const int Size = 96;

    /// <summary>The lead magic.</summary>
    public static ReadOnlySpan<byte> Magic => [0xED, 0xAB, 0xEE, 0xDB];

    /// <summary>Decodes and checks a lead.</summary>
    public static Lead Parse(ReadOnlySpan<byte> b)
    {
        if (b.Length < Size)
            throw new RpmFormatException($"lead: truncated at offset {b.Length} (an RPM starts with a {Size}-byte lead)");
        if (!b[..4].SequenceEqual(Magic))
            throw new RpmFormatException($"lead: bad magic {Convert.ToHexStringLower(b[..4])} at offset 0 (not an RPM file; expected edabeedb)");
        if (b[4] != 3 && b[4] != 4)
            throw new RpmFormatException($"lead: unsupported format version {b[4]}.{b[5]} at offset 4");
        var nameBytes = b.Slice(10, 66);
        int nul = nameBytes.IndexOf((byte)0);
        string name = Encoding.UTF8.GetString(nul >= 0 ? nameBytes[..nul] : nameBytes);
        ushort sigType = BinaryPrimitives.ReadUInt16BigEndian(b[78..]);
        if (sigType != 5)
            throw new RpmFormatException($"lead: signature type {sigType} at offset 78 is not supported (expected 5, header-style)");
        return new Lead(b[4], b[5], BinaryPrimitives.ReadUInt16BigEndian(b[6..]), BinaryPrimitives.ReadUInt16BigEndian(b[8..]),
            name, BinaryPrimitives.ReadUInt16BigEndian(b[76..]), sigType);
    }

    /// <summary>Encodes the lead.</summary>
    public byte[] ToBytes()
    {
        var b = new byte[Size];
        Magic.CopyTo(b);
        b[4] = Major;
        b[5] = Minor;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), Type);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(8), ArchNum);
        var nb = Encoding.UTF8.GetBytes(Name);
        nb.AsSpan(0, Math.Min(nb.Length, 65)).CopyTo(b.AsSpan(10));
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(76), OsNum);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(78), SignatureType);
        return b;
    }
}
