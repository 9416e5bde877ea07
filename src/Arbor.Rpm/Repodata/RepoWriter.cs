// Writes rpm-md metadata for a directory of RPMs, as createrepo_c does: each package's headers
// are read (payload untouched), the file is hashed for its pkgid, and primary, filelists and
// other are streamed as gzip-compressed XML into repodata/ under content-addressed names; then
// repomd.xml, listing each with its compressed and open checksums and sizes, is written to a temp
// name and renamed into place last, so readers never see metadata pointing at missing files.
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using Arbor.Rpm.Package;
using Arbor.Rpm.Version;

namespace Arbor.Rpm.Repodata;

/// <summary>Creates rpm-md repositories.</summary>
public static class RepoWriter
{
    private const string CommonNs = "http://linux.duke.edu/metadata/common";
    private const string RpmNs = "http://linux.duke.edu/metadata/rpm";

    private sealed record Entry(string Href, string PkgId, long FileSize, long MTime, long HeaderStart, long HeaderEnd, long ArchiveSize, PackageInfo Info);

    /// <summary>Writes repodata/ for the RPMs under <paramref name="dir"/>; returns the number of packages.</summary>
    public static int Create(string dir, long? timestamp = null)
    {
        dir = Path.GetFullPath(dir);
        long ts = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var entries = new List<Entry>();
        foreach (var path in Directory.EnumerateFiles(dir, "*.rpm", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string href = Path.GetRelativePath(dir, path);
            if (href.StartsWith("repodata/", StringComparison.Ordinal))
                continue;
            using var fs = File.OpenRead(path);
            string pkgId = Convert.ToHexStringLower(SHA256.HashData(fs));
            fs.Position = 0;
            using var pkg = RpmPackage.Open(fs, leaveOpen: true);
            long headerStart = pkg.PayloadOffset - pkg.Header.Raw.Length;
            long archive = pkg.Signature.Get(Header.SigTag.PayloadSize)?.AsIntegers().FirstOrDefault()
                ?? pkg.Signature.Get(Header.SigTag.LongArchiveSize)?.AsIntegers().FirstOrDefault() ?? 0;
            entries.Add(new Entry(href, pkgId, fs.Length, new DateTimeOffset(File.GetLastWriteTimeUtc(path)).ToUnixTimeSeconds(),
                headerStart, pkg.PayloadOffset, archive, pkg.Info));
        }
        var repodata = Path.Combine(dir, "repodata");
        Directory.CreateDirectory(repodata);
        var written = new List<(string Type, string Href, string Sum, string OpenSum, long Size, long OpenSize)>
        {
            WriteXml(repodata, "primary", w => Primary(w, entries)),
            WriteXml(repodata, "filelists", w => Filelists(w, entries)),
            WriteXml(repodata, "other", w => Other(w, entries)),
        };
        var tmp = Path.Combine(repodata, $".repomd.xml.{Environment.ProcessId}.tmp");
        using (var w = XmlWriter.Create(tmp, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) }))
        {
            w.WriteStartDocument();
            w.WriteStartElement("repomd", "http://linux.duke.edu/metadata/repo");
            w.WriteAttributeString("xmlns", "rpm", null, RpmNs);
            w.WriteElementString("revision", ts.ToString(CultureInfo.InvariantCulture));
            foreach (var d in written)
            {
                w.WriteStartElement("data");
                w.WriteAttributeString("type", d.Type);
                w.WriteStartElement("checksum"); w.WriteAttributeString("type", "sha256"); w.WriteString(d.Sum); w.WriteEndElement();
                w.WriteStartElement("open-checksum"); w.WriteAttributeString("type", "sha256"); w.WriteString(d.OpenSum); w.WriteEndElement();
                w.WriteStartElement("location"); w.WriteAttributeString("href", d.Href); w.WriteEndElement();
                w.WriteElementString("timestamp", ts.ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("size", d.Size.ToString(CultureInfo.InvariantCulture));
                w.WriteElementString("open-size", d.OpenSize.ToString(CultureInfo.InvariantCulture));
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        File.Move(tmp, Path.Combine(repodata, "repomd.xml"), overwrite: true);
        // Old metadata files no longer referenced.
        var keep = written.Select(x => Path.GetFileName(x.Href)).ToHashSet(StringComparer.Ordinal);
        foreach (var f in Directory.GetFiles(repodata, "*.xml.gz"))
        {
            if (!keep.Contains(Path.GetFileName(f)))
                File.Delete(f);
        }
        return entries.Count;
    }

    private static (string, string, string, string, long, long) WriteXml(string repodata, string type, Action<XmlWriter> body)
    {
        var open = new MemoryStream();
        using (var w = XmlWriter.Create(open, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) }))
            body(w);
        var packed = new MemoryStream();
        using (var gz = new GZipStream(packed, CompressionLevel.Optimal, leaveOpen: true))
            gz.Write(open.GetBuffer(), 0, (int)open.Length);
        string sum = Convert.ToHexStringLower(SHA256.HashData(packed.ToArray()));
        string openSum = Convert.ToHexStringLower(SHA256.HashData(open.ToArray()));
        string name = $"{sum}-{type}.xml.gz";
        var tmp = Path.Combine(repodata, "." + name + ".tmp");
        File.WriteAllBytes(tmp, packed.ToArray());
        File.Move(tmp, Path.Combine(repodata, name), overwrite: true);
        return (type, "repodata/" + name, sum, openSum, packed.Length, open.Length);
    }

