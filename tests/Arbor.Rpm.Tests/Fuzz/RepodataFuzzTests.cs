// Fuzz campaigns over rpm-md metadata, which comes from mirrors: repomd.xml, and primary,
// filelists and other XML (from createrepo_c and from Arbor) read through RepoReader in a
// repository whose repomd.xml is rewritten with the mutated file's checksum and size, so the
// mutation gets past verification and into the XML readers. Packages that are read must survive
// being written back by Arbor's RepoWriter and read again. Also the metalink and mirrorlist
// documents a mirror manager serves, and the .repo files that point at all of it.
using System.Security.Cryptography;
using System.Text;
using Arbor.Fuzzing;
using Arbor.Rpm.Repodata;
using Xunit.Abstractions;
using static Arbor.Rpm.Tests.Fuzz.RpmFuzzTests;

namespace Arbor.Rpm.Tests.Fuzz;

public class RepodataFuzzTests(ITestOutputHelper output)
{
    private static RpmSeeds Seeds => RpmSeeds.Get;

    private static readonly IReadOnlyList<string> XmlTokens =
    [
        "<", ">", "/>", "</", "\"", "'", "=", "&amp;", "&lt;", "&#0;", "&#x1F600;", "&undefined;", "<![CDATA[", "]]>", "<!--", "-->",
        "<!DOCTYPE x [<!ENTITY e \"eeeeeeeeee\">]>", "<?xml version=\"1.0\"?>", "xmlns=\"\"", "xml:base=\"", "\u00e9", "\uFFFD",
        "package", "name", "arch", "version", "epoch", "ver", "rel", "checksum", "pkgid", "type", "sha256", "md5", "sha999",
        "location", "href", "size", "open-size", "timestamp", "data", "revision", "primary", "filelists", "other",
        "rpm:entry", "flags", "EQ", "GE", "pre", "file", "dir", "ghost", "changelog", "author", "date", "format", "header-range",
        "-1", "0", "99999999999999999999", "1e400", "NaN", "../../etc/passwd", "/", "..",
    ];

    private static MutatorOptions Options => new() { Tokens = XmlTokens, IntegerWeight = 1, TokenWeight = 8 };

    [Fact]
    public void Repomd()
    {
        Campaign(output, "rpm-md repomd.xml", 3000).Run(Mutator.Cases(Seeds.RepoMds, Options), c =>
        {
            var md = RepoMd.Parse(new MemoryStream(c.Data), "fuzzed repomd.xml");
            foreach (var r in md.Records)
            {
                using var h = RepoMd.CreateHash(r.ChecksumType, "fuzzed repomd.xml");
                _ = Path.Combine("/srv/repo", r.Location);
            }
        });
    }

