// rpm-ostree prints `status --json` by handing its GVariant deployment dictionaries to json-glib
// (json_gvariant_serialize, then a pretty JsonGenerator), so scripts that parse it see json-glib's
// mapping and layout: dictionaries become objects in entry order, tuples and other arrays become
// arrays, variants and maybes unwrap, every integer type becomes a JSON integer, and the pretty
// form puts " : " after member names, indents by two spaces, writes an empty array as [] and
// indents inside an empty object. This writer produces the same text from a GVariantValue; the
// interop tests compare it with the real libjson-glib (1.6, Debian's).
using System.Globalization;
using System.Text;

namespace Arbor.Ostree.GVariant;

/// <summary>Writes GVariant values as json-glib's pretty JSON.</summary>
public static class GVariantJson
{
    /// <summary>Appends <paramref name="value"/> as json-glib writes it at nesting <paramref name="level"/>.</summary>
    public static void Write(StringBuilder sb, GVariantValue value, int level = 0) => Write(sb, value, level, pretty: true);

    // pretty: json_generator_set_pretty; off, nothing separates tokens ({"a":[1,2]}).
    private static void Write(StringBuilder sb, GVariantValue value, int level, bool pretty)
    {
        switch (value)
        {
            case GVVariant v:
                Write(sb, v.Inner, level, pretty);
                break;
            case GVMaybe m:
                if (m.Inner is null)
                    sb.Append("null");
                else
                    Write(sb, m.Inner, level, pretty);
                break;
            case GVString s:
                WriteString(sb, s.Value);
                break;
            case GVNumber n:
                WriteNumber(sb, n);
                break;
            case GVBytes b:
                WriteArray(sb, level, b.Value.ToArray().Select(x => (GVariantValue)new GVNumber('y', x)).ToList(), pretty);
                break;
            case GVArray a when a.ElementType.Signature.StartsWith('{'):
                WriteObject(sb, level, a.Items.Cast<GVDictEntry>().Select(e => (KeyName(e.Key), e.Value)).ToList(), pretty);
                break;
            case GVArray a:
                WriteArray(sb, level, a.Items, pretty);
                break;
            case GVTuple t:
                WriteArray(sb, level, t.Members, pretty);
                break;
            case GVDictEntry e:
                WriteObject(sb, level, [(KeyName(e.Key), e.Value)], pretty);
                break;
            default:
                throw new ArgumentException($"cannot write {value.Type.Signature} as JSON", nameof(value));
        }
    }

    /// <summary>The whole document for <paramref name="members"/> as one top-level object.</summary>
    /// <param name="members">The object's members in order.</param>
    /// <param name="pretty">json-glib's pretty layout (true), or its compact one with nothing between tokens.</param>
    public static string Object(IReadOnlyList<(string Name, GVariantValue? Value)> members, bool pretty = true)
    {
        var sb = new StringBuilder();
        WriteMembers(sb, 0, members, pretty);
        return sb.ToString();
    }

    private static void WriteObject(StringBuilder sb, int level, IReadOnlyList<(string Name, GVariantValue Value)> members, bool pretty) =>
        WriteMembers(sb, level, members.Select(m => (m.Name, (GVariantValue?)m.Value)).ToList(), pretty);

    // A null value is JSON null (json-glib's JSON_NODE_NULL), used for rpm-ostree's absent transaction.
    private static void WriteMembers(StringBuilder sb, int level, IReadOnlyList<(string Name, GVariantValue? Value)> members, bool pretty)
    {
        // json_object_set_member replaces an existing member in place, so a repeated key keeps its
        // first position and its last value.
        var order = new List<string>();
        var values = new Dictionary<string, GVariantValue?>(StringComparer.Ordinal);
        foreach (var (name, v) in members)
        {
            if (!values.ContainsKey(name))
                order.Add(name);
            values[name] = v;
        }
        sb.Append('{');
        for (int i = 0; i < order.Count; i++)
        {
            if (pretty && i == 0)
                sb.Append('\n');
            Indent(sb, level + 1, pretty);
            WriteString(sb, order[i]);
            sb.Append(pretty ? " : " : ":");
            if (values[order[i]] is { } v)
                Write(sb, v, level + 1, pretty);
            else
                sb.Append("null");
            if (i + 1 != order.Count)
                sb.Append(',');
            if (pretty)
                sb.Append('\n');
        }
        // json-glib indents the closing brace even of an empty object ("{    }" two levels down).
        Indent(sb, level, pretty);
        sb.Append('}');
    }

    private static void WriteArray(StringBuilder sb, int level, IReadOnlyList<GVariantValue> items, bool pretty)
    {
        sb.Append('[');
        for (int i = 0; i < items.Count; i++)
        {
            if (pretty && i == 0)
                sb.Append('\n');
            Indent(sb, level + 1, pretty);
            Write(sb, items[i], level + 1, pretty);
            if (i + 1 != items.Count)
                sb.Append(',');
            if (pretty)
                sb.Append('\n');
        }
        if (items.Count > 0)
            Indent(sb, level, pretty);
        sb.Append(']');
    }

    private static void Indent(StringBuilder sb, int level, bool pretty)
    {
        if (pretty)
            sb.Append(' ', level * 2);
    }

    // Dictionary keys are basic types; json-glib prints them as g_strdup_printf would.
    private static string KeyName(GVariantValue key) => key switch
    {
        GVString s => s.Value,
        GVNumber { Kind: 'b' } n => n.Bits != 0 ? "true" : "false",
        GVNumber { Kind: 'd' } n => n.AsDouble.ToString("F6", CultureInfo.InvariantCulture),
        GVNumber { Kind: 'y' or 'q' or 'u' or 't' } n => n.Bits.ToString(CultureInfo.InvariantCulture),
        GVNumber n => n.AsInt64.ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"dictionary key of type {key.Type.Signature}", nameof(key)),
    };

    private static void WriteNumber(StringBuilder sb, GVNumber n)
    {
        switch (n.Kind)
        {
            case 'b':
                sb.Append(n.Bits != 0 ? "true" : "false");
                break;
            case 'd':
                // g_ascii_dtostr is printf's %.17g; json-glib 1.6 then appends ".0" whenever there is no
                // '.', even after an exponent ("1e+20.0").
                var d = n.AsDouble.ToString("G17", CultureInfo.InvariantCulture);
                int e = d.IndexOf('E');
                if (e >= 0)
                {
                    var exp = d[(e + 1)..];
                    var sign = exp[0] is '+' or '-' ? exp[0].ToString() : "+";
                    var digits = exp.TrimStart('+', '-');
                    d = d[..e] + "e" + sign + digits.PadLeft(2, '0');
                }
                sb.Append(d);
                if (!d.Contains('.'))
                    sb.Append(".0");
                break;
            default:
                // json_node_set_int takes a gint64: a uint64 above its range wraps, as in json-glib.
                sb.Append(n.Kind is 'y' or 'q' or 'u' ? n.Bits.ToString(CultureInfo.InvariantCulture)
                    : n.Kind == 't' ? ((long)n.Bits).ToString(CultureInfo.InvariantCulture)
                    : n.AsInt64.ToString(CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\' or '"':
                    sb.Append('\\').Append(c);
                    break;
                case '\b':
                    sb.Append("\\b");
                    break;
                case '\f':
                    sb.Append("\\f");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                // json-glib escapes 0x01..0x1e and DEL as \u00XX but passes 0x1f through.
                case < (char)0x1f and > (char)0 or (char)0x7f:
                    sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
