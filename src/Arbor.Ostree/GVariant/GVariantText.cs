// GVariant text format output, matching g_variant_print: ostree prints metadata values this way
// (`ostree show --print-metadata-key`, `ostree log`), and scripts parse that output.
using System.Globalization;
using System.Text;

namespace Arbor.Ostree.GVariant;

/// <summary>Prints values in GVariant text format.</summary>
public static class GVariantText
{
    /// <summary>Prints <paramref name="value"/> as <c>g_variant_print</c> would.</summary>
    public static string Print(GVariantValue value, bool typeAnnotate)
    {
        var sb = new StringBuilder();
        Print(sb, value, typeAnnotate);
        return sb.ToString();
    }

    private static void Print(StringBuilder sb, GVariantValue value, bool annotate)
    {
        switch (value)
        {
            case GVNumber n:
                PrintNumber(sb, n, annotate);
                break;
            case GVString s:
                if (annotate && s.Kind == 'o')
                    sb.Append("objectpath ");
                else if (annotate && s.Kind == 'g')
                    sb.Append("signature ");
                AppendQuoted(sb, s.Value);
                break;
            case GVBytes b:
                PrintBytes(sb, b, annotate);
                break;
            case GVVariant v:
                sb.Append('<');
                Print(sb, v.Inner, true);
                sb.Append('>');
                break;
            case GVMaybe m:
                // glib annotates the maybe itself (Just or Nothing) and prints the child without
                // annotations, writing "just" only where the child would read as "nothing".
                if (annotate)
                    sb.Append('@').Append(m.Type.Signature).Append(' ');
                if (m.Inner is null)
                {
                    sb.Append("nothing");
                }
                else
                {
                    var child = Print(m.Inner, false);
                    if (child.EndsWith("nothing", StringComparison.Ordinal))
                        sb.Append("just ");
                    sb.Append(child);
                }
                break;
            case GVArray a:
                PrintArray(sb, a, annotate);
                break;
            case GVTuple t:
                sb.Append('(');
                for (int i = 0; i < t.Members.Count; i++)
                {
                    if (i > 0)
                        sb.Append(", ");
                    Print(sb, t.Members[i], annotate);
                }
                if (t.Members.Count == 1)
                    sb.Append(',');
                sb.Append(')');
                break;
            case GVDictEntry d:
                sb.Append('{');
                Print(sb, d.Key, annotate);
                sb.Append(", ");
                Print(sb, d.Value, annotate);
                sb.Append('}');
                break;
        }
    }

    private static void PrintArray(StringBuilder sb, GVArray a, bool annotate)
    {
        if (a.Items.Count == 0)
        {
            if (annotate)
                sb.Append('@').Append(a.Type.Signature).Append(' ');
            sb.Append(a.ElementType.Kind == '{' ? "{}" : "[]");
            return;
        }
        bool dict = a.ElementType.Kind == '{';
        sb.Append(dict ? '{' : '[');
        for (int i = 0; i < a.Items.Count; i++)
        {
            if (i > 0)
                sb.Append(", ");
            if (dict && a.Items[i] is GVDictEntry e)
            {
                Print(sb, e.Key, annotate);
                sb.Append(": ");
                Print(sb, e.Value, annotate);
            }
            else
            {
                Print(sb, a.Items[i], annotate);
            }
            annotate = false;
        }
        sb.Append(dict ? '}' : ']');
    }

    private static void PrintBytes(StringBuilder sb, GVBytes b, bool annotate)
    {
        var span = b.Value.Span;
        // A NUL-terminated byte string with no other NUL prints as b'...', escaped as
        // g_strescape does, in double quotes when it holds a single quote.
        if (span.Length > 0 && span[^1] == 0 && span[..^1].IndexOf((byte)0) < 0)
        {
            var text = span[..^1];
            char quote = text.IndexOf((byte)'\'') >= 0 ? '"' : '\'';
            sb.Append('b').Append(quote);
            AppendStrEscaped(sb, text);
            sb.Append(quote);
            return;
        }
        if (span.Length == 0)
        {
            if (annotate)
                sb.Append("@ay ");
            sb.Append("[]");
            return;
        }
        sb.Append('[');
        for (int i = 0; i < span.Length; i++)
        {
            if (i > 0)
                sb.Append(", ");
            else if (annotate)
                sb.Append("byte ");
            sb.Append("0x").Append(span[i].ToString("x2", CultureInfo.InvariantCulture));
        }
        sb.Append(']');
    }

