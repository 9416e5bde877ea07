// Building test packages with the real rpmbuild, so the importer and assembly are checked against
// payloads and headers rpm itself writes (file capabilities, non-root owners, %ghost, %config).
namespace Arbor.Interop.Tests.Compose;

internal static class RpmBuild
{
    /// <summary>
    /// Builds a noarch package from spec sections (<paramref name="preamble"/>: extra tag lines such
    /// as Requires; <paramref name="scripts"/>: %pre/%post sections); returns the .rpm path.
    /// </summary>
    public static string Build(string workDir, string name, string version, string install, string files, string release = "1",
        string preamble = "", string scripts = "")
    {
        var rpmbuild = Tools.Require("rpmbuild", "apt-get install -y rpm");
        var top = Path.Combine(workDir, "rpmbuild-" + name + "-" + version);
        Directory.CreateDirectory(top);
        var spec = Path.Combine(top, name + ".spec");
        File.WriteAllText(spec,
            $"Name: {name}\nVersion: {version}\nRelease: {release}\nSummary: interop test package\nLicense: MIT\nBuildArch: noarch\n{preamble}\n" +
            $"%description\nTest package.\n\n%install\n{install}\n\n%files\n{files}\n\n{scripts}\n");
        Tools.RunOk(rpmbuild, "-bb", "--define", $"_topdir {top}", "--define", "_build_id_links none", spec);
        var rpm = Path.Combine(top, "RPMS", "noarch", $"{name}-{version}-{release}.noarch.rpm");
        Assert.True(File.Exists(rpm), $"rpmbuild did not leave {rpm}");
        return rpm;
    }
}
