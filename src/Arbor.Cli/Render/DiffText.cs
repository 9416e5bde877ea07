// The change listing ostree prints for `ostree diff` and `ostree admin config-diff` (ostree_diff_print):
// "M    path" for each modified path, then "D" (removed), then "A" (added).
using System.Text;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Sysroot;

namespace Arbor.Cli.Render;

/// <summary>Renders tree and /etc differences as ostree lists them.</summary>
internal static class DiffText
{
    /// <summary>The listing of a tree comparison (<c>ostree diff</c>).</summary>
    public static string Lines(DiffResult diff) =>
        Lines(diff.Modified.Select(n => n.DisplayPath), diff.Removed.Select(n => n.DisplayPath), diff.Added.Select(n => n.DisplayPath));

    /// <summary>The listing of what changed in an /etc (<c>ostree admin config-diff</c>).</summary>
    public static string Lines(EtcChanges changes) => Lines(changes.Modified, changes.Removed, changes.Added);

    private static string Lines(IEnumerable<string> modified, IEnumerable<string> removed, IEnumerable<string> added)
    {
        var sb = new StringBuilder();
        foreach (var p in modified)
            sb.Append("M    ").Append(p).Append('\n');
        foreach (var p in removed)
            sb.Append("D    ").Append(p).Append('\n');
        foreach (var p in added)
            sb.Append("A    ").Append(p).Append('\n');
        return sb.ToString();
    }
}
