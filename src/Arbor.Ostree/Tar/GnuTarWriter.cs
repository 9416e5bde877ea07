// Writes GNU-format tar streams header by header, the way libarchive's "gnutar" writer lays them
// out, because `ostree export` streams commits through that writer and scripts compare its bytes.
// Headers are formatted in place (spans, BinaryPrimitives) into one pooled 64 KiB buffer that is
// flushed to the output stream when full; file data is copied from its source straight into that
// buffer, so no file is ever held whole in memory. Names longer than 100 bytes get a
// "././@LongLink" 'L' record, link targets a 'K' record; numbers that do not fit their octal field
// go base-256 (uid, gid, size) or saturate (mtime), as libarchive does. The end is two zero
// blocks, optionally padded to a 10240-byte record the way libarchive pads pipes and devices.
using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Arbor.Ostree.Tar;

/// <summary>Tar entry type flags.</summary>
public static class TarTypeFlag
{
    /// <summary>A regular file.</summary>
    public const byte Regular = (byte)'0';
    /// <summary>A hard link to an earlier entry.</summary>
    public const byte HardLink = (byte)'1';
    /// <summary>A symbolic link.</summary>
    public const byte Symlink = (byte)'2';
    /// <summary>A character device.</summary>
    public const byte CharDevice = (byte)'3';
    /// <summary>A block device.</summary>
    public const byte BlockDevice = (byte)'4';
    /// <summary>A directory.</summary>
    public const byte Directory = (byte)'5';
    /// <summary>A FIFO.</summary>
    public const byte Fifo = (byte)'6';
    /// <summary>GNU: the next entry's long link target.</summary>
    public const byte GnuLongLink = (byte)'K';
    /// <summary>GNU: the next entry's long name.</summary>
    public const byte GnuLongName = (byte)'L';
}

/// <summary>One tar header's facts.</summary>
/// <param name="Name">Path in the archive (a directory's gets a trailing '/' when it lacks one).</param>
/// <param name="TypeFlag">One of <see cref="TarTypeFlag"/>.</param>
/// <param name="Mode">Permission bits (only 07777 is written).</param>
/// <param name="Uid">Owner.</param>
/// <param name="Gid">Group.</param>
/// <param name="Size">Data length (regular files only; 0 otherwise).</param>
/// <param name="MTime">Modification time in seconds since the epoch.</param>
/// <param name="LinkName">Symlink or hardlink target, else empty.</param>
public readonly record struct TarHeader(string Name, byte TypeFlag, uint Mode, long Uid, long Gid, long Size, long MTime, string LinkName = "")
{
    /// <summary>Owner name (empty: none).</summary>
    public string UserName { get; init; } = "";

    /// <summary>Group name (empty: none).</summary>
    public string GroupName { get; init; } = "";
}

/// <summary>Streams a GNU tar archive, byte for byte as libarchive's gnutar format writes it.</summary>
public sealed class GnuTarWriter : IDisposable
{
    /// <summary>The tar block size.</summary>
    public const int BlockSize = 512;

    /// <summary>libarchive's default record size: pipes and devices get the last record filled to it.</summary>
    public const int RecordSize = 10240;

    private const int BufferSize = 64 * 1024;
    private const string LongLinkName = "././@LongLink";

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _used;
    private long _position;
    private long _dataRemaining;
    private bool _finished;

    /// <summary>Starts an archive on <paramref name="output"/>.</summary>
    public GnuTarWriter(Stream output, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Bytes written so far (buffered included).</summary>
    public long Position => _position;

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(GnuTarWriter));

