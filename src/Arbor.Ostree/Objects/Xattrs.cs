// Extended attributes as OSTree records them: an a(ayay) of (name + NUL, value), sorted by name
// (strcmp), which is what makes the same tree hash the same on every machine.
using Arbor.Ostree.GVariant;

namespace Arbor.Ostree.Objects;

/// <summary>One extended attribute; <see cref="Name"/> excludes the trailing NUL.</summary>
public sealed record Xattr(byte[] Name, byte[] Value)
{
    /// <summary>The name as text.</summary>
    public string NameText => System.Text.Encoding.UTF8.GetString(Name);

    /// <inheritdoc />
    public bool Equals(Xattr? other) => other is not null && Name.AsSpan().SequenceEqual(other.Name) && Value.AsSpan().SequenceEqual(other.Value);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name.Length, Value.Length);
}

/// <summary>Reading and writing <c>a(ayay)</c> xattr lists.</summary>
public static class Xattrs
{
    /// <summary>The GVariant type of an xattr list.</summary>
    public static readonly GVariantType Type = GVariantType.Parse("a(ayay)");

    /// <summary>The empty list.</summary>
    public static readonly IReadOnlyList<Xattr> None = [];

    /// <summary>Returns the list sorted by name, as ostree canonicalizes it.</summary>
    public static IReadOnlyList<Xattr> Canonicalize(IReadOnlyList<Xattr> xattrs)
    {
        if (xattrs.Count < 2)
            return xattrs;
        var sorted = xattrs.ToArray();
        Array.Sort(sorted, static (a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
        return sorted;
    }

    /// <summary>The list as a GVariant value (names get their NUL).</summary>
    public static GVariantValue ToValue(IReadOnlyList<Xattr> xattrs)
    {
        var items = new GVariantValue[xattrs.Count];
        for (int i = 0; i < items.Length; i++)
        {
            var name = new byte[xattrs[i].Name.Length + 1];
            xattrs[i].Name.CopyTo(name, 0);
            items[i] = new GVTuple([new GVBytes(name), new GVBytes(xattrs[i].Value)]);
        }
        return new GVArray(GVariantType.Parse("(ayay)"), items);
    }

    /// <summary>Reads an <c>a(ayay)</c> view.</summary>
    public static IReadOnlyList<Xattr> FromView(GVariantView view)
    {
        int n = view.ChildCount;
        if (n == 0)
            return None;
        var list = new Xattr[n];
        for (int i = 0; i < n; i++)
        {
            var e = view[i];
            list[i] = new Xattr(e[0].GetByteStringSpan().ToArray(), e[1].GetBytes().ToArray());
        }
        return list;
    }

    /// <summary>True when both lists hold the same attributes in the same order.</summary>
    public static bool SequenceEqual(IReadOnlyList<Xattr> a, IReadOnlyList<Xattr> b) => a.Count == b.Count && a.SequenceEqual(b);
}
