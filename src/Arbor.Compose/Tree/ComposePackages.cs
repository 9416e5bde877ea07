// The package half of `compose tree`: bring each treefile repository's rpm-md into the cache
// (refreshed on every compose unless --cache-only, as rpm-ostree does on build servers), solve the
// treefile's request with libsolv over them (repo-packages pinned to their repository, as
// rpm-ostree pins them), and download the solved packages, checked against
// the repository's checksums. The plan remembers, per package, which repository and which
// repodata it came from: the package cache commits record it and the final commit lists the
// repositories (rpmostree.rpmmd-repos).
using Arbor.Compose.Import;
using Arbor.Native;
using Arbor.Ostree.GVariant;
using Arbor.Rpm.Repodata;
using Arbor.Rpm.Solver;

namespace Arbor.Compose.Tree;

/// <summary>A solved compose transaction and where each package comes from.</summary>
internal sealed class SolvedPlan
{
    /// <summary>The steps in install order.</summary>
    public required IReadOnlyList<SolveStep> Steps { get; init; }

    /// <summary>The rpm-md entry of each step's package, in the same order.</summary>
    public required IReadOnlyList<RepoPackage> RepoPackages { get; init; }

    /// <summary>The repository of each step's package, in the same order.</summary>
    public required IReadOnlyList<RepoConfig> Repos { get; init; }

    /// <summary>What each package's cache commit records about its origin, in the same order.</summary>
    public required IReadOnlyList<PackageOrigin> Origins { get; init; }

    /// <summary>The repositories that were used, with their repomd timestamps.</summary>
    public required IReadOnlyList<(string Id, ulong Timestamp)> UsedRepos { get; init; }

    /// <summary><c>rpmostree.rpmmd-repos</c>: aa{sv} of {id, timestamp}.</summary>
    public GVariantValue RepoMetadataVariant()
    {
        var dictType = GVariantType.Parse("a{sv}");
        var items = UsedRepos.Select(r => (GVariantValue)new GVArray(GVariantType.Parse("{sv}"),
        [
            new GVDictEntry(GVariantValue.Str("id"), GVariantValue.Box(GVariantValue.Str(r.Id))),
            new GVDictEntry(GVariantValue.Str("timestamp"), GVariantValue.Box(GVariantValue.U64(r.Timestamp))),
        ])).ToList();
        return new GVArray(dictType, items);
    }
}

/// <summary>Solving and downloading for a compose.</summary>
internal static class ComposePackages
{
    /// <summary>Loads the repositories' metadata into the cache and solves the treefile's request.</summary>
    public static SolvedPlan Solve(Treefile.Treefile treefile, IReadOnlyList<RepoConfig> repos, string cache, string basearch,
        bool cacheOnly, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        if (repos.Count == 0)
            throw new ComposeException($"{treefile.Path}: no repositories ('repos') to take packages from");
        var pinned = treefile.RepoPackages.SelectMany(rp => rp.Packages.Select(spec => new RepoSpec(rp.Repo, spec))).ToList();
        if (treefile.Packages.Count == 0 && pinned.Count == 0)
            throw new ComposeException($"{treefile.Path}: no packages to install");
        return Solve(repos, cache, basearch, cacheOnly, progress, pool => pool.Solve(new SolveRequest
        {
            Install = [.. treefile.Packages],
            InstallFromRepo = pinned,
            Excludes = [.. treefile.ExcludePackages],
            WeakDeps = treefile.Recommends,
        }), cancellationToken);
    }

