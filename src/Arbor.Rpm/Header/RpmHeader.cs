// rpm's header structure: an 8-byte magic (8E AD E8 01 + 4 reserved), big-endian index-length
// and data-length, il 16-byte index entries (tag, type, offset, count), then the data store.
// Bytes flow stream -> Read (intro, then exactly il*16+dl bytes) -> Parse (bounds-checked decode of
// every entry into a HeaderEntry). The raw bytes are kept because digests are computed over them.
// Every failure names the header, the tag and the offset that were wrong.
using System.Buffers.Binary;
using System.Text;

namespace Arbor.Rpm.Header;

/// <summary>A malformed RPM file or header.</summary>
public sealed class RpmFormatException(string message) : FormatException(message);

/// <summary>A parsed header: its entries by tag and the bytes they came from.</summary>
public sealed class RpmHeader
{
    /// <summary>The header magic: 8E AD E8, version 01.</summary>
    public static ReadOnlySpan<byte> Magic => [0x8E, 0xAD, 0xE8, 0x01];

    /// <summary>rpm's limit on index entries (HEADER_TAGS_MAX).</summary>
    public const int MaxEntries = 0xFFFF;

    /// <summary>rpm's limit on the data store (HEADER_DATA_MAX, 256 MiB).</summary>
    public const int MaxData = 0x0FFFFFFF;

    private readonly Dictionary<int, HeaderEntry> _byTag;

    private RpmHeader(List<HeaderEntry> entries, byte[] raw)
    {
        Entries = entries;
        Raw = raw;
        _byTag = new Dictionary<int, HeaderEntry>(entries.Count);
        foreach (var e in entries)
            _byTag.TryAdd(e.Tag, e);
    }

    /// <summary>Entries in index order.</summary>
    public IReadOnlyList<HeaderEntry> Entries { get; }

    /// <summary>The header as stored, from the magic to the end of the data store.</summary>
    public byte[] Raw { get; }

    /// <summary>The entry for <paramref name="tag"/>, or null.</summary>
    public HeaderEntry? Get(int tag) => _byTag.GetValueOrDefault(tag);

    /// <summary>The entry for <paramref name="tag"/>, or null.</summary>
    public HeaderEntry? Get(RpmTag tag) => Get((int)tag);

    /// <summary>True when the tag is present.</summary>
    public bool Has(RpmTag tag) => _byTag.ContainsKey((int)tag);

    /// <summary>A string tag's value (first locale for i18n), or null.</summary>
    public string? GetString(RpmTag tag) => Get(tag)?.AsString();

    /// <summary>A string array's values (empty when absent).</summary>
    public string[] GetStrings(RpmTag tag) => Get(tag)?.AsStrings() ?? [];

    /// <summary>An integer array widened to 64 bits (empty when absent).</summary>
    public long[] GetIntegers(RpmTag tag) => Get(tag)?.AsIntegers() ?? [];

    /// <summary>The first integer of a tag, or null.</summary>
    public long? GetInteger(RpmTag tag)
    {
        var v = GetIntegers(tag);
        return v.Length > 0 ? v[0] : null;
    }

