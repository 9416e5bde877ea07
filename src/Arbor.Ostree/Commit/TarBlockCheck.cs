// The integrity checks System.Formats.Tar's reader leaves out, applied to the stream it reads:
// every header block must carry a valid checksum, and the archive must end with two zero blocks.
// The reader takes a header whose checksum field is zero or empty for the end of the archive and
// does not compare the checksum with the header, so a damaged header would either be read as
// wrong ownership, mode or size, or silently end the archive early (committing part of it, or an
// empty tree). This stream sits between the (decompressed) archive and the reader, follows the
// 512-byte blocks as they pass (headers, then data and padding as each header's size says, PAX
// "size" records included) and throws before the reader sees a header that fails. It also refuses
// names and link targets that are not UTF-8, which the reader would decode lossily.
using System.Buffers.Text;
using System.Text.Unicode;
using Arbor.Native;
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Commits;

/// <summary>Passes a tar stream through, checking each header block and the end-of-archive marker.</summary>
internal sealed class TarBlockCheck(Stream inner) : ForwardReadStream
{
    private const int Block = 512;
    // PAX and GNU long-name data kept to read "size" and names from; larger ones are passed through unread.
    private const int MaxMetadata = 1 << 20;

    private readonly byte[] _header = new byte[Block];
    private int _headerFill;
    private long _offset;            // bytes passed so far
    private long _headerOffset;      // where the header being filled started
    private long _dataLeft;          // data and padding still to pass before the next header
    private MemoryStream? _metadata; // data of a PAX 'x' or GNU 'L'/'K' header being collected
    private byte _metadataType;
    private long _metadataSize;
    private long? _paxSize;          // a PAX size record for the next entry
    private byte[]? _longName;       // a PAX path or GNU long name for the next entry
    private byte[]? _longLink;       // a PAX linkpath or GNU long link target for the next entry
    private string? _lastEntry;
    private int _zeroBlocks;

    /// <summary>True once two zero blocks have passed: the archive is complete.</summary>
    public bool Ended => _zeroBlocks >= 2;

    /// <summary>The offset of the next byte in the archive.</summary>
    public long Offset => _offset;

    /// <summary>Describes where the reader is, for errors the reader itself raised.</summary>
    public string Where => _lastEntry is null ? $"at offset {_offset}" : $"at offset {_offset}, in or after entry '{_lastEntry}'";

    /// <summary>After the reader has found the end of the archive: requires the second zero block.
    /// (The end of the stream anywhere before the end marker fails the read that finds it.)</summary>
    /// <exception cref="OstreeException">The archive ends without two zero blocks, or data follows a lone one.</exception>
    public void RequireEnd()
    {
        var scratch = new byte[Block];
        while (!Ended)
            _ = Read(scratch); // the end of the stream throws
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
            return 0;
        int n = inner.Read(buffer);
        if (n == 0 && !Ended)
        {
            if (_dataLeft > 0 || _headerFill > 0)
                throw Damaged($"the archive ends at offset {_offset} inside {(_dataLeft > 0 ? "the data of" : "the header after")} entry '{_lastEntry}'; it is truncated");
            throw Damaged($"the archive ends at offset {_offset} without its end marker (two zero blocks); it is truncated");
        }
        Follow(buffer[..n]);
        return n;
    }

