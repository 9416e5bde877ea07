// The package difference between two commits as rpm-ostree computes it (rpmostree-package.c
// _rpm_ostree_diff_package_lists): a merge walk over two sorted package lists, matching by name,
// then by arch, then comparing EVRs with rpmvercmp. A name that is one package on both sides but
// changed arch counts as modified (as yum/dnf report it); multilib sets are matched arch by arch.
// Modified pairs split into upgrades and downgrades by rpm_ostree_package_cmp. The result is data:
// the command line renders it as rpm-ostree's block, diff or JSON text; ToVariant gives the
// a(sua{sv}) value rpm-ostree's D-Bus API and `db diff --format=json` are built from.
using Arbor.Ostree.GVariant;

namespace Arbor.Compose.Rpmdb;

/// <summary>rpm-ostree's package change kinds (RpmOstreePackageDiffTypes), in their numeric order.</summary>
public enum PackageChange
{
    /// <summary>Only in the newer list.</summary>
    Added = 0,
    /// <summary>Only in the older list.</summary>
    Removed = 1,
    /// <summary>Newer EVR (or arch) in the newer list.</summary>
    Upgraded = 2,
    /// <summary>Older EVR in the newer list.</summary>
    Downgraded = 3,
}

/// <summary>The difference between two package lists.</summary>
/// <param name="Removed">Packages only in the old list, in list order.</param>
/// <param name="Added">Packages only in the new list, in list order.</param>
/// <param name="ModifiedOld">The old side of each changed package.</param>
/// <param name="ModifiedNew">The new side, pairwise with <paramref name="ModifiedOld"/>.</param>
public sealed record PackageDiff(
    IReadOnlyList<PackageListEntry> Removed,
    IReadOnlyList<PackageListEntry> Added,
    IReadOnlyList<PackageListEntry> ModifiedOld,
    IReadOnlyList<PackageListEntry> ModifiedNew)
{
    /// <summary>The changed pairs that are upgrades (old sorts before new), in list order.</summary>
    public IEnumerable<(PackageListEntry Old, PackageListEntry New)> Upgraded =>
        Pairs().Where(p => PackageListEntry.Compare(p.Old, p.New) <= 0);

    /// <summary>The changed pairs that are downgrades (old sorts after new), in list order.</summary>
    public IEnumerable<(PackageListEntry Old, PackageListEntry New)> Downgraded =>
        Pairs().Where(p => PackageListEntry.Compare(p.Old, p.New) > 0);

    /// <summary>True when nothing changed.</summary>
    public bool IsEmpty => Removed.Count == 0 && Added.Count == 0 && ModifiedOld.Count == 0;

    private IEnumerable<(PackageListEntry Old, PackageListEntry New)> Pairs() =>
        ModifiedOld.Select((o, i) => (o, ModifiedNew[i]));

    /// <summary>Compares two package lists, each sorted as <see cref="PackageListEntry.Compare"/> sorts.</summary>
    public static PackageDiff Compute(IReadOnlyList<PackageListEntry> from, IReadOnlyList<PackageListEntry> to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var removed = new List<PackageListEntry>();
        var added = new List<PackageListEntry>();
        var modOld = new List<PackageListEntry>();
        var modNew = new List<PackageListEntry>();
        int a = 0, b = 0;
        while (a < from.Count && b < to.Count)
        {
            var pa = from[a];
            var pb = to[b];
            int cmp = string.CompareOrdinal(pa.Name, pb.Name);
            if (cmp < 0)
            {
                removed.Add(pa);
                a++;
                continue;
            }
            if (cmp > 0)
            {
                added.Add(pb);
                b++;
                continue;
            }
            cmp = string.CompareOrdinal(pa.Arch, pb.Arch);
            if (cmp == 0)
            {
                if (PackageListEntry.CompareEvr(pa, pb) != 0)
                {
                    modOld.Add(pa);
                    modNew.Add(pb);
                }
                a++;
                b++;
            }
            else if (LastOfName(from, a) && LastOfName(to, b))
            {
                modOld.Add(pa);
                modNew.Add(pb);
                a++;
                b++;
            }
            else if (cmp < 0)
            {
                removed.Add(pa);
                a++;
            }
            else
            {
                added.Add(pb);
                b++;
            }
        }
        for (; a < from.Count; a++)
            removed.Add(from[a]);
        for (; b < to.Count; b++)
            added.Add(to[b]);
        return new PackageDiff(removed, added, modOld, modNew);
    }

    private static bool LastOfName(IReadOnlyList<PackageListEntry> list, int i) =>
        i + 1 >= list.Count || list[i + 1].Name != list[i].Name;

    /// <summary>
    /// rpm-ostree's diff variant, type a(sua{sv}): (name, change kind, {PreviousPackage: (name, evr, arch),
    /// NewPackage: (name, evr, arch)}) sorted by kind then name (rpmostree-package-variants.cxx).
    /// </summary>
    public GVariantValue ToVariant()
    {
        var found = new List<(string Name, PackageChange Kind, PackageListEntry? Old, PackageListEntry? New)>();
        for (int i = 0; i < ModifiedOld.Count; i++)
        {
            var kind = PackageListEntry.Compare(ModifiedOld[i], ModifiedNew[i]) > 0 ? PackageChange.Downgraded : PackageChange.Upgraded;
            found.Add((ModifiedOld[i].Name, kind, ModifiedOld[i], ModifiedNew[i]));
        }
        found.AddRange(Removed.Select(p => (p.Name, PackageChange.Removed, (PackageListEntry?)p, (PackageListEntry?)null)));
        found.AddRange(Added.Select(p => (p.Name, PackageChange.Added, (PackageListEntry?)null, (PackageListEntry?)p)));
        // g_ptr_array_sort is a stable merge sort; so is OrderBy.
        var sorted = found.OrderBy(f => (int)f.Kind).ThenBy(f => f.Name, StringComparer.Ordinal);
        var items = new List<GVariantValue>();
        foreach (var (name, kind, oldPkg, newPkg) in sorted)
        {
            var options = new List<GVariantValue>();
            if (oldPkg != null)
                options.Add(new GVDictEntry(GVariantValue.Str("PreviousPackage"), new GVVariant(Triple(oldPkg))));
            if (newPkg != null)
                options.Add(new GVDictEntry(GVariantValue.Str("NewPackage"), new GVVariant(Triple(newPkg))));
            items.Add(new GVTuple([GVariantValue.Str(name), GVariantValue.U32((uint)kind), new GVArray(GVariantType.Parse("{sv}"), options)]));
        }
        return new GVArray(GVariantType.Parse("(sua{sv})"), items);

        static GVariantValue Triple(PackageListEntry p) =>
            new GVTuple([GVariantValue.Str(p.Name), GVariantValue.Str(p.Evr), GVariantValue.Str(p.Arch)]);
    }
}
