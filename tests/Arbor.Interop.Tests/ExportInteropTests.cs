// `arbor ostree export` against the real `ostree export` on commits ostree wrote (the torture tree:
// long names, symlinks, empty and restricted directories, setuid files, owners, hardlinks and
// xattrs), in every repository mode: the same options give the same bytes, to a file (-o) and
// to a pipe (where libarchive pads the last record); `tar -x` of the archive is the tree ostree
// checks out (less xattrs, which ostree's GNU tar format cannot carry); and a bad COMMIT or
// subpath fails with ostree's message, exit 1, leaving the same bytes behind.
using System.Security.Cryptography;

namespace Arbor.Interop.Tests;

[Collection("interop")]
public class ExportInteropTests(InteropFixture fx)
{
    public static TheoryData<string> Modes => RepoModes.Data();

    /// <summary>Option sets both tools get; "a" and "a/b" are directories of the torture tree.</summary>
    public static readonly string[][] OptionSets =
    [
        [],
        ["--subpath=a"],
        ["--subpath=/a/b"],
        ["--prefix=pfx/"],
        ["--prefix=pfx"],
        ["--no-xattrs"],
        ["--subpath=/a/b", "--prefix=x/y/", "--no-xattrs"],
    ];

    private static string Sha256(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    private static string Bash => Tools.Require("bash", "apt-get install -y bash");

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The sha256 of what the command writes to a pipe (stdout into sha256sum).</summary>
    private static string PipedSha256(string exe, IEnumerable<string> args)
    {
        var cmd = "set -o pipefail; " + string.Join(' ', new[] { exe }.Concat(args).Select(Quote)) + " | sha256sum";
        var r = Tools.Run(Bash, "-c", cmd);
        Assert.True(r.ExitCode == 0, $"export to a pipe failed: {r}");
        return r.Stdout.Split(' ')[0];
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Export_gives_the_same_bytes_as_ostree_for_every_option(string mode)
    {
        var pair = fx.Committed(mode);
        foreach (var options in OptionSets)
        {
            var theirs = fx.NewPath("ostree.tar");
            var ours = fx.NewPath("arbor.tar");
            Tools.OstreeOk([pair.OstreeRepoArg, "export", .. options, "-o", theirs, "main"]);
            Tools.ArborOk(["ostree", pair.OstreeRepoArg, "export", .. options, "--output=" + ours, "main"]);
            var what = $"{mode} export {string.Join(' ', options)}";
            Assert.True(new FileInfo(theirs).Length > 1024, $"{what}: ostree wrote an empty archive");
            Assert.True(Sha256(theirs) == Sha256(ours), $"{what} -o: arbor's archive differs from ostree's");
            var piped = PipedSha256(Tools.Ostree, [pair.OstreeRepoArg, "export", .. options, "main"]);
            Assert.True(piped == PipedSha256(Tools.ArborBin, ["ostree", pair.OstreeRepoArg, "export", .. options, "main"]),
                $"{what} to a pipe: arbor's archive differs from ostree's");
        }
    }

    [Fact]
    public void Export_of_a_commit_arbor_wrote_is_the_same_as_of_ostrees()
    {
        var pair = fx.Committed("archive");
        Assert.Equal(pair.OstreeChecksum, pair.ArborChecksum);
        var theirs = fx.NewPath("ostree.tar");
        var ours = fx.NewPath("arbor.tar");
        Tools.OstreeOk(pair.OstreeRepoArg, "export", "-o", theirs, "main");
        Tools.ArborOk("ostree", pair.ArborRepoArg, "export", "-o", ours, "main");
        Assert.Equal(Sha256(theirs), Sha256(ours));
    }

    [Theory]
    [InlineData("archive")]
    [InlineData("bare-user")]
    [InlineData("bare")]
    public void Tar_extract_of_the_export_is_the_ostree_checkout(string mode)
    {
        var pair = fx.Committed(mode);
        var tar = fx.NewPath("arbor.tar");
        Tools.ArborOk("ostree", pair.OstreeRepoArg, "export", "-o", tar, "main");
        var extracted = fx.NewDir("extracted");
        var x = Tools.Run(Tools.Require("tar", "apt-get install -y tar"), "-x", "--numeric-owner", "--same-owner", "--same-permissions", "-f", tar, "-C", extracted);
        Assert.True(x.ExitCode == 0, $"tar -x failed: {x}");
        var checkout = fx.NewPath("checkout");
        Tools.OstreeOk(pair.OstreeRepoArg, "checkout", "main", checkout);
        // GNU tar format has no xattrs: ostree's own export drops them, so only they may differ.
        var diff = TreeComparer.Compare(checkout, extracted, TreeAspects.Mode | TreeAspects.Owner);
        Assert.True(diff is null, $"tar -x of the export differs from ostree's checkout: {diff}");
    }

    [Theory]
    [InlineData("nosuch-ref", new string[0])]
    [InlineData("main", new[] { "--subpath=nope" })]
    [InlineData("main", new[] { "--subpath=/a/" })]
    [InlineData("main", new[] { "--subpath=hello.txt/x" })]
    [InlineData("main", new[] { "--subpath=" })]
    public void Bad_commit_or_subpath_fails_like_ostree(string rev, string[] options)
    {
        var pair = fx.Committed("archive");
        var theirsFile = fx.NewPath("ostree.tar");
        var oursFile = fx.NewPath("arbor.tar");
        var theirs = Tools.OstreeRun([pair.OstreeRepoArg, "export", .. options, "-o", theirsFile, rev]);
        var ours = Tools.Arbor(["ostree", pair.OstreeRepoArg, "export", .. options, "-o", oursFile, rev]);
        Assert.True(theirs.ExitCode == 1, $"ostree: {theirs}");
        Assert.True(ours.ExitCode == 1, $"arbor: {ours}");
        Assert.Equal(theirs.Stderr, ours.Stderr);
        // libarchive closes the archive on the way out: the file holds the end marker.
        Assert.Equal(Sha256(theirsFile), Sha256(oursFile));
    }

    [Fact]
    public void Missing_commit_argument_and_unwritable_output_fail_like_ostree()
    {
        var pair = fx.Committed("archive");
        var theirs = Tools.OstreeRun(pair.OstreeRepoArg, "export");
        var ours = Tools.Arbor("ostree", pair.OstreeRepoArg, "export");
        Assert.Equal((1, theirs.StderrLines[^1]), (ours.ExitCode, ours.StderrLines[^1]));
        var bad = Path.Combine(fx.Root, "no-such-dir", "out.tar");
        theirs = Tools.OstreeRun(pair.OstreeRepoArg, "export", "-o", bad, "main");
        ours = Tools.Arbor("ostree", pair.OstreeRepoArg, "export", "-o", bad, "main");
        Assert.Equal((1, theirs.Stderr), (ours.ExitCode, ours.Stderr));
    }
}