    /// <summary>
    /// Loads the repositories' metadata into the cache and a pool, lets <paramref name="solve"/>
    /// prepare (installed set) and solve it, and plans the packages the transaction installs.
    /// </summary>
    public static SolvedPlan Solve(IReadOnlyList<RepoConfig> repos, string cache, string basearch, bool cacheOnly,
        IProgress<OperationProgress>? progress, Func<SolverPool, SolveResult> solve, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        var fetcher = new RepoFetcher(http, Path.Combine(cache, "repomd")) { ForceRefresh = !cacheOnly };
        var metadata = new Dictionary<string, (RepoConfig Repo, ulong Timestamp, Dictionary<string, RepoPackage> ByLocation)>(StringComparer.Ordinal);
        using var pool = SolverPool.Create(basearch);
        string solvCache = Path.Combine(cache, "solv");
        Directory.CreateDirectory(solvCache);
        var counter = new ProgressCounter(progress, "Loading metadata", repos.Count, "repos");
        foreach (var repo in repos)
        {
            cancellationToken.ThrowIfCancellationRequested();
            counter.Report();
            RepoMetadata md;
            try
            {
                md = fetcher.LoadAsync(repo, RepoParts.Primary | RepoParts.Filelists, RepoParts.Primary, cancellationToken).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                // rpm-ostree's prefix names the repository; the fetcher's own naming of it goes.
                string why = e.Message.StartsWith($"repository '{repo.Id}': ", StringComparison.Ordinal)
                    ? e.Message[$"repository '{repo.Id}': ".Length..] : e.Message;
                throw new ComposeException($"Updating metadata for '{repo.Id}': {why}");
            }
            var byLocation = new Dictionary<string, RepoPackage>(StringComparer.Ordinal);
            foreach (var p in md.Packages)
                byLocation.TryAdd(p.Location, p);
            ulong timestamp = (ulong)Math.Max(0, md.RepoMd.Records.Select(r => r.Timestamp).DefaultIfEmpty(0).Max());
            metadata[repo.Id] = (repo, timestamp, byLocation);
            pool.AddRpmMdRepository(repo.Id, fetcher.CacheDir(repo), solvCacheDir: solvCache);
            counter.Add(1);
        }
        counter.Report();

        counter.Begin("Resolving dependencies", 0);
        var result = solve(pool);
        if (!result.Success)
        {
            // libdnf's dnf_goal_depsolve wording, which rpm-ostree passes on as it is.
            int n = result.Problems.Count;
            throw new ComposeException($"Could not depsolve transaction; {n} problem{(n == 1 ? "" : "s")} detected:\n {result.ProblemText}");
        }

        var steps = result.Steps.Where(s => s.Kind != StepKind.Erase).ToList();
        var repoPackages = new List<RepoPackage>(steps.Count);
        var repoConfigs = new List<RepoConfig>(steps.Count);
        var origins = new List<PackageOrigin>(steps.Count);
        var used = new SortedDictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            var p = step.Package;
            if (!metadata.TryGetValue(p.RepoId, out var m) || p.Location is null || !m.ByLocation.TryGetValue(p.Location, out var rp))
                throw new ComposeException($"Package {p.Nevra} was solved from '{p.RepoId}' but is not in its metadata");
            repoPackages.Add(rp);
            repoConfigs.Add(m.Repo);
            origins.Add(new PackageOrigin(p.RepoId, m.Timestamp, $"{rp.ChecksumType}:{rp.Checksum}"));
            used[p.RepoId] = m.Timestamp;
        }
        return new SolvedPlan
        {
            Steps = steps,
            RepoPackages = repoPackages,
            Repos = repoConfigs,
            Origins = origins,
            UsedRepos = used.Select(kv => (kv.Key, kv.Value)).ToList(),
        };
    }

    /// <summary>Downloads the plan's packages into the cache (checked); returns their paths in plan order.</summary>
    public static IReadOnlyList<string> Download(SolvedPlan plan, string cache, Action<ComposeEvent> events,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var counter = new ProgressCounter(progress, "Downloading packages", plan.Steps.Count, "packages");
        using var http = new HttpClient();
        var fetcher = new RepoFetcher(http, Path.Combine(cache, "repomd")) { ForceRefresh = false };
        var paths = new string[plan.Steps.Count];
        long bytes = 0;
        foreach (var group in Enumerable.Range(0, plan.Steps.Count).GroupBy(i => plan.Repos[i].Id))
        {
            var indexes = group.ToList();
            var repo = plan.Repos[indexes[0]];
            IReadOnlyList<string> got;
            try
            {
                got = fetcher.DownloadPackagesAsync(repo, indexes.Select(i => plan.RepoPackages[i]).ToList(),
                        (_, size) => counter.Add(1, size), cancellationToken)
                    .GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new ComposeException($"Downloading from '{repo.Id}': {e.Message}");
            }
            for (int k = 0; k < indexes.Count; k++)
            {
                paths[indexes[k]] = got[k];
                bytes += new FileInfo(got[k]).Length;
            }
        }
        counter.Report();
        events(new ComposeDownloaded(paths.Length, bytes));
        return paths;
    }
}
