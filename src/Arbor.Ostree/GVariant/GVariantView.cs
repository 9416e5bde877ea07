// Zero-copy access to serialized GVariant data. A view is a type plus a slice of bytes; taking
// a child computes its slice from alignment and framing offsets without copying. Data from the
// network or disk is untrusted: every offset is bounds-checked and a malformed container raises
// GVariantFormatException naming the type and the problem, never an out-of-range read.
using System.Buffers.Binary;
using System.Text;

namespace Arbor.Ostree.GVariant;

/// <summary>Raised when serialized GVariant data does not match its type.</summary>
public sealed class GVariantFormatException(string message) : FormatException(message);

/// <summary>A read-only view of serialized GVariant data of a known type.</summary>
public readonly struct GVariantView
{
    /// <summary>The serialized bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The type of the data.</summary>
    public GVariantType Type { get; }

    /// <summary>Wraps <paramref name="data"/> as a value of <paramref name="type"/>.</summary>
    public GVariantView(GVariantType type, ReadOnlyMemory<byte> data)
    {
        Type = type;
        Data = data;
    }

    /// <summary>Wraps <paramref name="data"/> as a value of the type written as <paramref name="signature"/>.</summary>
    public GVariantView(string signature, ReadOnlyMemory<byte> data) : this(GVariantType.Parse(signature), data) { }

    private ReadOnlySpan<byte> Span => Data.Span;

    private GVariantFormatException Bad(string what) => new($"GVariant '{Type.Signature}' ({Data.Length} bytes): {what}");

    private void ExpectKind(char kind)
    {
        if (Type.Kind != kind)
            throw new InvalidOperationException($"GVariant of type '{Type.Signature}' read as '{kind}'");
    }

    private ReadOnlySpan<byte> Fixed(int size)
    {
        if (Data.Length != size)
            throw Bad($"expected {size} bytes");
        return Span;
    }

    /// <summary>Reads a <c>b</c>.</summary>
    public bool GetBoolean() { ExpectKind('b'); return Fixed(1)[0] != 0; }

    /// <summary>Reads a <c>y</c>.</summary>
    public byte GetByte() { ExpectKind('y'); return Fixed(1)[0]; }

    /// <summary>Reads a <c>u</c> as stored (little-endian).</summary>
    public uint GetUInt32() { ExpectKind('u'); return BinaryPrimitives.ReadUInt32LittleEndian(Fixed(4)); }

    /// <summary>Reads a <c>u</c> whose value was stored big-endian, as OSTree stores uid/gid/mode.</summary>
    public uint GetUInt32BigEndian() { ExpectKind('u'); return BinaryPrimitives.ReadUInt32BigEndian(Fixed(4)); }

    /// <summary>Reads a <c>t</c> as stored (little-endian).</summary>
    public ulong GetUInt64() { ExpectKind('t'); return BinaryPrimitives.ReadUInt64LittleEndian(Fixed(8)); }

    /// <summary>Reads a <c>t</c> whose value was stored big-endian, as OSTree stores timestamps and sizes.</summary>
    public ulong GetUInt64BigEndian() { ExpectKind('t'); return BinaryPrimitives.ReadUInt64BigEndian(Fixed(8)); }

    /// <summary>Reads an <c>s</c>, <c>o</c> or <c>g</c>.</summary>
    public string GetString() => Encoding.UTF8.GetString(GetStringBytes());

    /// <summary>Reads an <c>s</c>, <c>o</c> or <c>g</c> as its bytes, without the NUL, for callers that must see invalid UTF-8 as it is.</summary>
    public ReadOnlySpan<byte> GetStringBytes()
    {
        if (Type.Kind is not ('s' or 'o' or 'g'))
            throw new InvalidOperationException($"GVariant of type '{Type.Signature}' read as a string");
        var span = Span;
        if (span.Length == 0 || span[^1] != 0)
            throw Bad("string is not NUL-terminated");
        span = span[..^1];
        if (span.IndexOf((byte)0) >= 0)
            throw Bad("string contains an embedded NUL");
        return span;
    }

    /// <summary>Reads an <c>ay</c> as raw bytes.</summary>
    public ReadOnlyMemory<byte> GetBytes()
    {
        if (Type.Signature != "ay")
            throw new InvalidOperationException($"GVariant of type '{Type.Signature}' read as 'ay'");
        return Data;
    }

    /// <summary>Reads an <c>ay</c> holding a NUL-terminated byte string, without the NUL.</summary>
    public ReadOnlySpan<byte> GetByteStringSpan()
    {
        var span = GetBytes().Span;
        return span.Length > 0 && span[^1] == 0 ? span[..^1] : span;
    }

    /// <summary>Unboxes a <c>v</c>.</summary>
    public GVariantView GetVariant()
    {
        ExpectKind('v');
        var span = Span;
        int sep = span.LastIndexOf((byte)0);
        if (sep < 0)
            throw Bad("variant has no type separator");
        var sig = Encoding.ASCII.GetString(span[(sep + 1)..]);
        if (!GVariantType.TryParse(sig, out var inner) || inner is null)
            throw Bad($"variant carries invalid type '{sig}'");
        return new GVariantView(inner, Data[..sep]);
    }

    /// <summary>Number of children of an array, tuple, dict entry or maybe.</summary>
    public int ChildCount
    {
        get
        {
            switch (Type.Kind)
            {
                case 'a':
                    {
                        var elem = Type.Element;
                        if (elem.IsFixedSize)
                        {
                            if (Data.Length % elem.FixedSize != 0)
                                throw Bad($"array length is not a multiple of element size {elem.FixedSize}");
                            return Data.Length / elem.FixedSize;
                        }
                        if (Data.Length == 0)
                            return 0;
                        int osz = GVariantSerializer.OffsetSizeForContainer(Data.Length);
                        ulong last = ReadOffset(Data.Length - osz, osz);
                        if (last > (ulong)Data.Length)
                            throw Bad("framing offset past the end");
                        long table = Data.Length - (long)last;
                        if (table % osz != 0 || table == 0)
                            throw Bad("framing offset table has a bad size");
                        return (int)(table / osz);
                    }
                case 'm':
                    return Data.Length == 0 ? 0 : 1;
                case '(' or '{':
                    return Type.Children.Count;
                default:
                    throw new InvalidOperationException($"GVariant of type '{Type.Signature}' has no children");
            }
        }
    }

    /// <summary>The <paramref name="index"/>th child of an array, tuple, dict entry or maybe.</summary>
    public GVariantView this[int index] => GetChild(index);

    /// <summary>The <paramref name="index"/>th child of an array, tuple, dict entry or maybe.</summary>
    public GVariantView GetChild(int index)
    {
        switch (Type.Kind)
        {
            case 'a':
                return ArrayChild(index);
            case 'm':
                {
                    var elem = Type.Element;
                    if (Data.Length == 0 || index != 0)
                        throw new ArgumentOutOfRangeException(nameof(index));
                    if (elem.IsFixedSize)
                        return new GVariantView(elem, Data);
                    if (Span[^1] != 0)
                        throw Bad("maybe value does not end in a NUL byte");
                    return new GVariantView(elem, Data[..^1]);
                }
            case '(' or '{':
                return TupleChild(index);
            default:
                throw new InvalidOperationException($"GVariant of type '{Type.Signature}' has no children");
        }
    }

    private ulong ReadOffset(int pos, int size)
    {
        var s = Span.Slice(pos, size);
        return size switch
        {
            1 => s[0],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(s),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(s),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(s),
        };
    }

    private GVariantView ArrayChild(int index)
    {
        var elem = Type.Element;
        if (elem.IsFixedSize)
        {
            int off = checked(index * elem.FixedSize);
            if (index < 0 || off + elem.FixedSize > Data.Length)
                throw new ArgumentOutOfRangeException(nameof(index));
            return new GVariantView(elem, Data.Slice(off, elem.FixedSize));
        }
        int count = ChildCount;
        if (index < 0 || index >= count)
            throw new ArgumentOutOfRangeException(nameof(index));
        int osz = GVariantSerializer.OffsetSizeForContainer(Data.Length);
        int tableStart = Data.Length - count * osz;
        ulong start = index == 0 ? 0 : ReadOffset(tableStart + (index - 1) * osz, osz);
        ulong end = ReadOffset(tableStart + index * osz, osz);
        start = (ulong)GVariantType.AlignUp((int)Math.Min(start, (ulong)tableStart), elem.Alignment);
        if (end > (ulong)tableStart || start > end)
            throw Bad($"element {index} has bad framing offsets");
        return new GVariantView(elem, Data[(int)start..(int)end]);
    }

    private GVariantView TupleChild(int index)
    {
        var members = Type.Children;
        if (index < 0 || index >= members.Count)
            throw new ArgumentOutOfRangeException(nameof(index));
        int osz = GVariantSerializer.OffsetSizeForContainer(Data.Length);
        int offsetsUsed = 0;
        int pos = 0;
        for (int i = 0; ; i++)
        {
            var t = members[i];
            pos = GVariantType.AlignUp(pos, t.Alignment);
            int end;
            if (t.IsFixedSize)
                end = pos + t.FixedSize;
            else if (i == members.Count - 1)
            {
                // The last variable member runs up to the framing offsets of the earlier ones.
                end = Data.Length - offsetsUsed * osz;
            }
            else
            {
                offsetsUsed++;
                int at = Data.Length - offsetsUsed * osz;
                // An empty container has no room for framing offsets (osz is 0).
                if (osz == 0 || at < 0)
                    throw Bad("framing offsets past the start");
                ulong e = ReadOffset(at, osz);
                if (e > (ulong)at)
                    throw Bad($"member {i} ends past the container");
                end = (int)e;
            }
            if (end < pos || end > Data.Length - (offsetsUsed * osz))
                throw Bad($"member {i} has bad bounds {pos}..{end}");
            if (i == index)
                return new GVariantView(t, Data[pos..end]);
            pos = end;
        }
    }

    /// <summary>Iterates the children of a container.</summary>
    public IEnumerable<GVariantView> Children()
    {
        int n = ChildCount;
        for (int i = 0; i < n; i++)
            yield return GetChild(i);
    }

    /// <summary>In an <c>a{s*}</c> dictionary, finds the value stored under <paramref name="key"/>.</summary>
    public bool TryLookup(string key, out GVariantView value)
    {
        int n = ChildCount;
        for (int i = 0; i < n; i++)
        {
            var entry = GetChild(i);
            if (entry[0].GetString() == key)
            {
                value = entry[1];
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>How deeply values may nest (glib's G_VARIANT_MAX_RECURSION_DEPTH).</summary>
    public const int MaxDepth = 128;

    /// <summary>Converts the whole view into an in-memory value tree.</summary>
    /// <exception cref="GVariantFormatException">The data is malformed or nests deeper than <see cref="MaxDepth"/>.</exception>
    public GVariantValue ToValue() => ToValue(0);

    private GVariantValue ToValue(int depth)
    {
        // Type strings are limited in depth, but variants can nest without bound in very little
        // data; untrusted input must not be able to exhaust the stack.
        if (depth > MaxDepth)
            throw Bad($"values nest deeper than {MaxDepth} levels");
        depth++;
        switch (Type.Kind)
        {
            case 'b' or 'y' or 'n' or 'q' or 'i' or 'u' or 'h' or 'x' or 't' or 'd':
                {
                    var s = Fixed(Type.FixedSize);
                    ulong bits = Type.FixedSize switch
                    {
                        1 => s[0],
                        2 => BinaryPrimitives.ReadUInt16LittleEndian(s),
                        4 => BinaryPrimitives.ReadUInt32LittleEndian(s),
                        _ => BinaryPrimitives.ReadUInt64LittleEndian(s),
                    };
                    return new GVNumber(Type.Kind, bits);
                }
            case 's' or 'o' or 'g':
                return new GVString(GetString(), Type.Kind);
            case 'v':
                return new GVVariant(GetVariant().ToValue(depth));
            case 'a' when Type.Element.Kind == 'y':
                return new GVBytes(Data.ToArray());
            case 'a':
                {
                    var items = new GVariantValue[ChildCount];
                    for (int i = 0; i < items.Length; i++)
                        items[i] = GetChild(i).ToValue(depth);
                    return new GVArray(Type.Element, items);
                }
            case 'm':
                return new GVMaybe(Type.Element, ChildCount == 0 ? null : GetChild(0).ToValue(depth));
            case '{':
                return new GVDictEntry(GetChild(0).ToValue(depth), GetChild(1).ToValue(depth));
            default:
                {
                    var items = new GVariantValue[Type.Children.Count];
                    for (int i = 0; i < items.Length; i++)
                        items[i] = GetChild(i).ToValue(depth);
                    return new GVTuple(items);
                }
        }
    }
}