    [Fact]
    public void Primary_filelists_other()
    {
        using var tmp = new TempDirectory();
        int n = 0;
        Campaign(output, "rpm-md primary/filelists/other", 1000).Run(Mutator.Cases(Seeds.MetadataSeeds, Options), c =>
        {
            var repo = c.Seed.Name[..c.Seed.Name.IndexOf(':', StringComparison.Ordinal)];
            var kind = c.Seed.Name[(repo.Length + 1)..];
            var dir = Path.Combine(tmp.Path, (n++ % 4).ToString(System.Globalization.CultureInfo.InvariantCulture));
            var repodata = Path.Combine(dir, "repodata");
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
            Directory.CreateDirectory(repodata);
            var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<repomd xmlns=\"http://linux.duke.edu/metadata/repo\"><revision>1</revision>\n");
            foreach (var k in new[] { "primary", "filelists", "other" })
            {
                var bytes = k == kind ? c.Data : Seeds.Metadata[(repo, k)];
                File.WriteAllBytes(Path.Combine(repodata, k + ".xml"), bytes);
                var sum = Convert.ToHexStringLower(SHA256.HashData(bytes));
                xml.Append($"<data type=\"{k}\"><checksum type=\"sha256\">{sum}</checksum><location href=\"repodata/{k}.xml\"/><size>{bytes.Length}</size><timestamp>1</timestamp></data>\n");
            }
            File.WriteAllText(Path.Combine(repodata, "repomd.xml"), xml.Append("</repomd>\n").ToString());
            var read = RepoReader.Read(dir);
            // Written back by Arbor and read again: the same packages.
            var back = Path.Combine(dir, "back");
            Directory.CreateDirectory(back);
            RepoWriter.WriteMetadata(back, read.Packages, timestamp: 1);
            var again = RepoReader.Read(back).Packages;
            Expect(again.Count == read.Packages.Count, "package count changes when metadata is written back");
            for (int i = 0; i < again.Count; i++)
            {
                var (a, b) = (read.Packages[i], again[i]);
                Expect(a.Name == b.Name && a.Epoch == b.Epoch && a.Version == b.Version && a.Release == b.Release && a.Arch == b.Arch
                    && a.Checksum == b.Checksum && a.Files.Count == b.Files.Count && a.Changelog.Count == b.Changelog.Count
                    && a.Dependencies.Sum(d => d.Value.Count) == b.Dependencies.Sum(d => d.Value.Count),
                    $"package {a.Name} changes when metadata is written back");
            }
        });
    }

    private static readonly FuzzSeed[] MirrorSeeds =
    [
        new("metalink", Encoding.UTF8.GetBytes($"""
            <?xml version="1.0" encoding="utf-8"?>
            <metalink version="3.0" xmlns="http://www.metalinker.org/" type="dynamic" generator="mirrormanager" xmlns:mm0="http://fedorahosted.org/mirrormanager">
             <files>
              <file name="repomd.xml">
               <mm0:timestamp>1700000000</mm0:timestamp>
               <size>4321</size>
               <verification>
                <hash type="md5">{new string('a', 32)}</hash>
                <hash type="sha256">{new string('b', 64)}</hash>
               </verification>
               <mm0:alternates>
                <mm0:alternate>
                 <mm0:timestamp>1600000000</mm0:timestamp>
                 <verification><hash type="sha512">{new string('c', 128)}</hash></verification>
                </mm0:alternate>
               </mm0:alternates>
               <resources maxconnections="1">
                <url protocol="https" type="https" location="US" preference="100">https://mirror.example.org/fedora/40/x86_64/repodata/repomd.xml</url>
                <url protocol="http" type="http" location="DE" preference="90">http://ftp.example.de/pub/$releasever/$basearch/repodata/repomd.xml</url>
                <url protocol="rsync" type="rsync" location="US" preference="100">rsync://mirror.example.org/fedora/repodata/repomd.xml</url>
               </resources>
              </file>
             </files>
            </metalink>
            """)),
        new("mirrorlist", "# comment\nhttps://mirror.example.org/fedora/$releasever/$basearch/\n\nhttp://ftp.example.de/pub/fedora/40/x86_64/\n  # indented\nftp://old.example.com/x/\n"u8.ToArray()),
    ];

    private static readonly FuzzSeed[] RepoFileSeeds =
    [
        new("fedora.repo", """
            [fedora]
            name=Fedora $releasever - $basearch
            #baseurl=http://download.example/pub/fedora/linux/releases/$releasever/Everything/$basearch/os/
            metalink=https://mirrors.fedoraproject.org/metalink?repo=fedora-$releasever&arch=$basearch
            enabled=1
            countme=1
            metadata_expire=7d
            repo_gpgcheck=0
            type=rpm
            gpgcheck=1
            gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-fedora-$releasever-$basearch
            skip_if_unavailable=False

            [fedora-debuginfo]
            name=Fedora $releasever - $basearch - Debug
            metalink=https://mirrors.fedoraproject.org/metalink?repo=fedora-debug-$releasever&arch=$basearch
            enabled=0
            metadata_expire=6h
            gpgcheck=1
            gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-fedora-$releasever-$basearch
            """u8.ToArray()),
        new("local.repo", "[local]\nname=Local\nbaseurl=file:///srv/repo/ https://example.org/${basearch}/\n  http://second.example/\nmirrorlist=https://example.org/ml\ngpgcheck=false\nmetadata_expire=-1\nenabled=true\n"u8.ToArray()),
    ];

    [Fact]
    public void Metalinks_and_mirrorlists()
    {
        var vars = RepoConfig.Variables("40");
        Campaign(output, "rpm-md metalink/mirrorlist", 3000).Run(Mutator.Cases(MirrorSeeds, Options), c =>
        {
            var set = MirrorSet.Parse(Encoding.UTF8.GetString(c.Data), "fuzzed mirror list", vars);
            foreach (var r in set.Repomd)
            {
                foreach (var (type, _) in r.Hashes)
                {
                    try
                    {
                        RepoMd.CreateHash(type, "fuzzed mirror list").Dispose();
                    }
                    catch (RepoMetadataException)
                    {
                        // An unknown hash type is refused when the repomd.xml is checked.
                    }
                }
            }
        });
    }

    [Fact]
    public void Repo_files()
    {
        var vars = RepoConfig.Variables("40");
        Campaign(output, "dnf .repo files", 3000).Run(Mutator.Cases(RepoFileSeeds, Options with { Tokens = [.. XmlTokens, "[", "]", "=", "\n", "$releasever", "${basearch}", "$", "${", "baseurl=", "metalink=", "mirrorlist=", "gpgkey=", "enabled=", "gpgcheck=", "metadata_expire=", "never", "1d", "-1", "99999999999999999999h"] }), c =>
        {
            foreach (var repo in RepoConfig.Parse(Encoding.UTF8.GetString(c.Data), "fuzzed.repo", vars))
                _ = (repo.Id, repo.BaseUrls.Count, repo.MirrorList, repo.Metalink, repo.GpgKeys.Count, repo.MetadataExpire, repo.Enabled, repo.GpgCheck);
        });
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Tools.TempDir("fuzz-repodata");

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
