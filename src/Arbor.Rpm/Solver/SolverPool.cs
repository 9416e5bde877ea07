// Arbor's dependency solver: a libsolv pool set up with rpm semantics (Debian's libsolv defaults
// to Debian's, so the distribution type is switched and proven before anything is loaded), filled
// from rpm-md repositories (through a per-repository .solv cache keyed on repomd.xml's checksum),
// local .rpm files and the installed rpmdb of a tree; then SolveRequest -> libsolv jobs -> solve ->
// either dnf-worded problems or libsolv's ordered transaction as SolveSteps that carry each
// package's location and checksum for the download that follows. On request the solve is also
// written as a libsolv testcase, so Debian's testsolv can replay it without Arbor.
using System.Security.Cryptography;
using Arbor.Native.Solv;
using Arbor.Rpm.Repodata;

namespace Arbor.Rpm.Solver;

/// <summary>A set of repositories and an installed system to solve requests against.</summary>
public sealed class SolverPool : IDisposable
{
    private const int SelectName = 1, SelectProvides = 2, SelectFilelist = 4, SelectCanon = 8, SelectDotArch = 16, SelectRel = 32,
        SelectInstalledOnly = 1 << 8, SelectGlob = 1 << 9;
    private const int PoolFlagWhatProvidesWithDisabled = 12;
    private const int TestcaseResultTransaction = 1, TestcaseResultProblems = 2;

    // The cache key: a marker naming Arbor's cache layout, then the SHA-256 of repomd.xml.
    private static readonly byte[] CacheMagic = "\0arbor-solv-1\0\0\0"u8.ToArray();

    private readonly SolvPool _pool;
    private readonly Dictionary<string, SolvRepo> _repos = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _localPaths = [];
    private readonly int _nameKey, _evrKey, _archKey, _checksumKey, _obsoletesKey;
    private bool _prepared;

    private SolverPool(SolvPool pool)
    {
        _pool = pool;
        _nameKey = pool.StrToId("solvable:name");
        _evrKey = pool.StrToId("solvable:evr");
        _archKey = pool.StrToId("solvable:arch");
        _checksumKey = pool.StrToId("solvable:checksum");
        _obsoletesKey = pool.StrToId("solvable:obsoletes");
    }

    /// <summary>The architecture packages are solved for.</summary>
    public string Arch { get; private init; } = "";

    /// <summary>The underlying libsolv pool (for callers that need raw queries).</summary>
    public SolvPool Native => _pool;

