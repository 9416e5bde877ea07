using Arbor.Compose.Packaging;

namespace Arbor.Compose.Tests;

public class ComposeProjectTests
{
    [Fact]
    public void A_manifest_with_an_unknown_key_names_it()
    {
        string dir = Directory.CreateTempSubdirectory("arbor-compose-").FullName;
        try
        {
            string path = Path.Combine(dir, "m.yaml");
            File.WriteAllText(path, "name: a\nversion: '1'\nbogus: 1\n");
            var e = Assert.Throws<FormatException>(() => RpmManifest.Read(path));
            Assert.Contains("bogus", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
