// A small rpm-md repository for the solver tests, written by Arbor's own RpmWriter and RepoWriter:
// versions to choose between, a noarch library, weak, rich, pre- and virtual dependencies, a
// conflict, an obsoletes and a package nothing can satisfy. Built once per test class.
using Arbor.Rpm.Package;
using Arbor.Rpm.Repodata;
using Arbor.Rpm.Version;

namespace Arbor.Rpm.Tests.Solver;

internal static class SolverRepo
{
    public sealed record Pkg(string Name, string Version, string Arch = "noarch", long? Epoch = null,
        string[]? Requires = null, string[]? Provides = null, string[]? Recommends = null, string[]? Conflicts = null,
        string[]? Obsoletes = null, string[]? PreRequires = null);

    public static readonly Pkg[] Default =
    [
        new("app", "1.0", "x86_64", Requires: ["libfoo >= 2"], Recommends: ["extra"]),
        new("libfoo", "1.0"),
        new("libfoo", "2.0"),
        new("extra", "1.0"),
        new("broken", "1", Requires: ["nothing-here"]),
        new("a", "1", Conflicts: ["b"]),
        new("b", "1"),
        new("newname", "2", Provides: ["oldname = 2"], Obsoletes: ["oldname < 2"]),
        new("oldname", "1"),
        new("needsvirt", "1", Requires: ["virt"]),
        new("virtprov", "1", Provides: ["virt"]),
        new("rich", "1", Requires: ["(libfoo >= 2 or extra)"]),
        new("scripty", "1", PreRequires: ["extra"]),
        new("epoched", "1.0", Epoch: 3),
        new("ppconly", "1", "ppc64le"),
    ];

    /// <summary>Writes one package into <paramref name="dir"/>; returns its path.</summary>
    public static string WriteRpm(Pkg p, string dir)
    {
        var root = Path.Combine(dir, ".root-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "usr/share/doc", p.Name));
        File.WriteAllText(Path.Combine(root, "usr/share/doc", p.Name, $"README-{p.Version}"), $"{p.Name} {p.Version}\n");
        var deps = new Dictionary<string, List<Dependency>>(StringComparer.Ordinal);
        void Add(string kind, string[]? list, DependencyFlags extra = 0)
        {
            if (list is null)
                return;
            foreach (var d in list)
            {
                var dep = Dependency.Parse(d);
                (deps.TryGetValue(kind, out var l) ? l : deps[kind] = []).Add(dep with { Flags = dep.Flags | extra });
            }
        }
        Add("requires", p.Requires);
        Add("requires", p.PreRequires, DependencyFlags.ScriptPre);
        Add("provides", p.Provides);
        Add("recommends", p.Recommends);
        Add("conflicts", p.Conflicts);
        Add("obsoletes", p.Obsoletes);
        var spec = new PackageSpec
        {
            Name = p.Name,
            Version = p.Version,
            Release = "1",
            Epoch = p.Epoch,
            Arch = p.Arch,
            Summary = $"{p.Name} for the solver tests",
            License = "MIT",
            BuildTime = 1_700_000_000,
            Dependencies = deps,
        };
        var path = RpmWriter.Write(spec, root, dir);
        Directory.Delete(root, true);
        return path;
    }

    /// <summary>A repository of <paramref name="pkgs"/> (default: <see cref="Default"/>) in <paramref name="dir"/>.</summary>
    public static string Create(string dir, IEnumerable<Pkg>? pkgs = null)
    {
        Directory.CreateDirectory(dir);
        foreach (var p in pkgs ?? Default)
            WriteRpm(p, dir);
        RepoWriter.Create(dir, timestamp: 1_700_000_000);
        return dir;
    }
}