    /// <summary>
    /// Creates a pool with rpm semantics for <paramref name="arch"/> (optionally an explicit
    /// <paramref name="archPolicy"/> such as "x86_64:i686:noarch"). Fails with a clear message when
    /// libsolv is missing or cannot compare versions the rpm way.
    /// </summary>
    public static SolverPool Create(string arch, string? archPolicy = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(arch);
        SelfTest(arch);
        var pool = SolvPool.Create();
        try
        {
            pool.SetDistType(SolvPool.DistTypeRpm);
            pool.SetArch(arch);
            if (archPolicy is not null)
                pool.SetArchPolicy(archPolicy);
            pool.SetFlag(PoolFlagWhatProvidesWithDisabled, 1);
            if (pool.DistType != SolvPool.DistTypeRpm)
                throw new SolvException($"libsolv kept distribution type {pool.DistType} after switching to rpm");
            return new SolverPool(pool) { Arch = arch };
        }
        catch
        {
            pool.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Proves that this libsolv build solves like rpm once switched: rpm's version order
    /// ("1.a" sorts before "1.1"; Debian's order says the opposite) and noarch packages selectable
    /// and installable on <paramref name="arch"/>.
    /// </summary>
    public static void SelfTest(string arch)
    {
        using var pool = SolvPool.Create();
        pool.SetDistType(SolvPool.DistTypeRpm);
        pool.SetArch(arch);
        int cmp = pool.EvrCompare("1.a", "1.1");
        if (cmp != -1)
            throw new SolvException($"libsolv does not compare versions like rpm after switching to rpm semantics (1.a vs 1.1 gave {cmp}, rpm says -1)");
        var repo = pool.CreateRepo("selftest");
        repo.AddRpmMd("""
            <?xml version="1.0" encoding="UTF-8"?>
            <metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="1">
            <package type="rpm"><name>arbor-selftest</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/>
            <location href="arbor-selftest-1-1.noarch.rpm"/><format/></package>
            </metadata>
            """u8);
        pool.Prepare();
        using var sel = new SolvQueue();
        pool.Select("arbor-selftest", SelectName, sel);
        if (pool.SelectionSolvables(sel).Length != 1)
            throw new SolvException($"libsolv does not select noarch packages for {arch}: its rpm semantics are not in effect");
        using var jobs = new SolvQueue();
        for (int i = 0; i < sel.Count; i += 2)
            jobs.Push(sel[i] | SolvSolver.Install, sel[i + 1]);
        using var solver = SolvSolver.Create(pool);
        if (solver.Solve(jobs) != 0)
            throw new SolvException($"libsolv cannot install a noarch package on {arch}: {solver.ProblemToString(1)}");
    }

    /// <summary>
    /// Adds the rpm-md repository in <paramref name="repoDir"/> (which holds repodata/repomd.xml):
    /// primary, filelists and updateinfo, compressed with gz, xz or zstd or not at all.
    /// <paramref name="priority"/> is dnf's (lower wins). With <paramref name="solvCacheDir"/>, the
    /// parsed repository is cached as ID.solv and reused while repomd.xml is unchanged.
    /// Returns true when the repository came from that cache.
    /// </summary>
    public bool AddRpmMdRepository(string id, string repoDir, int priority = 99, string? solvCacheDir = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(repoDir);
        if (_repos.ContainsKey(id))
            throw new ArgumentException($"repository '{id}' was already added", nameof(id));
        var repomdPath = Path.Combine(repoDir, "repodata", "repomd.xml");
        if (!File.Exists(repomdPath))
            throw new RepoMetadataException($"{id}: {repomdPath} does not exist");
        byte[] repomdBytes = File.ReadAllBytes(repomdPath);
        var repomd = RepoMd.Parse(new MemoryStream(repomdBytes), repomdPath);
        byte[] key = [.. CacheMagic, .. SHA256.HashData(repomdBytes)];
        string? cachePath = solvCacheDir is null ? null : Path.Combine(solvCacheDir, id + ".solv");

        var repo = _pool.CreateRepo(id);
        bool cached = cachePath is not null && repo.TryAddSolv(cachePath, key);
        if (!cached)
        {
            // A cache that failed half-way through may leave solvables behind: start again.
            if (repo.End > repo.Start)
                RecreateRepo(ref repo, id);
            var primary = repomd.Require("primary", id);
            repo.AddRpmMd(DataPath(repoDir, primary, id), null, 0);
            if (repomd.Get("filelists") is { } filelists)
                repo.AddRpmMd(DataPath(repoDir, filelists, id), "FL", SolvRepo.ExtendSolvables);
            if (repomd.Get("updateinfo") is { } updateinfo)
                repo.AddUpdateInfo(DataPath(repoDir, updateinfo, id), 0);
            if (cachePath is not null)
            {
                Directory.CreateDirectory(solvCacheDir!);
                repo.WriteSolv(cachePath, key);
            }
        }
        repo.Priority = -priority;
        _repos[id] = repo;
        _prepared = false;
        return cached;
    }

    private void RecreateRepo(ref SolvRepo repo, string id)
    {
        repo.Free();
        repo = _pool.CreateRepo(id);
    }

    private static string DataPath(string repoDir, RepoMdRecord rec, string id)
    {
        var path = Path.Combine(repoDir, rec.Location);
        return File.Exists(path) ? path : throw new RepoMetadataException($"{id}: {rec.Type} metadata {path} does not exist");
    }

    /// <summary>Adds local .rpm files as repository <paramref name="id"/> (dnf's "@commandline").</summary>
    public void AddRpmFiles(string id, IEnumerable<string> rpmPaths)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(rpmPaths);
        if (!_repos.TryGetValue(id, out var repo))
            _repos[id] = repo = _pool.CreateRepo(id);
        foreach (var path in rpmPaths)
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
                throw new FileNotFoundException($"{path}: no such package file", full);
            int p = repo.AddRpm(full, SolvRepo.RpmWithSha256Sum | SolvRepo.RpmWithHdrId);
            _localPaths[p] = full;
        }
        _prepared = false;
    }

