// A growable byte buffer with the few primitives GVariant serialization needs. Numbers are
// written little-endian (GVariant's byte order on every host Arbor runs on); OSTree's
// big-endian fields are swapped by the object layer before they get here.
using System.Buffers.Binary;
using System.Text;

namespace Arbor.Ostree.GVariant;

/// <summary>Append-only buffer for building serialized GVariant data.</summary>
public sealed class GVariantBuffer
{
    private byte[] _data;

    /// <summary>Creates a buffer with room for <paramref name="capacity"/> bytes.</summary>
    public GVariantBuffer(int capacity = 256) => _data = new byte[Math.Max(16, capacity)];

    /// <summary>Bytes written so far.</summary>
    public int Length { get; private set; }

    /// <summary>The written bytes.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _data.AsSpan(0, Length);

    /// <summary>The written bytes as memory over the internal array (valid until the next write).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _data.AsMemory(0, Length);

    /// <summary>Copies the written bytes to a new array.</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Forgets the contents, keeping the storage.</summary>
    public void Clear() => Length = 0;

    private Span<byte> Grow(int count)
    {
        int need = Length + count;
        if (need > _data.Length)
            Array.Resize(ref _data, Math.Max(need, _data.Length * 2));
        var span = _data.AsSpan(Length, count);
        Length = need;
        return span;
    }

    /// <summary>Appends zero bytes until the position relative to <paramref name="containerStart"/> is a multiple of <paramref name="alignment"/>.</summary>
    public void PadTo(int containerStart, int alignment)
    {
        int rel = Length - containerStart;
        int pad = GVariantType.AlignUp(rel, alignment) - rel;
        if (pad > 0)
            Grow(pad).Clear();
    }

    /// <summary>Appends one byte.</summary>
    public void WriteByte(byte value) => Grow(1)[0] = value;

    /// <summary>Appends bytes.</summary>
    public void Write(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Grow(bytes.Length));

    /// <summary>Appends a little-endian 16-bit value.</summary>
    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Grow(2), value);

    /// <summary>Appends a little-endian 32-bit value.</summary>
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Grow(4), value);

    /// <summary>Appends a little-endian 64-bit value.</summary>
    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Grow(8), value);

    /// <summary>Appends a framing offset of the given width.</summary>
    public void WriteOffset(ulong value, int size) => GVariantSerializer.WriteOffset(Grow(size), value, size);

    /// <summary>Appends a string as UTF-8 followed by its NUL terminator.</summary>
    public void WriteString(string value)
    {
        int n = Encoding.UTF8.GetByteCount(value);
        var span = Grow(n + 1);
        Encoding.UTF8.GetBytes(value, span);
        span[n] = 0;
    }

    /// <summary>Appends a NUL-terminated byte string (bytes are written as given, then NUL).</summary>
    public void WriteBytesZ(ReadOnlySpan<byte> value)
    {
        var span = Grow(value.Length + 1);
        value.CopyTo(span);
        span[value.Length] = 0;
    }

    /// <summary>Appends <paramref name="count"/> bytes and returns them for the caller to fill.</summary>
    public Span<byte> Append(int count) => Grow(count);
}