    /// <summary>
    /// Writes an entry's header (and the long-name records it needs). A regular file's
    /// <see cref="TarHeader.Size"/> bytes must follow through <see cref="WriteData"/> or
    /// <see cref="CopyData"/>; whatever is not written is zero-filled by the next header or
    /// <see cref="Finish"/>.
    /// </summary>
    public void WriteHeader(in TarHeader header)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        CloseEntry();
        long size = header.TypeFlag == TarTypeFlag.Regular ? header.Size : 0;
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        // A directory's name always ends in '/' (libarchive adds it and so does this).
        var nameText = header.TypeFlag == TarTypeFlag.Directory && header.Name.Length > 0 && header.Name[^1] != '/'
            ? header.Name + "/"
            : header.Name;
        var name = Encoding.UTF8.GetBytes(nameText);
        var link = Encoding.UTF8.GetBytes(header.LinkName);
        // libarchive writes the link record first, then the name record; each repeats the
        // entry's (truncated) link name and names its owner root:wheel, as GNU tar on FreeBSD does.
        if (link.Length > 100)
            WriteLongRecord(TarTypeFlag.GnuLongLink, link, link);
        if (name.Length > 100)
            WriteLongRecord(TarTypeFlag.GnuLongName, name, link);
        var h = NextBlock();
        Format(h, name, header.TypeFlag, header.Mode, header.Uid, header.Gid, size, header.MTime, link,
            Encoding.UTF8.GetBytes(header.UserName), Encoding.UTF8.GetBytes(header.GroupName));
        _dataRemaining = size;
    }

    /// <summary>Writes part of the current entry's data (anything past its size is dropped).</summary>
    public void WriteData(ReadOnlySpan<byte> data)
    {
        if (data.Length > _dataRemaining)
            data = data[..(int)_dataRemaining];
        while (data.Length > 0)
        {
            if (_used == BufferSize)
                FlushBuffer();
            int n = Math.Min(data.Length, BufferSize - _used);
            data[..n].CopyTo(Buffer.AsSpan(_used));
            _used += n;
            _position += n;
            _dataRemaining -= n;
            data = data[n..];
        }
    }

    /// <summary>
    /// Copies the current entry's data from <paramref name="source"/>, reading straight into the
    /// output buffer, until the entry's size is reached or the source ends (the rest is zero-filled).
    /// </summary>
    public void CopyData(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        while (_dataRemaining > 0)
        {
            if (_used == BufferSize)
                FlushBuffer();
            int want = (int)Math.Min(_dataRemaining, BufferSize - _used);
            int n = source.Read(Buffer, _used, want);
            if (n <= 0)
                break;
            _used += n;
            _position += n;
            _dataRemaining -= n;
        }
    }

    /// <summary>
    /// Ends the archive: pads the last entry, writes the two zero blocks and, when
    /// <paramref name="padRecord"/>, zero-fills up to a multiple of <see cref="RecordSize"/>; then flushes.
    /// </summary>
    public void Finish(bool padRecord)
    {
        if (_finished)
            return;
        CloseEntry();
        WriteZeros(2 * BlockSize);
        if (padRecord && _position % RecordSize != 0)
            WriteZeros(RecordSize - (int)(_position % RecordSize));
        FlushBuffer();
        _output.Flush();
        _finished = true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_buffer is { } b)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(b);
        }
        if (!_leaveOpen)
            _output.Dispose();
    }

    private void CloseEntry()
    {
        long pad = _dataRemaining + ((BlockSize - (_position + _dataRemaining) % BlockSize) % BlockSize);
        _dataRemaining = 0;
        WriteZeros(pad);
    }

    private void WriteLongRecord(byte type, byte[] value, byte[] link)
    {
        var h = NextBlock();
        Format(h, Encoding.ASCII.GetBytes(LongLinkName), type, 0, 0, 0, value.Length + 1, 0, link, "root"u8, "wheel"u8);
        _dataRemaining = value.Length + 1;
        WriteData(value);
        WriteData([0]);
        CloseEntry();
    }

    private Span<byte> NextBlock()
    {
        if (BufferSize - _used < BlockSize)
            FlushBuffer();
        var block = Buffer.AsSpan(_used, BlockSize);
        block.Clear();
        _used += BlockSize;
        _position += BlockSize;
        return block;
    }

    private void WriteZeros(long count)
    {
        while (count > 0)
        {
            if (_used == BufferSize)
                FlushBuffer();
            int n = (int)Math.Min(count, BufferSize - _used);
            Buffer.AsSpan(_used, n).Clear();
            _used += n;
            _position += n;
            count -= n;
        }
    }

    private void FlushBuffer()
    {
        if (_used == 0)
            return;
        _output.Write(Buffer, 0, _used);
        _used = 0;
    }

    /// <summary>Fills a zeroed 512-byte block with a GNU header (libarchive's field layout and number forms).</summary>
    private static void Format(Span<byte> h, ReadOnlySpan<byte> name, byte type, uint mode, long uid, long gid, long size, long mtime,
        ReadOnlySpan<byte> link, ReadOnlySpan<byte> user, ReadOnlySpan<byte> group)
    {
        name[..Math.Min(name.Length, 100)].CopyTo(h);
        Octal(mode & 0xFFF, h.Slice(100, 7));
        Number(uid, h.Slice(108, 8));
        Number(gid, h.Slice(116, 8));
        Number(size, h.Slice(124, 12));
        Octal(Math.Max(mtime, 0), h.Slice(136, 11));
        h.Slice(148, 8).Fill((byte)' ');
        h[156] = type;
        link[..Math.Min(link.Length, 100)].CopyTo(h[157..]);
        "ustar  \0"u8.CopyTo(h[257..]);
        user[..Math.Min(user.Length, 32)].CopyTo(h[265..]);
        group[..Math.Min(group.Length, 32)].CopyTo(h[297..]);
        uint sum = 0;
        foreach (var b in h)
            sum += b;
        Octal(sum, h.Slice(148, 6));
        h[154] = 0;
    }

    /// <summary>Octal digits filling the field but its last byte (left as NUL), or base-256 in the whole field when too big.</summary>
    private static void Number(long value, Span<byte> field)
    {
        int digits = field.Length - 1;
        if (value < 1L << (3 * digits))
        {
            Octal(value, field[..digits]);
            return;
        }
        // Big-endian two's complement in the whole field, first bit set.
        field.Clear();
        BinaryPrimitives.WriteInt64BigEndian(field[^8..], value);
        field[0] |= 0x80;
    }

    /// <summary>Zero-padded octal filling <paramref name="field"/>; all sevens when it does not fit.</summary>
    private static void Octal(long value, Span<byte> field)
    {
        if (value < 0)
            value = 0;
        for (int i = field.Length - 1; i >= 0; i--)
        {
            field[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }
        if (value != 0)
            field.Fill((byte)'7');
    }
}