    /// <summary>
    /// Loads the installed packages from the rpmdb of the tree at <paramref name="root"/>, which
    /// holds it in usr/share/rpm as rpm-ostree lays trees out.
    /// </summary>
    public void SetInstalledFromRoot(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var dbdir = Path.GetFullPath(Path.Combine(root, "usr", "share", "rpm"));
        if (!File.Exists(Path.Combine(dbdir, "rpmdb.sqlite")) && !File.Exists(Path.Combine(dbdir, "Packages")))
            throw new FileNotFoundException($"{root}: no rpm database in usr/share/rpm (rpmdb.sqlite or Packages)", dbdir);
        if (_repos.ContainsKey("@System"))
            throw new InvalidOperationException("the installed system was already loaded");
        // libsolv 0.7.23 prefers ROOT/var/lib/rpm whenever it is writable and never looks in
        // usr/lib/sysimage/rpm, so it is shown a root that holds nothing but usr/share/rpm.
        var shadow = Directory.CreateTempSubdirectory("arbor-rpmdb-root-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(shadow, "usr", "share"));
            File.CreateSymbolicLink(Path.Combine(shadow, "usr", "share", "rpm"), dbdir);
            var repo = _pool.CreateRepo("@System");
            _pool.SetRootDir(shadow);
            try
            {
                repo.AddRpmdb(SolvRepo.ReuseRepodata | SolvRepo.RpmWithHdrId | SolvRepo.UseRootDir);
            }
            finally
            {
                _pool.SetRootDir(null);
            }
            _pool.SetInstalled(repo);
            _repos["@System"] = repo;
        }
        finally
        {
            Directory.Delete(shadow, recursive: true);
        }
        _prepared = false;
    }

    /// <summary>Every package of the pool (installed ones included) matching <paramref name="spec"/>.</summary>
    public IReadOnlyList<SolvedPackage> Query(string spec)
    {
        Prepare();
        using var sel = Select(spec, installedOnly: false);
        return [.. _pool.SelectionSolvables(sel).Select(Describe)];
    }

