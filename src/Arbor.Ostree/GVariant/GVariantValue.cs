// An in-memory GVariant value: what the serializer consumes and what the reader produces when a
// caller wants a whole tree (metadata dictionaries, tests, the text format). The hot paths (file
// headers, dirtrees) use the span-based writer and the zero-copy view directly instead.
using System.Text;

namespace Arbor.Ostree.GVariant;

/// <summary>A GVariant value of a known type.</summary>
public abstract record GVariantValue
{
    /// <summary>The value's type.</summary>
    public abstract GVariantType Type { get; }

    /// <summary>Serializes the value in normal form.</summary>
    public byte[] Serialize() => GVariantSerializer.Serialize(this);

    /// <summary>Prints the value in GVariant text format, as <c>g_variant_print</c> does.</summary>
    public string Print(bool typeAnnotate = false) => GVariantText.Print(this, typeAnnotate);

    /// <summary>A string value.</summary>
    public static GVariantValue Str(string value) => new GVString(value, 's');

    /// <summary>A <c>ay</c> value.</summary>
    public static GVariantValue Bytes(ReadOnlyMemory<byte> value) => new GVBytes(value);

    /// <summary>A boxed value (<c>v</c>).</summary>
    public static GVariantValue Box(GVariantValue inner) => new GVVariant(inner);

    /// <summary>A tuple of the given members.</summary>
    public static GVariantValue Tuple(params GVariantValue[] members) => new GVTuple(members);

    /// <summary>An <c>as</c> value.</summary>
    public static GVariantValue StrArray(IEnumerable<string> values) =>
        new GVArray(GVariantType.String, values.Select(Str).ToArray());

    /// <summary>A <c>u</c> value.</summary>
    public static GVariantValue U32(uint value) => new GVNumber('u', value);

    /// <summary>A <c>t</c> value.</summary>
    public static GVariantValue U64(ulong value) => new GVNumber('t', value);

    /// <summary>A <c>b</c> value.</summary>
    public static GVariantValue Bool(bool value) => new GVNumber('b', value ? 1UL : 0UL);
}

/// <summary>A fixed-size basic value: <c>b y n q i u x t h d</c>, stored as its raw bits.</summary>
public sealed record GVNumber(char Kind, ulong Bits) : GVariantValue
{
    /// <inheritdoc />
    public override GVariantType Type => GVariantType.Parse(Kind.ToString());

    /// <summary>The value as a signed integer, sign-extended from its width.</summary>
    public long AsInt64 => Kind switch
    {
        'n' => (short)Bits,
        'i' or 'h' => (int)Bits,
        _ => (long)Bits,
    };

    /// <summary>The value as a double (for <c>d</c>).</summary>
    public double AsDouble => BitConverter.Int64BitsToDouble((long)Bits);

    /// <summary>A double value.</summary>
    public static GVNumber FromDouble(double d) => new('d', (ulong)BitConverter.DoubleToInt64Bits(d));
}

/// <summary>A string-like value: <c>s</c>, <c>o</c> or <c>g</c>.</summary>
public sealed record GVString(string Value, char Kind) : GVariantValue
{
    /// <inheritdoc />
    public override GVariantType Type => Kind switch { 'o' => GVariantType.ObjectPath, 'g' => GVariantType.TypeSignature, _ => GVariantType.String };
}

/// <summary>A byte string (<c>ay</c>), kept as one block rather than an array of bytes.</summary>
public sealed record GVBytes(ReadOnlyMemory<byte> Value) : GVariantValue
{
    /// <inheritdoc />
    public override GVariantType Type => GVariantType.ByteString;

    /// <summary>The bytes up to (not including) a trailing NUL, as UTF-8 text.</summary>
    public string AsByteString()
    {
        var span = Value.Span;
        if (span.Length > 0 && span[^1] == 0)
            span = span[..^1];
        return Encoding.UTF8.GetString(span);
    }

    /// <inheritdoc />
    public bool Equals(GVBytes? other) => other is not null && Value.Span.SequenceEqual(other.Value.Span);

    /// <inheritdoc />
    public override int GetHashCode() => Value.Length;
}

/// <summary>A boxed value (<c>v</c>).</summary>
public sealed record GVVariant(GVariantValue Inner) : GVariantValue
{
    /// <inheritdoc />
    public override GVariantType Type => GVariantType.Variant;
}

/// <summary>An array of values of one element type (for <c>ay</c> prefer <see cref="GVBytes"/>).</summary>
public sealed record GVArray(GVariantType ElementType, IReadOnlyList<GVariantValue> Items) : GVariantValue
{
    /// <inheritdoc />
    public override GVariantType Type => GVariantType.ArrayOf(ElementType);

    /// <inheritdoc />
    public bool Equals(GVArray? other) => other is not null && ElementType.Equals(other.ElementType) && Items.SequenceEqual(other.Items);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ElementType, Items.Count);
}

/// <summary>A maybe value (<c>m</c>); <see cref="Inner"/> is null for Nothing.</summary>
public sealed record GVMaybe(GVariantType ElementType, GVariantValue? Inner) : GVariantValue
{
    /// <inheritdoc />
    public override GVariantType Type => GVariantType.Parse("m" + ElementType.Signature);
}

/// <summary>A tuple.</summary>
public sealed record GVTuple(IReadOnlyList<GVariantValue> Members) : GVariantValue
{
    /// <inheritdoc />
    public override GVariantType Type => GVariantType.TupleOf(Members.Select(m => m.Type));

    /// <inheritdoc />
    public bool Equals(GVTuple? other) => other is not null && Members.SequenceEqual(other.Members);

    /// <inheritdoc />
    public override int GetHashCode() => Members.Count;
}

/// <summary>A dictionary entry (<c>{kv}</c>).</summary>
public sealed record GVDictEntry(GVariantValue Key, GVariantValue Value) : GVariantValue
{
    /// <inheritdoc />
    public override GVariantType Type => GVariantType.Parse("{" + Key.Type.Signature + Value.Type.Signature + "}");
}
