// `arbor rpm resolve` against dnf on the same repository: RPMs written by Arbor's RpmWriter,
// metadata by createrepo_c, dnf run with --assumeno into an empty install root. For each request
// in the table both must choose the same set of packages (dnf's transaction table against Arbor's
// NEVRA lines), fail with the same problem text, or name the same missing packages. A solve
// written with --testcase replays to the same outcome under Debian's testsolv.
using Arbor.Rpm.Package;
using Arbor.Rpm.Version;

namespace Arbor.Interop.Tests.Solver;

public sealed class DnfOracleFixture : IDisposable
{
    public DnfOracleFixture()
    {
        Root = Directory.CreateTempSubdirectory("arbor-dnf-oracle-").FullName;
        Repo = Path.Combine(Root, "repo");
        Directory.CreateDirectory(Repo);
        foreach (var (name, version, arch, deps) in Packages)
            Write(name, version, arch, deps);
        Tools.RunOk(Tools.Require("createrepo_c", "apt-get install -y createrepo-c"), "-q", Repo);
    }

    private static readonly (string Name, string Version, string Arch, (string Kind, string Dep)[] Deps)[] Packages =
    [
        ("app", "1.0", "x86_64", [("requires", "libfoo >= 2"), ("recommends", "extra")]),
        ("libfoo", "1.0", "noarch", []),
        ("libfoo", "2.0", "noarch", []),
        ("extra", "1.0", "noarch", []),
        ("broken", "1", "noarch", [("requires", "nothing-here")]),
        ("ca", "1", "noarch", [("conflicts", "cb")]),
        ("cb", "1", "noarch", []),
        ("needsvirt", "1", "noarch", [("requires", "virt")]),
        ("virtprov", "1", "noarch", [("provides", "virt")]),
        ("rich", "1", "noarch", [("requires", "(libfoo >= 2 or extra)")]),
        ("chain", "1", "noarch", [("requires", "needsvirt"), ("requires", "rich"), ("supplements", "extra")]),
        ("multi", "1", "x86_64", []),
        ("multi", "1", "i686", []),
        ("multi", "2", "x86_64", []),
        ("newname", "2", "noarch", [("provides", "oldname = 2"), ("obsoletes", "oldname < 2")]),
        ("oldname", "1", "noarch", []),
        ("needsbroken", "1", "noarch", [("requires", "broken")]),
    ];

    private void Write(string name, string version, string arch, (string Kind, string Dep)[] deps)
    {
        var tree = Path.Combine(Root, $"tree-{name}-{version}-{arch}");
        Directory.CreateDirectory(Path.Combine(tree, "usr/share/doc", name));
        File.WriteAllText(Path.Combine(tree, "usr/share/doc", name, $"README.{arch}"), $"{name} {version} {arch}\n");
        var map = new Dictionary<string, List<Dependency>>(StringComparer.Ordinal);
        foreach (var (kind, dep) in deps)
            (map.TryGetValue(kind, out var l) ? l : map[kind] = []).Add(Dependency.Parse(dep));
        RpmWriter.Write(new PackageSpec
        {
            Name = name,
            Version = version,
            Arch = arch,
            Summary = name,
            License = "MIT",
            BuildTime = 1_700_000_000,
            Dependencies = map,
        }, tree, Repo);
    }

    public string Root { get; }

