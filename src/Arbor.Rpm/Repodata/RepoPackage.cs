// One package as rpm-md describes it: what primary.xml (identity, checksum, sizes, location,
// dependencies), filelists.xml (every file) and other.xml (changelog) say about it. The writer
// builds these from RPM headers (FromRpm, applying createrepo_c's rules: no rpmlib() deps, no
// duplicate deps, no requires the package satisfies itself); the reader builds them from XML.
// Both sides produce the same values, so package sets can be compared field by field.
using System.Globalization;
using Arbor.Rpm.Package;
using Arbor.Rpm.Version;

namespace Arbor.Rpm.Repodata;

/// <summary>A dependency entry of rpm-md (<c>rpm:entry</c>): name, flags (EQ, GE…), split EVR, pre.</summary>
public sealed record RepoDependency(string Name, string? Flags, string? Epoch, string? Ver, string? Rel, bool Pre)
{
    /// <summary>The dependency in rpm's form (flags bits and an "[E:]V[-R]" string).</summary>
    public Dependency ToDependency()
    {
        var sense = Flags switch
        {
            "LT" => DependencyFlags.Less,
            "LE" => DependencyFlags.Less | DependencyFlags.Equal,
            "EQ" => DependencyFlags.Equal,
            "GE" => DependencyFlags.Greater | DependencyFlags.Equal,
            "GT" => DependencyFlags.Greater,
            _ => DependencyFlags.Any,
        };
        if (Pre)
            sense |= DependencyFlags.ScriptPre;
        return new Dependency(Name, sense, Ver == null ? "" : new Evr(Epoch, Ver, Rel).ToString());
    }

    /// <summary>Formats like dnf repoquery: "name op [E:]V[-R]".</summary>
    public override string ToString() => ToDependency().ToString() + (Pre ? " (pre)" : "");

    /// <summary>Maps rpm's sense bits to the rpm-md flags word (null when unversioned).</summary>
    public static string? FlagsWord(DependencyFlags f) => (f & DependencyFlags.SenseMask) switch
    {
        DependencyFlags.Less => "LT",
        DependencyFlags.Less | DependencyFlags.Equal => "LE",
        DependencyFlags.Equal => "EQ",
        DependencyFlags.Greater | DependencyFlags.Equal => "GE",
        DependencyFlags.Greater => "GT",
        _ => null,
    };
}

/// <summary>A file entry of rpm-md: the path and its kind ("file", "dir" or "ghost").</summary>
public sealed record RepoFile(string Path, string Type);

/// <summary>A changelog entry of other.xml.</summary>
public sealed record RepoChangelog(string Author, long Date, string Text);

/// <summary>One package of an rpm-md repository.</summary>
public sealed class RepoPackage
{
    /// <summary>The dependency kinds rpm-md carries, in the order primary.xml writes them.</summary>
    public static readonly IReadOnlyList<string> DependencyKinds =
        ["provides", "requires", "conflicts", "obsoletes", "suggests", "enhances", "recommends", "supplements"];

    /// <summary>Name.</summary>
    public string Name { get; set; } = "";
    /// <summary>Architecture.</summary>
    public string Arch { get; set; } = "";
    /// <summary>Epoch as written ("0" when the package has none).</summary>
    public string Epoch { get; set; } = "0";
    /// <summary>Version.</summary>
    public string Version { get; set; } = "";
    /// <summary>Release.</summary>
    public string Release { get; set; } = "";
    /// <summary>The package checksum (the pkgid), lower-case hex.</summary>
    public string Checksum { get; set; } = "";
    /// <summary>The checksum's algorithm ("sha256", …).</summary>
    public string ChecksumType { get; set; } = "sha256";
    /// <summary>Summary.</summary>
    public string Summary { get; set; } = "";
    /// <summary>Description.</summary>
    public string Description { get; set; } = "";
    /// <summary>Packager.</summary>
    public string Packager { get; set; } = "";
    /// <summary>URL.</summary>
    public string Url { get; set; } = "";
    /// <summary>File mtime (seconds).</summary>
    public long FileTime { get; set; }
    /// <summary>Build time (seconds).</summary>
    public long BuildTime { get; set; }
    /// <summary>Size of the RPM file.</summary>
    public long PackageSize { get; set; }
    /// <summary>Installed size.</summary>
    public long InstalledSize { get; set; }
    /// <summary>Uncompressed payload size.</summary>
    public long ArchiveSize { get; set; }
    /// <summary>Location relative to the repository (or to <see cref="LocationBase"/>).</summary>
    public string Location { get; set; } = "";
    /// <summary>xml:base of the location, when the package lives elsewhere.</summary>
    public string? LocationBase { get; set; }
    /// <summary>License.</summary>
    public string License { get; set; } = "";
    /// <summary>Vendor.</summary>
    public string Vendor { get; set; } = "";
    /// <summary>Group.</summary>
    public string Group { get; set; } = "";
    /// <summary>Build host.</summary>
    public string BuildHost { get; set; } = "";
    /// <summary>Source RPM.</summary>
    public string SourceRpm { get; set; } = "";
    /// <summary>Byte offset of the main header in the file.</summary>
    public long HeaderStart { get; set; }
    /// <summary>Byte offset where the payload starts.</summary>
    public long HeaderEnd { get; set; }
    /// <summary>Dependencies by kind (see <see cref="DependencyKinds"/>); absent kinds have no key.</summary>
    public Dictionary<string, List<RepoDependency>> Dependencies { get; } = new(StringComparer.Ordinal);
    /// <summary>Files: every file once filelists.xml was read, else primary's subset.</summary>
    public List<RepoFile> Files { get; set; } = [];
    /// <summary>Changelog (from other.xml).</summary>
    public List<RepoChangelog> Changelog { get; } = [];

