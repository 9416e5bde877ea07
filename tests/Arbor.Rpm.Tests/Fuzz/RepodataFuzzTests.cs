// Fuzz campaigns over rpm-md metadata, which comes from mirrors: repomd.xml, and primary,
// filelists and other XML (from createrepo_c and from Arbor) read through RepoReader in a
// repository whose repomd.xml is rewritten with the mutated file's checksum and size, so the
// mutation gets past verification and into the XML readers. Packages that are read must survive
// being written back by Arbor's RepoWriter and read again.
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

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Tools.TempDir("fuzz-repodata");

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
