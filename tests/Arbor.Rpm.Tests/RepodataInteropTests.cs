// rpm-md written by `arbor rpm createrepo` read by the real dnf: repoquery lists every package
// with the dependencies its header carries, the same set dnf sees from createrepo_c's metadata.
namespace Arbor.Rpm.Tests;

public class RepodataInteropTests
{
    private static string Dnf(string repo, string cache, params string[] args) =>
        Tools.Run("dnf", ["-q", "--releasever=1", $"--setopt=cachedir={cache}", $"--repofrompath=x,{repo}", "--repo=x", .. args]);

    [Fact]
    public void DnfReadsWhatArborWrites()
    {
        var dir = Tools.TempDir("repo");
        try
        {
            var ours = Path.Combine(dir, "ours");
            var theirs = Path.Combine(dir, "theirs");
            Directory.CreateDirectory(Path.Combine(ours, "pkgs"));
            Directory.CreateDirectory(theirs);
            File.Copy(Tools.BuildRpm("w19.zstdio"), Path.Combine(ours, "pkgs", "hello.rpm"));
            File.Copy(Tools.BuildRpm("w19.zstdio"), Path.Combine(theirs, "hello.rpm"));
            var o = new StringWriter();
            var e = new StringWriter();
            Assert.True(Arbor.Cli.Program.Run(["rpm", "createrepo", ours], o, e) == 0, e.ToString());
            Assert.True(File.Exists(Path.Combine(ours, "repodata", "repomd.xml")));
            Tools.Run("createrepo_c", ["-q", theirs]);

            Assert.Equal("hello-2:1.2~rc1-3.noarch\n", Dnf(ours, Path.Combine(dir, "c1"), "repoquery"));
            Assert.Equal(Dnf(theirs, Path.Combine(dir, "c2"), "repoquery"), Dnf(ours, Path.Combine(dir, "c3"), "repoquery"));
            foreach (var what in new[] { "--requires", "--provides", "--conflicts", "--obsoletes", "--recommends", "--suggests", "--supplements", "--enhances", "-l" })
                Assert.Equal(Dnf(theirs, Path.Combine(dir, "c2"), "repoquery", what, "hello"), Dnf(ours, Path.Combine(dir, "c3"), "repoquery", what, "hello"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
