// Ref, refspec and remote names against the real ostree: the same names are accepted and refused
// (with the same message), and a name that climbs out of refs/ is refused by every verb that takes
// one before any path outside the repository is looked at.
namespace Arbor.Interop.Tests;

public sealed class RefNameInteropTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-refnames-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string Ostree, string Arbor) TwoRepos()
    {
        var tree = Path.Combine(_dir, "tree");
        Directory.CreateDirectory(tree);
        File.WriteAllText(Path.Combine(tree, "a"), "a\n");
        var ostree = Path.Combine(_dir, "ostree-repo");
        var arbor = Path.Combine(_dir, "arbor-repo");
        Tools.OstreeOk("--repo=" + ostree, "init", "--mode=archive");
        Tools.ArborOk("ostree", "--repo=" + arbor, "init", "--mode=archive");
        Tools.OstreeOk("--repo=" + ostree, "commit", "-b", "main", "--tree=dir=" + tree);
        Tools.ArborOk("ostree", "--repo=" + arbor, "commit", "-b", "main", "--tree=dir=" + tree);
        return (ostree, arbor);
    }

    public static TheoryData<string> Names => new()
    {
        "os/x86_64/stable", "a.b-c_d", "_x", "é", "日本/x", "a²", "Ⅻ", "ʰ", "ǅ", "٣", "𝟘",
        "-rf", ".hidden", "a/.b", "a/-b", "..", "../x", "a//b", "a/", "/a", "a b", "a~", "a\tb",
        "a\u203Fb", "a\u0301", "\u0301a", "x:y", "é:z", ":y", "x:", "x:y:z", ".x:y",
        "nl\n", "nl2\n\n", "cr\r", "crlf\r\n", "ff\f", "ps\u2029",
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Ref_names_are_accepted_and_refused_as_by_ostree(string name)
    {
        var (ostree, arbor) = TwoRepos();
        var theirs = Tools.OstreeRun("--repo=" + ostree, "refs", "--create=" + name, "main");
        var ours = Tools.Arbor("ostree", "--repo=" + arbor, "refs", "--create=" + name, "main");
        Assert.True(theirs.ExitCode == ours.ExitCode, $"ostree: {theirs}\narbor: {ours}");
        if (theirs.ExitCode != 0)
            Assert.Equal(EscapedError(theirs), ours.Stderr);
        // ostree lists refs in hash table order.
        var expected = Sorted(Tools.OstreeOk("--repo=" + ostree, "refs").Stdout);
        Assert.Equal(expected, Sorted(Tools.ArborOk("ostree", "--repo=" + arbor, "refs").Stdout));
        // What one tool wrote, the other lists the same way.
        Assert.Equal(expected, Sorted(Tools.OstreeOk("--repo=" + arbor, "refs").Stdout));
    }

    // ostree's error line as arbor prints it: control characters in the message escaped.
    private static string EscapedError(ProcessResult r) =>
        r.Stderr.StartsWith("error: ", StringComparison.Ordinal) && r.Stderr.EndsWith('\n')
            ? "error: " + Arbor.Ostree.TerminalText.Escape(r.Stderr["error: ".Length..^1]) + "\n"
            : r.Stderr;

    private static string[] Sorted(string lines) => lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();

    [Theory]
    [InlineData(".x")]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("é")]
    public void Remote_names_are_accepted_and_refused_as_by_ostree(string name)
    {
        var (ostree, arbor) = TwoRepos();
        var theirs = Tools.OstreeRun("--repo=" + ostree, "remote", "add", "--no-gpg-verify", name, "http://example.com/repo");
        var ours = Tools.Arbor("ostree", "--repo=" + arbor, "remote", "add", "--no-gpg-verify", name, "http://example.com/repo");
        Assert.True(theirs.ExitCode == ours.ExitCode, $"ostree: {theirs}\narbor: {ours}");
        if (theirs.ExitCode != 0)
            Assert.Equal(theirs.Stderr, ours.Stderr);
        Assert.Equal(Tools.OstreeOk("--repo=" + ostree, "remote", "list").Stdout, Tools.ArborOk("ostree", "--repo=" + arbor, "remote", "list").Stdout);
    }

    [Fact]
    public void A_name_that_climbs_out_of_refs_is_refused_without_looking_outside()
    {
        var (ostree, arbor) = TwoRepos();
        var commit = Tools.ArborOk("ostree", "--repo=" + arbor, "rev-parse", "main").Stdout.Trim();
        // <repo>/refs/heads/../../../planted is this file: were the name followed, it would pass for a ref.
        var planted = Path.Combine(_dir, "planted");
        File.WriteAllText(planted, commit + "\n");
        const string bad = "../../../planted";
        var checkout = Path.Combine(_dir, "out");
        string[][] commands =
        [
            ["rev-parse", bad],
            ["show", bad],
            ["log", bad],
            ["ls", bad],
            ["cat", bad, "/a"],
            ["checkout", bad, checkout],
            ["diff", bad, "main"],
            ["refs", "--delete", bad],
            ["refs", bad],
            ["refs", "--create=" + bad, "main"],
            ["reset", "main", bad],
            ["commit", "-b", bad, "--tree=ref=main"],
            ["rev-parse", "origin:" + bad],
        ];
        var strace = Tools.Require("strace", "apt-get install -y strace");
        foreach (var args in commands)
        {
            var theirs = Tools.OstreeRun(["--repo=" + ostree, .. args]);
            var log = Path.Combine(_dir, "strace.log");
            var ours = Tools.Run(strace, ["-f", "-qq", "-e", "trace=%file", "-o", log, Tools.ArborBin, "ostree", "--repo=" + arbor, .. args]);
            Assert.True(theirs.ExitCode == 1, $"ostree accepted it: {theirs}");
            Assert.True(ours.ExitCode == 1, $"arbor accepted it: {ours}");
            Assert.Equal(theirs.Stderr, ours.Stderr);
            var touched = File.ReadLines(log).Where(l => l.Contains("planted", StringComparison.Ordinal) && !l.Contains("execve(", StringComparison.Ordinal)).ToList();
            Assert.True(touched.Count == 0, $"`arbor ostree {string.Join(' ', args)}` looked at the path: {string.Join('\n', touched)}");
        }
        Assert.Equal(commit + "\n", File.ReadAllText(planted));
        Assert.False(Directory.Exists(checkout));
    }
}
