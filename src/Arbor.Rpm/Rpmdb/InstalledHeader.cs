// The header rpm stores for an installed package. rpm 4.18 reads a package (lib/package.c
// headerMergeLegacySigs copies the signature header's digests and sizes into the main header),
// adds INSTPREFIXES for relocatable packages (lib/relocation.c), then FILESTATES, INSTALLTID,
// INSTALLTIME and INSTALLCOLOR at database-add time (lib/psm.c dbAdd), and stores headerExport's
// blob. headerExport keeps the immutable region byte for byte (index entries and data, trailer
// included, so the header digests still verify) and lays the added entries ("dribbles") after it,
// sorted by tag, each at its natural alignment. This file reproduces that blob: package headers
// in, the bytes of a Packages row out (rpm's on-disk form: no magic, il and dl first).
using System.Buffers.Binary;
using Arbor.Rpm.Header;

namespace Arbor.Rpm.Rpmdb;

/// <summary>What rpm's transaction records about an install, beyond the package's own header.</summary>
/// <param name="InstallTime">RPMTAG_INSTALLTIME, seconds since the epoch.</param>
/// <param name="TransactionId">RPMTAG_INSTALLTID; rpm uses the transaction's start time.</param>
/// <param name="InstallColor">RPMTAG_INSTALLCOLOR, the transaction color (3 on x86_64 and aarch64, 1 on 32-bit arches, 0 for colorless).</param>
public sealed record InstallStamp(uint InstallTime, uint TransactionId, uint InstallColor = 3)
{
    /// <summary>A stamp whose transaction id equals its install time, as a one-transaction install gives.</summary>
    public static InstallStamp At(DateTimeOffset time, uint installColor = 3)
    {
        long secs = time.ToUnixTimeSeconds();
        if (secs is < 0 or > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(time), time, "install time must fit rpm's 32-bit unsigned seconds");
        return new InstallStamp((uint)secs, (uint)secs, installColor);
    }
}

/// <summary>Builds the header blob rpm stores in the Packages table for an installed package.</summary>
public static class InstalledHeader
{
    private const int TagSigSize = 257, TagSigPgp = 259, TagSigMd5 = 261, TagSigGpg = 262, TagDsa = 267, TagRsa = 268,
        TagSha1 = 269, TagLongSigSize = 270, TagLongArchiveSize = 271, TagSha256 = 273, TagVeritySigs = 276,
        TagVerityAlgo = 277, TagArchiveSize = 1046, TagInstPrefixes = 1099, TagInstallColor = 1127, TagInstallTid = 1128,
        TagFileSignatures = 5090, TagFileSignatureLength = 5091;

    // lib/package.c xlateTags: signature tag, main header tag, required count (0 = any), and the
    // "quirk" that lets a tag live in either header (but then it must not be in both).
    private static readonly (int Sig, int Main, int Count, bool Quirk)[] SignatureTags =
    [
        (SigTag.Size, TagSigSize, 1, false),
        (SigTag.Pgp, TagSigPgp, 0, false),
        (SigTag.Md5, TagSigMd5, 16, false),
        (SigTag.Gpg, TagSigGpg, 0, false),
        (SigTag.PayloadSize, TagArchiveSize, 1, true),
        (274, TagFileSignatures, 0, true),
        (275, TagFileSignatureLength, 1, true),
        (TagVeritySigs, TagVeritySigs, 0, false),
        (TagVerityAlgo, TagVerityAlgo, 1, false),
        (SigTag.Sha1, TagSha1, 1, false),
        (SigTag.Sha256, TagSha256, 1, false),
        (SigTag.Dsa, TagDsa, 0, false),
        (SigTag.Rsa, TagRsa, 0, false),
        (SigTag.LongSize, TagLongSigSize, 1, false),
        (SigTag.LongArchiveSize, TagLongArchiveSize, 1, false),
    ];

