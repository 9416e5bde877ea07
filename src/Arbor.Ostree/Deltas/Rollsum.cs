// Rolling-checksum matching of a modified file against its previous version, as ostree does it
// before falling back to bsdiff: both files are cut into content-defined chunks with bup's
// rollsum (64-byte window, split where the low 13 bits of s2 are all ones, chunks capped at
// 32 KiB; after the first stretch without a split point the rest is cut at 32 KiB), chunks are
// keyed by zlib CRC-32, and equal CRC + equal length + equal bytes make a match. The compiler
// uses the matches (sorted by position in the new file) to emit WRITE ops that copy from the
// old object instead of carrying the bytes.
namespace Arbor.Ostree.Deltas;

/// <summary>One chunk of the new file found in the old file.</summary>
/// <param name="Length">Chunk length.</param>
/// <param name="ToStart">Offset in the new file.</param>
/// <param name="FromStart">Offset in the old file.</param>
public readonly record struct RollsumMatch(long Length, long ToStart, long FromStart);

/// <summary>The outcome of matching two files.</summary>
/// <param name="Matches">Matched chunks ordered by <see cref="RollsumMatch.ToStart"/>.</param>
/// <param name="BufMatches">Chunks of the new file found byte-for-byte.</param>
/// <param name="Total">Chunks in the new file.</param>
/// <param name="MatchSize">Bytes covered by matches.</param>
public sealed record RollsumResult(IReadOnlyList<RollsumMatch> Matches, int BufMatches, int Total, long MatchSize);

/// <summary>bup-style content-defined chunking and chunk matching.</summary>
public static class Rollsum
{
    private const int WindowSize = 64;
    private const int CharOffset = 31;
    private const int BlobBits = 13;
    private const int BlobSize = 1 << BlobBits;
    private const int BlobMax = 8192 * 4;

    /// <summary>bup's split point: the length of the first chunk, or 0 when none is found.</summary>
    public static int FindOffset(ReadOnlySpan<byte> buf)
    {
        uint s1 = WindowSize * CharOffset, s2 = WindowSize * (WindowSize - 1) * CharOffset;
        Span<byte> window = stackalloc byte[WindowSize];
        window.Clear();
        int wofs = 0;
        for (int count = 0; count < buf.Length; count++)
        {
            byte drop = window[wofs], add = buf[count];
            s1 += (uint)(add - drop);
            s2 += s1 - (uint)(WindowSize * (drop + CharOffset));
            window[wofs] = add;
            wofs = (wofs + 1) % WindowSize;
            if ((s2 & (BlobSize - 1)) == (BlobSize - 1))
                return count + 1;
        }
        return 0;
    }

    /// <summary>Cuts <paramref name="buf"/> into chunks: (crc, start, length).</summary>
    public static List<(uint Crc, int Start, int Length)> Chunks(ReadOnlySpan<byte> buf)
    {
        var list = new List<(uint, int, int)>();
        int start = 0, remaining = buf.Length;
        bool end = false;
        while (remaining > 0)
        {
            int offset;
            if (!end)
            {
                offset = FindOffset(buf.Slice(start, remaining));
                if (offset == 0)
                {
                    end = true;
                    offset = Math.Min(BlobMax, remaining);
                }
                else if (offset > BlobMax)
                    offset = BlobMax;
            }
            else
                offset = Math.Min(BlobMax, remaining);
            list.Add((Crc32.Compute(buf.Slice(start, offset)), start, offset));
            start += offset;
            remaining -= offset;
        }
        return list;
    }

    /// <summary>Finds the chunks of <paramref name="to"/> that occur in <paramref name="from"/>.</summary>
    public static RollsumResult Match(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        var fromChunks = new Dictionary<uint, List<(int Start, int Length)>>();
        foreach (var (crc, start, length) in Chunks(from))
        {
            if (!fromChunks.TryGetValue(crc, out var l))
                fromChunks[crc] = l = [];
            l.Add((start, length));
        }
        var matches = new List<RollsumMatch>();
        int bufMatches = 0;
        long matchSize = 0;
        var toChunks = Chunks(to);
        foreach (var (crc, start, length) in toChunks)
        {
            if (!fromChunks.TryGetValue(crc, out var candidates))
                continue;
            foreach (var (fs, fl) in candidates)
            {
                if (fl != length || !from.Slice(fs, fl).SequenceEqual(to.Slice(start, length)))
                    continue;
                matches.Add(new RollsumMatch(length, start, fs));
                bufMatches++;
                matchSize += length;
                break;
            }
        }
        // Chunks come in file order already; keep the ordering explicit.
        matches.Sort((a, b) => a.ToStart.CompareTo(b.ToStart));
        return new RollsumResult(matches, bufMatches, toChunks.Count, matchSize);
    }
}

/// <summary>zlib's CRC-32 (polynomial 0xEDB88320), table-driven.</summary>
public static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data)
            c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }
}