    /// <summary>Solves <paramref name="request"/>. Specs that match nothing raise <see cref="PackageNotFoundException"/>.</summary>
    public SolveResult Solve(SolveRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Prepare();
        ApplyExcludes(request.Excludes);
        using var jobs = new SolvQueue();
        var missing = new List<string>();
        int best = request.Best ? SolvSolver.ForceBest : 0;
        AddRepoInstallJobs(jobs, request.InstallFromRepo, SolvSolver.Install | best);
        AddInstallJobs(jobs, request.Install, SolvSolver.Install | best, missing);
        AddJobs(jobs, request.Erase, SolvSolver.Erase | (request.CleanDeps ? SolvSolver.CleanDeps : 0), installedOnly: true, missing);
        AddJobs(jobs, request.Update, SolvSolver.Update | best, installedOnly: false, missing);
        if (missing.Count > 0)
            throw new PackageNotFoundException(missing);
        AddJobs(jobs, request.Locks, SolvSolver.Lock, installedOnly: false, missing: null);
        if (request.UpdateAll)
            jobs.Push(SolvSolver.Update | SolvSolver.SolvableAll | best, 0);
        if (request.DistUpgrade)
            jobs.Push(SolvSolver.DistUpgrade | SolvSolver.SolvableAll | best, 0);
        foreach (var name in request.InstallOnly)
            jobs.Push(SolvSolver.Multiversion | SolvSolver.SolvableProvides, _pool.StrToId(name, create: true));
        if (request.AllowUninstall)
            jobs.Push(SolvSolver.AllowUninstall | SolvSolver.SolvableAll, 0);

        using var solver = SolvSolver.Create(_pool);
        // The flags libdnf always sets, then the request's switches.
        solver.SetFlag(SolvSolver.FlagAllowVendorChange, true);
        solver.SetFlag(SolvSolver.FlagDupAllowVendorChange, true);
        solver.SetFlag(SolvSolver.FlagKeepOrphans, true);
        solver.SetFlag(SolvSolver.FlagBestObeyPolicy, true);
        solver.SetFlag(SolvSolver.FlagYumObsoletes, true);
        solver.SetFlag(SolvSolver.FlagUrpmReorder, true);
        solver.SetFlag(SolvSolver.FlagIgnoreRecommended, !request.WeakDeps);
        solver.SetFlag(SolvSolver.FlagAllowDowngrade, request.AllowDowngrade);

        int problems = solver.Solve(jobs);
        if (request.TestcaseDirectory is { } testcaseDir)
            solver.WriteTestcase(testcaseDir, TestcaseResultTransaction | TestcaseResultProblems);
        if (problems > 0)
        {
            var wording = new ProblemWording(_pool, _excluded);
            var list = new List<SolveProblem>(problems);
            for (int i = 1; i <= problems; i++)
                list.Add(new SolveProblem(wording.Describe(solver, i), solver.Solutions(i)));
            return new SolveResult { Problems = list };
        }
        using var trans = solver.CreateTransaction();
        trans.Order();
        var steps = new List<SolveStep>();
        foreach (int p in trans.Steps)
        {
            int type = trans.Type(p, SolvTransaction.ShowActive | SolvTransaction.ShowObsoletes | SolvTransaction.ChangeIsReinstall);
            StepKind? kind = type switch
            {
                SolvTransaction.TypeInstall or SolvTransaction.TypeMultiInstall => StepKind.Install,
                SolvTransaction.TypeErase => StepKind.Erase,
                SolvTransaction.TypeUpgrade => StepKind.Upgrade,
                SolvTransaction.TypeDowngrade => StepKind.Downgrade,
                SolvTransaction.TypeReinstall or SolvTransaction.TypeMultiReinstall or SolvTransaction.TypeChange => StepKind.Reinstall,
                SolvTransaction.TypeObsoletes => StepKind.Obsoleted,
                _ => null,
            };
            if (kind is not StepKind k)
                continue;
            int old = k is StepKind.Install or StepKind.Erase ? 0 : trans.ReplacedBy(p);
            steps.Add(new SolveStep(k, Describe(p), old > 0 ? Describe(old) : null));
        }
        return new SolveResult { Steps = steps };
    }

    private HashSet<int> _excluded = [];

    private void ApplyExcludes(IList<string> specs)
    {
        _pool.ResetExcludes();
        _excluded = [];
        foreach (var spec in specs)
        {
            using var sel = Select(spec, installedOnly: false);
            foreach (int p in _pool.SelectionSolvables(sel))
            {
                if (!_pool.IsInstalled(p))
                    _excluded.Add(p);
            }
        }
        if (_excluded.Count > 0)
            _pool.Exclude(_excluded);
    }

