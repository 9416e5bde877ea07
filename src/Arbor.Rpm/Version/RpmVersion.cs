// Version ordering exactly as rpm 4.18 orders it. rpmvercmp splits both strings into runs of
// digits or ASCII letters (everything else separates), with '~' sorting before anything (even
// the end of the string) and '^' sorting after the end but before any further segment. Evr
// combines epoch:version-release; callers (dependency matching, repodata, the solver) compare
// through Evr.Compare so one definition of "newer" holds across Arbor.
namespace Arbor.Rpm.Version;

/// <summary>rpm's version segment comparison (<c>rpmvercmp</c>).</summary>
public static class RpmVersion
{
    private static bool IsDigit(char c) => c is >= '0' and <= '9';
    private static bool IsAlpha(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z';
    private static bool IsAlnum(char c) => IsDigit(c) || IsAlpha(c);

    /// <summary>Compares two version (or release) strings; returns -1, 0 or 1.</summary>
    public static int Compare(string? a, string? b) => Compare(a.AsSpan(), b.AsSpan());

    /// <summary>Compares two version (or release) strings; returns -1, 0 or 1.</summary>
    public static int Compare(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        if (a.SequenceEqual(b))
            return 0;
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            while (i < a.Length && !IsAlnum(a[i]) && a[i] != '~' && a[i] != '^')
                i++;
            while (j < b.Length && !IsAlnum(b[j]) && b[j] != '~' && b[j] != '^')
                j++;
            char ca = i < a.Length ? a[i] : '\0';
            char cb = j < b.Length ? b[j] : '\0';

            // Tilde: sorts before everything, including the end of the string.
            if (ca == '~' || cb == '~')
            {
                if (ca != '~')
                    return 1;
                if (cb != '~')
                    return -1;
                i++;
                j++;
                continue;
            }
            // Caret: sorts after the end of the string but before any other segment.
            if (ca == '^' || cb == '^')
            {
                if (ca == '\0')
                    return -1;
                if (cb == '\0')
                    return 1;
                if (ca != '^')
                    return 1;
                if (cb != '^')
                    return -1;
                i++;
                j++;
                continue;
            }
            if (ca == '\0' || cb == '\0')
                break;

            int si = i, sj = j;
            bool numeric = IsDigit(ca);
            if (numeric)
            {
                while (i < a.Length && IsDigit(a[i])) i++;
                while (j < b.Length && IsDigit(b[j])) j++;
            }
            else
            {
                while (i < a.Length && IsAlpha(a[i])) i++;
                while (j < b.Length && IsAlpha(b[j])) j++;
            }
            // The other side has a segment of a different kind: numbers are newer than letters.
            if (j == sj)
                return numeric ? 1 : -1;

            var sa = a[si..i];
            var sb = b[sj..j];
            if (numeric)
            {
                sa = sa.TrimStart('0');
                sb = sb.TrimStart('0');
                if (sa.Length != sb.Length)
                    return sa.Length > sb.Length ? 1 : -1;
            }
            int c = sa.SequenceCompareTo(sb);
            if (c != 0)
                return c < 0 ? -1 : 1;
        }
        bool aLeft = i < a.Length, bLeft = j < b.Length;
        if (!aLeft && !bLeft)
            return 0;
        return aLeft ? 1 : -1;
    }
}

/// <summary>An [epoch:]version[-release] triple. A missing epoch compares as 0; a missing release is a wildcard.</summary>
public readonly record struct Evr(string? Epoch, string Version, string? Release) : IComparable<Evr>
{
    /// <summary>Parses "[E:]V[-R]" the way rpm splits an EVR string (the last '-' starts the release).</summary>
    public static Evr Parse(string evr)
    {
        ArgumentNullException.ThrowIfNull(evr);
        string? epoch = null;
        int colon = 0;
        while (colon < evr.Length && char.IsAsciiDigit(evr[colon]))
            colon++;
        string rest = evr;
        if (colon < evr.Length && evr[colon] == ':')
        {
            epoch = colon == 0 ? "0" : evr[..colon];
            rest = evr[(colon + 1)..];
        }
        int dash = rest.LastIndexOf('-');
        return dash >= 0 ? new Evr(epoch, rest[..dash], rest[(dash + 1)..]) : new Evr(epoch, rest, null);
    }

    /// <summary>The epoch as a number (0 when absent).</summary>
    public long EpochNumber => string.IsNullOrEmpty(Epoch) ? 0 : long.Parse(Epoch, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Compares like rpm's rpmverCmp: epoch, then version, then release when both have one.</summary>
    public int CompareTo(Evr other)
    {
        int c = RpmVersion.Compare(string.IsNullOrEmpty(Epoch) ? "0" : Epoch, string.IsNullOrEmpty(other.Epoch) ? "0" : other.Epoch);
        if (c != 0)
            return c;
        c = RpmVersion.Compare(Version, other.Version);
        if (c != 0)
            return c;
        if (Release != null && other.Release != null)
            c = RpmVersion.Compare(Release, other.Release);
        return c;
    }

    /// <summary>Compares two EVRs.</summary>
    public static int Compare(Evr a, Evr b) => a.CompareTo(b);

    /// <summary>Less than.</summary>
    public static bool operator <(Evr a, Evr b) => a.CompareTo(b) < 0;
    /// <summary>Greater than.</summary>
    public static bool operator >(Evr a, Evr b) => a.CompareTo(b) > 0;
    /// <summary>Less or equal.</summary>
    public static bool operator <=(Evr a, Evr b) => a.CompareTo(b) <= 0;
    /// <summary>Greater or equal.</summary>
    public static bool operator >=(Evr a, Evr b) => a.CompareTo(b) >= 0;

    /// <summary>Formats as rpm prints it: epoch only when present.</summary>
    public override string ToString() =>
        (string.IsNullOrEmpty(Epoch) ? "" : Epoch + ":") + Version + (Release == null ? "" : "-" + Release);
}
