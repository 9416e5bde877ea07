// The YAML manifest OS builders write for `arbor rpm build`: name, version, release, epoch, arch,
// summary, description, license, group, url, the dependency lists, scripts, files, compression.
// Read through YamlDotNet's node model into a Manifest, checked key by key (errors name the line,
// column and key), then turned into Arbor.Rpm's PackageSpec for the writer. Builder-side input
// like the treefile, so it lives with compose rather than in the command line.
using Arbor.Rpm.Package;
using Arbor.Rpm.Version;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Arbor.Compose.Packaging;

/// <summary>Reads rpm build manifests.</summary>
public static class RpmManifest
{
    /// <summary>Reads the manifest at <paramref name="path"/> into the package spec the RPM writer takes.</summary>
    /// <exception cref="FormatException">The YAML is malformed or a key is unknown or of the wrong shape; the message names the line, column and key.</exception>
    public static PackageSpec Read(string path) => ToSpec(Load(path), path);

    /// <summary>The manifest as written in YAML.</summary>
    internal sealed class Manifest
    {
        public string? Name { get; set; }
        public string? Version { get; set; }
        public string Release { get; set; } = "1";
        public long? Epoch { get; set; }
        public string Arch { get; set; } = "noarch";
        public string Summary { get; set; } = "";
        public string Description { get; set; } = "";
        public string License { get; set; } = "";
        public string Group { get; set; } = "Unspecified";
        public string? Url { get; set; }
        public List<string> Requires { get; set; } = [];
        public List<string> Provides { get; set; } = [];
        public List<string> Conflicts { get; set; } = [];
        public List<string> Obsoletes { get; set; } = [];
        public List<string> Recommends { get; set; } = [];
        public List<string> Suggests { get; set; } = [];
        public List<string> Supplements { get; set; } = [];
        public List<string> Enhances { get; set; } = [];
        public Dictionary<string, string> Scripts { get; set; } = [];
        public Dictionary<string, string> ScriptInterpreters { get; set; } = [];
        public Dictionary<string, List<string>> Files { get; set; } = [];
        public string Compression { get; set; } = "zstd";
        public long? BuildTime { get; set; }
    }

    // Read through YamlDotNet's node model rather than its reflection-based deserializer, so the
    // command works in the ahead-of-time compiled executable; unknown keys and wrong shapes are
    // errors that name the line, column and key.
    internal static Manifest Load(string path)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new FormatException($"{path}: line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            throw new FormatException($"{path}: manifest is empty");
        var root = Expect<YamlMappingNode>(stream.Documents[0].RootNode, path, "manifest");
        var m = new Manifest();
        foreach (var (keyNode, value) in root.Children)
        {
            string key = Expect<YamlScalarNode>(keyNode, path, "key").Value ?? "";
            switch (key)
            {
                case "name": m.Name = Scalar(value, path, key); break;
                case "version": m.Version = Scalar(value, path, key); break;
                case "release": m.Release = Scalar(value, path, key); break;
                case "epoch": m.Epoch = Integer(value, path, key); break;
                case "arch": m.Arch = Scalar(value, path, key); break;
                case "summary": m.Summary = Scalar(value, path, key); break;
                case "description": m.Description = Scalar(value, path, key); break;
                case "license": m.License = Scalar(value, path, key); break;
                case "group": m.Group = Scalar(value, path, key); break;
                case "url": m.Url = Scalar(value, path, key); break;
                case "requires": m.Requires = List(value, path, key); break;
                case "provides": m.Provides = List(value, path, key); break;
                case "conflicts": m.Conflicts = List(value, path, key); break;
                case "obsoletes": m.Obsoletes = List(value, path, key); break;
                case "recommends": m.Recommends = List(value, path, key); break;
                case "suggests": m.Suggests = List(value, path, key); break;
                case "supplements": m.Supplements = List(value, path, key); break;
                case "enhances": m.Enhances = List(value, path, key); break;
                case "scripts": m.Scripts = Map(value, path, key, (v, k) => Scalar(v, path, k)); break;
                case "script_interpreters": m.ScriptInterpreters = Map(value, path, key, (v, k) => Scalar(v, path, k)); break;
                case "files": m.Files = Map(value, path, key, (v, k) => List(v, path, k)); break;
                case "compression": m.Compression = Scalar(value, path, key); break;
                case "build_time": m.BuildTime = Integer(value, path, key); break;
                default: throw new FormatException($"{Where(path, keyNode)}: unknown key '{key}'");
            }
        }
        return m;
    }