    // dnf installs what obsoletes a requested package in its place ("obsoletes=True"): the
    // requested packages and their obsoleters become one choice, and libsolv's policy drops the
    // obsoleted candidates from it.
    private void AddInstallJobs(SolvQueue jobs, IList<string> specs, int how, List<string> missing)
    {
        foreach (var spec in specs)
        {
            using var sel = Select(spec, installedOnly: false);
            if (sel.Count == 0)
            {
                missing.Add(spec);
                continue;
            }
            var candidates = _pool.SelectionSolvables(sel);
            var obsoleters = candidates.Where(p => !_pool.IsInstalled(p))
                .SelectMany(p => _pool.WhatMatchesSolvable(_obsoletesKey, p))
                .Where(o => !_pool.IsInstalled(o) && !_excluded.Contains(o) && !candidates.Contains(o))
                .Distinct().ToArray();
            if (obsoleters.Length == 0)
            {
                for (int i = 0; i < sel.Count; i += 2)
                    jobs.Push(sel[i] | how, sel[i + 1]);
                continue;
            }
            jobs.Push(how | SolvSolver.SolvableOneOf, _pool.OneOf(candidates.Concat(obsoleters)));
        }
    }

    // rpm-ostree's repo-packages: the spec's matches in every repository, narrowed to the named
    // one, become a single choice, so the solver takes the best of that repository's candidates
    // and never a newer one from elsewhere. Excluded packages stay out, as for plain installs.
    private void AddRepoInstallJobs(SolvQueue jobs, IList<RepoSpec> specs, int how)
    {
        foreach (var (repo, spec) in specs)
        {
            ArgumentException.ThrowIfNullOrEmpty(repo);
            using var sel = Select(spec, installedOnly: false);
            var inRepo = _pool.SelectionSolvables(sel)
                .Where(p => !_pool.IsInstalled(p) && !_excluded.Contains(p) && _pool.RepoNameOf(p) == repo)
                .ToArray();
            if (inRepo.Length == 0)
                throw new PackageNotInRepoException(spec, repo);
            jobs.Push(how | SolvSolver.SolvableOneOf, _pool.OneOf(inRepo));
        }
    }

    private void AddJobs(SolvQueue jobs, IList<string> specs, int how, bool installedOnly, List<string>? missing)
    {
        foreach (var spec in specs)
        {
            using var sel = Select(spec, installedOnly);
            if (sel.Count == 0)
            {
                missing?.Add(spec);
                continue;
            }
            for (int i = 0; i < sel.Count; i += 2)
                jobs.Push(sel[i] | how, sel[i + 1]);
        }
    }

    private SolvQueue Select(string spec, bool installedOnly)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        // dnf's argument matching: a name (with optional .arch and EVR), then a provide, then a
        // file path; globs allowed; "name >= 1.0" as a relation.
        int flags = SelectName | SelectProvides | SelectCanon | SelectDotArch | SelectRel | SelectGlob;
        if (spec.StartsWith('/'))
            flags |= SelectFilelist;
        if (installedOnly)
            flags |= SelectInstalledOnly;
        var sel = new SolvQueue();
        _pool.Select(spec.Trim(), flags, sel);
        return sel;
    }

    private void Prepare()
    {
        if (_prepared)
            return;
        _pool.Prepare();
        _prepared = true;
    }

    /// <summary>Describes solvable <paramref name="p"/> from its metadata.</summary>
    private SolvedPackage Describe(int p)
    {
        string name = _pool.LookupStr(p, _nameKey) ?? "";
        string evr = _pool.LookupStr(p, _evrKey) ?? "";
        string arch = _pool.LookupStr(p, _archKey) ?? "";
        long epoch = 0;
        int colon = evr.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && long.TryParse(evr.AsSpan(0, colon), out long e))
        {
            epoch = e;
            evr = evr[(colon + 1)..];
        }
        int dash = evr.LastIndexOf('-');
        string version = dash >= 0 ? evr[..dash] : evr, release = dash >= 0 ? evr[(dash + 1)..] : "";
        string repo = _pool.RepoNameOf(p);
        bool installed = _pool.IsInstalled(p);
        string? location = installed ? null : _localPaths.TryGetValue(p, out var local) ? local : _pool.Location(p);
        var sum = installed ? null : _pool.LookupChecksum(p, _checksumKey);
        return new SolvedPackage(name, epoch, version, release, arch, repo, location, sum?.Type, sum?.Hex);
    }

    /// <inheritdoc/>
    public void Dispose() => _pool.Dispose();

}
