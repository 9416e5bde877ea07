// GVariant normal-form serialization. Every OSTree checksum is a SHA-256 over these bytes, so
// the rules are followed to the letter: children aligned relative to their container, framing
// offsets stored little-endian at the end of the container in the smallest width that fits,
// fixed-size tuples padded to their alignment, variants as child + NUL + type string.
using System.Buffers.Binary;
using System.Text;

namespace Arbor.Ostree.GVariant;

/// <summary>Serializes <see cref="GVariantValue"/> trees to GVariant normal form.</summary>
public static class GVariantSerializer
{
    /// <summary>Serializes <paramref name="value"/> to a new array.</summary>
    public static byte[] Serialize(GVariantValue value)
    {
        var buf = new GVariantBuffer(256);
        Write(buf, value);
        return buf.ToArray();
    }

    /// <summary>Appends <paramref name="value"/> to <paramref name="buf"/>; the buffer position must be suitably aligned.</summary>
    public static void Write(GVariantBuffer buf, GVariantValue value)
    {
        switch (value)
        {
            case GVNumber n:
                WriteNumber(buf, n.Kind, n.Bits);
                break;
            case GVString s:
                buf.WriteString(s.Value);
                break;
            case GVBytes b:
                buf.Write(b.Value.Span);
                break;
            case GVVariant v:
                {
                    Write(buf, v.Inner);
                    buf.WriteByte(0);
                    buf.Write(Encoding.ASCII.GetBytes(v.Inner.Type.Signature));
                    break;
                }
            case GVMaybe m:
                if (m.Inner is not null)
                {
                    Write(buf, m.Inner);
                    if (!m.ElementType.IsFixedSize)
                        buf.WriteByte(0);
                }
                break;
            case GVArray a:
                WriteArray(buf, a);
                break;
            case GVTuple t:
                WriteTuple(buf, t.Members);
                break;
            case GVDictEntry d:
                WriteTuple(buf, [d.Key, d.Value]);
                break;
            default:
                throw new ArgumentException($"unknown GVariant value {value.GetType().Name}", nameof(value));
        }
    }

    private static void WriteNumber(GVariantBuffer buf, char kind, ulong bits)
    {
        switch (kind)
        {
            case 'b' or 'y': buf.WriteByte((byte)bits); break;
            case 'n' or 'q': buf.WriteUInt16((ushort)bits); break;
            case 'i' or 'u' or 'h': buf.WriteUInt32((uint)bits); break;
            default: buf.WriteUInt64(bits); break;
        }
    }

    private static void WriteArray(GVariantBuffer buf, GVArray a)
    {
        var elem = a.ElementType;
        int start = buf.Length;
        if (elem.IsFixedSize)
        {
            foreach (var item in a.Items)
            {
                buf.PadTo(start, elem.Alignment);
                Write(buf, item);
            }
            return;
        }
        if (a.Items.Count == 0)
            return;
        Span<long> ends = a.Items.Count <= 256 ? stackalloc long[a.Items.Count] : new long[a.Items.Count];
        for (int i = 0; i < a.Items.Count; i++)
        {
            buf.PadTo(start, elem.Alignment);
            Write(buf, a.Items[i]);
            ends[i] = buf.Length - start;
        }
        WriteFramingOffsets(buf, start, ends);
    }

    /// <summary>Writes tuple (or dict entry) members with their framing offsets.</summary>
    internal static void WriteTuple(GVariantBuffer buf, IReadOnlyList<GVariantValue> members)
    {
        int start = buf.Length;
        if (members.Count == 0)
        {
            buf.WriteByte(0);
            return;
        }
        int align = 1;
        bool allFixed = true;
        foreach (var m in members)
        {
            var t = m.Type;
            align = Math.Max(align, t.Alignment);
            allFixed &= t.IsFixedSize;
        }
        Span<long> ends = stackalloc long[members.Count];
        int n = 0;
        for (int i = 0; i < members.Count; i++)
        {
            var t = members[i].Type;
            buf.PadTo(start, t.Alignment);
            Write(buf, members[i]);
            if (!t.IsFixedSize && i != members.Count - 1)
                ends[n++] = buf.Length - start;
        }
        if (allFixed)
        {
            buf.PadTo(start, align);
            return;
        }
        // Offsets are stored in reverse order: the first variable member's end is the last word.
        ends[..n].Reverse();
        WriteFramingOffsets(buf, start, ends[..n]);
    }

    /// <summary>Appends framing offsets (already in storage order) for a container that began at <paramref name="start"/>.</summary>
    internal static void WriteFramingOffsets(GVariantBuffer buf, int start, ReadOnlySpan<long> offsets)
    {
        long body = buf.Length - start;
        int size = OffsetSizeForBody(body, offsets.Length);
        foreach (var o in offsets)
            buf.WriteOffset((ulong)o, size);
    }

    /// <summary>The framing offset width glib picks for a container body of <paramref name="body"/> bytes with <paramref name="count"/> offsets.</summary>
    public static int OffsetSizeForBody(long body, int count)
    {
        if (body + count <= byte.MaxValue)
            return 1;
        if (body + 2L * count <= ushort.MaxValue)
            return 2;
        if (body + 4L * count <= uint.MaxValue)
            return 4;
        return 8;
    }

    /// <summary>The framing offset width a reader uses for a container of <paramref name="size"/> bytes.</summary>
    public static int OffsetSizeForContainer(long size) =>
        size == 0 ? 0 : size <= byte.MaxValue ? 1 : size <= ushort.MaxValue ? 2 : size <= uint.MaxValue ? 4 : 8;

    internal static void WriteOffset(Span<byte> dest, ulong value, int size)
    {
        switch (size)
        {
            case 1: dest[0] = (byte)value; break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(dest, (ushort)value); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(dest, (uint)value); break;
            default: BinaryPrimitives.WriteUInt64LittleEndian(dest, value); break;
        }
    }
}
