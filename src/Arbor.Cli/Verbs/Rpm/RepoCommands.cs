// `arbor rpm repoquery` and `arbor rpm download`: the repository options dnf users know
// (--repofrompath=ID,URL, --repo-file=FILE, --repo=ID, --cachedir, --releasever, --refresh)
// select repositories; Arbor.Rpm's RepoFetcher brings their metadata into the cache; this file
// only matches patterns against names/NEVRAs and prints.
using Arbor.Rpm.Repodata;

namespace Arbor.Cli.Verbs.Rpm;

internal static class RepoCommands
{
    private sealed class Options
    {
        public List<RepoConfig> Repos { get; } = [];
        public List<string> RepoFiles { get; } = [];
        public List<string> FromPath { get; } = [];
        public HashSet<string> Only { get; } = new(StringComparer.Ordinal);
        public string? CacheDir { get; init; }
        public string? ReleaseVer { get; init; }
        public string? DestDir { get; init; }
        public bool Refresh { get; init; }
        public int Parallel { get; init; } = 4;
        public List<string> Patterns { get; } = [];
    }

    private static Options Parse(ParsedArgs args, string verb)
    {
        var o = new Options
        {
            CacheDir = args.Get("cachedir"),
            ReleaseVer = args.Get("releasever"),
            DestDir = args.Get("destdir"),
            Refresh = args.Has("refresh"),
            Parallel = args.GetInt("parallel", 4) is > 0 and var n ? n : throw new UsageException($"{verb}: --parallel needs a positive number"),
        };
        o.FromPath.AddRange(args.GetAll("repofrompath"));
        o.RepoFiles.AddRange(args.GetAll("repo-file"));
        foreach (var ids in args.GetAll("repo").Concat(args.GetAll("repoid")))
            o.Only.UnionWith(ids.Split(',', StringSplitOptions.RemoveEmptyEntries));
        o.Patterns.AddRange(args.Positional);
        var vars = RepoConfig.Variables(o.ReleaseVer);
        foreach (var f in o.RepoFiles)
            o.Repos.AddRange(RepoConfig.ParseFile(f, vars).Where(r => r.Enabled || o.Only.Contains(r.Id)));
        foreach (var p in o.FromPath)
            o.Repos.Add(RepoConfig.FromPath(RepoConfig.Substitute(p, vars, "--repofrompath")));
        if (o.Only.Count > 0)
        {
            var missing = o.Only.Where(id => o.Repos.All(r => r.Id != id)).ToList();
            if (missing.Count > 0)
                throw new UsageException($"{verb}: unknown repository '{missing[0]}'");
            o.Repos.RemoveAll(r => !o.Only.Contains(r.Id));
        }
        if (o.Repos.Count == 0)
            throw new UsageException($"{verb}: no repository (give --repofrompath=ID,URL or --repo-file=FILE)");
        return o;
    }

    private static RepoFetcher Fetcher(Options o, HttpClient http) =>
        new(http, o.CacheDir ?? RepoFetcher.DefaultCacheRoot()) { MaxParallel = o.Parallel, ForceRefresh = o.Refresh };

    private static bool Matches(RepoPackage p, List<string> patterns) =>
        patterns.Count == 0 || patterns.Any(pat =>
            System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(pat, p.Name, ignoreCase: false) ||
            System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(pat, p.Nevra, ignoreCase: false) ||
            System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(pat, $"{p.Name}-{p.Version}-{p.Release}.{p.Arch}", ignoreCase: false));

    private static async Task<List<(RepoConfig Repo, RepoPackage Pkg)>> LoadAll(Options o, RepoFetcher f)
    {
        var all = new List<(RepoConfig, RepoPackage)>();
        foreach (var repo in o.Repos)
        {
            var md = await f.LoadAsync(repo, RepoParts.Primary).ConfigureAwait(false);
            all.AddRange(md.Packages.Select(p => (repo, p)));
        }
        return all;
    }

    /// <summary>repoquery: prints the NEVRAs of matching packages, sorted and unique.</summary>
    public static int RepoQuery(ParsedArgs args, TextWriter stdout)
    {
        var o = Parse(args, "repoquery");
        using var http = new HttpClient();
        var all = LoadAll(o, Fetcher(o, http)).GetAwaiter().GetResult();
        foreach (var nevra in all.Where(x => Matches(x.Pkg, o.Patterns)).Select(x => x.Pkg.Nevra).Distinct().Order(StringComparer.Ordinal))
            stdout.WriteLine(nevra);
        return 0;
    }

    /// <summary>download: fetches the newest matching package for each pattern into --destdir (default: the current directory).</summary>
    public static int Download(ParsedArgs args, TextWriter stdout)
    {
        var o = Parse(args, "download");
        if (o.Patterns.Count == 0)
            throw new UsageException("download: name the packages to download");
        using var http = new HttpClient();
        var fetcher = Fetcher(o, http);
        var all = LoadAll(o, fetcher).GetAwaiter().GetResult();
        var chosen = new List<(RepoConfig Repo, RepoPackage Pkg)>();
        foreach (var pat in o.Patterns)
        {
            var matches = all.Where(x => Matches(x.Pkg, [pat])).ToList();
            if (matches.Count == 0)
                throw new InvalidOperationException($"download: no package matches '{pat}'");
            // Like dnf download: the newest EVR of each name.arch.
            foreach (var g in matches.GroupBy(x => (x.Pkg.Name, x.Pkg.Arch)))
                chosen.Add(g.OrderByDescending(x => x.Pkg.Evr).First());
        }
        chosen = chosen.DistinctBy(x => (x.Repo.Id, x.Pkg.Checksum)).ToList();
        var dest = o.DestDir ?? Directory.GetCurrentDirectory();
        Directory.CreateDirectory(dest);
        foreach (var byRepo in chosen.GroupBy(x => x.Repo))
        {
            var pkgs = byRepo.Select(x => x.Pkg).ToList();
            var cached = fetcher.DownloadPackagesAsync(byRepo.Key, pkgs).GetAwaiter().GetResult();
            for (int i = 0; i < pkgs.Count; i++)
            {
                var target = Path.Combine(dest, pkgs[i].FileName);
                var tmp = Path.Combine(dest, $".{pkgs[i].FileName}.{Environment.ProcessId}.tmp");
                File.Copy(cached[i], tmp, overwrite: true);
                File.Move(tmp, target, overwrite: true);
                stdout.WriteLine(target);
            }
        }
        return 0;
    }
}
