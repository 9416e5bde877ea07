// Byte counts as GLib's g_format_size writes them ("1.2\u00a0MB"): ostree prints sizes this way in
// its output and in its error messages ("Delta requires 1.2 GB free space"), and scripts and users
// compare them. Engines use it for the messages of their exceptions; the CLI for its output.
using System.Globalization;

namespace Arbor.Native;

/// <summary>GLib's size formatting.</summary>
public static class ByteSize
{
    /// <summary>GLib's <c>g_format_size</c> (decimal units, one decimal, no-break space before the unit).</summary>
    public static string Format(ulong size)
    {
        if (size < 1000)
            return size == 1 ? "1 byte" : size.ToString(CultureInfo.InvariantCulture) + " bytes";
        string[] units = ["kB", "MB", "GB", "TB", "PB", "EB"];
        double factor = 1000;
        int i = 0;
        while (i < units.Length - 1 && size >= factor * 1000)
        {
            factor *= 1000;
            i++;
        }
        return (size / factor).ToString("F1", CultureInfo.InvariantCulture) + "\u00a0" + units[i];
    }
}
