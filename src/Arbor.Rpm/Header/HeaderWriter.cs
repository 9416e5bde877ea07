// Builds header blobs the way rpm lays them out: index sorted by tag, data store in index order
// with natural alignment (2/4/8) for integers, and an enclosing region (HEADERIMMUTABLE for the
// main header, HEADERSIGNATURES for the signature header) whose trailer rpm uses to tell signed
// from unsigned data. Entries flow in from the package writer; a byte[] flows out to be hashed
// and written to the file.
using System.Buffers.Binary;
using System.Text;

namespace Arbor.Rpm.Header;

/// <summary>Encodes entries into a header blob.</summary>
public static class HeaderWriter
{
    /// <summary>Encodes <paramref name="entries"/> inside a region named by <paramref name="regionTag"/> (61, 62 or 63).</summary>
    public static byte[] Build(IEnumerable<HeaderEntry> entries, int regionTag)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = entries.OrderBy(e => e.Tag).ToList();
        if (list.Select(e => e.Tag).Distinct().Count() != list.Count)
            throw new ArgumentException("duplicate tags in header", nameof(entries));
        int il = list.Count + 1;
        var data = new MemoryStream();
        var index = new byte[il * 16];
        for (int i = 0; i < list.Count; i++)
        {
            var e = list[i];
            int align = e.Type switch { HeaderType.Int16 => 2, HeaderType.Int32 => 4, HeaderType.Int64 => 8, _ => 1 };
            while (data.Length % align != 0)
                data.WriteByte(0);
            int off = (int)data.Length;
            WriteValue(data, e);
            var slot = index.AsSpan((i + 1) * 16, 16);
            BinaryPrimitives.WriteInt32BigEndian(slot, e.Tag);
            BinaryPrimitives.WriteUInt32BigEndian(slot[4..], (uint)e.Type);
            BinaryPrimitives.WriteInt32BigEndian(slot[8..], off);
            BinaryPrimitives.WriteInt32BigEndian(slot[12..], e.Count);
        }
        // The region trailer: a copy of the region entry whose offset is minus the region's index size.
        int trailerAt = (int)data.Length;
        Span<byte> trailer = stackalloc byte[16];
        BinaryPrimitives.WriteInt32BigEndian(trailer, regionTag);
        BinaryPrimitives.WriteUInt32BigEndian(trailer[4..], (uint)HeaderType.Bin);
        BinaryPrimitives.WriteInt32BigEndian(trailer[8..], -(il * 16));
        BinaryPrimitives.WriteInt32BigEndian(trailer[12..], 16);
        data.Write(trailer);
        var region = index.AsSpan(0, 16);
        BinaryPrimitives.WriteInt32BigEndian(region, regionTag);
        BinaryPrimitives.WriteUInt32BigEndian(region[4..], (uint)HeaderType.Bin);
        BinaryPrimitives.WriteInt32BigEndian(region[8..], trailerAt);
        BinaryPrimitives.WriteInt32BigEndian(region[12..], 16);

        int dl = (int)data.Length;
        var blob = new byte[16 + index.Length + dl];
        RpmHeader.Magic.CopyTo(blob);
        BinaryPrimitives.WriteInt32BigEndian(blob.AsSpan(8), il);
        BinaryPrimitives.WriteInt32BigEndian(blob.AsSpan(12), dl);
        index.CopyTo(blob, 16);
        data.GetBuffer().AsSpan(0, dl).CopyTo(blob.AsSpan(16 + index.Length));
        return blob;
    }

    /// <summary>Appends one entry's value in the header's big-endian data layout (alignment is the caller's).</summary>
    internal static void WriteValue(MemoryStream data, HeaderEntry e)
    {
        Span<byte> b = stackalloc byte[8];
        switch (e.Value)
        {
            case byte[] bytes:
                data.Write(bytes);
                break;
            case ushort[] a:
                foreach (var v in a) { BinaryPrimitives.WriteUInt16BigEndian(b, v); data.Write(b[..2]); }
                break;
            case uint[] a:
                foreach (var v in a) { BinaryPrimitives.WriteUInt32BigEndian(b, v); data.Write(b[..4]); }
                break;
            case ulong[] a:
                foreach (var v in a) { BinaryPrimitives.WriteUInt64BigEndian(b, v); data.Write(b[..8]); }
                break;
            case string s:
                WriteString(data, s, e.Tag);
                break;
            case string[] a:
                foreach (var s in a) WriteString(data, s, e.Tag);
                break;
            default:
                throw new ArgumentException($"tag {e.Tag}: unsupported value {e.Value.GetType().Name}");
        }
    }

    private static void WriteString(MemoryStream data, string s, int tag)
    {
        if (s.Contains('\0', StringComparison.Ordinal))
            throw new ArgumentException($"tag {tag}: string contains NUL");
        data.Write(Encoding.UTF8.GetBytes(s));
        data.WriteByte(0);
    }
}
