// The cpio archive inside an RPM payload: "070701" (newc) entries, or rpm's stripped "07070X"
// form (file index only; metadata and sizes come from the header) used for packages with files
// of 4 GiB or more. Bytes flow decompressed payload -> CpioReader.Next (header, name, padding) ->
// ReadData (exactly the entry's size) -> caller. The writer emits newc with rpm's "./" names.
using System.Globalization;
using System.Text;
using Arbor.Rpm.Header;

namespace Arbor.Rpm.Package;

/// <summary>One cpio entry header.</summary>
public sealed record CpioEntry(string Name, uint Mode, uint Uid, uint Gid, uint NLink, long MTime, long Size,
    uint Ino, uint DevMajor, uint DevMinor, uint RdevMajor, uint RdevMinor, int FileIndex);

/// <summary>Streams entries out of a cpio archive.</summary>
public sealed class CpioReader
{
    private const int NameMax = 4096;
    private readonly Stream _s;
    private readonly Func<int, long>? _strippedSize;
    private long _offset;
    private long _remaining;
    private long _padAfter;

    /// <summary>Reads from <paramref name="s"/>; <paramref name="strippedSize"/> gives file sizes for stripped entries.</summary>
    public CpioReader(Stream s, Func<int, long>? strippedSize = null)
    {
        _s = s;
        _strippedSize = strippedSize;
    }

    /// <summary>Called with a malformed-archive error before it is thrown; it may throw a better one instead.</summary>
    internal Action<RpmFormatException>? OnFormatError { get; init; }

    /// <summary>Advances to the next entry; null at the trailer.</summary>
    public CpioEntry? Next()
    {
        try
        {
            return ReadEntry();
        }
        catch (RpmFormatException e) when (OnFormatError is not null)
        {
            OnFormatError(e);
            throw;
        }
    }

    private CpioEntry? ReadEntry()
    {
        Skip(_remaining + _padAfter);
        _remaining = _padAfter = 0;
        Span<byte> magic = stackalloc byte[6];
        Fill(magic, "entry magic");
        if (magic.SequenceEqual("07070X"u8))
        {
            Span<byte> fx = stackalloc byte[8];
            Fill(fx, "stripped entry index");
            Skip(Pad(_offset));
            int index = (int)Hex(fx, "file index");
            if (index == -1)
                return null;
            if (_strippedSize == null)
                throw new RpmFormatException($"payload: stripped cpio entry at offset {_offset - 16} but no file list to size it");
            long size = _strippedSize(index);
            _remaining = size;
            _padAfter = Pad(_offset + size);
            return new CpioEntry("", 0, 0, 0, 1, 0, size, 0, 0, 0, 0, 0, index);
        }
        if (!magic.SequenceEqual("070701"u8) && !magic.SequenceEqual("070702"u8))
            throw new RpmFormatException($"payload: bad cpio magic '{Encoding.ASCII.GetString(magic)}' at offset {_offset - 6} (expected 070701)");
        var h = new byte[104];
        Fill(h, "entry header");
        uint F(int i) => (uint)Hex(h.AsSpan(i * 8, 8), CpioFieldNames[i]);
        uint nameSize = F(11);
        if (nameSize is 0 or > NameMax)
            throw new RpmFormatException($"payload: cpio name size {nameSize} at offset {_offset - 104 + 88} is out of range");
        var nameBuf = new byte[nameSize];
        Fill(nameBuf, "entry name");
        if (nameBuf[^1] != 0)
            throw new RpmFormatException($"payload: cpio name at offset {_offset - nameSize} is not NUL-terminated");
        string name = Encoding.UTF8.GetString(nameBuf, 0, (int)nameSize - 1);
        Skip(Pad(_offset));
        if (name == "TRAILER!!!")
            return null;
        long fileSize = F(6);
        _remaining = fileSize;
        _padAfter = Pad(_offset + fileSize);
        return new CpioEntry(name, F(1), F(2), F(3), F(4), F(5), fileSize, F(0), F(7), F(8), F(9), F(10), -1);
    }

