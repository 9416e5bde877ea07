// automatic-version-prefix: the version a new commit gets from the previous commit's version, as
// rpm-ostree's util_next_version (rpmostree-util.cxx) computes it. A <date:FORMAT> tag in the
// prefix is expanded with GLib's g_date_time_format in UTC; with a date tag the sequence starts at
// ".0" (22.<date:%Y> gives 22.2019.0, 22.2019.1, ...), without one the first version is the bare
// prefix (22, 22.1, 22.2, ...). The separator is automatic-version-suffix, "." by default.
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Arbor.Compose.Treefile;

/// <summary>Computes the next automatic version.</summary>
public static partial class AutomaticVersion
{
    // rpm-ostree's VERSION_TAG_REGEX "<([a-zA-Z]+):(.*)?>"; greedy, so one tag spans to the last '>'.
    private static readonly System.Buffers.SearchValues<char> Digits = System.Buffers.SearchValues.Create("0123456789");

    [GeneratedRegex("<([a-zA-Z]+):(.*)?>")]
    private static partial Regex Tag();

    /// <summary>The version after <paramref name="lastVersion"/> for <paramref name="prefix"/>.</summary>
    /// <param name="prefix">automatic-version-prefix, variables already substituted.</param>
    /// <param name="suffix">automatic-version-suffix (one ASCII character), or null for ".".</param>
    /// <param name="lastVersion">The previous commit's version, or null/empty when there is none.</param>
    /// <param name="now">The time date tags are expanded with (converted to UTC).</param>
    /// <exception cref="FormatException">A date tag has a format GLib rejects.</exception>
    public static string Next(string prefix, string? suffix, string? lastVersion, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        string expanded = prefix;
        bool dateTag = false;
        var m = Tag().Match(prefix);
        if (m.Success && m.Groups[1].Value == "date")
        {
            string formatted = GlibDateFormat.Format(m.Groups[2].Value, now.ToUniversalTime())
                ?? throw new FormatException($"automatic-version-prefix: error in formatting date string ({m.Groups[2].Value})");
            expanded = string.Concat(prefix.AsSpan(0, m.Index), formatted, prefix.AsSpan(m.Index + m.Length));
            dateTag = true;
        }
        if (suffix is { Length: not 1 } && suffix.Length != 0)
            throw new ArgumentException($"automatic-version-suffix must be one character, not '{suffix}'", nameof(suffix));
        char sep = string.IsNullOrEmpty(suffix) ? '.' : suffix[0];
        return Increment(sep, string.IsNullOrEmpty(lastVersion) ? null : lastVersion, expanded, dateTag ? "0" : null);
    }

    private static string Increment(char sep, string? last, string prefix, string? start)
    {
        string restart = start != null ? $"{prefix}{sep}{start}" : prefix;
        if (last == null || !last.StartsWith(prefix, StringComparison.Ordinal))
            return restart;
        if (last.Length == prefix.Length)
            return start != null ? restart : $"{prefix}{sep}1";
        if (last[prefix.Length] != sep)
            return restart;
        // g_ascii_strtoull: leading decimal digits, 0 when there are none, saturating on overflow.
        ReadOnlySpan<char> rest = last.AsSpan(prefix.Length + 1);
        int digits = rest.IndexOfAnyExcept(Digits);
        if (digits < 0)
            digits = rest.Length;
        ulong n = 0;
        if (digits > 0 && !ulong.TryParse(rest[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out n))
            n = ulong.MaxValue;
        return $"{prefix}{sep}{unchecked(n + 1)}";
    }
}

/// <summary>GLib's g_date_time_format in the C locale, for the conversions it documents.</summary>
internal static class GlibDateFormat
{
    private static readonly string[] Days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    private static readonly string[] FullDays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    private static readonly string[] FullMonths = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    /// <summary>The formatted time, or null where GLib fails (an unknown or truncated conversion).</summary>
    public static string? Format(string format, DateTimeOffset t)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }
            if (++i >= format.Length)
                return null;
            // Padding modifiers: '_' pads with spaces, '-' not at all, '0' with zeros.
            char pad = '\0';
            if (format[i] is '_' or '-' or '0')
            {
                pad = format[i];
                if (++i >= format.Length)
                    return null;
            }
            string Num(int v, int width, char defaultPad)
            {
                char p = pad == '\0' ? defaultPad : pad;
                string s = v.ToString(inv);
                return p == '-' ? s : s.PadLeft(width, p == '_' ? ' ' : '0');
            }
            int hour12 = t.Hour % 12 == 0 ? 12 : t.Hour % 12;
            int isoWeek = ISOWeek.GetWeekOfYear(t.DateTime), isoYear = ISOWeek.GetYear(t.DateTime);
            string? piece = format[i] switch
            {
                'a' => Days[(int)t.DayOfWeek],
                'A' => FullDays[(int)t.DayOfWeek],
                'b' or 'h' => Months[t.Month - 1],
                'B' => FullMonths[t.Month - 1],
                'c' => Format("%a %b %e %H:%M:%S %Y", t),
                'C' => Num(t.Year / 100, 2, '0'),
                'd' => Num(t.Day, 2, '0'),
                'e' => pad == '\0' ? (t.Day < 10 ? "\u2007" + t.Day.ToString(inv) : t.Day.ToString(inv)) : Num(t.Day, 2, ' '),
                'F' => Format("%Y-%m-%d", t),
                'g' => Num(isoYear % 100, 2, '0'),
                'G' => Num(isoYear, 0, '0'),
                'H' => Num(t.Hour, 2, '0'),
                'I' => Num(hour12, 2, '0'),
                'j' => Num(t.DayOfYear, 3, '0'),
                'k' => Num(t.Hour, 2, ' '),
                'l' => Num(hour12, 2, ' '),
                'm' => Num(t.Month, 2, '0'),
                'M' => Num(t.Minute, 2, '0'),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'P' => t.Hour < 12 ? "am" : "pm",
                'r' => Format("%I:%M:%S %p", t),
                'R' => Format("%H:%M", t),
                's' => t.ToUnixTimeSeconds().ToString(inv),
                'S' => Num(t.Second, 2, '0'),
                't' => "\t",
                'T' => Format("%H:%M:%S", t),
                'u' => Num(t.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)t.DayOfWeek, 0, '0'),
                'V' => Num(isoWeek, 2, '0'),
                'w' => Num((int)t.DayOfWeek, 0, '0'),
                'x' => Format("%m/%d/%y", t),
                'X' => Format("%H:%M:%S", t),
                'y' => Num(t.Year % 100, 2, '0'),
                'Y' => Num(t.Year, 0, '0'),
                'z' => (t.Offset < TimeSpan.Zero ? "-" : "+") + t.Offset.Duration().ToString("hhmm", inv),
                'Z' => t.Offset == TimeSpan.Zero ? "UTC" : t.Offset.ToString("hh", inv),
                '%' => "%",
                _ => null,
            };
            if (piece == null)
                return null;
            sb.Append(piece);
        }
        return sb.ToString();
    }
}
