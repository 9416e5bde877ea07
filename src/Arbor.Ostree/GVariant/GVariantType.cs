// GVariant type strings, parsed once into a tree that knows each type's alignment and, for
// fixed-size types, its size. Serializer and reader both walk this tree, so the layout rules of
// GVariant normal form (alignment, fixed sizes, which members carry framing offsets) live here.
using System.Collections.Concurrent;
using System.Text;

namespace Arbor.Ostree.GVariant;

/// <summary>A parsed GVariant type such as <c>(a{sv}aya(say)sstayay)</c>.</summary>
public sealed class GVariantType : IEquatable<GVariantType>
{
    private static readonly ConcurrentDictionary<string, GVariantType> Cache = new(StringComparer.Ordinal);

    /// <summary>The type character: one of <c>bynqiuxthdsogvamr{</c> (tuples use <c>(</c>).</summary>
    public char Kind { get; }

    /// <summary>Child types: the element of an array or maybe, the members of a tuple or dict entry.</summary>
    public IReadOnlyList<GVariantType> Children { get; }

    /// <summary>The type string, e.g. <c>a(say)</c>.</summary>
    public string Signature { get; }

    /// <summary>Alignment in bytes (1, 2, 4 or 8).</summary>
    public int Alignment { get; }

    /// <summary>Size in bytes when the type is fixed-size, otherwise 0.</summary>
    public int FixedSize { get; }

    /// <summary>True when every value of the type has the same size.</summary>
    public bool IsFixedSize => FixedSize > 0;

    /// <summary>The element type of an array or maybe.</summary>
    public GVariantType Element => Kind is 'a' or 'm'
        ? Children[0]
        : throw new InvalidOperationException($"type '{Signature}' has no element type");

    private GVariantType(char kind, GVariantType[] children, string signature)
    {
        Kind = kind;
        Children = children;
        Signature = signature;
        (Alignment, FixedSize) = ComputeLayout(kind, children);
    }

    /// <summary>Parses a complete type string.</summary>
    /// <exception cref="FormatException">The string is not exactly one valid type.</exception>
    public static GVariantType Parse(string signature)
    {
        if (Cache.TryGetValue(signature, out var cached))
            return cached;
        int pos = 0;
        var type = ParseOne(signature, ref pos, 0);
        if (pos != signature.Length)
            throw new FormatException($"GVariant type '{signature}': trailing characters at offset {pos}");
        Cache.TryAdd(signature, type);
        return type;
    }

    /// <summary>True when <paramref name="signature"/> is one complete, valid type string.</summary>
    public static bool TryParse(string signature, out GVariantType? type)
    {
        try
        {
            type = Parse(signature);
            return true;
        }
        catch (FormatException)
        {
            type = null;
            return false;
        }
    }

    /// <summary>Builds an array type over <paramref name="element"/>.</summary>
    public static GVariantType ArrayOf(GVariantType element) => Parse("a" + element.Signature);

    /// <summary>Builds a tuple type over <paramref name="members"/>.</summary>
    public static GVariantType TupleOf(IEnumerable<GVariantType> members)
    {
        var sb = new StringBuilder("(");
        foreach (var m in members)
            sb.Append(m.Signature);
        return Parse(sb.Append(')').ToString());
    }

    /// <summary>Commonly used basic types.</summary>
    public static readonly GVariantType Boolean = Parse("b"), Byte = Parse("y"), Int16 = Parse("n"),
        UInt16 = Parse("q"), Int32 = Parse("i"), UInt32 = Parse("u"), Int64 = Parse("x"),
        UInt64 = Parse("t"), Double = Parse("d"), String = Parse("s"), ObjectPath = Parse("o"),
        TypeSignature = Parse("g"), Variant = Parse("v"), ByteString = Parse("ay"),
        StringArray = Parse("as"), VarDict = Parse("a{sv}"), Unit = Parse("()");