    /// <summary>Reads the current entry's data; returns 0 at its end.</summary>
    public int ReadData(Span<byte> buf)
    {
        if (_remaining == 0)
            return 0;
        int want = (int)Math.Min(buf.Length, _remaining);
        int n = _s.Read(buf[..want]);
        if (n == 0)
        {
            var e = new RpmFormatException($"payload: cpio data truncated at offset {_offset} ({_remaining} bytes missing)");
            OnFormatError?.Invoke(e);
            throw e;
        }
        _remaining -= n;
        _offset += n;
        return n;
    }

    /// <summary>Copies the current entry's data to <paramref name="dest"/>.</summary>
    public void CopyDataTo(Stream dest)
    {
        var buf = new byte[128 * 1024];
        int n;
        while ((n = ReadData(buf)) > 0)
            dest.Write(buf, 0, n);
    }

    private static readonly string[] CpioFieldNames =
        ["ino", "mode", "uid", "gid", "nlink", "mtime", "filesize", "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check"];

    private static long Pad(long offset) => (4 - (offset & 3)) & 3;

    private long Hex(ReadOnlySpan<byte> field, string what)
    {
        if (!uint.TryParse(Encoding.ASCII.GetString(field), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint v))
            throw new RpmFormatException($"payload: cpio field {what} '{Encoding.ASCII.GetString(field)}' near offset {_offset} is not hexadecimal");
        return what == "file index" ? (int)v : v;
    }

    private void Fill(Span<byte> buf, string what)
    {
        int got = RpmHeader.ReadFully(_s, buf);
        _offset += got;
        if (got < buf.Length)
            throw new RpmFormatException($"payload: cpio {what} truncated at offset {_offset}");
    }

    private void Skip(long n)
    {
        Span<byte> buf = stackalloc byte[8192];
        while (n > 0)
        {
            int want = (int)Math.Min(n, buf.Length);
            Fill(buf[..want], "data");
            n -= want;
        }
    }
}

/// <summary>Writes a newc cpio archive.</summary>
public sealed class CpioWriter(Stream s)
{
    private long _offset;
    private uint _ino = 1;

    /// <summary>Writes one entry header (data follows through <see cref="WriteData"/>).</summary>
    public void WriteHeader(string name, uint mode, uint uid, uint gid, uint nlink, long mtime, long size, uint rdevMajor = 0, uint rdevMinor = 0, uint? ino = null)
    {
        if (size > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(size), $"cpio entry '{name}' is {size} bytes; newc holds at most 4 GiB - 1");
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var sb = new StringBuilder("070701");
        foreach (uint v in new[] { ino ?? _ino++, mode, uid, gid, nlink, (uint)mtime, (uint)size, 0u, 0u, rdevMajor, rdevMinor, (uint)nameBytes.Length + 1, 0u })
            sb.Append(v.ToString("x8", CultureInfo.InvariantCulture));
        Raw(Encoding.ASCII.GetBytes(sb.ToString()));
        Raw(nameBytes);
        Raw([0]);
        Align();
    }

    /// <summary>Writes entry data.</summary>
    public void WriteData(ReadOnlySpan<byte> data) => Raw(data);

    /// <summary>Pads after an entry's data.</summary>
    public void EndEntry() => Align();

    /// <summary>Writes the trailer.</summary>
    public void WriteTrailer()
    {
        WriteHeader("TRAILER!!!", 0, 0, 0, 1, 0, 0, ino: 0);
    }

    private void Align()
    {
        int pad = (int)((4 - (_offset & 3)) & 3);
        if (pad > 0)
            Raw(new byte[pad]);
    }

    private void Raw(ReadOnlySpan<byte> b)
    {
        s.Write(b);
        _offset += b.Length;
    }

    /// <summary>Bytes written so far.</summary>
    public long Length => _offset;

}
