// Ref, remote and refspec names, checked with libostree's grammar (ostree-core.c) before any of
// them becomes a path under refs/ or a remote's config group. Every engine entry point that takes
// a name (resolving a revision, listing by prefix, writing or deleting a ref, adding or deleting a
// remote) comes through here, so a name such as "../../x" never reaches the file system and the
// set of accepted names is exactly ostree's:
//   fragment  [\w\d][-._\w\d]*          \w and \d Unicode-aware (GRegex compiles with UCP)
//   ref       (fragment/)*fragment
//   remote    fragment
//   refspec   (remote:)?ref
// GRegex's "$" is PCRE's: it also matches before one final line break (GLib's default newline
// convention is "any": \n, \r, \r\n, \v, \f, U+0085, U+2028, U+2029), so ostree accepts "main\n"
// and means "main"; the parsers here return the name without that line break.
using System.Globalization;
using System.Text;

namespace Arbor.Ostree.Repo;

public sealed partial class Repository
{
    /// <summary>Checks a ref name (<c>ostree_validate_rev</c>): slash-separated fragments, each a letter,
    /// digit or '_' followed by letters, digits, '_', '-' or '.'.</summary>
    /// <returns>The name as ostree uses it (without a final line break).</returns>
    /// <exception cref="OstreeException"><c>Invalid ref name NAME</c>.</exception>
    public static string ValidateRefName(string name)
    {
        var body = name.AsSpan(0, name.Length - TrailingLineBreak(name));
        if (!IsValidRef(body))
            throw new OstreeException($"Invalid ref name {name}");
        return body.Length == name.Length ? name : body.ToString();
    }

    /// <summary>Checks a remote name (<c>ostree_validate_remote_name</c>): one ref fragment.</summary>
    /// <returns>The name as ostree uses it (without a final line break).</returns>
    /// <exception cref="OstreeException"><c>Invalid remote name NAME</c>.</exception>
    public static string ValidateRemoteName(string name)
    {
        var body = name.AsSpan(0, name.Length - TrailingLineBreak(name));
        if (!IsValidRefFragment(body))
            throw new OstreeException($"Invalid remote name {name}");
        return body.Length == name.Length ? name : body.ToString();
    }

    /// <summary>Splits and checks a refspec, <c>REMOTE:REF</c> or <c>REF</c> (<c>ostree_parse_refspec</c>).</summary>
    /// <exception cref="OstreeException"><c>Invalid refspec REFSPEC</c>.</exception>
    public static (string? Remote, string Ref) ParseRefspec(string refspec) =>
        TryParseRefspec(refspec, out var remote, out var name) ? (remote, name) : throw new OstreeException($"Invalid refspec {refspec}");

    /// <summary>Splits a refspec as <see cref="ParseRefspec"/> does, without throwing.</summary>
    public static bool TryParseRefspec(string refspec, out string? remote, out string name)
    {
        var body = refspec.AsSpan(0, refspec.Length - TrailingLineBreak(refspec));
        int colon = body.IndexOf(':');
        var refPart = colon < 0 ? body : body[(colon + 1)..];
        if ((colon >= 0 && !IsValidRefFragment(body[..colon])) || !IsValidRef(refPart))
        {
            remote = null;
            name = "";
            return false;
        }
        remote = colon < 0 ? null : body[..colon].ToString();
        name = refPart.Length == refspec.Length ? refspec : refPart.ToString();
        return true;
    }

    /// <summary>True for one path component of a ref: <c>[\w\d][-._\w\d]*</c>.</summary>
    internal static bool IsValidRefFragment(ReadOnlySpan<char> fragment)
    {
        if (fragment.IsEmpty)
            return false;
        bool first = true;
        foreach (var rune in fragment.EnumerateRunes())
        {
            // A lone surrogate comes out as U+FFFD (a symbol), so text that is not valid Unicode fails too.
            if (!IsWordRune(rune) && (first || rune.Value is not ('-' or '.')))
                return false;
            first = false;
        }
        return true;
    }

    private static bool IsValidRef(ReadOnlySpan<char> name)
    {
        foreach (var range in name.Split('/'))
        {
            if (!IsValidRefFragment(name[range]))
                return false;
        }
        return true;
    }

    // PCRE2 with UCP (as libostree's GLib builds it): \w is \p{L}, \p{N} and '_', and \d is \p{Nd}.
    private static bool IsWordRune(Rune rune)
    {
        if (rune.Value == '_')
            return true;
        if (rune.IsAscii)
            return char.IsAsciiLetterOrDigit((char)rune.Value);
        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
    }

    // The length of the line break "$" may stand before at the end of a name, or 0.
    private static int TrailingLineBreak(string s)
    {
        if (s.EndsWith("\r\n", StringComparison.Ordinal))
            return 2;
        return s.Length > 0 && s[^1] is '\n' or '\r' or '\v' or '\f' or '\u0085' or '\u2028' or '\u2029' ? 1 : 0;
    }
}
