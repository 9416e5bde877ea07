// Reading an rpm-md repository: repomd.xml -> primary (one RepoPackage per <package>) ->
// filelists and other, joined to the primary packages by pkgid. Each metadata file is verified
// against repomd.xml first (RepoMd.Verify), then streamed through its decompressor into an
// XmlReader, so a primary.xml of hundreds of megabytes is never held as text or as a DOM; only
// the packages themselves are kept. Callers that need only primary (repoquery) skip the rest.
using System.Globalization;
using System.Xml;

namespace Arbor.Rpm.Repodata;

/// <summary>Which metadata files to read besides primary.</summary>
[Flags]
public enum RepoParts
{
    /// <summary>primary only.</summary>
    Primary = 0,
    /// <summary>filelists (every file of every package).</summary>
    Filelists = 1,
    /// <summary>other (changelogs).</summary>
    Other = 2,
    /// <summary>Everything.</summary>
    All = Filelists | Other,
}

/// <summary>A repository's metadata as read.</summary>
public sealed class RepoMetadata
{
    /// <summary>repomd.xml.</summary>
    public required RepoMd RepoMd { get; init; }
    /// <summary>The packages, in primary.xml order.</summary>
    public required IReadOnlyList<RepoPackage> Packages { get; init; }
}

/// <summary>Reads rpm-md metadata.</summary>
public static class RepoReader
{
    /// <summary>Reads the repository at <paramref name="repoDir"/> (the directory holding repodata/).</summary>
    public static RepoMetadata Read(string repoDir, RepoParts parts = RepoParts.All)
    {
        var repomdPath = Path.Combine(repoDir, "repodata", "repomd.xml");
        if (!File.Exists(repomdPath))
            throw new RepoMetadataException($"{repoDir}: no repodata/repomd.xml");
        return Read(RepoMd.Load(repomdPath), repoDir, parts);
    }

    /// <summary>Reads the metadata files <paramref name="md"/> lists, found under <paramref name="root"/>.</summary>
    public static RepoMetadata Read(RepoMd md, string root, RepoParts parts = RepoParts.All)
    {
        ArgumentNullException.ThrowIfNull(md);
        var primary = md.Require("primary", root);
        var packages = ReadVerified(root, primary, ReadPrimary);
        if ((parts & RepoParts.Filelists) != 0 && md.Get("filelists") is { } fl)
        {
            var byId = Index(packages);
            ReadVerified(root, fl, s => { ReadFilelists(s, fl.Location, byId); return 0; });
        }
        if ((parts & RepoParts.Other) != 0 && md.Get("other") is { } ot)
        {
            var byId = Index(packages);
            ReadVerified(root, ot, s => { ReadOther(s, ot.Location, byId); return 0; });
        }
        return new RepoMetadata { RepoMd = md, Packages = packages };
    }

    private static Dictionary<string, List<RepoPackage>> Index(List<RepoPackage> packages)
    {
        var d = new Dictionary<string, List<RepoPackage>>(packages.Count, StringComparer.Ordinal);
        foreach (var p in packages)
        {
            if (!d.TryGetValue(p.Checksum, out var l))
                d[p.Checksum] = l = [];
            l.Add(p);
        }
        return d;
    }

    private static T ReadVerified<T>(string root, RepoMdRecord rec, Func<Stream, T> read)
    {
        var path = Path.Combine(root, rec.Location);
        RepoMd.Verify(path, rec);
        try
        {
            using var s = RepoMd.OpenDecompressed(path);
            return read(s);
        }
        catch (XmlException e)
        {
            throw new RepoMetadataException($"{rec.Location}: not valid XML: {e.Message}");
        }
        catch (Native.CompressionException e)
        {
            throw new RepoMetadataException($"{rec.Location}: {e.Message}");
        }
        catch (InvalidDataException e)
        {
            throw new RepoMetadataException($"{rec.Location}: {e.Message}");
        }
    }

    private static XmlReader Open(Stream s) => XmlReader.Create(s, RepoMd.Settings);

    /// <summary>Streams the packages of a (decompressed) primary.xml.</summary>
    public static List<RepoPackage> ReadPrimary(Stream xml)
    {
        var list = new List<RepoPackage>();
        using var r = Open(xml);
        TopLevelPackages(r, "primary", x => list.Add(ReadPackage(x)));
        return list;
    }

    // Calls `onPackage` for each <package> under the root element; other elements are skipped.
    private static void TopLevelPackages(XmlReader r, string what, Action<XmlReader> onPackage)
    {
        if (r.MoveToContent() != XmlNodeType.Element)
            throw new RepoMetadataException($"{what}: no root element");
        RepoMd.Children(r, x =>
        {
            if (x.LocalName == "package")
                onPackage(x);
            else
                x.Skip();
            return true;
        });
    }

    private static long Long(string? s) =>
        s != null && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : 0;

