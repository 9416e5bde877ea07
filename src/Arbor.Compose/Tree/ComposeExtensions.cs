// `compose extensions`: the RPMs a host may layer on an image, fetched next to the image at
// build time, as rpm-ostree's compose extensions does it (extensions.rs and the builtin):
//
//   extensions.yaml ─► keep those for this architecture ─► their repos join the treefile's
//   ─► base commit's rpmdb, or a root's with --rootfs (names, EVRs) ─► match-base-evr pins NAME to NAME-EVR of a base package
//   ─► os-extension packages: must not be in the base; solved against the locked base set, and
//      the whole transaction (dependencies not in the base included) is fetched
//   ─► development packages: no solving, the best match of each spec, fetched as it is
//   ─► OUTPUT-DIR: the RPMs, extensions.json (the processed file), .rpm-ostree-state-chksum
//
// The state checksum covers the transaction: when it equals the one in OUTPUT-DIR the run says
// "No change." and fetches nothing. RPMs land under temporary names and are renamed into place.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Arbor.Compose.Rpmdb;
using Arbor.Native;
using Arbor.Ostree.Repo;
using Arbor.Rpm.Repodata;
using Arbor.Rpm.Rpmdb;
using Arbor.Rpm.Solver;
using Arbor.Rpm.Version;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Arbor.Compose.Tree;

/// <summary>What <c>compose extensions</c> is asked to do.</summary>
public sealed class ComposeExtensionsOptions
{
    /// <summary>The treefile (its repos, releasever and ref).</summary>
    public required string TreefilePath { get; init; }

    /// <summary>The extensions YAML.</summary>
    public required string ExtensionsPath { get; init; }

    /// <summary>The repository holding the base commit; null with <see cref="Rootfs"/>.</summary>
    public string? RepoPath { get; init; }

    /// <summary>A root filesystem (a checkout or the running system) to take the base packages from instead of a commit.</summary>
    public string? Rootfs { get; init; }

    /// <summary>The base commit; the treefile's ref when null.</summary>
    public string? BaseRev { get; init; }

    /// <summary>Where the RPMs and extensions.json go.</summary>
    public required string OutputDir { get; init; }

    /// <summary>Cache for rpm-md and downloads; a temporary one when null.</summary>
    public string? CacheDir { get; init; }

    /// <summary>The architecture; the machine's when null.</summary>
    public string? Basearch { get; init; }
}

/// <summary>What a <c>compose extensions</c> run did.</summary>
/// <param name="Changed">False when the state checksum matched and nothing was fetched.</param>
/// <param name="Rpms">The file names written to the output directory.</param>
public sealed record ComposeExtensionsResult(bool Changed, IReadOnlyList<string> Rpms);

/// <summary>Runs <c>compose extensions</c>.</summary>
public static class ComposeExtensions
{
    private const string StateFile = ".rpm-ostree-state-chksum";

    private sealed class Extension
    {
        public List<string> Packages { get; set; } = [];
        public List<string>? Repos { get; set; }
        public List<string>? Architectures { get; set; }
        public string? MatchBaseEvr { get; set; }
        public bool Development { get; set; }
    }