    private static void PrintNumber(StringBuilder sb, GVNumber n, bool annotate)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (n.Kind)
        {
            case 'b': sb.Append(n.Bits != 0 ? "true" : "false"); break;
            case 'y':
                if (annotate) sb.Append("byte ");
                sb.Append("0x").Append(((byte)n.Bits).ToString("x2", inv));
                break;
            case 'n':
                if (annotate) sb.Append("int16 ");
                sb.Append(((short)n.Bits).ToString(inv));
                break;
            case 'q':
                if (annotate) sb.Append("uint16 ");
                sb.Append(((ushort)n.Bits).ToString(inv));
                break;
            case 'i': sb.Append(((int)n.Bits).ToString(inv)); break;
            case 'u':
                if (annotate) sb.Append("uint32 ");
                sb.Append(((uint)n.Bits).ToString(inv));
                break;
            case 'x':
                if (annotate) sb.Append("int64 ");
                sb.Append(((long)n.Bits).ToString(inv));
                break;
            case 't':
                if (annotate) sb.Append("uint64 ");
                sb.Append(n.Bits.ToString(inv));
                break;
            case 'h':
                if (annotate) sb.Append("handle ");
                sb.Append(((int)n.Bits).ToString(inv));
                break;
            case 'd':
                {
                    // g_ascii_dtostr: printf "%.17g" (which .NET's G17 matches but for the case
                    // of the exponent marker), then ".0" when there is no '.', 'e' or 'n'.
                    double d = n.AsDouble;
                    bool negative = (long)n.Bits < 0;
                    string s = double.IsNaN(d) ? (negative ? "-nan" : "nan")
                        : double.IsInfinity(d) ? (negative ? "-inf" : "inf")
                        : d.ToString("G17", inv).Replace('E', 'e');
                    sb.Append(s);
                    if (s.IndexOfAny(['.', 'e', 'n']) < 0)
                        sb.Append(".0");
                    break;
                }
        }
    }

    private static void AppendQuoted(StringBuilder sb, string s)
    {
        // As g_variant_print: double quotes whenever the string holds a single quote; the quote
        // and backslash escaped; characters g_unichar_isprint rejects (controls, format
        // characters, unassigned code points) as C escapes or \uXXXX / \UXXXXXXXX.
        char quote = s.Contains('\'') ? '"' : '\'';
        sb.Append(quote);
        foreach (var r in s.EnumerateRunes())
        {
            int c = r.Value;
            if (c == quote || c == '\\')
                sb.Append('\\');
            if (IsPrint(r))
            {
                sb.Append(r.ToString());
                continue;
            }
            sb.Append('\\');
            switch (c)
            {
                case '\a': sb.Append('a'); break;
                case '\b': sb.Append('b'); break;
                case '\f': sb.Append('f'); break;
                case '\n': sb.Append('n'); break;
                case '\r': sb.Append('r'); break;
                case '\t': sb.Append('t'); break;
                case '\v': sb.Append('v'); break;
                default:
                    if (c < 0x10000)
                        sb.Append('u').Append(c.ToString("x4", CultureInfo.InvariantCulture));
                    else
                        sb.Append('U').Append(c.ToString("x8", CultureInfo.InvariantCulture));
                    break;
            }
        }
        sb.Append(quote);
    }

    private static bool IsPrint(Rune r) => Rune.GetUnicodeCategory(r) is not
        (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate);

    /// <summary>Escapes bytes as g_strescape: C escapes for \b \f \n \r \t \v \\ and ", octal outside 0x20..0x7e.</summary>
    private static void AppendStrEscaped(StringBuilder sb, ReadOnlySpan<byte> text)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case (byte)'\b': sb.Append("\\b"); break;
                case (byte)'\f': sb.Append("\\f"); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case (byte)'\v': sb.Append("\\v"); break;
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'"': sb.Append("\\\""); break;
                default:
                    if (c < 0x20 || c >= 0x7f)
                        sb.Append('\\').Append((char)('0' + ((c >> 6) & 7))).Append((char)('0' + ((c >> 3) & 7))).Append((char)('0' + (c & 7)));
                    else
                        sb.Append((char)c);
                    break;
            }
        }
    }
}
