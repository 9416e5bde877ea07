// Random GVariant types and values for property tests. Values are generated for a type, so a
// generated (type, value) pair is always well-typed; `ay` is always a GVBytes because that is
// what the reader produces for it.
using System.Text;
using Arbor.Ostree.GVariant;
using FsCheck;
using FsCheck.Fluent;

namespace Arbor.Ostree.Tests.GVariant;

internal static class GVariantGen
{
    private static readonly string[] BasicKinds = ["b", "y", "n", "q", "i", "u", "x", "t", "h", "d", "s", "o", "g"];

    /// <summary>A random basic type (usable as a dictionary key).</summary>
    public static Gen<GVariantType> BasicType =>
        Gen.Elements(BasicKinds).Select(GVariantType.Parse);

    /// <summary>A random type nested at most <paramref name="depth"/> levels.</summary>
    public static Gen<GVariantType> Type(int depth)
    {
        var leaf = Gen.Frequency(
            (10, BasicType),
            (2, Gen.Constant(GVariantType.Variant)),
            (2, Gen.Constant(GVariantType.ByteString)),
            (1, Gen.Constant(GVariantType.Unit)));
        if (depth <= 0)
            return leaf;
        var inner = Type(depth - 1);
        return Gen.Frequency(
            (4, leaf),
            (3, inner.Select(GVariantType.ArrayOf)),
            (1, inner.Select(t => GVariantType.Parse("m" + t.Signature))),
            (4, Gen.Choose(0, 5).SelectMany(n => Gen.ListOf(inner, n)).Select(ms => GVariantType.TupleOf(ms))),
            (2, BasicType.SelectMany(k => inner.Select(v => GVariantType.Parse("a{" + k.Signature + v.Signature + "}")))));
    }

    private static readonly char[] TextChars =
        "abcXYZ019 -_./'\"\\\t\nüé名前ß\u007f\u0080\u00a0".ToCharArray();

    public static Gen<string> Text(int maxLen) =>
        Gen.Choose(0, maxLen).SelectMany(n => Gen.ArrayOf(Gen.Elements(TextChars), n))
            .SelectMany(cs => Gen.Elements(false, false, false, true).Select(emoji => emoji ? new string(cs) + "😀" : new string(cs)));

    private static Gen<ulong> Bits =>
        Gen.Frequency(
            (3, Gen.Choose(-3, 300).Select(i => unchecked((ulong)(long)i))),
            (2, Gen.Elements(0UL, 1UL, 0xffUL, 0xffffUL, 0xffff_ffffUL, ulong.MaxValue, 0x8000_0000_0000_0000UL)),
            (3, Gen.Two(Gen.Choose(int.MinValue, int.MaxValue)).Select(p => ((ulong)(uint)p.Item1 << 32) | (uint)p.Item2)));

    private static ulong Mask(char kind, ulong bits) => kind switch
    {
        'b' => bits & 1,
        'y' => bits & 0xff,
        'n' or 'q' => bits & 0xffff,
        'i' or 'u' or 'h' => bits & 0xffff_ffff,
        _ => bits,
    };

    private static Gen<string> ObjectPath =>
        Gen.ListOf(Gen.Elements("org", "gnome", "a_b", "X1"), 3).Select(parts => "/" + string.Join('/', parts));

    /// <summary>A random value of <paramref name="type"/>; <paramref name="size"/> bounds container lengths.</summary>
    public static Gen<GVariantValue> Value(GVariantType type, int size)
    {
        switch (type.Kind)
        {
            case 'b' or 'y' or 'n' or 'q' or 'i' or 'u' or 'x' or 't' or 'h' or 'd':
                return Bits.Select(b => (GVariantValue)new GVNumber(type.Kind, Mask(type.Kind, b)));
            case 's':
                return Text(Math.Max(2, size)).Select(GVariantValue.Str);
            case 'o':
                return ObjectPath.Select(p => (GVariantValue)new GVString(p, 'o'));
            case 'g':
                return Type(1).Select(t => (GVariantValue)new GVString(t.Signature, 'g'));
            case 'v':
                return Type(1).SelectMany(t => Value(t, size / 2)).Select(GVariantValue.Box);
            case 'a' when type.Element.Kind == 'y':
                return Gen.Choose(0, size * 4).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), n))
                    .Select(b => GVariantValue.Bytes(b));
            case 'a':
                return Gen.Choose(0, size).SelectMany(n => Gen.ListOf(Value(type.Element, size / 2), n))
                    .Select(items => (GVariantValue)new GVArray(type.Element, [.. items]));
            case 'm':
                return Gen.Frequency(
                    (1, Gen.Constant<GVariantValue>(new GVMaybe(type.Element, null))),
                    (2, Value(type.Element, size / 2).Select(v => (GVariantValue)new GVMaybe(type.Element, v))));
            case '{':
                return Value(type.Children[0], size / 2).SelectMany(k => Value(type.Children[1], size / 2)
                    .Select(v => (GVariantValue)new GVDictEntry(k, v)));
            case '(':
                return Gen.CollectToArray(type.Children.Select(c => Value(c, size / 2)))
                    .Select(ms => GVariantValue.Tuple(ms));
            default:
                throw new ArgumentException($"no generator for '{type.Signature}'", nameof(type));
        }
    }

    /// <summary>A random well-typed value of a random type.</summary>
    public static Gen<GVariantValue> AnyValue(int depth, int size) =>
        Type(depth).SelectMany(t => Value(t, size));

    public static Arbitrary<GVariantValue> Arb(int depth, int size) =>
        AnyValue(depth, size).ToArbitrary();

    /// <summary>Describes a value for failure messages: type, printed form and serialization.</summary>
    public static string Describe(GVariantValue v)
    {
        var sb = new StringBuilder();
        sb.Append(v.Type.Signature).Append(' ');
        try
        {
            sb.Append(GVariantText.Print(v, true));
        }
        catch (Exception e)
        {
            sb.Append("<print failed: ").Append(e.GetType().Name).Append('>');
        }
        return sb.ToString();
    }
}