    /// <summary>Fetches the extensions of the base commit into the output directory.</summary>
    /// <exception cref="ComposeException">The extensions file, the base or a package is wrong; the message names it.</exception>
    public static ComposeExtensionsResult Run(ComposeExtensionsOptions options, Action<ComposeEvent>? events = null,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        events ??= _ => { };
        string basearch = options.Basearch ?? RepoConfig.BaseArch;
        var treefile = Treefile.Treefile.Load(options.TreefilePath, basearch);
        string scratch = Directory.CreateTempSubdirectory("arbor-extensions-").FullName;
        try
        {
            string baseRoot = options.Rootfs ?? ExtractBase(options, treefile, Path.Combine(scratch, "base"));
            string rpmdb = Path.Combine(baseRoot, PackageList.RpmdbLocation);
            if (!File.Exists(Path.Combine(rpmdb, RpmdbWriter.FileName)))
                throw new ComposeException($"{baseRoot}: no rpm database in {PackageList.RpmdbLocation}");
            var basePackages = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in PackageList.FromHeaders(RpmdbReader.Read(rpmdb).Select(i => i.Header)))
                basePackages.TryAdd(p.Name, p.Evr);
            return Fetch(options, treefile, baseRoot, basePackages, Path.Combine(scratch, "cache"), basearch, events, progress, cancellationToken);
        }
        finally
        {
            ComposeInstall.TryDelete(scratch);
        }
    }

    // The base commit's rpmdb, copied out where the solver reads an installed set.
    private static string ExtractBase(ComposeExtensionsOptions options, Treefile.Treefile treefile, string root)
    {
        var repo = Repository.Open(options.RepoPath ?? throw new ComposeException("--repo must be specified"));
        string baseRev = options.BaseRev ?? treefile.Ref
            ?? throw new ComposeException("--base-rev not specified and treefile doesn't have a ref");
        var baseCommit = repo.ResolveRev(baseRev)!.Value;
        if (!CommitRpmdb.ExtractTo(repo, baseCommit, Path.Combine(root, PackageList.RpmdbLocation)))
            throw new ComposeException($"{baseRev}: the base commit has no rpmdb");
        return root;
    }

    private static ComposeExtensionsResult Fetch(ComposeExtensionsOptions options, Treefile.Treefile treefile, string baseRoot,
        Dictionary<string, string> basePackages, string scratchCache, string basearch, Action<ComposeEvent> events,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var (extensions, extraRepos) = Load(options.ExtensionsPath, basearch, basePackages);
        var repos = treefile.LoadRepos(extraRepos);
        var osExtension = extensions.Values.Where(e => !e.Development).SelectMany(e => e.Packages).ToList();
        var development = extensions.Values.Where(e => e.Development).SelectMany(e => e.Packages).ToList();

        string cache = options.CacheDir ?? scratchCache;
        var plan = ComposePackages.Solve(repos, cache, basearch, cacheOnly: false, progress, pool =>
        {
            pool.SetInstalledFromRoot(baseRoot);
            var result = pool.Solve(new SolveRequest { Install = osExtension, Locks = [.. basePackages.Keys] });
            if (!result.Success)
                return result;
            var steps = result.Steps.Where(s => s.Kind != StepKind.Erase).ToList();
            foreach (string spec in development)
            {
                var best = pool.Query(spec).Where(p => p.RepoId != "@System")
                    .OrderByDescending(p => p, Comparer<SolvedPackage>.Create(CompareEvr)).FirstOrDefault()
                    ?? throw new ComposeException($"Package {spec} not found");
                if (!steps.Any(s => s.Package == best))
                    steps.Add(new SolveStep(StepKind.Install, best, null));
            }
            return new SolveResult { Steps = steps };
        }, cancellationToken);
        events(new ComposeTransactionPlanned(plan.Steps.Select(s => s.Package).ToList()));

        Directory.CreateDirectory(options.OutputDir);
        string state = StateChecksum(plan);
        string statePath = Path.Combine(options.OutputDir, StateFile);
        if (File.Exists(statePath) && File.ReadAllText(statePath) == state)
            return new ComposeExtensionsResult(false, []);

        var rpms = ComposePackages.Download(plan, cache, events, progress, cancellationToken);
        var written = new List<string>();
        foreach (string rpm in rpms)
        {
            string name = Path.GetFileName(rpm);
            string target = Path.Combine(options.OutputDir, name);
            File.Copy(rpm, target + ".tmp", overwrite: true);
            File.Move(target + ".tmp", target, overwrite: true);
            written.Add(name);
        }
        AtomicFile.WriteAllText(statePath, state, fsync: false);
        File.SetUnixFileMode(statePath, (UnixFileMode)0x1A4);
        AtomicFile.WriteAllBytes(Path.Combine(options.OutputDir, "extensions.json"), Serialize(extensions, extraRepos), fsync: false);
        return new ComposeExtensionsResult(true, written);
    }

    private static int CompareEvr(SolvedPackage a, SolvedPackage b) =>
        new Evr(a.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Version, a.Release)
            .CompareTo(new Evr(b.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), b.Version, b.Release));

    private static string StateChecksum(SolvedPlan plan)
    {
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        foreach (var step in plan.Steps.OrderBy(s => s.Package.Nevra, StringComparer.Ordinal))
            hasher.AppendData(Encoding.UTF8.GetBytes($"{step.Package.Nevra}\0{step.Package.ChecksumType}:{step.Package.Checksum}\n"));
        return Convert.ToHexStringLower(hasher.GetHashAndReset());
    }

    // The file as rpm-ostree keeps it after loading: extensions for other architectures dropped,
    // per-extension repos moved to the top level, match-base-evr applied to the package names.
    private static (SortedDictionary<string, Extension> Extensions, List<string> Repos) Load(string path, string basearch,
        IReadOnlyDictionary<string, string> basePackages)
    {
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path))
                stream.Load(reader);
            root = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode m
                ? m : throw new ComposeException($"parsing {path}: expected one mapping");
        }
        catch (FileNotFoundException)
        {
            throw new ComposeException($"{path}: no such file");
        }
        catch (YamlException e)
        {
            throw new ComposeException($"parsing {path}: line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
        }
        var repos = new List<string>();
        var extensions = new SortedDictionary<string, Extension>(StringComparer.Ordinal);
        bool haveExtensions = false;
        foreach (var (keyNode, value) in root.Children)
        {
            string key = Scalar(path, keyNode, "key");
            switch (key)
            {
                case "repos":
                    repos.AddRange(Strings(path, value, key));
                    break;
                case "extensions":
                    haveExtensions = true;
                    if (value is not YamlMappingNode map)
                        throw Wrong(path, value, key, "a mapping");
                    foreach (var (nameNode, extNode) in map.Children)
                        extensions[Scalar(path, nameNode, "extension name")] = ParseExtension(path, extNode);
                    break;
                default:
                    break; // rpm-ostree's parser ignores keys it does not know
            }
        }
        if (!haveExtensions)
            throw new ComposeException($"parsing {path}: missing field `extensions`");

        foreach (string name in extensions.Keys.ToList())
        {
            var ext = extensions[name];
            if (ext.Architectures is { } arches && !arches.Contains(basearch))
            {
                extensions.Remove(name);
                continue;
            }
            repos.AddRange(ext.Repos ?? []);
            ext.Repos = null;
            if (!ext.Development)
            {
                foreach (string pkg in ext.Packages)
                {
                    if (basePackages.ContainsKey(pkg))
                        throw new ComposeException($"parsing {path}: package {pkg} already present in base");
                }
            }
            if (ext.MatchBaseEvr is { } matched)
            {
                string evr = basePackages.TryGetValue(matched, out var e) ? e
                    : throw new ComposeException($"parsing {path}: couldn't find base package {matched}");
                ext.Packages = ext.Packages.Select(p => $"{p}-{evr}").ToList();
            }
        }
        return (extensions, repos);
    }

    private static Extension ParseExtension(string path, YamlNode node)
    {
        if (node is not YamlMappingNode map)
            throw Wrong(path, node, "extension", "a mapping");
        var ext = new Extension();
        bool havePackages = false;
        foreach (var (keyNode, value) in map.Children)
        {
            string key = Scalar(path, keyNode, "key");
            switch (key)
            {
                case "packages": ext.Packages = Strings(path, value, key); havePackages = true; break;
                case "repos": ext.Repos = Strings(path, value, key); break;
                case "architectures": ext.Architectures = Strings(path, value, key); break;
                case "match-base-evr": ext.MatchBaseEvr = Scalar(path, value, key); break;
                case "kind":
                    ext.Development = Scalar(path, value, key) switch
                    {
                        "os-extension" => false,
                        "development" => true,
                        var other => throw new ComposeException(
                            $"parsing {path}: line {value.Start.Line}: kind: unknown variant `{other}`, expected `os-extension` or `development`"),
                    };
                    break;
                default:
                    break;
            }
        }
        if (!havePackages)
            throw new ComposeException($"parsing {path}: line {node.Start.Line}: missing field `packages`");
        return ext;
    }

    private static string Scalar(string path, YamlNode node, string what) =>
        node is YamlScalarNode { Value: { } v } ? v : throw Wrong(path, node, what, "a string");

    private static List<string> Strings(string path, YamlNode node, string what) =>
        node is YamlSequenceNode seq ? seq.Children.Select(c => Scalar(path, c, what)).ToList() : throw Wrong(path, node, what, "a list of strings");

    private static ComposeException Wrong(string path, YamlNode node, string what, string expected) =>
        new($"parsing {path}: line {node.Start.Line}, column {node.Start.Column}: {what}: expected {expected}");

    // serde_json's pretty form of the loaded file, extensions by name.
    private static byte[] Serialize(SortedDictionary<string, Extension> extensions, List<string> repos)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject("extensions");
            foreach (var (name, ext) in extensions)
            {
                json.WriteStartObject(name);
                WriteList(json, "packages", ext.Packages);
                if (ext.Architectures is { } arches)
                    WriteList(json, "architectures", arches);
                if (ext.MatchBaseEvr is { } m)
                    json.WriteString("match-base-evr", m);
                json.WriteString("kind", ext.Development ? "development" : "os-extension");
                json.WriteEndObject();
            }
            json.WriteEndObject();
            if (repos.Count > 0)
                WriteList(json, "repos", repos);
            json.WriteEndObject();
        }
        return buffer.ToArray();

        static void WriteList(Utf8JsonWriter json, string name, IEnumerable<string> items)
        {
            json.WriteStartArray(name);
            foreach (string item in items)
                json.WriteStringValue(item);
            json.WriteEndArray();
        }
    }
}
