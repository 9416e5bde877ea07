// rpm-md read by Arbor: metadata written by createrepo_c (gz, xz, zstd, bzip2) gives the same
// package set, field by field, as Arbor's own reading of the RPM headers; Arbor's own
// metadata round-trips; a metadata file that does not match repomd.xml is refused by name.
using Arbor.Rpm.Repodata;

namespace Arbor.Rpm.Tests;

public class RepoReaderTests
{
    /// <summary>Every field rpm-md carries, one line each, for comparing package sets.</summary>
    internal static string Canon(RepoPackage p)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"{p.Nevra} {p.ChecksumType}:{p.Checksum} {p.Location} base={p.LocationBase}");
        sb.AppendLine($"size {p.PackageSize} {p.InstalledSize} {p.ArchiveSize} time {p.FileTime} {p.BuildTime} header {p.HeaderStart}-{p.HeaderEnd}");
        sb.AppendLine($"{p.Summary}|{p.Description}|{p.Packager}|{p.Url}|{p.License}|{p.Vendor}|{p.Group}|{p.BuildHost}|{p.SourceRpm}");
        foreach (var kind in RepoPackage.DependencyKinds)
        {
            foreach (var d in p.Dependencies.GetValueOrDefault(kind) ?? [])
                sb.AppendLine($"{kind}: {d.Name} {d.Flags} {d.Epoch}:{d.Ver}-{d.Rel} pre={d.Pre}");
        }
        foreach (var f in p.Files)
            sb.AppendLine($"file {f.Type} {f.Path}");
        foreach (var c in p.Changelog)
            sb.AppendLine($"changelog {c.Date} {c.Author}: {c.Text}");
        return sb.ToString();
    }

    internal static string Canon(IEnumerable<RepoPackage> ps) =>
        string.Concat(ps.OrderBy(p => p.Location, StringComparer.Ordinal).Select(Canon));

    private static readonly Lazy<string> Packages = new(() => RepoFixture.MakePackages(Tools.TempDir("repo-pkgs")));

    private static string CopyRepo(string what)
    {
        var dir = Tools.TempDir(what);
        foreach (var f in Directory.GetFiles(Packages.Value, "*.rpm"))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            File.SetLastWriteTimeUtc(Path.Combine(dir, Path.GetFileName(f)), File.GetLastWriteTimeUtc(f));
        }
        return dir;
    }

    private static string FromHeaders(string dir) =>
        Canon(Directory.GetFiles(dir, "*.rpm").Select(f => RepoWriter.Describe(dir, Path.GetFileName(f))));

    [Theory]
    [InlineData("gz")]
    [InlineData("xz")]
    [InlineData("zstd")]
    [InlineData("bz2")]
    public void CreaterepoCMetadataMatchesHeaders(string compression)
    {
        var dir = CopyRepo("crc-" + compression);
        try
        {
            Tools.Run("createrepo_c", ["-q", "--general-compress-type=" + (compression == "zstd" ? "gz" : compression), dir]);
            if (compression == "zstd")
                RepoRecompress.ToZstd(dir);
            var md = RepoReader.Read(dir);
            Assert.Equal(Directory.GetFiles(dir, "*.rpm").Length, md.Packages.Count);
            Assert.Equal(FromHeaders(dir), Canon(md.Packages));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ArborMetadataRoundTrips()
    {
        var dir = CopyRepo("ours");
        try
        {
            Assert.Equal(Directory.GetFiles(dir, "*.rpm").Length, RepoWriter.Create(dir));
            var md = RepoReader.Read(dir);
            Assert.Equal(FromHeaders(dir), Canon(md.Packages));
            // Primary alone carries only the primary files.
            var primaryOnly = RepoReader.Read(dir, RepoParts.Primary);
            Assert.All(primaryOnly.Packages.SelectMany(p => p.Files), f => Assert.True(RepoPackage.IsPrimaryFile(f.Path), f.Path));
            Assert.All(primaryOnly.Packages, p => Assert.Empty(p.Changelog));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void TamperedMetadataIsRefusedByName()
    {
        var dir = CopyRepo("tamper");
        try
        {
            Tools.Run("createrepo_c", ["-q", dir]);
            var md = RepoMd.Load(Path.Combine(dir, "repodata", "repomd.xml"));
            var filelists = md.Require("filelists", dir);
            var path = Path.Combine(dir, filelists.Location);
            var bytes = File.ReadAllBytes(path);
            bytes[^10] ^= 0xff;
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<RepoMetadataException>(() => RepoReader.Read(dir));
            Assert.Contains(filelists.Location, e.Message);
            Assert.Contains("checksum mismatch", e.Message);
            // Primary alone is still readable.
            Assert.NotEmpty(RepoReader.Read(dir, RepoParts.Primary).Packages);
            File.Delete(path);
            Assert.Contains("missing", Assert.Throws<RepoMetadataException>(() => RepoReader.Read(dir)).Message);
            File.WriteAllText(Path.Combine(dir, "repodata", "repomd.xml"), "<repomd><data type=");
            Assert.Contains("not valid XML", Assert.Throws<RepoMetadataException>(() => RepoReader.Read(dir)).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