    public string Repo { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public sealed class DnfOracleTests(DnfOracleFixture fx) : IClassFixture<DnfOracleFixture>
{
    private static string Dnf => Tools.Require("dnf", "apt-get install -y dnf");

    private ProcessResult RunDnf(string[] extra, string[] specs)
    {
        var installroot = Directory.CreateTempSubdirectory("arbor-dnf-root-").FullName;
        try
        {
            return Tools.Run(Dnf, [$"--installroot={installroot}", $"--repofrompath=test,{fx.Repo}", "--repo=test",
                "--setopt=reposdir=/nonexistent", $"--setopt=cachedir={installroot}/cache", "--nogpgcheck", "--releasever=1",
                "--forcearch=x86_64", "--assumeno", .. extra, "install", .. specs]);
        }
        finally
        {
            Directory.Delete(installroot, recursive: true);
        }
    }

    /// <summary>The NEVRAs of dnf's transaction table ("name arch [epoch:]version-release repo size" rows).</summary>
    private static string[] DnfTable(string stdout)
    {
        var nevras = new List<string>();
        bool inTable = false;
        foreach (var line in stdout.Split('\n'))
        {
            if (line.StartsWith("Transaction Summary", StringComparison.Ordinal))
                break;
            if (line.StartsWith("Installing", StringComparison.Ordinal) || line.StartsWith("Upgrading", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (inTable && line.StartsWith(' ') && cols.Length >= 4)
                nevras.Add($"{cols[0]}-{cols[2]}.{cols[1]}");
        }
        return [.. nevras.Order(StringComparer.Ordinal)];
    }

    private static string Problems(string text) =>
        string.Join('\n', text.Split('\n').SkipWhile(l => !l.TrimStart().StartsWith("Problem", StringComparison.Ordinal))
            .TakeWhile(l => l.StartsWith(' ') || l.StartsWith("Problem", StringComparison.Ordinal))).Trim();

    public static TheoryData<string, string> Solvable => new()
    {
        { "app", "" },
        { "app", "--no-weak-deps" },
        { "needsvirt", "" },
        { "virt", "" },
        { "rich", "" },
        { "chain", "" },
        { "chain", "--no-weak-deps" },
        { "libfoo-1.0-1.noarch", "" },
        { "multi", "" },
        { "multi.i686", "" },
        { "app virtprov oldname", "" },
        { "newname", "" },
    };

    [Theory]
    [MemberData(nameof(Solvable))]
    public void Same_packages_as_dnf(string specs, string option)
    {
        var pkgs = specs.Split(' ');
        bool noWeak = option == "--no-weak-deps";
        var dnf = RunDnf(noWeak ? ["--setopt=install_weak_deps=False"] : [], pkgs);
        // dnf --assumeno ends with "Operation aborted." and status 1 once the transaction is resolved.
        Assert.Contains("Operation aborted", dnf.Stderr + dnf.Stdout);
        var expected = DnfTable(dnf.Stdout);
        Assert.NotEmpty(expected);
        var arbor = Tools.Arbor(["rpm", "resolve", $"--repofrompath=test,{fx.Repo}", "--arch", "x86_64", .. noWeak ? new[] { "--no-weak-deps" } : [], .. pkgs]);
        Assert.True(arbor.ExitCode == 0, arbor.ToString());
        var ours = arbor.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, ours);
    }

    public static TheoryData<string, string> Unsolvable => new()
    {
        { "broken", "" },
        { "ca cb", "" },
        { "needsbroken", "" },
        { "broken ca cb", "" },
        { "app", "--exclude=libfoo" },
    };

    [Theory]
    [MemberData(nameof(Unsolvable))]
    public void Same_problems_as_dnf(string specs, string option)
    {
        var pkgs = specs.Split(' ');
        string[] extra = option.Length > 0 ? [option] : [];
        var dnf = RunDnf(extra, pkgs);
        Assert.Equal(1, dnf.ExitCode);
        var expected = Problems(dnf.Stderr);
        Assert.StartsWith("Problem", expected);
        var arbor = Tools.Arbor(["rpm", "resolve", $"--repofrompath=test,{fx.Repo}", "--arch", "x86_64", .. extra, .. pkgs]);
        Assert.Equal(1, arbor.ExitCode);
        Assert.Equal(expected, Problems(arbor.Stderr));
    }

    [Theory]
    [InlineData("chain multi", 0)]
    [InlineData("app virtprov oldname", 0)]
    [InlineData("ca cb", 1)]
    public void A_solve_written_as_a_testcase_replays_the_same_with_testsolv(string specs, int exit)
    {
        var dir = Directory.CreateTempSubdirectory("arbor-resolve-testcase-").FullName;
        try
        {
            var arbor = Tools.Arbor(["rpm", "resolve", $"--repofrompath=test,{fx.Repo}", "--arch", "x86_64", "--testcase", dir, .. specs.Split(' ')]);
            Assert.True(arbor.ExitCode == exit, arbor.ToString());
            var testcase = Path.Combine(dir, "testcase.t");
            var testsolv = Tools.Require("testsolv", "apt-get install -y libsolv-tools");
            // testsolv replays the written pool and jobs and checks the outcome Arbor recorded.
            var replay = Tools.Run(testsolv, testcase);
            Assert.True(replay.ExitCode == 0 && replay.Stdout.Length == 0, replay.ToString());
            var result = Tools.Run(testsolv, "-r", testcase);
            Assert.True(result.ExitCode == 0, result.ToString());
            if (exit != 0)
            {
                Assert.Contains("problem", result.Stdout);
                return;
            }
            // Its transaction is the one resolve printed: "install NAME-EVR.ARCH@REPO" lines.
            var replayed = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' ')[^1]).Select(n => n[..n.LastIndexOf('@')]).Order(StringComparer.Ordinal);
            Assert.Equal(arbor.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal), replayed);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Missing_packages_are_named_as_dnf_names_them()
    {
        var dnf = RunDnf([], ["app", "nope"]);
        Assert.Equal(1, dnf.ExitCode);
        var all = dnf.Stdout + dnf.Stderr;
        Assert.Contains("No match for argument: nope", all);
        Assert.Contains("Error: Unable to find a match: nope", all);
        var arbor = Tools.Arbor("rpm", "resolve", $"--repofrompath=test,{fx.Repo}", "--arch", "x86_64", "app", "nope");
        Assert.Equal(1, arbor.ExitCode);
        Assert.Contains("No match for argument: nope", arbor.Stderr);
        Assert.Contains("Error: Unable to find a match: nope", arbor.Stderr);
    }
}