    private static void Version(XmlWriter w, PackageInfo p)
    {
        w.WriteStartElement("version");
        w.WriteAttributeString("epoch", (p.Epoch ?? 0).ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("ver", p.Version);
        w.WriteAttributeString("rel", p.Release);
        w.WriteEndElement();
    }

    private static bool PrimaryFile(string path) =>
        path.StartsWith("/etc/", StringComparison.Ordinal) || path.Contains("bin/", StringComparison.Ordinal) || path == "/usr/lib/sendmail";

    private static void Primary(XmlWriter w, List<Entry> entries)
    {
        w.WriteStartElement("metadata", CommonNs);
        w.WriteAttributeString("xmlns", "rpm", null, RpmNs);
        w.WriteAttributeString("packages", entries.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var e in entries)
        {
            var p = e.Info;
            w.WriteStartElement("package");
            w.WriteAttributeString("type", "rpm");
            w.WriteElementString("name", p.Name);
            w.WriteElementString("arch", p.Arch);
            Version(w, p);
            w.WriteStartElement("checksum"); w.WriteAttributeString("type", "sha256"); w.WriteAttributeString("pkgid", "YES"); w.WriteString(e.PkgId); w.WriteEndElement();
            w.WriteElementString("summary", p.Summary);
            w.WriteElementString("description", p.Description);
            w.WriteElementString("packager", p.Packager);
            w.WriteElementString("url", p.Url);
            w.WriteStartElement("time");
            w.WriteAttributeString("file", e.MTime.ToString(CultureInfo.InvariantCulture));
            w.WriteAttributeString("build", p.BuildTime.ToString(CultureInfo.InvariantCulture));
            w.WriteEndElement();
            w.WriteStartElement("size");
            w.WriteAttributeString("package", e.FileSize.ToString(CultureInfo.InvariantCulture));
            w.WriteAttributeString("installed", p.Size.ToString(CultureInfo.InvariantCulture));
            w.WriteAttributeString("archive", e.ArchiveSize.ToString(CultureInfo.InvariantCulture));
            w.WriteEndElement();
            w.WriteStartElement("location"); w.WriteAttributeString("href", e.Href); w.WriteEndElement();
            w.WriteStartElement("format");
            w.WriteElementString("license", RpmNs, p.License);
            w.WriteElementString("vendor", RpmNs, p.Vendor);
            w.WriteElementString("group", RpmNs, p.Group);
            w.WriteElementString("buildhost", RpmNs, p.BuildHost);
            w.WriteElementString("sourcerpm", RpmNs, p.SourceRpm);
            w.WriteStartElement("header-range", RpmNs);
            w.WriteAttributeString("start", e.HeaderStart.ToString(CultureInfo.InvariantCulture));
            w.WriteAttributeString("end", e.HeaderEnd.ToString(CultureInfo.InvariantCulture));
            w.WriteEndElement();
            foreach (var kind in new[] { "provides", "requires", "conflicts", "obsoletes", "suggests", "enhances", "recommends", "supplements" })
            {
                // Like createrepo_c: no rpmlib() features, and no requires the package provides itself.
                var deps = p.Dependencies[kind].Where(d => !d.Name.StartsWith("rpmlib(", StringComparison.Ordinal))
                    .Where(d => kind != "requires" || !p.Dependencies["provides"].Any(pr => pr.Name == d.Name && pr.Sense == d.Sense && pr.Version == d.Version))
                    .DistinctBy(d => (d.Name, d.Sense, d.Version)).ToList();
                if (deps.Count == 0)
                    continue;
                w.WriteStartElement(kind, RpmNs);
                foreach (var d in deps)
                    DepEntry(w, d, kind == "requires");
                w.WriteEndElement();
            }
            foreach (var f in p.Files.Where(f => PrimaryFile(f.Path)))
                FileElement(w, f);
            w.WriteEndElement();
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static void DepEntry(XmlWriter w, Dependency d, bool requires)
    {
        w.WriteStartElement("entry", RpmNs);
        w.WriteAttributeString("name", d.Name);
        string? flags = d.Sense switch
        {
            DependencyFlags.Less => "LT",
            DependencyFlags.Less | DependencyFlags.Equal => "LE",
            DependencyFlags.Equal => "EQ",
            DependencyFlags.Greater | DependencyFlags.Equal => "GE",
            DependencyFlags.Greater => "GT",
            _ => null,
        };
        if (flags != null)
        {
            var evr = Evr.Parse(d.Version);
            w.WriteAttributeString("flags", flags);
            w.WriteAttributeString("epoch", evr.Epoch ?? "0");
            w.WriteAttributeString("ver", evr.Version);
            if (evr.Release != null)
                w.WriteAttributeString("rel", evr.Release);
        }
        var pre = DependencyFlags.PreReq | DependencyFlags.ScriptPre | DependencyFlags.ScriptPost;
        if (requires && (d.Flags & pre) != 0)
            w.WriteAttributeString("pre", "1");
        w.WriteEndElement();
    }

    private static void FileElement(XmlWriter w, RpmFile f)
    {
        w.WriteStartElement("file");
        if ((f.Flags & FileFlags.Ghost) != 0)
            w.WriteAttributeString("type", "ghost");
        else if (f.Type == 0x4000)
            w.WriteAttributeString("type", "dir");
        w.WriteString(f.Path);
        w.WriteEndElement();
    }

    private static void Filelists(XmlWriter w, List<Entry> entries)
    {
        w.WriteStartElement("filelists", "http://linux.duke.edu/metadata/filelists");
        w.WriteAttributeString("packages", entries.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var e in entries)
        {
            w.WriteStartElement("package");
            w.WriteAttributeString("pkgid", e.PkgId);
            w.WriteAttributeString("name", e.Info.Name);
            w.WriteAttributeString("arch", e.Info.Arch);
            Version(w, e.Info);
            foreach (var f in e.Info.Files)
                FileElement(w, f);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static void Other(XmlWriter w, List<Entry> entries)
    {
        w.WriteStartElement("otherdata", "http://linux.duke.edu/metadata/other");
        w.WriteAttributeString("packages", entries.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var e in entries)
        {
            w.WriteStartElement("package");
            w.WriteAttributeString("pkgid", e.PkgId);
            w.WriteAttributeString("name", e.Info.Name);
            w.WriteAttributeString("arch", e.Info.Arch);
            Version(w, e.Info);
            foreach (var c in e.Info.Changelog)
            {
                w.WriteStartElement("changelog");
                w.WriteAttributeString("author", c.Author);
                w.WriteAttributeString("date", c.Time.ToString(CultureInfo.InvariantCulture));
                w.WriteString(c.Text);
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }
}