    /// <summary>name-[epoch:]version-release.arch (epoch shown only when not 0), as dnf prints it.</summary>
    public string Nevra => $"{Name}-{(Epoch is "0" or "" ? "" : Epoch + ":")}{Version}-{Release}.{Arch}";

    /// <summary>The package's EVR.</summary>
    public Evr Evr => new(Epoch, Version, Release);

    /// <summary>The file name of <see cref="Location"/>.</summary>
    public string FileName => System.IO.Path.GetFileName(Location);

    /// <summary>createrepo_c's primary.xml file filter: /etc/*, *bin/*, /usr/lib/sendmail.</summary>
    public static bool IsPrimaryFile(string path) =>
        path.StartsWith("/etc/", StringComparison.Ordinal) || path.Contains("bin/", StringComparison.Ordinal) || path == "/usr/lib/sendmail";

    /// <summary>Describes an opened RPM as rpm-md would, given its location, checksum, file size and mtime.</summary>
    public static RepoPackage FromRpm(RpmPackage pkg, string location, string sha256, long fileSize, long mtime)
    {
        ArgumentNullException.ThrowIfNull(pkg);
        var p = pkg.Info;
        var r = new RepoPackage
        {
            Name = p.Name,
            Arch = p.Arch,
            Epoch = (p.Epoch ?? 0).ToString(CultureInfo.InvariantCulture),
            Version = p.Version,
            Release = p.Release,
            Checksum = sha256,
            Summary = p.Summary,
            Description = p.Description,
            Packager = p.Packager,
            Url = p.Url,
            FileTime = mtime,
            BuildTime = p.BuildTime,
            PackageSize = fileSize,
            InstalledSize = p.Size,
            ArchiveSize = pkg.Signature.Get(Header.SigTag.PayloadSize)?.AsIntegers().FirstOrDefault()
                ?? pkg.Signature.Get(Header.SigTag.LongArchiveSize)?.AsIntegers().FirstOrDefault() ?? 0,
            Location = location,
            License = p.License,
            Vendor = p.Vendor,
            Group = p.Group,
            BuildHost = p.BuildHost,
            SourceRpm = p.SourceRpm,
            HeaderStart = pkg.PayloadOffset - pkg.Header.Raw.Length,
            HeaderEnd = pkg.PayloadOffset,
        };
        var provides = p.Dependencies["provides"];
        var ownFiles = p.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        const DependencyFlags preMask = DependencyFlags.PreReq | DependencyFlags.ScriptPre | DependencyFlags.ScriptPost |
            DependencyFlags.PreTrans | DependencyFlags.PostTrans;
        foreach (var kind in DependencyKinds)
        {
            // createrepo_c drops a dependency equal to the last kept one of the same (name, flags,
            // EVR) unless its pre-ness differs; requires also lose rpmlib() features, the
            // package's own primary files, and what the package provides itself.
            var last = new Dictionary<(string, DependencyFlags, string), bool>();
            var list = new List<RepoDependency>();
            foreach (var d in p.Dependencies[kind])
            {
                bool pre = kind == "requires" && (d.Flags & preMask) != 0;
                var key = (d.Name, d.Sense, d.Version);
                if (last.TryGetValue(key, out bool lastPre) && lastPre == pre)
                    continue;
                if (kind == "requires")
                {
                    if (d.Name.StartsWith("rpmlib(", StringComparison.Ordinal))
                        continue;
                    if (d.Name.StartsWith('/') && ownFiles.Contains(d.Name) && IsPrimaryFile(d.Name))
                        continue;
                    if (provides.Any(pr => pr.Name == d.Name && pr.Sense == d.Sense && pr.Version == d.Version))
                        continue;
                }
                last[key] = pre;
                string? flags = RepoDependency.FlagsWord(d.Sense);
                string? epoch = null, ver = null, rel = null;
                if (flags != null && d.Version.Length > 0)
                {
                    var evr = Evr.Parse(d.Version);
                    (epoch, ver, rel) = (evr.Epoch ?? "0", evr.Version, evr.Release);
                }
                list.Add(new RepoDependency(d.Name, flags, epoch, ver, rel, pre));
            }
            if (list.Count > 0)
                r.Dependencies[kind] = list;
        }
        r.Files = p.Files.Select(f => new RepoFile(f.Path, f.Type == 0x4000 ? "dir" : (f.Flags & FileFlags.Ghost) != 0 ? "ghost" : "file")).ToList();
        // other.xml lists the changelog oldest first, the reverse of the header.
        r.Changelog.AddRange(p.Changelog.AsEnumerable().Reverse().Select(c => new RepoChangelog(c.Author, c.Time, c.Text)));
        return r;
    }
}