    /// <summary>Encodes the installed form of <paramref name="header"/> (a package's main header, its immutable region intact).</summary>
    /// <param name="header">The package's main header.</param>
    /// <param name="signature">The package's signature header, whose digests rpm merges in; null when <paramref name="header"/> already carries them or there is none.</param>
    /// <param name="stamp">Install time, transaction id and color.</param>
    /// <param name="fileStates">One RPMFILE_STATE_* byte per file (0 normal, 2 not installed, 3 wrong color); null means every file normal.</param>
    /// <returns>The Packages row blob: il, dl, index, data (no magic).</returns>
    /// <exception cref="RpmFormatException">The header has no immutable region, or a tag the install adds is already inside it.</exception>
    public static byte[] Build(RpmHeader header, RpmHeader? signature, InstallStamp stamp, ReadOnlySpan<byte> fileStates = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(stamp);
        var raw = header.Raw;
        int il = BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(8));
        int dataStart = 16 + il * 16;
        var (ril, regionDataLength) = Region(header, raw, il, dataStart);
        var regionTags = new HashSet<int>();
        for (int i = 0; i < ril; i++)
            regionTags.Add(BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(16 + i * 16)));

        // Entries already outside the region (a header rpm itself read and re-exported) come next in
        // their own order; the ones this install adds replace same-tag ones and follow, sorted by tag.
        var added = new SortedDictionary<int, HeaderEntry>();
        if (signature != null)
            MergeSignature(header, signature, added);
        if (header.Has(RpmTag.Prefixes) && !header.Has((RpmTag)TagInstPrefixes))
            added[TagInstPrefixes] = HeaderEntry.StringArray(TagInstPrefixes, header.GetStrings(RpmTag.Prefixes));
        int fileCount = header.Get(RpmTag.BaseNames)?.Count ?? header.Get(RpmTag.OldFileNames)?.Count ?? 0;
        if (!fileStates.IsEmpty && fileStates.Length != fileCount)
            throw new ArgumentException($"{fileStates.Length} file states given for a package with {fileCount} files", nameof(fileStates));
        if (fileCount > 0)
            added[(int)RpmTag.FileStates] = HeaderEntry.Bytes((int)RpmTag.FileStates, fileStates.IsEmpty ? new byte[fileCount] : fileStates.ToArray(), HeaderType.Char);
        added[TagInstallTid] = HeaderEntry.Int32(TagInstallTid, stamp.TransactionId);
        added[(int)RpmTag.InstallTime] = HeaderEntry.Int32((int)RpmTag.InstallTime, stamp.InstallTime);
        added[TagInstallColor] = HeaderEntry.Int32(TagInstallColor, stamp.InstallColor);
        foreach (int tag in added.Keys)
            if (regionTags.Contains(tag))
                throw new RpmFormatException($"{Describe(header)}: tag {tag} that an install adds is already in the immutable region");

        var entries = new List<HeaderEntry>();
        for (int i = ril; i < il; i++)
        {
            int tag = BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(16 + i * 16));
            if (!added.ContainsKey(tag))
                entries.Add(header.Get(tag)!);
        }
        entries.AddRange(added.Values);

        var data = new MemoryStream();
        data.Write(raw, dataStart, regionDataLength);
        var index = new byte[(ril + entries.Count) * 16];
        raw.AsSpan(16, ril * 16).CopyTo(index);
        for (int k = 0; k < entries.Count; k++)
        {
            var e = entries[k];
            int align = e.Type switch { HeaderType.Int16 => 2, HeaderType.Int32 => 4, HeaderType.Int64 => 8, _ => 1 };
            while (data.Length % align != 0)
                data.WriteByte(0);
            var slot = index.AsSpan((ril + k) * 16, 16);
            BinaryPrimitives.WriteInt32BigEndian(slot, e.Tag);
            BinaryPrimitives.WriteUInt32BigEndian(slot[4..], (uint)e.Type);
            BinaryPrimitives.WriteInt32BigEndian(slot[8..], (int)data.Length);
            BinaryPrimitives.WriteInt32BigEndian(slot[12..], e.Count);
            HeaderWriter.WriteValue(data, e);
        }
        var blob = new byte[8 + index.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(blob, ril + entries.Count);
        BinaryPrimitives.WriteInt32BigEndian(blob.AsSpan(4), (int)data.Length);
        index.CopyTo(blob, 8);
        data.GetBuffer().AsSpan(0, (int)data.Length).CopyTo(blob.AsSpan(8 + index.Length));
        return blob;
    }

    /// <summary>Parses a Packages row blob (rpm's on-disk header: il, dl, index, data) into a header.</summary>
    /// <exception cref="RpmFormatException">The blob is not a well-formed header.</exception>
    public static RpmHeader Parse(ReadOnlySpan<byte> blob, string what)
    {
        var raw = new byte[8 + blob.Length];
        RpmHeader.Magic.CopyTo(raw);
        blob.CopyTo(raw.AsSpan(8));
        return RpmHeader.Parse(raw, what);
    }

    private static string Describe(RpmHeader h) =>
        $"{h.GetString(RpmTag.Name) ?? "?"}-{h.GetString(RpmTag.Version) ?? "?"}-{h.GetString(RpmTag.Release) ?? "?"}";

    // The region's index count and data length (trailer included), from its trailer entry.
    private static (int Ril, int DataLength) Region(RpmHeader header, byte[] raw, int il, int dataStart)
    {
        int tag = BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(16));
        uint type = BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(20));
        int off = BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(24));
        int count = BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(28));
        if (tag is not ((int)RpmTag.HeaderImmutable or (int)RpmTag.HeaderImage or (int)RpmTag.HeaderSignatures)
            || type != (uint)HeaderType.Bin || count != 16)
            throw new RpmFormatException($"{Describe(header)}: header has no immutable region (first tag {tag}); rpm stores only headers read from packages");
        int dl = raw.Length - dataStart;
        if (off < 0 || off + 16 > dl)
            throw new RpmFormatException($"{Describe(header)}: region trailer offset {off} is outside the data store of {dl} bytes");
        int rdl = -BinaryPrimitives.ReadInt32BigEndian(raw.AsSpan(dataStart + off + 8));
        int ril = rdl / 16;
        if (rdl % 16 != 0 || ril < 1 || ril > il)
            throw new RpmFormatException($"{Describe(header)}: region trailer claims {rdl} bytes of index for a header of {il} entries");
        return (ril, off + 16);
    }

    private static void MergeSignature(RpmHeader header, RpmHeader signature, SortedDictionary<int, HeaderEntry> added)
    {
        // rpm merges nothing when the main header already holds a translated tag (it has been
        // merged before); the quirk tags may legitimately be there when the signature lacks them.
        foreach (var (sig, main, _, quirk) in SignatureTags)
            if (header.Has((RpmTag)main) && !(quirk && !signature.Has((RpmTag)sig)))
                return;
        foreach (var (sig, main, count, _) in SignatureTags)
        {
            var e = signature.Get(sig);
            if (e == null)
                continue;
            if (count != 0 && e.Count != count)
                throw new RpmFormatException($"{Describe(header)}: signature tag {sig} has {e.Count} values (rpm requires {count})");
            added[main] = Retag(e, main);
        }
    }

    private static HeaderEntry Retag(HeaderEntry e, int tag) => e.Value switch
    {
        byte[] b => HeaderEntry.Bytes(tag, b, e.Type),
        ushort[] s => HeaderEntry.Int16(tag, s),
        uint[] i => HeaderEntry.Int32(tag, i),
        ulong[] l => HeaderEntry.Int64(tag, l),
        string s => HeaderEntry.String(tag, s),
        string[] a when e.Type == HeaderType.I18nString => HeaderEntry.I18n(tag, a),
        string[] a => HeaderEntry.StringArray(tag, a),
        _ => throw new RpmFormatException($"signature tag {e.Tag}: unsupported value"),
    };
}