    private static RepoPackage ReadPackage(XmlReader r)
    {
        var p = new RepoPackage();
        List<RepoDependency>? deps = null;
        RepoMd.Children(r, x =>
        {
            switch (x.LocalName)
            {
                case "name": p.Name = x.ReadElementContentAsString(); return true;
                case "arch": p.Arch = x.ReadElementContentAsString(); return true;
                case "version":
                    p.Epoch = x.GetAttribute("epoch") is { Length: > 0 } e ? e : "0";
                    p.Version = x.GetAttribute("ver") ?? "";
                    p.Release = x.GetAttribute("rel") ?? "";
                    x.Skip();
                    return true;
                case "checksum":
                    p.ChecksumType = x.GetAttribute("type") ?? "sha256";
                    p.Checksum = x.ReadElementContentAsString().Trim().ToLowerInvariant();
                    return true;
                case "summary": p.Summary = x.ReadElementContentAsString(); return true;
                case "description": p.Description = x.ReadElementContentAsString(); return true;
                case "packager": p.Packager = x.ReadElementContentAsString(); return true;
                case "url": p.Url = x.ReadElementContentAsString(); return true;
                case "time":
                    p.FileTime = Long(x.GetAttribute("file"));
                    p.BuildTime = Long(x.GetAttribute("build"));
                    x.Skip();
                    return true;
                case "size":
                    p.PackageSize = Long(x.GetAttribute("package"));
                    p.InstalledSize = Long(x.GetAttribute("installed"));
                    p.ArchiveSize = Long(x.GetAttribute("archive"));
                    x.Skip();
                    return true;
                case "location":
                    p.Location = x.GetAttribute("href") ?? "";
                    p.LocationBase = x.GetAttribute("xml:base");
                    x.Skip();
                    return true;
                case "format": return false;
                case "license": p.License = x.ReadElementContentAsString(); return true;
                case "vendor": p.Vendor = x.ReadElementContentAsString(); return true;
                case "group": p.Group = x.ReadElementContentAsString(); return true;
                case "buildhost": p.BuildHost = x.ReadElementContentAsString(); return true;
                case "sourcerpm": p.SourceRpm = x.ReadElementContentAsString(); return true;
                case "header-range":
                    p.HeaderStart = Long(x.GetAttribute("start"));
                    p.HeaderEnd = Long(x.GetAttribute("end"));
                    x.Skip();
                    return true;
                case "provides" or "requires" or "conflicts" or "obsoletes" or "suggests" or "enhances" or "recommends" or "supplements":
                    if (!p.Dependencies.TryGetValue(x.LocalName, out deps))
                        p.Dependencies[x.LocalName] = deps = [];
                    return false;
                case "entry":
                    deps?.Add(new RepoDependency(x.GetAttribute("name") ?? "", x.GetAttribute("flags"), x.GetAttribute("epoch"),
                        x.GetAttribute("ver"), x.GetAttribute("rel"), x.GetAttribute("pre") is "1" or "true"));
                    x.Skip();
                    return true;
                case "file":
                    p.Files.Add(ReadFile(x));
                    return true;
                default:
                    x.Skip();
                    return true;
            }
        });
        if (p.Name.Length == 0)
            throw new XmlException("a <package> has no <name>");
        return p;
    }

    private static RepoFile ReadFile(XmlReader x)
    {
        string type = x.GetAttribute("type") ?? "file";
        return new RepoFile(x.ReadElementContentAsString(), type);
    }

    private static List<RepoPackage> Match(XmlReader r, string what, Dictionary<string, List<RepoPackage>> byId)
    {
        string id = (r.GetAttribute("pkgid") ?? "").ToLowerInvariant();
        if (!byId.TryGetValue(id, out var pkgs))
            throw new RepoMetadataException($"{what}: package {r.GetAttribute("name")} with pkgid {id} is not in primary");
        return pkgs;
    }

    /// <summary>Streams a (decompressed) filelists.xml into the packages, matched by pkgid.</summary>
    public static void ReadFilelists(Stream xml, string what, Dictionary<string, List<RepoPackage>> byId)
    {
        ArgumentNullException.ThrowIfNull(byId);
        using var reader = Open(xml);
        TopLevelPackages(reader, what, r =>
        {
            var pkgs = Match(r, what, byId);
            var files = new List<RepoFile>();
            RepoMd.Children(r, x =>
            {
                if (x.LocalName == "file")
                    files.Add(ReadFile(x));
                else
                    x.Skip();
                return true;
            });
            foreach (var p in pkgs)
                p.Files = files;
        });
    }

    /// <summary>Streams a (decompressed) other.xml's changelogs into the packages, matched by pkgid.</summary>
    public static void ReadOther(Stream xml, string what, Dictionary<string, List<RepoPackage>> byId)
    {
        ArgumentNullException.ThrowIfNull(byId);
        using var reader = Open(xml);
        TopLevelPackages(reader, what, r =>
        {
            var pkgs = Match(r, what, byId);
            var log = new List<RepoChangelog>();
            RepoMd.Children(r, x =>
            {
                if (x.LocalName == "changelog")
                {
                    string author = x.GetAttribute("author") ?? "";
                    long date = Long(x.GetAttribute("date"));
                    log.Add(new RepoChangelog(author, date, x.ReadElementContentAsString()));
                }
                else
                {
                    x.Skip();
                }
                return true;
            });
            foreach (var p in pkgs)
            {
                p.Changelog.Clear();
                p.Changelog.AddRange(log);
            }
        });
    }
}