    /// <summary>Reads one header from <paramref name="stream"/> (positioned at its magic).</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="what">"signature header" or "main header", for messages.</param>
    /// <param name="offset">The file offset of the header, for messages.</param>
    public static RpmHeader Read(Stream stream, string what, long offset)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> intro = stackalloc byte[16];
        int got = ReadFully(stream, intro);
        if (got < 16)
            throw new RpmFormatException($"{what}: truncated at offset {offset + got} (need 16 bytes of header intro, got {got})");
        var (il, dl) = CheckIntro(intro, what, offset);
        long total = 16L + il * 16L + dl;
        var raw = new byte[total];
        intro.CopyTo(raw);
        got = ReadFully(stream, raw.AsSpan(16));
        if (got < total - 16)
            throw new RpmFormatException($"{what}: truncated at offset {offset + 16 + got} (index and data need {total - 16} bytes, got {got})");
        return Parse(raw, what, offset);
    }

    private static (int il, int dl) CheckIntro(ReadOnlySpan<byte> intro, string what, long offset)
    {
        if (!intro[..4].SequenceEqual(Magic))
            throw new RpmFormatException($"{what}: bad magic {Convert.ToHexStringLower(intro[..4])} at offset {offset} (expected 8eade801)");
        uint il = BinaryPrimitives.ReadUInt32BigEndian(intro[8..]);
        uint dl = BinaryPrimitives.ReadUInt32BigEndian(intro[12..]);
        if (il < 1 || il > MaxEntries)
            throw new RpmFormatException($"{what}: index entry count {il} at offset {offset + 8} is out of range (1..{MaxEntries})");
        if (dl > MaxData)
            throw new RpmFormatException($"{what}: data length {dl} at offset {offset + 12} exceeds {MaxData}");
        return ((int)il, (int)dl);
    }

    /// <summary>Decodes a header blob (magic through data store), checking every entry's bounds.</summary>
    public static RpmHeader Parse(byte[] raw, string what = "header", long offset = 0)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (raw.Length < 16)
            throw new RpmFormatException($"{what}: truncated (need 16 bytes, have {raw.Length})");
        var (il, dl) = CheckIntro(raw, what, offset);
        if (raw.Length != 16L + il * 16L + dl)
            throw new RpmFormatException($"{what}: size {raw.Length} does not match index count {il} and data length {dl}");
        ReadOnlySpan<byte> index = raw.AsSpan(16, il * 16);
        ReadOnlySpan<byte> data = raw.AsSpan(16 + il * 16, dl);
        long dataAt = offset + 16 + il * 16L;
        var entries = new List<HeaderEntry>(il);
        for (int i = 0; i < il; i++)
        {
            var e = index.Slice(i * 16, 16);
            int tag = BinaryPrimitives.ReadInt32BigEndian(e);
            uint type = BinaryPrimitives.ReadUInt32BigEndian(e[4..]);
            int off = BinaryPrimitives.ReadInt32BigEndian(e[8..]);
            uint count = BinaryPrimitives.ReadUInt32BigEndian(e[12..]);
            string where = $"{what}: tag {tag} (entry {i} at offset {offset + 16 + i * 16})";
            if (type is < 1 or > 9)
                throw new RpmFormatException($"{where}: unknown type {type}");
            if (count == 0 || count > (uint)dl)
                throw new RpmFormatException($"{where}: count {count} is out of range for data length {dl}");
            if (off < 0 || off > dl)
                throw new RpmFormatException($"{where}: data offset {off} is outside the data store of {dl} bytes");
            entries.Add(Decode(tag, (HeaderType)type, data, off, (int)count, where, dataAt));
        }
        return new RpmHeader(entries, raw);
    }

    private static HeaderEntry Decode(int tag, HeaderType type, ReadOnlySpan<byte> data, int off, int count, string where, long dataAt)
    {
        int width = type switch { HeaderType.Int16 => 2, HeaderType.Int32 => 4, HeaderType.Int64 => 8, _ => 1 };
        if (type is HeaderType.Char or HeaderType.Int8 or HeaderType.Bin or HeaderType.Int16 or HeaderType.Int32 or HeaderType.Int64)
        {
            long need = (long)count * width;
            if (off + need > data.Length)
                throw new RpmFormatException($"{where}: {count} x {width}-byte values at data offset {off} (file offset {dataAt + off}) run past the data store of {data.Length} bytes");
            var s = data.Slice(off, (int)need);
            switch (type)
            {
                case HeaderType.Int16:
                    var a16 = new ushort[count];
                    for (int k = 0; k < count; k++) a16[k] = BinaryPrimitives.ReadUInt16BigEndian(s[(k * 2)..]);
                    return HeaderEntry.Int16(tag, a16);
                case HeaderType.Int32:
                    var a32 = new uint[count];
                    for (int k = 0; k < count; k++) a32[k] = BinaryPrimitives.ReadUInt32BigEndian(s[(k * 4)..]);
                    return HeaderEntry.Int32(tag, a32);
                case HeaderType.Int64:
                    var a64 = new ulong[count];
                    for (int k = 0; k < count; k++) a64[k] = BinaryPrimitives.ReadUInt64BigEndian(s[(k * 8)..]);
                    return HeaderEntry.Int64(tag, a64);
                default:
                    return HeaderEntry.Bytes(tag, s.ToArray(), type);
            }
        }
        if (type == HeaderType.String && count != 1)
            throw new RpmFormatException($"{where}: string entry has count {count} (must be 1)");
        var strings = new string[count];
        int p = off;
        for (int k = 0; k < count; k++)
        {
            if (p >= data.Length)
                throw new RpmFormatException($"{where}: string {k} of {count} starts past the data store (data offset {p})");
            int nul = data[p..].IndexOf((byte)0);
            if (nul < 0)
                throw new RpmFormatException($"{where}: string {k} at data offset {p} (file offset {dataAt + p}) is not NUL-terminated");
            strings[k] = Encoding.UTF8.GetString(data.Slice(p, nul));
            p += nul + 1;
        }
        return type switch
        {
            HeaderType.String => HeaderEntry.String(tag, strings[0]),
            HeaderType.I18nString => HeaderEntry.I18n(tag, strings),
            _ => HeaderEntry.StringArray(tag, strings),
        };
    }

    internal static int ReadFully(Stream s, Span<byte> buf)
    {
        int total = 0;
        while (total < buf.Length)
        {
            int n = s.Read(buf[total..]);
            if (n == 0)
                break;
            total += n;
        }
        return total;
    }
}
