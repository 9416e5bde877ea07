// Writes rpm-md metadata for a directory of RPMs, as createrepo_c does: each package's headers
// are read (payload untouched) and the file hashed for its pkgid, in parallel over packages
// (RepoPackage.FromRpm); then primary, filelists and other are streamed (in parallel) as XML
// through an open-checksum tap, gzip and a checksum tap into temp files renamed to their
// content-addressed names; repomd.xml, listing each with checksums and sizes, is written to a
// temp name and renamed into place last, so readers never see metadata pointing at missing files.
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using Arbor.Rpm.Header;
using Arbor.Rpm.Package;

namespace Arbor.Rpm.Repodata;

/// <summary>Creates rpm-md repositories.</summary>
public static class RepoWriter
{
    private const string CommonNs = "http://linux.duke.edu/metadata/common";
    private const string RpmNs = "http://linux.duke.edu/metadata/rpm";

    /// <summary>Writes repodata/ for the RPMs under <paramref name="dir"/>; returns the number of packages.</summary>
    public static int Create(string dir, long? timestamp = null)
    {
        dir = Path.GetFullPath(dir);
        var hrefs = Directory.EnumerateFiles(dir, "*.rpm", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(dir, p))
            .Where(h => !h.StartsWith("repodata/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
        var entries = new RepoPackage[hrefs.Length];
        // Reading headers and hashing files is independent per package.
        ParallelWork.For(hrefs.Length, i => entries[i] = Describe(dir, hrefs[i]));
        WriteMetadata(dir, entries, timestamp);
        return entries.Length;
    }

    /// <summary>Describes one RPM (<paramref name="href"/> relative to <paramref name="dir"/>) as rpm-md would.</summary>
    public static RepoPackage Describe(string dir, string href)
    {
        var path = Path.Combine(dir, href);
        try
        {
            string pkgId = RepoMd.HashFile(path, "sha256");
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 8192);
            using var pkg = RpmPackage.Open(fs, leaveOpen: true);
            return RepoPackage.FromRpm(pkg, href, pkgId, fs.Length, new DateTimeOffset(File.GetLastWriteTimeUtc(path)).ToUnixTimeSeconds());
        }
        catch (RpmFormatException e)
        {
            throw new RpmFormatException($"{href}: {e.Message}");
        }
    }

    /// <summary>Writes primary, filelists, other and repomd.xml describing <paramref name="packages"/> into dir/repodata.</summary>
    public static void WriteMetadata(string dir, IReadOnlyList<RepoPackage> packages, long? timestamp = null)
    {
        ArgumentNullException.ThrowIfNull(packages);
        long ts = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var repodata = Path.Combine(dir, "repodata");
        Directory.CreateDirectory(repodata);
        var jobs = new (string Type, Action<XmlWriter> Body)[]
        {
            ("primary", w => Primary(w, packages)),
            ("filelists", w => Filelists(w, packages)),
            ("other", w => Other(w, packages)),
        };
        var written = new Written[jobs.Length];
        ParallelWork.For(jobs.Length, i => written[i] = WriteXml(repodata, jobs[i].Type, jobs[i].Body));
        var tmp = Path.Combine(repodata, $".repomd.xml.{Environment.ProcessId}.tmp");
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            using (var w = XmlWriter.Create(fs, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), CloseOutput = false }))
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
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, Path.Combine(repodata, "repomd.xml"), overwrite: true);
        // Old metadata files no longer referenced.
        var keep = written.Select(x => Path.GetFileName(x.Href)).ToHashSet(StringComparer.Ordinal);
        foreach (var f in Directory.GetFiles(repodata, "*.xml.gz"))
        {
            if (!keep.Contains(Path.GetFileName(f)))
                File.Delete(f);
        }
    }

    private readonly record struct Written(string Type, string Href, string Sum, string OpenSum, long Size, long OpenSize);

    private static Written WriteXml(string repodata, string type, Action<XmlWriter> body)
    {
        var tmp = Path.Combine(repodata, $".{type}.xml.gz.{Environment.ProcessId}.tmp");
        (string Sum, long Length) open, packed;
        using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            var packedTap = new HashingWriteStream(file);
            using (var gz = new GZipStream(packedTap, CompressionLevel.Optimal, leaveOpen: true))
            {
                var openTap = new HashingWriteStream(gz);
                using (var w = XmlWriter.Create(openTap, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), CloseOutput = false }))
                    body(w);
                open = openTap.Finish();
            }
            packed = packedTap.Finish();
            file.Flush(flushToDisk: true);
        }
        string name = $"{packed.Sum}-{type}.xml.gz";
        File.Move(tmp, Path.Combine(repodata, name), overwrite: true);
        return new Written(type, "repodata/" + name, packed.Sum, open.Sum, packed.Length, open.Length);
    }

    /// <summary>Passes writes through while hashing them (SHA-256) and counting bytes.</summary>
    private sealed class HashingWriteStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _length;

        public (string Sum, long Length) Finish()
        {
            var r = (Convert.ToHexStringLower(_hash.GetHashAndReset()), _length);
            _hash.Dispose();
            return r;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            _length += buffer.Length;
            inner.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException("the stream is write-only and not seekable"); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("the stream is write-only and not seekable");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("the stream is write-only and not seekable");
        public override void SetLength(long value) => throw new NotSupportedException("the stream is write-only and not seekable");
    }

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static void Version(XmlWriter w, RepoPackage p)
    {
        w.WriteStartElement("version");
        w.WriteAttributeString("epoch", p.Epoch);
        w.WriteAttributeString("ver", p.Version);
        w.WriteAttributeString("rel", p.Release);
        w.WriteEndElement();
    }

    private static void Primary(XmlWriter w, IReadOnlyList<RepoPackage> packages)
    {
        w.WriteStartElement("metadata", CommonNs);
        w.WriteAttributeString("xmlns", "rpm", null, RpmNs);
        w.WriteAttributeString("packages", N(packages.Count));
        foreach (var p in packages)
        {
            w.WriteStartElement("package");
            w.WriteAttributeString("type", "rpm");
            w.WriteElementString("name", p.Name);
            w.WriteElementString("arch", p.Arch);
            Version(w, p);
            w.WriteStartElement("checksum"); w.WriteAttributeString("type", p.ChecksumType); w.WriteAttributeString("pkgid", "YES"); w.WriteString(p.Checksum); w.WriteEndElement();
            w.WriteElementString("summary", p.Summary);
            w.WriteElementString("description", p.Description);
            w.WriteElementString("packager", p.Packager);
            w.WriteElementString("url", p.Url);
            w.WriteStartElement("time");
            w.WriteAttributeString("file", N(p.FileTime));
            w.WriteAttributeString("build", N(p.BuildTime));
            w.WriteEndElement();
            w.WriteStartElement("size");
            w.WriteAttributeString("package", N(p.PackageSize));
            w.WriteAttributeString("installed", N(p.InstalledSize));
            w.WriteAttributeString("archive", N(p.ArchiveSize));
            w.WriteEndElement();
            w.WriteStartElement("location");
            if (p.LocationBase != null)
                w.WriteAttributeString("xml", "base", null, p.LocationBase);
            w.WriteAttributeString("href", p.Location);
            w.WriteEndElement();
            w.WriteStartElement("format");
            w.WriteElementString("license", RpmNs, p.License);
            w.WriteElementString("vendor", RpmNs, p.Vendor);
            w.WriteElementString("group", RpmNs, p.Group);
            w.WriteElementString("buildhost", RpmNs, p.BuildHost);
            w.WriteElementString("sourcerpm", RpmNs, p.SourceRpm);
            w.WriteStartElement("header-range", RpmNs);
            w.WriteAttributeString("start", N(p.HeaderStart));
            w.WriteAttributeString("end", N(p.HeaderEnd));
            w.WriteEndElement();
            foreach (var kind in RepoPackage.DependencyKinds)
            {
                if (!p.Dependencies.TryGetValue(kind, out var deps) || deps.Count == 0)
                    continue;
                w.WriteStartElement(kind, RpmNs);
                foreach (var d in deps)
                    DepEntry(w, d);
                w.WriteEndElement();
            }
            foreach (var f in p.Files)
            {
                if (RepoPackage.IsPrimaryFile(f.Path))
                    FileElement(w, f);
            }
            w.WriteEndElement();
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static void DepEntry(XmlWriter w, RepoDependency d)
    {
        w.WriteStartElement("entry", RpmNs);
        w.WriteAttributeString("name", d.Name);
        if (d.Flags != null)
        {
            w.WriteAttributeString("flags", d.Flags);
            if (d.Epoch != null) w.WriteAttributeString("epoch", d.Epoch);
            if (d.Ver != null) w.WriteAttributeString("ver", d.Ver);
            if (d.Rel != null) w.WriteAttributeString("rel", d.Rel);
        }
        if (d.Pre)
            w.WriteAttributeString("pre", "1");
        w.WriteEndElement();
    }

    private static void FileElement(XmlWriter w, RepoFile f)
    {
        w.WriteStartElement("file");
        if (f.Type != "file")
            w.WriteAttributeString("type", f.Type);
        w.WriteString(f.Path);
        w.WriteEndElement();
    }

    private static void Filelists(XmlWriter w, IReadOnlyList<RepoPackage> packages)
    {
        w.WriteStartElement("filelists", "http://linux.duke.edu/metadata/filelists");
        w.WriteAttributeString("packages", N(packages.Count));
        foreach (var p in packages)
        {
            w.WriteStartElement("package");
            w.WriteAttributeString("pkgid", p.Checksum);
            w.WriteAttributeString("name", p.Name);
            w.WriteAttributeString("arch", p.Arch);
            Version(w, p);
            foreach (var f in p.Files)
                FileElement(w, f);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static void Other(XmlWriter w, IReadOnlyList<RepoPackage> packages)
    {
        w.WriteStartElement("otherdata", "http://linux.duke.edu/metadata/other");
        w.WriteAttributeString("packages", N(packages.Count));
        foreach (var p in packages)
        {
            w.WriteStartElement("package");
            w.WriteAttributeString("pkgid", p.Checksum);
            w.WriteAttributeString("name", p.Name);
            w.WriteAttributeString("arch", p.Arch);
            Version(w, p);
            foreach (var c in p.Changelog)
            {
                w.WriteStartElement("changelog");
                w.WriteAttributeString("author", c.Author);
                w.WriteAttributeString("date", N(c.Date));
                w.WriteString(c.Text);
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }
}