    private void Follow(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (Ended)
            {
                // What follows the end marker (record padding) is not read.
                _offset += bytes.Length;
                return;
            }
            if (_dataLeft > 0)
            {
                int take = (int)Math.Min(_dataLeft, bytes.Length);
                if (_metadata is not null && _metadata.Length < _metadataSize)
                    _metadata.Write(bytes[..(int)Math.Min(take, _metadataSize - _metadata.Length)]);
                _dataLeft -= take;
                _offset += take;
                bytes = bytes[take..];
                if (_dataLeft == 0)
                    EndMetadata();
                continue;
            }
            if (_headerFill == 0)
                _headerOffset = _offset;
            int copy = Math.Min(Block - _headerFill, bytes.Length);
            bytes[..copy].CopyTo(_header.AsSpan(_headerFill));
            _headerFill += copy;
            _offset += copy;
            bytes = bytes[copy..];
            if (_headerFill == Block)
            {
                _headerFill = 0;
                Header(_header);
            }
        }
    }

    private void Header(ReadOnlySpan<byte> h)
    {
        if (!h.ContainsAnyExcept((byte)0))
        {
            _zeroBlocks++;
            return;
        }
        if (_zeroBlocks > 0)
            throw Damaged($"the zero block at offset {_headerOffset - Block} is followed by a block that is not (at offset {_headerOffset}): a header there is damaged or missing");
        var nameBytes = EntryName(h);
        var name = TerminalText.Escape(nameBytes);
        var checksum = h.Slice(148, 8);
        bool parsed = TryParseOctal(checksum, out long stored);
        if (!parsed || (stored != UnsignedSum(h) && stored != SignedSum(h)))
        {
            throw Damaged($"the header at offset {_headerOffset} ('{name}') has checksum " +
                $"{(parsed ? Convert.ToString(stored, 8) : $"field '{TerminalText.Escape(checksum)}'")}, but its bytes sum to {Convert.ToString(UnsignedSum(h), 8)} (octal)");
        }
        if (!TryParseNumber(h.Slice(124, 12), out long size) || size < 0)
            throw Damaged($"the header at offset {_headerOffset} ('{name}') has an invalid size '{TerminalText.Escape(h.Slice(124, 12))}'");
        byte type = h[156];
        bool extension = type is (byte)'x' or (byte)'g' or (byte)'L' or (byte)'K';
        if (!extension)
        {
            // Names become strings (and dirtree entries) only if they are UTF-8: decoding would turn
            // each bad byte into U+FFFD, so that two names could become one and the commit would
            // not hold the name the archive has.
            if (!Utf8.IsValid(nameBytes))
                throw new OstreeException(DirTree.InvalidUtf8Message(nameBytes));
            if (type is (byte)'1' or (byte)'2')
            {
                var link = _longLink ?? CString(h.Slice(157, 100)).ToArray();
                if (!Utf8.IsValid(link))
                    throw new OstreeException($"Invalid UTF-8 in the {(type == '1' ? "hard" : "symbolic")} link target of '{name}': {TerminalText.Escape(link)}");
            }
            size = _paxSize ?? size;
            _paxSize = null;
            _longName = null;
            _longLink = null;
            _lastEntry = name;
        }
        // Links, devices, directories and FIFOs carry no data whatever their size field says.
        _dataLeft = type is >= (byte)'1' and <= (byte)'6' ? 0 : (size + Block - 1) / Block * Block;
        if (type is (byte)'x' or (byte)'L' or (byte)'K' && size <= MaxMetadata)
        {
            _metadata = new MemoryStream((int)size);
            _metadataType = type;
            _metadataSize = size;
            if (size == 0)
                EndMetadata();
        }
    }

    private void EndMetadata()
    {
        if (_metadata is null)
            return;
        var data = _metadata.GetBuffer().AsSpan(0, (int)_metadata.Length);
        _metadata = null;
        if (_metadataType is (byte)'L' or (byte)'K')
        {
            var text = CString(data).ToArray();
            if (_metadataType == (byte)'L')
                _longName = text;
            else
                _longLink = text;
            return;
        }
        // PAX records: "LENGTH KEY=VALUE\n".
        while (!data.IsEmpty)
        {
            int space = data.IndexOf((byte)' ');
            if (space <= 0 || !Utf8Parser.TryParse(data[..space], out int length, out int used) || used != space || length <= space || length > data.Length)
                return; // the reader reports malformed records itself
            var record = data[(space + 1)..(length - 1)];
            int eq = record.IndexOf((byte)'=');
            if (eq > 0)
            {
                var key = record[..eq];
                var value = record[(eq + 1)..];
                if (key.SequenceEqual("size"u8) && Utf8Parser.TryParse(value, out long paxSize, out int n) && n == value.Length)
                    _paxSize = paxSize;
                else if (key.SequenceEqual("path"u8))
                    _longName = value.ToArray();
                else if (key.SequenceEqual("linkpath"u8))
                    _longLink = value.ToArray();
            }
            data = data[length..];
        }
    }

    private byte[] EntryName(ReadOnlySpan<byte> h)
    {
        if (_longName is not null)
            return _longName;
        var name = CString(h[..100]);
        var prefix = h.Slice(257, 6).SequenceEqual("ustar\0"u8) ? CString(h.Slice(345, 155)) : [];
        return prefix.IsEmpty ? name.ToArray() : [.. prefix, (byte)'/', .. name];
    }

    private static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> field)
    {
        int nul = field.IndexOf((byte)0);
        return nul < 0 ? field : field[..nul];
    }

    // The checksum counts the checksum field itself as eight spaces. POSIX sums the bytes as
    // unsigned; some old tars summed them as signed chars, which GNU tar and libarchive also accept.
    private static long UnsignedSum(ReadOnlySpan<byte> h)
    {
        long sum = 8 * ' ';
        for (int i = 0; i < Block; i++)
            sum += i is >= 148 and < 156 ? 0 : h[i];
        return sum;
    }

    private static long SignedSum(ReadOnlySpan<byte> h)
    {
        long sum = 8 * ' ';
        for (int i = 0; i < Block; i++)
            sum += i is >= 148 and < 156 ? 0 : (sbyte)h[i];
        return sum;
    }

    // Octal digits, optionally after spaces and before a NUL or space terminator.
    private static bool TryParseOctal(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        int i = 0;
        while (i < field.Length && field[i] == ' ')
            i++;
        int start = i;
        for (; i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; i++)
            value = value * 8 + (field[i] - '0');
        if (i == start)
            return false;
        for (; i < field.Length; i++)
        {
            if (field[i] is not (0 or (byte)' '))
                return false;
        }
        return true;
    }

    // A numeric field: octal, or GNU's base-256 form (first byte 0x80 positive, 0xff negative).
    private static bool TryParseNumber(ReadOnlySpan<byte> field, out long value)
    {
        if (field[0] is 0x80 or 0xff)
        {
            value = field[0] == 0xff ? -1 : 0;
            for (int i = 1; i < field.Length; i++)
                value = (value << 8) | field[i];
            return true;
        }
        if (!field.ContainsAnyExcept((byte)0))
        {
            value = 0;
            return true;
        }
        return TryParseOctal(field, out value);
    }

    private static OstreeException Damaged(string detail) => new($"Damaged tar archive: {detail}");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }
}
