// `db diff --changelogs` works from the headers in each commit's rpmdb rather than the package
// list (rpm-util.cxx rpmhdrs_diff and rpmhdrs_diff_prnt_block): both header lists sorted by name
// then rpmVersionCompare (epoch, version, release), gpg-pubkey left out; a merge walk by name only;
// and for each upgraded package the new %changelog entries — those newer than the old package's
// latest entry — except that consecutive packages built from the same source RPM show them once,
// on the last of the run.
using System.Globalization;
using Arbor.Rpm.Header;
using Arbor.Rpm.Package;
using Arbor.Rpm.Version;

namespace Arbor.Compose.Rpmdb;

/// <summary>One changed package of a header diff, with the changelog entries to show for it.</summary>
/// <param name="Old">The package in the older commit.</param>
/// <param name="New">The package in the newer commit.</param>
/// <param name="NewChangelog">New changelog entries, newest first (empty when none or shown with a later package of the same source RPM).</param>
public sealed record ChangedPackage(PackageInfo Old, PackageInfo New, IReadOnlyList<ChangelogEntry> NewChangelog);

/// <summary>A header-based package diff.</summary>
/// <param name="Upgraded">Changed packages whose new version is not older.</param>
/// <param name="Downgraded">Changed packages whose new version is older.</param>
/// <param name="Removed">Packages only in the older commit.</param>
/// <param name="Added">Packages only in the newer commit.</param>
public sealed record ChangelogDiff(
    IReadOnlyList<ChangedPackage> Upgraded,
    IReadOnlyList<ChangedPackage> Downgraded,
    IReadOnlyList<PackageInfo> Removed,
    IReadOnlyList<PackageInfo> Added)
{
    /// <summary>rpm's rpmVersionCompare: epoch (0 when none), version, release.</summary>
    public static int VersionCompare(PackageInfo a, PackageInfo b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        static Evr E(PackageInfo p) => new((p.Epoch ?? 0).ToString(CultureInfo.InvariantCulture), p.Version, p.Release);
        return E(a).CompareTo(E(b));
    }

    /// <summary>N-[E:]V-R.A with the epoch only when non-zero, as rpm-ostree prints packages.</summary>
    public static string Nevra(PackageInfo p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return $"{p.Name}-{Evra(p)}";
    }

    /// <summary>[E:]V-R.A with the epoch only when non-zero.</summary>
    public static string Evra(PackageInfo p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return (p.Epoch is > 0 ? $"{p.Epoch}:" : "") + $"{p.Version}-{p.Release}.{p.Arch}";
    }

    /// <summary>Sorts <paramref name="headers"/> as rpm-ostree does (name, then version), leaving gpg-pubkey out.</summary>
    public static List<PackageInfo> Sorted(IEnumerable<RpmHeader> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var list = headers.Select(h => new PackageInfo(h)).Where(p => p.Name != "gpg-pubkey").ToList();
        list.Sort((x, y) =>
        {
            int c = string.CompareOrdinal(x.Name, y.Name);
            return c != 0 ? c : VersionCompare(x, y);
        });
        return list;
    }

    /// <summary>Diffs the packages of two rpmdbs.</summary>
    public static ChangelogDiff Compute(IEnumerable<RpmHeader> from, IEnumerable<RpmHeader> to)
    {
        var l1 = Sorted(from);
        var l2 = Sorted(to);
        var removed = new List<PackageInfo>();
        var added = new List<PackageInfo>();
        var modOld = new List<PackageInfo>();
        var modNew = new List<PackageInfo>();
        int n1 = 0, n2 = 0;
        while (n1 < l1.Count)
        {
            if (n2 >= l2.Count)
            {
                removed.Add(l1[n1++]);
                continue;
            }
            int cmp = string.CompareOrdinal(l1[n1].Name, l2[n2].Name);
            if (cmp > 0)
                added.Add(l2[n2++]);
            else if (cmp < 0)
                removed.Add(l1[n1++]);
            else
            {
                if (VersionCompare(l1[n1], l2[n2]) != 0)
                {
                    modOld.Add(l1[n1]);
                    modNew.Add(l2[n2]);
                }
                n1++;
                n2++;
            }
        }
        while (n2 < l2.Count)
            added.Add(l2[n2++]);

        var upgraded = new List<ChangedPackage>();
        var downgraded = new List<ChangedPackage>();
        for (int i = 0; i < modOld.Count; i++)
        {
            int c = VersionCompare(modOld[i], modNew[i]);
            if (c > 0)
            {
                downgraded.Add(new ChangedPackage(modOld[i], modNew[i], []));
                continue;
            }
            // Packages of one source RPM share a changelog: show it on the last of a run.
            string? next = i + 1 < modOld.Count ? modOld[i + 1].SourceRpm : null;
            bool sameAsNext = next != null && modOld[i].SourceRpm == next;
            upgraded.Add(new ChangedPackage(modOld[i], modNew[i], sameAsNext ? [] : NewEntries(modOld[i], modNew[i])));
        }
        return new ChangelogDiff(upgraded, downgraded, removed, added);
    }

    private static List<ChangelogEntry> NewEntries(PackageInfo old, PackageInfo @new)
    {
        var result = new List<ChangelogEntry>();
        if (old.Changelog.Count == 0)
            return result;
        var latest = old.Changelog[0];
        foreach (var e in @new.Changelog)
        {
            if (latest.Time > e.Time)
                break;
            if (latest.Time == e.Time && latest.Author == e.Author && latest.Text == e.Text)
                break;
            result.Add(e);
        }
        return result;
    }
}
