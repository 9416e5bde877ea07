// Values a treefile carries without interpreting them: `metadata` and `add-commit-metadata` hold
// arbitrary JSON-like values (rpm-ostree keeps them as serde_json::Value and turns them into commit
// metadata later), and `variables`/`releasever` hold booleans, numbers or strings that conditions
// compare and ${var} substitution prints. Both are built from TreefileNode and written back out by
// TreefileJson, so the printed treefile keeps each value's type.
using System.Globalization;

namespace Arbor.Compose.Treefile;

/// <summary>The type of a <see cref="TreefileValue"/>.</summary>
public enum TreefileValueKind
{
    /// <summary>null.</summary>
    Null,
    /// <summary>true or false.</summary>
    Bool,
    /// <summary>An integer (<see cref="TreefileValue.Text"/> holds its digits).</summary>
    Integer,
    /// <summary>A floating-point number.</summary>
    Float,
    /// <summary>A string.</summary>
    String,
    /// <summary>A list of values.</summary>
    Array,
    /// <summary>A map from string keys to values, sorted by key.</summary>
    Object,
}

/// <summary>A JSON-like value from the treefile's metadata maps.</summary>
public sealed class TreefileValue
{
    /// <summary>The value's type.</summary>
    public required TreefileValueKind Kind { get; init; }
    /// <summary>The scalar's text (for Bool "true"/"false", for numbers their digits); empty for arrays and objects.</summary>
    public string Text { get; init; } = "";
    /// <summary>Items of an array.</summary>
    public IReadOnlyList<TreefileValue> Items { get; init; } = [];
    /// <summary>Members of an object, sorted by key (ordinal), as serde_json's map keeps them.</summary>
    public IReadOnlyDictionary<string, TreefileValue> Members { get; init; } = new SortedDictionary<string, TreefileValue>(StringComparer.Ordinal);

    /// <summary>A string value.</summary>
    public static TreefileValue FromString(string s) => new() { Kind = TreefileValueKind.String, Text = s };

    internal static TreefileValue FromNode(TreefileNode node, string key)
    {
        if (node.Mapping != null)
        {
            var members = new SortedDictionary<string, TreefileValue>(StringComparer.Ordinal);
            foreach (var (k, v) in node.Mapping)
            {
                if (!k.IsScalar)
                    throw k.Error(key, "has a key that is not a string");
                members[k.Text!] = FromNode(v, $"{key}.{k.Text}");
            }
            return new TreefileValue { Kind = TreefileValueKind.Object, Members = members };
        }
        if (node.Sequence != null)
            return new TreefileValue { Kind = TreefileValueKind.Array, Items = node.Sequence.Select(n => FromNode(n, key)).ToList() };
        return node.Kind switch
        {
            ScalarKind.Null => new TreefileValue { Kind = TreefileValueKind.Null },
            ScalarKind.Bool => new TreefileValue { Kind = TreefileValueKind.Bool, Text = node.Text!.ToLowerInvariant() },
            ScalarKind.Integer => new TreefileValue { Kind = TreefileValueKind.Integer, Text = CanonicalInteger(node, key) },
            ScalarKind.Float => new TreefileValue { Kind = TreefileValueKind.Float, Text = node.Text! },
            _ => FromString(node.Text!),
        };
    }

    // 0x/0o and a leading + are YAML spellings; the printed JSON has plain decimal digits.
    private static string CanonicalInteger(TreefileNode node, string key)
    {
        string t = node.Text!;
        try
        {
            if (t.StartsWith("0x", StringComparison.Ordinal))
                return Convert.ToUInt64(t[2..], 16).ToString(CultureInfo.InvariantCulture);
            if (t.StartsWith("0o", StringComparison.Ordinal))
                return Convert.ToUInt64(t[2..], 8).ToString(CultureInfo.InvariantCulture);
            return System.Numerics.BigInteger.Parse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        }
        catch (OverflowException)
        {
            throw node.Error(key, $"has an integer out of range: {t}");
        }
    }
}

/// <summary>A treefile variable: a boolean, a non-negative integer or a string (rpm-ostree's VarValue).</summary>
public readonly record struct TreefileVariable
{
    /// <summary>Which of the three it is.</summary>
    public TreefileVariableKind Kind { get; init; }
    /// <summary>The boolean, when <see cref="Kind"/> is Bool.</summary>
    public bool Bool { get; init; }
    /// <summary>The number, when <see cref="Kind"/> is Number.</summary>
    public ulong Number { get; init; }
    /// <summary>The string, when <see cref="Kind"/> is String.</summary>
    public string? String { get; init; }

    /// <summary>The text ${var} substitution puts in: true/false, decimal digits, or the string.</summary>
    public override string ToString() => Kind switch
    {
        TreefileVariableKind.Bool => Bool ? "true" : "false",
        TreefileVariableKind.Number => Number.ToString(CultureInfo.InvariantCulture),
        _ => String ?? "",
    };

    /// <summary>A string variable.</summary>
    public static TreefileVariable Of(string s) => new() { Kind = TreefileVariableKind.String, String = s };
    /// <summary>A number variable.</summary>
    public static TreefileVariable Of(ulong n) => new() { Kind = TreefileVariableKind.Number, Number = n };
    /// <summary>A boolean variable.</summary>
    public static TreefileVariable Of(bool b) => new() { Kind = TreefileVariableKind.Bool, Bool = b };

    internal static TreefileVariable FromNode(TreefileNode node, string key, bool allowBool)
    {
        if (node.IsScalar)
        {
            switch (node.Kind)
            {
                case ScalarKind.Bool when allowBool:
                    return Of(node.Text!.Equals("true", StringComparison.OrdinalIgnoreCase));
                case ScalarKind.Integer when ulong.TryParse(node.Text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n):
                    return Of(n);
                case ScalarKind.String:
                    return Of(node.Text!);
            }
        }
        throw node.Error(key, allowBool ? "must be a boolean, a non-negative integer or a string" : "must be a non-negative integer or a string");
    }
}

/// <summary>The type of a <see cref="TreefileVariable"/>.</summary>
public enum TreefileVariableKind
{
    /// <summary>A string.</summary>
    String,
    /// <summary>A non-negative integer.</summary>
    Number,
    /// <summary>true or false.</summary>
    Bool,
}
