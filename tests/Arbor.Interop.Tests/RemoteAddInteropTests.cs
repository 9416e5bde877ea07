// `remote add` options that shape a remote's config (--contenturl, --no-sign-verify,
// --sign-verify=KEYTYPE=inline:KEY|file:PATH, with --set, --no-gpg-verify and --collection-id):
// the same command through both tools writes the same section, in the same order, or fails with
// the same message. Debian's ostree is built without ed25519, so its test type "dummy" is used.
namespace Arbor.Interop.Tests;

[Collection("interop")]
public sealed class RemoteAddInteropTests(InteropFixture fx)
{
    public static TheoryData<string[]> Cases => new()
    {
        new[] { "--contenturl=http://cdn.example/repo" },
        new[] { "--no-sign-verify" },
        new[] { "--sign-verify=dummy=inline:c2VjcmV0" },
        new[] { "--sign-verify=dummy=inline:a", "--sign-verify=dummy=file:/etc/keys/b" },
        new[] { "--set=foo=bar", "--contenturl=http://cdn/", "--collection-id=org.example.Os", "--sign-verify=dummy=inline:k", "--no-gpg-verify" },
        new[] { "--sign-verify=dummy" },
        new[] { "--sign-verify=dummy=foo:x" },
        new[] { "--sign-verify=dummy=inlinex" },
        new[] { "--sign-verify=bogus=inline:x" },
        new[] { "--sign-verify=dummy=inline:x", "--no-sign-verify" },
    };

    private static string Section(string repo)
    {
        var config = File.ReadAllText(Path.Combine(repo, "config"));
        int at = config.IndexOf("[remote \"r\"]", StringComparison.Ordinal);
        return at < 0 ? "" : config[at..].TrimEnd();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ConfigAndErrorsMatchOstree(string[] options)
    {
        var theirs = fx.NewDir("remote-add-ostree");
        var ours = fx.NewDir("remote-add-arbor");
        Tools.OstreeOk("--repo=" + theirs, "init", "--mode=archive");
        Tools.OstreeOk("--repo=" + ours, "init", "--mode=archive");
        var o = Tools.Run(Tools.Ostree, ["--repo=" + theirs, "remote", "add", .. options, "r", "http://example.com/repo"]);
        var a = Tools.Arbor(["ostree", "--repo=" + ours, "remote", "add", .. options, "r", "http://example.com/repo"]);
        Assert.Equal(o.ExitCode, a.ExitCode);
        if (o.ExitCode != 0)
            Assert.Equal(o.StderrLines[^1], a.StderrLines[^1]);
        Assert.Equal(Section(theirs), Section(ours));
    }
}
