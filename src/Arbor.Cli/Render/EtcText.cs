// The listing `ostree admin config-diff` prints for what an administrator changed in /etc.
using System.Text;
using Arbor.Ostree.Sysroot;

namespace Arbor.Cli.Render;

/// <summary>Renders <see cref="EtcChanges"/> as ostree lists them.</summary>
internal static class EtcText
{
    /// <summary>ostree's lines: <c>M    path</c> for each modified path, then <c>D</c> (removed), then <c>A</c> (added).</summary>
    public static string ConfigDiff(EtcChanges changes)
    {
        var sb = new StringBuilder();
        foreach (var p in changes.Modified)
            sb.Append("M    ").Append(p).Append('\n');
        foreach (var p in changes.Removed)
            sb.Append("D    ").Append(p).Append('\n');
        foreach (var p in changes.Added)
            sb.Append("A    ").Append(p).Append('\n');
        return sb.ToString();
    }
}