    private static string Where(string path, YamlNode node) => $"{path}: line {node.Start.Line}, column {node.Start.Column}";

    private static T Expect<T>(YamlNode node, string path, string what) where T : YamlNode =>
        node as T ?? throw new FormatException($"{Where(path, node)}: '{what}' must be a {(typeof(T) == typeof(YamlMappingNode) ? "mapping" : typeof(T) == typeof(YamlSequenceNode) ? "list" : "single value")}");

    private static string Scalar(YamlNode node, string path, string key) => Expect<YamlScalarNode>(node, path, key).Value ?? "";

    private static long Integer(YamlNode node, string path, string key) =>
        long.TryParse(Scalar(node, path, key), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long n)
            ? n
            : throw new FormatException($"{Where(path, node)}: '{key}' must be an integer");

    private static List<string> List(YamlNode node, string path, string key) =>
        node is YamlScalarNode { Value: null or "" } ? [] : Expect<YamlSequenceNode>(node, path, key).Children.Select(c => Scalar(c, path, key)).ToList();

    private static Dictionary<string, T> Map<T>(YamlNode node, string path, string key, Func<YamlNode, string, T> value)
    {
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        if (node is YamlScalarNode { Value: null or "" })
            return result;
        foreach (var (k, v) in Expect<YamlMappingNode>(node, path, key).Children)
        {
            string name = Scalar(k, path, key);
            result[name] = value(v, $"{key}: {name}");
        }
        return result;
    }

    internal static PackageSpec ToSpec(Manifest m, string path)
    {
        var deps = new Dictionary<string, List<Dependency>>(StringComparer.Ordinal);
        foreach (var (kind, list) in new[]
        {
            ("requires", m.Requires), ("provides", m.Provides), ("conflicts", m.Conflicts), ("obsoletes", m.Obsoletes),
            ("recommends", m.Recommends), ("suggests", m.Suggests), ("supplements", m.Supplements), ("enhances", m.Enhances),
        })
        {
            if (list.Count > 0)
                deps[kind] = list.Select(Dependency.Parse).ToList();
        }
        var flags = new Dictionary<string, FileFlags>(StringComparer.Ordinal);
        foreach (var (file, words) in m.Files)
        {
            FileFlags f = FileFlags.None;
            foreach (var w in words)
            {
                f |= w switch
                {
                    "config" => FileFlags.Config,
                    "noreplace" => FileFlags.Config | FileFlags.NoReplace,
                    "missingok" => FileFlags.MissingOk,
                    "doc" => FileFlags.Doc,
                    "license" => FileFlags.License,
                    "ghost" => FileFlags.Ghost,
                    _ => throw new FormatException($"{path}: files: '{file}': unknown flag '{w}' (config, noreplace, missingok, doc, license, ghost)"),
                };
            }
            flags[file] = f;
        }
        return new PackageSpec
        {
            Name = m.Name ?? throw new FormatException($"{path}: 'name' is required"),
            Version = m.Version ?? throw new FormatException($"{path}: 'version' is required"),
            Release = m.Release,
            Epoch = m.Epoch,
            Arch = m.Arch,
            Summary = m.Summary,
            Description = m.Description,
            License = m.License,
            Group = m.Group,
            Url = m.Url,
            BuildTime = m.BuildTime,
            Dependencies = deps,
            Scripts = m.Scripts.ToDictionary(s => s.Key, s => (s.Value, m.ScriptInterpreters.GetValueOrDefault(s.Key, "/bin/sh")), StringComparer.Ordinal),
            FileFlags = flags,
            Compressor = m.Compression,
        };
    }
}
