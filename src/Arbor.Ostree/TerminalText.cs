// Text that came from outside (a remote's config, refs and summary, a pulled commit's subject and
// body, file names from an archive or a tree) made safe to echo on a terminal: control characters
// would otherwise reach it as they are (ESC sequences can retitle the window, move the cursor,
// hide text or fake other output), and bytes that are not UTF-8 would turn into U+FFFD and hide
// what the name really was. Printers and error messages pass such text through here; ordinary
// text comes out unchanged.
using System.Globalization;
using System.Text;

namespace Arbor.Ostree;

/// <summary>Escapes control characters and invalid UTF-8 in text shown on a terminal.</summary>
public static class TerminalText
{
    /// <summary>
    /// Escapes control characters in <paramref name="text"/>: C0 controls and DEL as <c>\xNN</c>;
    /// C1 controls, line and paragraph separators, bidirectional overrides and lone surrogates as
    /// <c>\u{NNNN}</c>. Tab is kept; newline only when <paramref name="keepNewlines"/> (commit bodies).
    /// </summary>
    public static string Escape(string text, bool keepNewlines = false)
    {
        int i = 0;
        while (i < text.Length && !NeedsEscape(text[i], keepNewlines))
            i++;
        if (i == text.Length)
            return text;
        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[++i]);
                continue;
            }
            if (!NeedsEscape(c, keepNewlines))
                sb.Append(c);
            else if (c < 0x80)
                sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            else
                sb.Append(CultureInfo.InvariantCulture, $"\\u{{{(int)c:X4}}}");
        }
        return sb.ToString();
    }

    /// <summary>
    /// Decodes UTF-8 for display: bytes that are not part of a valid sequence come out as
    /// <c>\xNN</c> (never U+FFFD), and control characters are escaped as by <see cref="Escape(string, bool)"/>.
    /// </summary>
    public static string Escape(ReadOnlySpan<byte> utf8, bool keepNewlines = false)
    {
        var sb = new StringBuilder(utf8.Length);
        while (!utf8.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(utf8, out var rune, out int used);
            if (status != System.Buffers.OperationStatus.Done)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{utf8[0]:x2}");
                utf8 = utf8[1..];
                continue;
            }
            sb.Append(Escape(rune.ToString(), keepNewlines));
            utf8 = utf8[used..];
        }
        return sb.ToString();
    }

    private static bool NeedsEscape(char c, bool keepNewlines) => c switch
    {
        '\t' => false,
        '\n' => !keepNewlines,
        < ' ' or '\x7f' => true,
        >= '\x80' and <= '\x9f' => true,
        '\u2028' or '\u2029' or '\u061c' or '\u200e' or '\u200f' => true,
        >= '\u202a' and <= '\u202e' => true,
        >= '\u2066' and <= '\u2069' => true,
        _ => char.IsSurrogate(c),
    };
}
