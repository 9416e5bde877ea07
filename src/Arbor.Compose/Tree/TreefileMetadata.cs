// Commit metadata from treefile values (`add-commit-metadata`, `metadata`) and from
// --add-metadata-from-json: JSON without a declared type becomes GVariant the way json-glib
// deserializes it, which is what rpm-ostree relies on: strings s, booleans b, integers x,
// other numbers d, lists av, objects a{sv}, null an empty maybe.
using System.Globalization;
using Arbor.Compose.Treefile;
using Arbor.Ostree.GVariant;

namespace Arbor.Compose.Tree;

/// <summary>Converts treefile values to commit metadata values.</summary>
public static class TreefileMetadata
{
    /// <summary>The GVariant json-glib would make of <paramref name="value"/>.</summary>
    public static GVariantValue ToVariant(TreefileValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Kind switch
        {
            TreefileValueKind.Bool => GVariantValue.Bool(value.Text == "true"),
            TreefileValueKind.Integer => new GVNumber('x', unchecked((ulong)long.Parse(value.Text, NumberStyles.Integer, CultureInfo.InvariantCulture))),
            TreefileValueKind.Float => GVNumber.FromDouble(double.Parse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture)),
            TreefileValueKind.String => GVariantValue.Str(value.Text),
            TreefileValueKind.Array => new GVArray(GVariantType.Variant, value.Items.Select(i => GVariantValue.Box(ToVariant(i))).ToList()),
            TreefileValueKind.Object => new GVArray(GVariantType.Parse("{sv}"),
                value.Members.Select(kv => (GVariantValue)new GVDictEntry(GVariantValue.Str(kv.Key), GVariantValue.Box(ToVariant(kv.Value)))).ToList()),
            _ => new GVMaybe(GVariantType.Variant, null),
        };
    }
}
