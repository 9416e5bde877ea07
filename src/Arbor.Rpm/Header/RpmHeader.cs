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

    // Entries are checked when the header is parsed but decoded when first asked for: a query
    // usually reads a handful of the header's tags, and decoding them all cost more than the
    // query. Lookups scan the tag column (a few dozen ints, vectorised) instead of hashing.
    private readonly int[] _tags;
    private readonly HeaderType[] _types;
    private readonly int[] _offsets;
    private readonly int[] _counts;
    private readonly HeaderEntry?[] _decoded;
    private readonly int _dataStart;

    private RpmHeader(byte[] raw, int entryCount, int dataStart)
    {
        Raw = raw;
        _dataStart = dataStart;
        _tags = new int[entryCount];
        _types = new HeaderType[entryCount];
        _offsets = new int[entryCount];
        _counts = new int[entryCount];
        _decoded = new HeaderEntry?[entryCount];
    }

    /// <summary>Entries in index order.</summary>
    public IReadOnlyList<HeaderEntry> Entries
    {
        get
        {
            var all = new HeaderEntry[_tags.Length];
            for (int i = 0; i < all.Length; i++)
                all[i] = EntryAt(i);
            return all;
        }
    }

    /// <summary>The header as stored, from the magic to the end of the data store.</summary>
    public byte[] Raw { get; }

    /// <summary>The entry for <paramref name="tag"/>, or null.</summary>
    public HeaderEntry? Get(int tag)
    {
        int i = Array.IndexOf(_tags, tag);
        return i < 0 ? null : EntryAt(i);
    }

    /// <summary>The entry for <paramref name="tag"/>, or null.</summary>
    public HeaderEntry? Get(RpmTag tag) => Get((int)tag);

    /// <summary>True when the tag is present.</summary>
    public bool Has(RpmTag tag) => Array.IndexOf(_tags, (int)tag) >= 0;

    private HeaderEntry EntryAt(int i) =>
        _decoded[i] ??= Decode(_tags[i], _types[i], Raw.AsSpan(_dataStart), _offsets[i], _counts[i]);

    /// <summary>A string tag's value (first locale for i18n), or null.</summary>
    public string? GetString(RpmTag tag) => Get(tag)?.AsString();

    /// <summary>A string array's values (empty when absent).</summary>
    public string[] GetStrings(RpmTag tag) => Get(tag)?.AsStrings() ?? [];

    /// <summary>An integer array widened to 64 bits (empty when absent).</summary>
    public long[] GetIntegers(RpmTag tag) => Get(tag)?.AsIntegers() ?? [];

    /// <summary>The first integer of a tag, or null.</summary>
    public long? GetInteger(RpmTag tag) => Get(tag)?.FirstInteger();

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
        // The counts are the file's word: up to 256 MiB is allowed, so the buffer is not sized from
        // them until the data is known to be there (a file's remaining length) or has arrived.
        if (stream.CanSeek && stream.Length - stream.Position < total - 16)
        {
            long left = Math.Max(0, stream.Length - stream.Position);
            throw new RpmFormatException($"{what}: truncated at offset {offset + 16 + left} (index and data need {total - 16} bytes, got {left})");
        }
        byte[] raw;
        if (stream.CanSeek || total <= 1 << 20)
        {
            raw = GC.AllocateUninitializedArray<byte>((int)total);
            got = ReadFully(stream, raw.AsSpan(16));
        }
        else
        {
            var grown = new MemoryStream(1 << 20);
            grown.Write(intro);
            var chunk = new byte[1 << 16];
            got = 0;
            int n;
            while (got < total - 16 && (n = ReadFully(stream, chunk.AsSpan(0, (int)Math.Min(chunk.Length, total - 16 - got)))) > 0)
            {
                grown.Write(chunk, 0, n);
                got += n;
            }
            raw = grown.ToArray();
        }
        intro.CopyTo(raw);
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

    /// <summary>Checks a header blob (magic through data store): every entry's type, count and bounds.</summary>
    public static RpmHeader Parse(byte[] raw, string what = "header", long offset = 0)
    {
        ArgumentNullException.ThrowIfNull(raw);
        if (raw.Length < 16)
            throw new RpmFormatException($"{what}: truncated (need 16 bytes, have {raw.Length})");
        var (il, dl) = CheckIntro(raw, what, offset);
        if (raw.Length != 16L + il * 16L + dl)
            throw new RpmFormatException($"{what}: size {raw.Length} does not match index count {il} and data length {dl}");
        ReadOnlySpan<byte> index = raw.AsSpan(16, il * 16);
        int dataStart = 16 + il * 16;
        ReadOnlySpan<byte> data = raw.AsSpan(dataStart, dl);
        var header = new RpmHeader(raw, il, dataStart);
        for (int i = 0; i < il; i++)
        {
            var e = index.Slice(i * 16, 16);
            int tag = BinaryPrimitives.ReadInt32BigEndian(e);
            uint type = BinaryPrimitives.ReadUInt32BigEndian(e[4..]);
            int off = BinaryPrimitives.ReadInt32BigEndian(e[8..]);
            uint count = BinaryPrimitives.ReadUInt32BigEndian(e[12..]);
            if (type is < 1 or > 9)
                throw Bad(what, offset, i, tag, $"unknown type {type}");
            if (count == 0 || count > (uint)dl)
                throw Bad(what, offset, i, tag, $"count {count} is out of range for data length {dl}");
            if (off < 0 || off > dl)
                throw Bad(what, offset, i, tag, $"data offset {off} is outside the data store of {dl} bytes");
            Check(tag, (HeaderType)type, data, off, (int)count, what, offset, i, offset + dataStart);
            header._tags[i] = tag;
            header._types[i] = (HeaderType)type;
            header._offsets[i] = off;
            header._counts[i] = (int)count;
        }
        return header;
    }

    private static RpmFormatException Bad(string what, long offset, int entry, int tag, string problem) =>
        new($"{what}: tag {tag} (entry {entry} at offset {offset + 16 + entry * 16}): {problem}");

    private static int Width(HeaderType type) => type switch { HeaderType.Int16 => 2, HeaderType.Int32 => 4, HeaderType.Int64 => 8, _ => 1 };

    private static bool IsFixedWidth(HeaderType type) =>
        type is HeaderType.Char or HeaderType.Int8 or HeaderType.Bin or HeaderType.Int16 or HeaderType.Int32 or HeaderType.Int64;

    // The same checks the decoder would need, without decoding: a value that fits here decodes.
    private static void Check(int tag, HeaderType type, ReadOnlySpan<byte> data, int off, int count, string what, long offset, int entry, long dataAt)
    {
        if (IsFixedWidth(type))
        {
            int width = Width(type);
            long need = (long)count * width;
            if (off + need > data.Length)
                throw Bad(what, offset, entry, tag, $"{count} x {width}-byte values at data offset {off} (file offset {dataAt + off}) run past the data store of {data.Length} bytes");
            return;
        }
        if (type == HeaderType.String && count != 1)
            throw Bad(what, offset, entry, tag, $"string entry has count {count} (must be 1)");
        int p = off;
        for (int k = 0; k < count; k++)
        {
            if (p >= data.Length)
                throw Bad(what, offset, entry, tag, $"string {k} of {count} starts past the data store (data offset {p})");
            int nul = data[p..].IndexOf((byte)0);
            if (nul < 0)
                throw Bad(what, offset, entry, tag, $"string {k} at data offset {p} (file offset {dataAt + p}) is not NUL-terminated");
            p += nul + 1;
        }
    }

    private static HeaderEntry Decode(int tag, HeaderType type, ReadOnlySpan<byte> data, int off, int count)
    {
        if (IsFixedWidth(type))
        {
            var s = data.Slice(off, count * Width(type));
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
        if (type == HeaderType.String)
        {
            int nul = data[off..].IndexOf((byte)0);
            return HeaderEntry.String(tag, Encoding.UTF8.GetString(data.Slice(off, nul)));
        }
        // Per-file arrays repeat themselves (owner "root", group "root", empty link targets and
        // capabilities): a value equal to the one before it shares its string.
        var strings = new string[count];
        int p = off;
        ReadOnlySpan<byte> previous = default;
        for (int k = 0; k < count; k++)
        {
            var value = data.Slice(p, data[p..].IndexOf((byte)0));
            strings[k] = k > 0 && value.SequenceEqual(previous) ? strings[k - 1] : Encoding.UTF8.GetString(value);
            previous = value;
            p += value.Length + 1;
        }
        return type == HeaderType.I18nString ? HeaderEntry.I18n(tag, strings) : HeaderEntry.StringArray(tag, strings);
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
