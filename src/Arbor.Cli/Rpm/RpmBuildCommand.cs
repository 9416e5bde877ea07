// `arbor rpm build MANIFEST.yaml --root DIR --output DIR`: reads the YAML manifest (name,
// version, release, epoch, arch, summary, description, license, group, url, requires, provides,
// conflicts, obsoletes, recommends, suggests, supplements, enhances, scripts, files, compression)
// into a PackageSpec, hands it and the tree to Arbor.Rpm's writer, prints the RPM's path.
using Arbor.Rpm.Package;
using Arbor.Rpm.Version;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Arbor.Cli.Rpm;

internal static class RpmBuildCommand
{
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

    public static int Run(string[] args, TextWriter stdout)
    {
        string? manifestPath = null, root = null, output = null;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "--root" or "--output")
            {
                if (i + 1 >= args.Length)
                    throw new ArgumentException($"{a} needs a directory");
                if (a == "--root") root = args[++i]; else output = args[++i];
            }
            else if (a.StartsWith("--root=", StringComparison.Ordinal)) root = a[7..];
            else if (a.StartsWith("--output=", StringComparison.Ordinal)) output = a[9..];
            else if (a.StartsWith('-')) throw new ArgumentException($"unknown option '{a}'");
            else if (manifestPath == null) manifestPath = a;
            else throw new ArgumentException($"unexpected argument '{a}'");
        }
        if (manifestPath == null || root == null || output == null)
            throw new ArgumentException("build takes MANIFEST.yaml --root DIR --output DIR");
        var spec = ToSpec(Load(manifestPath), manifestPath);
        stdout.WriteLine(RpmWriter.Write(spec, root, output));
        return 0;
    }

    internal static Manifest Load(string path)
    {
        var yaml = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
        try
        {
            return yaml.Deserialize<Manifest>(File.ReadAllText(path)) ?? throw new FormatException($"{path}: manifest is empty");
        }
        catch (YamlException e)
        {
            throw new FormatException($"{path}: line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}");
        }
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
