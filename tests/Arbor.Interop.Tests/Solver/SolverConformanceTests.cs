// Arbor's libsolv binding against Debian's testsolv on the same testcase files (Solver/cases):
// every case must pass its own result block with both, both must print the same thing with -r,
// with a wrong expectation, and without any result block (testsolv's transaction and problem
// listings). The cases cover install, erase, update, distupgrade, locks, weak deps, rich deps,
// obsoletes, multiversion, choice and best, problems with solutions, and architectures.
namespace Arbor.Interop.Tests.Solver;

public sealed class SolverConformanceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-testsolv-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string CasesDir => Path.Combine(Tools.RepoRoot, "tests", "Arbor.Interop.Tests", "Solver", "cases");

    private static string Testsolv => Tools.Require("testsolv", "apt-get install -y libsolv-tools");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(CasesDir, "*.t").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(f));
        return data;
    }

    [Fact]
    public void The_suite_covers_every_area()
    {
        var names = Directory.GetFiles(CasesDir, "*.t").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["arch.t", "choice-best.t", "cplxdeps.t", "distupgrade.t", "erase.t", "install.t", "lock.t", "multiversion.t",
            "obsoletes.t", "problems.t", "update.t", "weakdeps.t"], names);
    }

    private static void Same(string[] args)
    {
        var real = Tools.Run(Testsolv, args);
        var ours = Tools.Arbor(["rpm", "testsolv", .. args]);
        Assert.True(real.ExitCode == ours.ExitCode, $"exit codes differ\n{real}\n{ours}");
        Assert.Equal(real.Stdout, ours.Stdout);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_passes_with_testsolv_and_with_arbor(string name)
    {
        var path = Path.Combine(CasesDir, name);
        var real = Tools.Run(Testsolv, path);
        Assert.True(real.ExitCode == 0, real.ToString());
        Assert.DoesNotContain("Results differ", real.Stdout);
        var ours = Tools.Arbor("rpm", "testsolv", path);
        Assert.True(ours.ExitCode == 0, ours.ToString());
        Assert.Equal(real.Stdout, ours.Stdout);
        Same(["-r", path]);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Without_result_blocks_both_print_the_same_listing(string name)
    {
        var stripped = Path.Combine(_dir, name);
        File.WriteAllLines(stripped, File.ReadAllLines(Path.Combine(CasesDir, name))
            .Where(l => !l.StartsWith("result ", StringComparison.Ordinal) && !(l.StartsWith("#>", StringComparison.Ordinal) && !l.StartsWith("#>=", StringComparison.Ordinal))));
        var real = Tools.Run(Testsolv, stripped);
        Assert.True(real.ExitCode == 0, real.ToString());
        Assert.True(real.Stdout.Contains("Transaction summary", StringComparison.Ordinal) || real.Stdout.Contains("problems:", StringComparison.Ordinal), real.ToString());
        Same([stripped]);
    }

    [Fact]
    public void A_wrong_expectation_fails_the_same_way()
    {
        var bad = Path.Combine(_dir, "bad.t");
        File.WriteAllText(bad, File.ReadAllText(Path.Combine(CasesDir, "install.t")).Replace("#>install app-1.0-1.x86_64@main", "#>install app-9.9-1.x86_64@main", StringComparison.Ordinal));
        var real = Tools.Run(Testsolv, bad);
        Assert.Equal(1, real.ExitCode);
        Assert.Contains("Results differ:", real.Stdout);
        Same([bad]);
        Same([Path.Combine(CasesDir, "update.t"), bad, Path.Combine(CasesDir, "lock.t")]);
    }

    [Fact]
    public void Invalid_and_skipped_testcases_exit_like_testsolv()
    {
        var invalid = Path.Combine(_dir, "invalid.t");
        File.WriteAllText(invalid, "repo system 0 testtags <inline>\n#>=Pkg: a 1 1 noarch\njob frobnicate name a\n");
        var real = Tools.Run(Testsolv, invalid);
        var ours = Tools.Arbor("rpm", "testsolv", invalid);
        Assert.Equal(real.ExitCode, ours.ExitCode);
        Assert.Equal(real.Stdout, ours.Stdout);
        Assert.Equal(real.Stderr, ours.Stderr);

        var skipped = Path.Combine(_dir, "skip.t");
        File.WriteAllText(skipped, "feature no-such-feature\nrepo system 0 empty\njob install name a\n");
        real = Tools.Run(Testsolv, skipped);
        Assert.Equal(77, real.ExitCode);
        Same([skipped]);
    }
}
