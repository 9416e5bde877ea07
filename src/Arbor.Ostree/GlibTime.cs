// Times as GLib's GDateTime shows them, since ostree and rpm-ostree print through it: the range it
// can represent (years 1..9999; a commit or summary timestamp is whatever its writer chose, so
// printers check it first) and "%c" in the C locale.
using System.Globalization;

namespace Arbor.Ostree;

/// <summary>GDateTime's range and its "%c" format.</summary>
public static class GlibTime
{
    /// <summary>0001-01-01T00:00:00Z, the earliest time GDateTime represents, in Unix seconds.</summary>
    public const long MinUnixSeconds = -62135596800L;

    /// <summary>9999-12-31T23:59:59Z, the latest time GDateTime represents, in Unix seconds.</summary>
    public const long MaxUnixSeconds = 253402300799L;

    /// <summary>True when GDateTime can represent <paramref name="secs"/> (unsigned, as commits store it).</summary>
    public static bool InRange(ulong secs) => secs <= MaxUnixSeconds;

    /// <summary>glib's "%c" in the C locale, "%a %b %e %H:%M:%S %Y", in <paramref name="t"/>'s own offset.</summary>
    public static string FormatC(DateTimeOffset t)
    {
        // glib's %e pads a one-digit day with a FIGURE SPACE (U+2007), not an ASCII space.
        string day = t.Day < 10 ? "\u2007" + t.Day.ToString(CultureInfo.InvariantCulture) : t.Day.ToString(CultureInfo.InvariantCulture);
        return t.ToString("ddd MMM ", CultureInfo.InvariantCulture) + day + t.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture);
    }
}
