// The libsolv binding against the installed Debian libsolv 0.7.23: distribution-type switching
// (the build defaults to Debian's), queues, rpm-md loading from memory, selection, solving,
// transactions, problems, excludes, .solv caches with keys, testcase files (read, and written from
// a solve) and output capture.
using System.Text;
using Arbor.Native.Solv;

namespace Arbor.Native.Tests.Solv;

public sealed class SolvBindingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-solv-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Primary = """
        <?xml version="1.0" encoding="UTF-8"?>
        <metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="3">
        <package type="rpm"><name>app</name><arch>x86_64</arch><version epoch="0" ver="2.0" rel="1"/>
          <checksum type="sha256" pkgid="YES">00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff</checksum>
          <location href="Packages/app-2.0-1.x86_64.rpm"/>
          <format><rpm:requires><rpm:entry name="libfoo" flags="GE" epoch="0" ver="1.0"/></rpm:requires></format></package>
        <package type="rpm"><name>libfoo</name><arch>noarch</arch><version epoch="1" ver="1.5" rel="3"/>
          <checksum type="sha256" pkgid="YES">ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100</checksum>
          <location href="Packages/libfoo-1.5-3.noarch.rpm"/><format/></package>
        <package type="rpm"><name>broken</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/>
          <location href="broken-1-1.noarch.rpm"/>
          <format><rpm:requires><rpm:entry name="does-not-exist"/></rpm:requires></format></package>
        </metadata>
        """;

    private static SolvPool RpmPool(out SolvRepo repo)
    {
        var pool = SolvPool.Create();
        pool.SetDistType(SolvPool.DistTypeRpm);
        pool.SetArch("x86_64");
        repo = pool.CreateRepo("test");
        repo.AddRpmMd(Encoding.UTF8.GetBytes(Primary));
        pool.Prepare();
        return pool;
    }

    private static SolvQueue InstallJob(SolvPool pool, string name)
    {
        using var sel = new SolvQueue();
        Assert.NotEqual(0, pool.Select(name, 1, sel));
        var jobs = new SolvQueue();
        for (int i = 0; i < sel.Count; i += 2)
            jobs.Push(sel[i] | SolvSolver.Install, sel[i + 1]);
        return jobs;
    }

    [Fact]
    public void Debian_build_defaults_to_deb_and_switches_to_rpm_version_order()
    {
        using var pool = SolvPool.Create();
        Assert.Equal(SolvPool.DistTypeDeb, pool.DistType);
        Assert.Equal(1, pool.EvrCompare("1.a", "1.1"));
        Assert.Equal(SolvPool.DistTypeDeb, pool.SetDistType(SolvPool.DistTypeRpm));
        Assert.Equal(SolvPool.DistTypeRpm, pool.DistType);
        Assert.Equal(-1, pool.EvrCompare("1.a", "1.1"));
        Assert.Equal(0, pool.EvrCompare("1_1", "1.1"));
        Assert.Equal(-1, pool.EvrCompare("1.0~rc1", "1.0"));
    }

    [Fact]
    public void Queue_pushes_through_queue_insert()
    {
        using var q = new SolvQueue();
        for (int i = 0; i < 100; i++)
            q.Push(i * 3);
        q.Push(7, 8);
        Assert.Equal(102, q.Count);
        Assert.Equal(297, q[99]);
        Assert.Equal([7, 8], q.ToArray()[100..]);
        q.Clear();
        Assert.Equal(0, q.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => q[0]);
    }

    [Fact]
    public void Solves_an_install_with_a_noarch_dependency_and_reads_its_metadata()
    {
        using var pool = RpmPool(out var repo);
        Assert.Equal(3, repo.End - repo.Start);
        using var jobs = InstallJob(pool, "app");
        using var solver = SolvSolver.Create(pool);
        Assert.Equal(0, solver.Solve(jobs));
        using var trans = solver.CreateTransaction();
        trans.Order();
        var steps = trans.Steps;
        Assert.Equal(["libfoo-1:1.5-3.noarch", "app-2.0-1.x86_64"], steps.Select(pool.SolvableToString));
        Assert.All(steps, p => Assert.Equal(SolvTransaction.TypeInstall, trans.Type(p, SolvTransaction.ShowActive)));
        int app = steps[1];
        Assert.Equal("test", pool.RepoNameOf(app));
        Assert.Equal("app-2.0-1.x86_64@test", pool.SolvableToTestcaseString(app));
        Assert.Equal("Packages/app-2.0-1.x86_64.rpm", pool.Location(app));
        Assert.Equal(("sha256", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"),
            pool.LookupChecksum(app, pool.StrToId("solvable:checksum")));
        Assert.Equal("1:1.5-3", pool.LookupStr(steps[0], pool.StrToId("solvable:evr")));
        Assert.False(pool.IsInstalled(app));
    }

    [Fact]
    public void Reports_nothing_provides_as_a_problem_rule()
    {
        using var pool = RpmPool(out _);
        using var jobs = InstallJob(pool, "broken");
        using var solver = SolvSolver.Create(pool);
        Assert.Equal(1, solver.Solve(jobs));
        var rules = solver.ProblemRules(1);
        var rule = Assert.Single(rules, r => r.Type == 0x102);
        Assert.Equal("does-not-exist", pool.DepToStr(rule.Dep));
        Assert.Equal("broken-1-1.noarch", pool.SolvableToString(rule.Source));
        Assert.Contains("nothing provides does-not-exist needed by broken-1-1.noarch", solver.RuleInfoToString(rule));
        Assert.NotEmpty(solver.Solutions(1));
    }

    [Fact]
    public void One_of_jobs_and_dependency_matching_reach_the_right_solvables()
    {
        using var pool = RpmPool(out _);
        using var sel = new SolvQueue();
        pool.Select("libfoo", 1, sel);
        int libfoo = Assert.Single(pool.SelectionSolvables(sel));
        var requirers = pool.WhatMatchesSolvable(pool.StrToId("solvable:requires"), libfoo);
        Assert.Equal(["app-2.0-1.x86_64"], requirers.Select(pool.SolvableToString));
        using var jobs = new SolvQueue();
        jobs.Push(SolvSolver.Install | SolvSolver.SolvableOneOf, pool.OneOf([libfoo]));
        using var solver = SolvSolver.Create(pool);
        Assert.Equal(0, solver.Solve(jobs));
        using var trans = solver.CreateTransaction();
        Assert.Equal([libfoo], trans.Steps);
    }

    [Fact]
    public void Excluded_packages_cannot_satisfy_a_dependency()
    {
        using var pool = RpmPool(out _);
        using var sel = new SolvQueue();
        pool.Select("libfoo", 1, sel);
        pool.Exclude(pool.SelectionSolvables(sel));
        using var jobs = InstallJob(pool, "app");
        using var solver = SolvSolver.Create(pool);
        Assert.Equal(1, solver.Solve(jobs));
        pool.ResetExcludes();
        using var again = SolvSolver.Create(pool);
        Assert.Equal(0, again.Solve(jobs));
    }

    [Fact]
    public void Solv_cache_is_reused_only_with_its_key()
    {
        var path = Path.Combine(_dir, "test.solv");
        byte[] key = [1, 2, 3, 4, 5, 6, 7, 8], other = [1, 2, 3, 4, 5, 6, 7, 9];
        using (var pool = RpmPool(out var repo))
            repo.WriteSolv(path, key);
        Assert.True(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
        using var fresh = SolvPool.Create();
        fresh.SetDistType(SolvPool.DistTypeRpm);
        fresh.SetArch("x86_64");
        var cached = fresh.CreateRepo("test");
        Assert.False(cached.TryAddSolv(path, other));
        Assert.Equal(0, cached.End - cached.Start);
        Assert.True(cached.TryAddSolv(path, key));
        Assert.Equal(3, cached.End - cached.Start);
        fresh.Prepare();
        using var jobs = InstallJob(fresh, "app");
        using var solver = SolvSolver.Create(fresh);
        Assert.Equal(0, solver.Solve(jobs));
        Assert.False(fresh.CreateRepo("missing").TryAddSolv(Path.Combine(_dir, "nope.solv"), key));
    }

    private sealed class Capture : ISolvOutput
    {
        public StringBuilder Out { get; } = new();

        public StringBuilder Err { get; } = new();

        void ISolvOutput.Out(string text) => Out.Append(text);

        void ISolvOutput.Error(string text) => Err.Append(text);
    }

    [Fact]
    public void Testcase_files_read_solve_and_compare_through_the_binding()
    {
        var t = Path.Combine(_dir, "case.t");
        File.WriteAllText(t, """
            repo system 0 testtags <inline>
            #>=Pkg: a 1 1 noarch
            repo available 0 testtags <inline>
            #>=Pkg: a 1.1 1 noarch
            #>=Pkg: a 1.a 1 noarch
            system x86_64 rpm system
            job update all packages
            result transaction,problems <inline>
            #>upgrade a-1-1.noarch@system a-1.1-1.noarch@available

            """);
        using var pool = SolvPool.Create();
        var output = new Capture();
        pool.RedirectOutput(output, SolvPool.DebugResult | SolvPool.DebugError);
        using var file = SolvTestcaseFile.Open(t);
        using var jobs = new SolvQueue();
        using var solver = file.ReadNext(pool, jobs, out var expected, out int flags);
        Assert.NotNull(solver);
        Assert.True(file.AtEnd);
        Assert.Equal(SolvPool.DistTypeRpm, pool.DistType);
        Assert.Equal(3, flags);
        Assert.Equal(0, solver.Solve(jobs));
        var actual = solver.TestcaseResult(flags);
        Assert.Equal("upgrade a-1-1.noarch@system a-1.1-1.noarch@available\n", actual);
        Assert.Null(SolvSolver.TestcaseResultDiff(expected!, actual));
        Assert.Contains("a-1.a-1.noarch", SolvSolver.TestcaseResultDiff("upgrade a-1-1.noarch@system a-1.a-1.noarch@available\n", actual));
        using var trans = solver.CreateTransaction();
        trans.Print();
        Assert.Contains("upgraded packages", output.Out.ToString());
        Assert.Equal("", output.Err.ToString());
    }

    [Fact]
    public void A_solve_written_as_a_testcase_replays_to_the_same_result()
    {
        var dir = Path.Combine(_dir, "written");
        string original;
        using (var pool = RpmPool(out _))
        {
            using var jobs = InstallJob(pool, "app");
            using var solver = SolvSolver.Create(pool);
            Assert.Equal(0, solver.Solve(jobs));
            solver.WriteTestcase(dir, 3);
            original = solver.TestcaseResult(3);
        }
        Assert.Equal("install app-2.0-1.x86_64@test\ninstall libfoo-1:1.5-3.noarch@test\n", original);
        var t = Path.Combine(dir, "testcase.t");
        Assert.Contains("job install name app", File.ReadAllText(t));

        using var replay = SolvPool.Create();
        var output = new Capture();
        replay.RedirectOutput(output, SolvPool.DebugResult | SolvPool.DebugError);
        using var file = SolvTestcaseFile.Open(t);
        using var replayJobs = new SolvQueue();
        using var replayed = file.ReadNext(replay, replayJobs, out var expected, out int flags);
        Assert.NotNull(replayed);
        Assert.Equal(original, expected);
        Assert.Equal(SolvPool.DistTypeRpm, replay.DistType);
        Assert.Equal(0, replayed.Solve(replayJobs));
        Assert.Null(SolvSolver.TestcaseResultDiff(expected!, replayed.TestcaseResult(flags)));
        Assert.Equal("", output.Err.ToString());
    }

    [Fact]
    public void Writing_a_testcase_where_no_directory_can_be_made_names_the_directory()
    {
        using var pool = RpmPool(out _);
        using var jobs = InstallJob(pool, "app");
        using var solver = SolvSolver.Create(pool);
        solver.Solve(jobs);
        var blocker = Path.Combine(_dir, "file");
        File.WriteAllText(blocker, "");
        var e = Assert.Throws<SolvException>(() => solver.WriteTestcase(Path.Combine(blocker, "sub"), 3));
        Assert.Contains(blocker, e.Message);
    }

    [Fact]
    public void Invalid_testcase_reports_through_the_error_output()
    {
        var t = Path.Combine(_dir, "bad.t");
        File.WriteAllText(t, "repo system 0 testtags <inline>\n#>=Pkg: a 1 1 noarch\njob frobnicate name a\n");
        using var pool = SolvPool.Create();
        var output = new Capture();
        pool.RedirectOutput(output, SolvPool.DebugResult | SolvPool.DebugError);
        using var file = SolvTestcaseFile.Open(t);
        using var jobs = new SolvQueue();
        using var solver = file.ReadNext(pool, jobs, out _, out _);
        Assert.Contains("frobnicate", output.Err.ToString());
    }
}
