// SolverPool over a synthetic rpm-md repository written by Arbor: choosing versions, weak, rich,
// pre- and virtual dependencies, transaction order, dnf-worded problems, excludes, missing
// packages, the keyed .solv cache, solves written as libsolv testcases, local RPM files, and an
// installed system read from an rpmdb that the real rpm wrote into ROOT/usr/share/rpm.
using System.Security.Cryptography;
using Arbor.Rpm.Solver;

namespace Arbor.Rpm.Tests.Solver;

public sealed class SolverRepoFixture : IDisposable
{
    public SolverRepoFixture()
    {
        Root = Tools.TempDir("solver");
        Repo = SolverRepo.Create(Path.Combine(Root, "repo"));
    }

    public string Root { get; }

    public string Repo { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

public sealed class SolverPoolTests(SolverRepoFixture fx) : IClassFixture<SolverRepoFixture>, IDisposable
{
    private readonly string _scratch = Tools.TempDir("solver-scratch");

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private SolverPool Pool()
    {
        var pool = SolverPool.Create("x86_64");
        pool.AddRpmMdRepository("test", fx.Repo);
        return pool;
    }

    private static string[] Nevras(SolveResult r) => [.. r.Steps.Select(s => s.Package.Nevra)];

    [Theory]
    [InlineData("x86_64")]
    [InlineData("aarch64")]
    [InlineData("i686")]
    public void Self_test_proves_rpm_semantics(string arch) => SolverPool.SelfTest(arch);

    [Fact]
    public void Install_picks_the_newest_provider_orders_dependencies_first_and_describes_the_download()
    {
        using var pool = Pool();
        var r = pool.Solve(new SolveRequest { Install = ["app"] });
        Assert.True(r.Success, r.ProblemText);
        Assert.Equal(["app-1.0-1.x86_64", "extra-1.0-1.noarch", "libfoo-2.0-1.noarch"], Nevras(r).Order(StringComparer.Ordinal));
        Assert.Equal("app-1.0-1.x86_64", r.Steps[^1].Package.Nevra);
        Assert.All(r.Steps, s => Assert.Equal(StepKind.Install, s.Kind));
        var app = r.Steps[^1].Package;
        Assert.Equal(("app", 0L, "1.0", "1", "x86_64", "test"), (app.Name, app.Epoch, app.Version, app.Release, app.Arch, app.RepoId));
        Assert.NotNull(app.Location);
        var file = Path.Combine(fx.Repo, app.Location);
        Assert.True(File.Exists(file), file);
        Assert.Equal("sha256", app.ChecksumType);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))), app.Checksum);
    }

    [Fact]
    public void Weak_dependencies_follow_the_switch()
    {
        using var pool = Pool();
        Assert.Contains("extra-1.0-1.noarch", Nevras(pool.Solve(new SolveRequest { Install = ["app"] })));
        Assert.DoesNotContain("extra-1.0-1.noarch", Nevras(pool.Solve(new SolveRequest { Install = ["app"], WeakDeps = false })));
    }

    [Fact]
    public void Specs_match_names_relations_provides_nevras_and_epochs()
    {
        using var pool = Pool();
        Assert.Equal(["libfoo-1.0-1.noarch"], Nevras(pool.Solve(new SolveRequest { Install = ["libfoo < 2"] })));
        Assert.Equal(["libfoo-1.0-1.noarch"], Nevras(pool.Solve(new SolveRequest { Install = ["libfoo-1.0-1.noarch"] })));
        Assert.Equal(["virtprov-1-1.noarch"], Nevras(pool.Solve(new SolveRequest { Install = ["virt"] })));
        Assert.Equal(["virtprov-1-1.noarch", "needsvirt-1-1.noarch"], Nevras(pool.Solve(new SolveRequest { Install = ["needsvirt"] })));
        var epoched = Assert.Single(pool.Solve(new SolveRequest { Install = ["epoched"] }).Steps).Package;
        Assert.Equal((3L, "epoched-3:1.0-1.noarch"), (epoched.Epoch, epoched.Nevra));
    }

    [Fact]
    public void Rich_and_pre_dependencies_are_enforced_and_ordered()
    {
        using var pool = Pool();
        Assert.Equal(["libfoo-2.0-1.noarch", "rich-1-1.noarch"], Nevras(pool.Solve(new SolveRequest { Install = ["rich"], Excludes = ["extra"] })));
        Assert.Equal(["extra-1.0-1.noarch", "scripty-1-1.noarch"], Nevras(pool.Solve(new SolveRequest { Install = ["scripty"] })));
    }

    [Fact]
    public void Missing_packages_are_named()
    {
        using var pool = Pool();
        var e = Assert.Throws<PackageNotFoundException>(() => pool.Solve(new SolveRequest { Install = ["app", "nope", "ppconly"] }));
        Assert.Equal(["nope", "ppconly"], e.Specs);
        Assert.Equal("Packages not found: nope, ppconly", e.Message);
    }

    [Fact]
    public void Problems_are_worded_like_dnf()
    {
        using var pool = Pool();
        var broken = pool.Solve(new SolveRequest { Install = ["broken"] });
        Assert.False(broken.Success);
        Assert.Equal("Problem: conflicting requests\n  - nothing provides nothing-here needed by broken-1-1.noarch", broken.ProblemText);

        var excluded = pool.Solve(new SolveRequest { Install = ["app"], Excludes = ["libfoo-2.0-1.noarch"] });
        Assert.False(excluded.Success);
        Assert.Contains("package app-1.0-1.x86_64 requires libfoo >= 2, but none of the providers can be installed", excluded.Problems[0].Rules);
        Assert.Contains("package libfoo-2.0-1.noarch is filtered out by exclude filtering", excluded.Problems[0].Rules);

        var conflict = pool.Solve(new SolveRequest { Install = ["a", "b"] });
        Assert.False(conflict.Success);
        Assert.Contains("package a-1-1.noarch conflicts with b provided by b-1-1.noarch", conflict.Problems[0].Rules);
        Assert.NotEmpty(conflict.Problems[0].Solutions);

        var two = pool.Solve(new SolveRequest { Install = ["broken", "a", "b"] });
        Assert.Equal(2, two.Problems.Count);
        Assert.StartsWith("Problem 1: ", two.ProblemText);
        Assert.Contains("\n Problem 2: ", two.ProblemText);
    }

    [Fact]
    public void A_solve_can_be_written_as_a_testcase_with_its_jobs_flags_and_outcome()
    {
        using var pool = Pool();
        var solved = Path.Combine(_scratch, "solved");
        var r = pool.Solve(new SolveRequest { Install = ["app"], WeakDeps = false, TestcaseDirectory = solved });
        Assert.True(r.Success, r.ProblemText);
        var t = File.ReadAllText(Path.Combine(solved, "testcase.t"));
        Assert.Contains("system x86_64 rpm", t);
        Assert.Contains("job install name app", t);
        Assert.Contains("ignorerecommended", t);
        var outcome = File.ReadAllText(Path.Combine(solved, "solver.result"));
        Assert.Equal(Nevras(r).Select(n => $"install {n}@test").Order(StringComparer.Ordinal),
            outcome.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

        var failed = Path.Combine(_scratch, "failed");
        Assert.False(pool.Solve(new SolveRequest { Install = ["broken"], TestcaseDirectory = failed }).Success);
        Assert.Contains("nothing-here", File.ReadAllText(Path.Combine(failed, "solver.result")));
    }

    [Fact]
    public void Installing_an_obsoleted_package_installs_its_obsoleter_as_dnf_does()
    {
        using var pool = Pool();
        Assert.Equal(["newname-2-1.noarch"], Nevras(pool.Solve(new SolveRequest { Install = ["oldname"] })));
        Assert.Equal(["oldname-1-1.noarch"], Nevras(pool.Solve(new SolveRequest { Install = ["oldname"], Excludes = ["newname"] })));
    }

    [Fact]
    public void Repo_packages_come_from_their_repository_even_when_another_has_a_newer_one()
    {
        var pinned = SolverRepo.Create(Path.Combine(_scratch, "pinned"), [new("libfoo", "1.5"), new("libfoo", "1.7"), new("only-here", "1")]);
        using var pool = Pool();
        pool.AddRpmMdRepository("pinned", pinned);
        // Unpinned, the newest anywhere wins: libfoo 2.0 from "test".
        var plain = Assert.Single(pool.Solve(new SolveRequest { Install = ["libfoo"] }).Steps).Package;
        Assert.Equal(("libfoo-2.0-1.noarch", "test"), (plain.Nevra, plain.RepoId));
        // Pinned, the newest of that repository wins, older though it is, and it is the one
        // that satisfies the other packages' requirements.
        var r = pool.Solve(new SolveRequest { InstallFromRepo = [new("pinned", "libfoo")], Install = ["rich"], Excludes = ["extra"] });
        Assert.False(r.Success);
        r = pool.Solve(new SolveRequest { InstallFromRepo = [new("pinned", "libfoo"), new("pinned", "only-here")], Install = ["virt"] });
        Assert.True(r.Success, r.ProblemText);
        Assert.Equal(["libfoo-1.7-1.noarch@pinned", "only-here-1-1.noarch@pinned", "virtprov-1-1.noarch@test"],
            r.Steps.Select(s => $"{s.Package.Nevra}@{s.Package.RepoId}").Order(StringComparer.Ordinal));
        // A relation is narrowed the same way: the best match within the repository.
        var rel = Assert.Single(pool.Solve(new SolveRequest { InstallFromRepo = [new("pinned", "libfoo < 1.6")] }).Steps).Package;
        Assert.Equal(("libfoo-1.5-1.noarch", "pinned"), (rel.Nevra, rel.RepoId));
    }

    [Theory]
    [InlineData("pinned", "app")]
    [InlineData("pinned", "no-such-thing")]
    [InlineData("no-such-repo", "libfoo")]
    public void A_repo_package_the_repository_lacks_is_named_with_its_repository(string repo, string spec)
    {
        var pinned = SolverRepo.Create(Path.Combine(_scratch, "pinned"), [new("libfoo", "1.5")]);
        using var pool = Pool();
        pool.AddRpmMdRepository("pinned", pinned);
        var e = Assert.Throws<PackageNotInRepoException>(() => pool.Solve(new SolveRequest { InstallFromRepo = [new(repo, spec)] }));
        Assert.Equal($"No matches for '{spec}' in repo '{repo}'", e.Message);
        Assert.Equal((spec, repo), (e.Spec, e.Repo));
    }

    [Fact]
    public void Solv_cache_is_written_then_reused_until_repomd_changes()
    {
        var cache = Path.Combine(_scratch, "cache");
        var repo = Path.Combine(_scratch, "repo");
        SolverRepo.Create(repo, [new("one", "1"), new("two", "1", Requires: ["one"])]);
        using (var pool = SolverPool.Create("x86_64"))
            Assert.False(pool.AddRpmMdRepository("r", repo, solvCacheDir: cache));
        Assert.True(File.Exists(Path.Combine(cache, "r.solv")));
        using (var pool = SolverPool.Create("x86_64"))
        {
            Assert.True(pool.AddRpmMdRepository("r", repo, solvCacheDir: cache));
            var r = pool.Solve(new SolveRequest { Install = ["two"] });
            Assert.Equal(["one-1-1.noarch", "two-1-1.noarch"], Nevras(r));
            Assert.NotNull(r.Steps[0].Package.Checksum);
        }
        SolverRepo.WriteRpm(new("three", "1"), repo);
        Arbor.Rpm.Repodata.RepoWriter.Create(repo, timestamp: 1_700_000_100);
        using (var pool = SolverPool.Create("x86_64"))
        {
            Assert.False(pool.AddRpmMdRepository("r", repo, solvCacheDir: cache));
            Assert.Equal(["three-1-1.noarch"], Nevras(pool.Solve(new SolveRequest { Install = ["three"] })));
        }
    }

    [Fact]
    public void Bad_repositories_are_named()
    {
        using var pool = SolverPool.Create("x86_64");
        var e = Assert.ThrowsAny<IOException>(() => pool.AddRpmMdRepository("nowhere", Path.Combine(_scratch, "nowhere")));
        Assert.Contains("nowhere", e.Message);
        Assert.Contains("repomd.xml", e.Message);
    }

    [Fact]
    public void Local_rpm_files_install_from_the_commandline_repository()
    {
        var rpm = SolverRepo.WriteRpm(new("localpkg", "4.2", Requires: ["libfoo"]), _scratch);
        using var pool = Pool();
        pool.AddRpmFiles("@commandline", [rpm]);
        var r = pool.Solve(new SolveRequest { Install = ["localpkg"] });
        Assert.Equal(["libfoo-2.0-1.noarch", "localpkg-4.2-1.noarch"], Nevras(r));
        var local = r.Steps[1].Package;
        Assert.Equal("@commandline", local.RepoId);
        Assert.Equal(Path.GetFullPath(rpm), local.Location);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(rpm))), local.Checksum);
    }

    private string InstalledRoot(params string[] rpms)
    {
        var root = Path.Combine(_scratch, "root");
        Directory.CreateDirectory(root);
        Tools.Run("rpm", ["--root", root, "--dbpath", "/usr/share/rpm", "--initdb"]);
        if (rpms.Length > 0)
            Tools.Run("rpm", ["--root", root, "--dbpath", "/usr/share/rpm", "-i", "--justdb", "--nodeps", "--noscripts", .. rpms]);
        // rpm-ostree's layout: var/lib/rpm points at usr/share/rpm.
        Directory.CreateDirectory(Path.Combine(root, "var", "lib"));
        File.CreateSymbolicLink(Path.Combine(root, "var", "lib", "rpm"), "../../usr/share/rpm");
        return root;
    }

    [Fact]
    public void Installed_system_from_the_rpmdb_drives_upgrades_erasures_and_locks()
    {
        var old = SolverRepo.WriteRpm(new("libfoo", "1.0"), Path.Combine(_scratch, "old"));
        var olde = SolverRepo.WriteRpm(new("oldname", "1"), Path.Combine(_scratch, "old"));
        var root = InstalledRoot(old, olde);
        using var pool = Pool();
        pool.SetInstalledFromRoot(root);

        var install = pool.Solve(new SolveRequest { Install = ["app"], WeakDeps = false });
        Assert.True(install.Success, install.ProblemText);
        var up = Assert.Single(install.Steps, s => s.Package.Name == "libfoo");
        Assert.Equal(StepKind.Upgrade, up.Kind);
        Assert.Equal("libfoo-1.0-1.noarch", up.Replaces?.Nevra);
        Assert.Equal("@System", up.Replaces?.RepoId);
        Assert.Null(up.Replaces?.Location);
        Assert.Equal("app-1.0-1.x86_64", install.Steps[^1].Package.Nevra);

        var erase = pool.Solve(new SolveRequest { Erase = ["libfoo"] });
        var step = Assert.Single(erase.Steps);
        Assert.Equal((StepKind.Erase, "libfoo-1.0-1.noarch"), (step.Kind, step.Package.Nevra));

        var all = pool.Solve(new SolveRequest { UpdateAll = true });
        Assert.Contains(all.Steps, s => s.Kind == StepKind.Upgrade && s.Package.Nevra == "libfoo-2.0-1.noarch");
        Assert.Contains(all.Steps, s => s.Kind == StepKind.Obsoleted && s.Package.Nevra == "newname-2-1.noarch" && s.Replaces?.Nevra == "oldname-1-1.noarch");

        var locked = pool.Solve(new SolveRequest { Install = ["app"], Locks = ["libfoo"] });
        Assert.False(locked.Success);
        Assert.Contains("package app-1.0-1.x86_64 requires libfoo >= 2, but none of the providers can be installed", locked.Problems[0].Rules);

        Assert.Throws<PackageNotFoundException>(() => pool.Solve(new SolveRequest { Erase = ["app"] }));
    }

    [Fact]
    public void Downgrades_happen_only_when_asked_for()
    {
        var newer = SolverRepo.WriteRpm(new("libfoo", "3.0"), Path.Combine(_scratch, "new"));
        using var pool = Pool();
        pool.SetInstalledFromRoot(InstalledRoot(newer));
        Assert.Empty(pool.Solve(new SolveRequest { Update = ["libfoo"] }).Steps);
        Assert.DoesNotContain(pool.Solve(new SolveRequest { UpdateAll = true, AllowDowngrade = true }).Steps, s => s.Package.Name == "libfoo");
        var explicitOld = Assert.Single(pool.Solve(new SolveRequest { Install = ["libfoo-1.0"] }).Steps);
        Assert.Equal((StepKind.Downgrade, "libfoo-1.0-1.noarch", "libfoo-3.0-1.noarch"), (explicitOld.Kind, explicitOld.Package.Nevra, explicitOld.Replaces?.Nevra));
        var sync = pool.Solve(new SolveRequest { DistUpgrade = true });
        var step = Assert.Single(sync.Steps);
        Assert.Equal((StepKind.Downgrade, "libfoo-2.0-1.noarch"), (step.Kind, step.Package.Nevra));
    }

    [Fact]
    public void A_root_without_an_rpmdb_is_refused()
    {
        using var pool = Pool();
        var e = Assert.Throws<FileNotFoundException>(() => pool.SetInstalledFromRoot(_scratch));
        Assert.Contains("usr/share/rpm", e.Message);
    }
}
