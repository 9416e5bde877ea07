// The package list rpm-ostree keeps beside every commit it makes: commit metadata key
// `rpmostree.rpmdb.pkglist`, type a(sssss) = (name, epoch as a decimal string, "0" when none,
// version, release, arch), sorted by name, then EVR (rpmvercmp), then arch — the order libdnf's
// dnf_package_cmp gives (rpm-util.cxx rpmostree_variant_pkgs_from_sack). Compose builds it from
// the headers it installs; `db list`/`db diff` read it back, and when a commit lacks the key they
// read the commit's own usr/share/rpm/rpmdb.sqlite instead (rpmostree-package.c
// _rpm_ostree_package_variant_list_for_commit), skipping gpg-pubkey entries as libsolv does.
using System.Globalization;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Rpm.Header;
using Arbor.Rpm.Version;

namespace Arbor.Compose.Rpmdb;

/// <summary>One package of a commit's package list.</summary>
/// <param name="Name">Package name.</param>
/// <param name="Epoch">Epoch as decimal text, "0" when the package has none.</param>
/// <param name="Version">Version.</param>
/// <param name="Release">Release.</param>
/// <param name="Arch">Architecture.</param>
public sealed record PackageListEntry(string Name, string Epoch, string Version, string Release, string Arch)
{
    /// <summary>EVR as rpm-ostree shows it: <c>V-R</c> when the epoch is "0", else <c>E:V-R</c>.</summary>
    public string Evr => Epoch == "0" ? $"{Version}-{Release}" : $"{Epoch}:{Version}-{Release}";

    /// <summary><c>N-EVR.A</c>.</summary>
    public string Nevra => $"{Name}-{Evr}.{Arch}";

    /// <summary>rpm-ostree's rpm_ostree_package_cmp: name bytewise, then EVR by rpmvercmp, then arch bytewise.</summary>
    public static int Compare(PackageListEntry a, PackageListEntry b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int c = string.CompareOrdinal(a.Name, b.Name);
        if (c != 0)
            return Math.Sign(c);
        c = CompareEvr(a, b);
        return c != 0 ? c : Math.Sign(string.CompareOrdinal(a.Arch, b.Arch));
    }

    /// <summary>EVR order (rpmverCmp over the EVR strings).</summary>
    public static int CompareEvr(PackageListEntry a, PackageListEntry b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new Evr(a.Epoch, a.Version, a.Release).CompareTo(new Evr(b.Epoch, b.Version, b.Release));
    }

    /// <summary>The entry for a package header (epoch "0" when the header has none).</summary>
    public static PackageListEntry FromHeader(RpmHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        string Need(RpmTag tag) => header.GetString(tag)
            ?? throw new RpmFormatException($"package header lacks {tag} (name '{header.GetString(RpmTag.Name)}')");
        long epoch = header.GetInteger(RpmTag.Epoch) ?? 0;
        return new PackageListEntry(Need(RpmTag.Name), epoch.ToString(CultureInfo.InvariantCulture), Need(RpmTag.Version),
            Need(RpmTag.Release), Need(RpmTag.Arch));
    }
}

/// <summary>Builds, stores and loads <c>rpmostree.rpmdb.pkglist</c>.</summary>
public static class PackageList
{
    /// <summary>The commit metadata key.</summary>
    public const string MetadataKey = "rpmostree.rpmdb.pkglist";

    /// <summary>Where rpm-ostree keeps the rpmdb inside a commit.</summary>
    public const string RpmdbLocation = "usr/share/rpm";

    /// <summary>The GVariant type of the key's value.</summary>
    public static readonly GVariantType VariantType = GVariantType.Parse("a(sssss)");

    /// <summary>The sorted list for the packages <paramref name="headers"/> describe (gpg-pubkey pseudo-packages left out).</summary>
    public static IReadOnlyList<PackageListEntry> FromHeaders(IEnumerable<RpmHeader> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var list = headers.Where(h => h.GetString(RpmTag.Name) != "gpg-pubkey").Select(PackageListEntry.FromHeader).ToList();
        list.Sort(PackageListEntry.Compare);
        return list;
    }

    /// <summary>The metadata value (a(sssss)) for <paramref name="packages"/>, sorted as rpm-ostree sorts it.</summary>
    public static GVariantValue ToVariant(IEnumerable<PackageListEntry> packages)
    {
        ArgumentNullException.ThrowIfNull(packages);
        var sorted = packages.ToList();
        sorted.Sort(PackageListEntry.Compare);
        var items = sorted.Select(p => (GVariantValue)new GVTuple([
            GVariantValue.Str(p.Name), GVariantValue.Str(p.Epoch), GVariantValue.Str(p.Version),
            GVariantValue.Str(p.Release), GVariantValue.Str(p.Arch)])).ToList();
        return new GVArray(VariantType.Element, items);
    }

    /// <summary>The metadata entry (key and value) compose adds to a commit.</summary>
    public static KeyValuePair<string, GVariantValue> MetadataEntry(IEnumerable<PackageListEntry> packages) =>
        new(MetadataKey, ToVariant(packages));

    /// <summary>The list stored in commit metadata, or null when the key is absent or not a(sssss) (as rpm-ostree's typed lookup treats it).</summary>
    public static IReadOnlyList<PackageListEntry>? FromMetadata(Commit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        if (commit.GetMetadata(MetadataKey) is not GVArray { } array || !array.Type.Equals(VariantType))
            return null;
        var list = new List<PackageListEntry>(array.Items.Count);
        foreach (var item in array.Items)
        {
            var m = ((GVTuple)item).Members;
            list.Add(new PackageListEntry(S(m[0]), S(m[1]), S(m[2]), S(m[3]), S(m[4])));
        }
        return list;

        static string S(GVariantValue v) => ((GVString)v).Value;
    }

    /// <summary>
    /// The package list of <paramref name="commit"/>: the metadata key when present, else the list read from the
    /// commit's <c>usr/share/rpm/rpmdb.sqlite</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">Neither the key nor a package database is there ("No package database found").</exception>
    public static IReadOnlyList<PackageListEntry> ForCommit(Repository repo, Checksum commit)
    {
        ArgumentNullException.ThrowIfNull(repo);
        var stored = FromMetadata(repo.LoadCommit(commit));
        if (stored != null)
            return stored;
        var headers = CommitRpmdb.ReadHeaders(repo, commit)
            ?? throw new InvalidDataException("Loading package list: No package database found");
        return FromHeaders(headers.Select(p => p.Header));
    }
}