    /// <summary>True for the basic (non-container) types that may be dictionary keys.</summary>
    public bool IsBasic => Kind is 'b' or 'y' or 'n' or 'q' or 'i' or 'u' or 'x' or 't' or 'h' or 'd' or 's' or 'o' or 'g';

    /// <summary>How deeply container types may nest, as glib's G_VARIANT_MAX_RECURSION_DEPTH.</summary>
    public const int MaxDepth = 128;

    private static GVariantType ParseOne(string s, ref int pos, int depth)
    {
        if (pos >= s.Length)
            throw new FormatException($"GVariant type '{s}': unexpected end");
        // Type strings come from untrusted data (a variant's trailer); bound the recursion.
        if (depth > MaxDepth)
            throw new FormatException($"GVariant type '{(s.Length > 64 ? s[..64] + "..." : s)}': nested deeper than {MaxDepth} levels");
        int start = pos;
        char c = s[pos++];
        switch (c)
        {
            case 'b' or 'y' or 'n' or 'q' or 'i' or 'u' or 'x' or 't' or 'h' or 'd' or 's' or 'o' or 'g' or 'v':
                return Intern(s, start, pos, c, []);
            case 'a' or 'm':
                {
                    var elem = ParseOne(s, ref pos, depth + 1);
                    return Intern(s, start, pos, c, [elem]);
                }
            case '(':
                {
                    var members = new List<GVariantType>();
                    while (pos < s.Length && s[pos] != ')')
                        members.Add(ParseOne(s, ref pos, depth + 1));
                    if (pos >= s.Length)
                        throw new FormatException($"GVariant type '{s}': unterminated tuple at offset {start}");
                    pos++;
                    return Intern(s, start, pos, '(', [.. members]);
                }
            case '{':
                {
                    var key = ParseOne(s, ref pos, depth + 1);
                    if (!key.IsBasic)
                        throw new FormatException($"GVariant type '{s}': dictionary key '{key.Signature}' is not a basic type");
                    var value = ParseOne(s, ref pos, depth + 1);
                    if (pos >= s.Length || s[pos] != '}')
                        throw new FormatException($"GVariant type '{s}': dictionary entry at offset {start} must have exactly two members");
                    pos++;
                    return Intern(s, start, pos, '{', [key, value]);
                }
            default:
                throw new FormatException($"GVariant type '{s}': invalid character '{c}' at offset {start}");
        }
    }

    private static GVariantType Intern(string s, int start, int end, char kind, GVariantType[] children)
    {
        var sig = s.Substring(start, end - start);
        return Cache.GetOrAdd(sig, _ => new GVariantType(kind, children, sig));
    }

    private static (int Alignment, int FixedSize) ComputeLayout(char kind, GVariantType[] children)
    {
        switch (kind)
        {
            case 'b' or 'y': return (1, 1);
            case 'n' or 'q': return (2, 2);
            case 'i' or 'u' or 'h': return (4, 4);
            case 'x' or 't' or 'd': return (8, 8);
            case 's' or 'o' or 'g': return (1, 0);
            case 'v': return (8, 0);
            case 'a' or 'm': return (children[0].Alignment, 0);
            default:
                {
                    int align = 1;
                    foreach (var c in children)
                        align = Math.Max(align, c.Alignment);
                    int size = 0;
                    foreach (var c in children)
                    {
                        if (!c.IsFixedSize)
                            return (align, 0);
                        size = AlignUp(size, c.Alignment) + c.FixedSize;
                    }
                    // The unit type occupies one byte; other fixed tuples round up to their alignment.
                    size = size == 0 ? 1 : AlignUp(size, align);
                    return (align, size);
                }
        }
    }

    internal static int AlignUp(int value, int alignment) => (value + alignment - 1) & ~(alignment - 1);

    /// <inheritdoc />
    public bool Equals(GVariantType? other) => other is not null && string.Equals(Signature, other.Signature, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as GVariantType);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Signature);

    /// <inheritdoc />
    public override string ToString() => Signature;
}
