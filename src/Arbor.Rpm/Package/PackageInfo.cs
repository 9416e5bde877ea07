// The typed view of a main header: identity (NEVRA), descriptive fields, the file list rebuilt
// from DIRNAMES/BASENAMES/DIRINDEXES with its parallel per-file arrays, dependencies of every kind,
// scriptlets, triggers and changelog. Built once from an RpmHeader; the CLI prints it, repodata
// writes it. Parallel arrays of the wrong length are reported by tag rather than indexed blindly.
using Arbor.Rpm.Header;
using Arbor.Rpm.Version;

namespace Arbor.Rpm.Package;

/// <summary>rpm's per-file flags (RPMFILE_*).</summary>
[Flags]
public enum FileFlags : uint
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>%config.</summary>
    Config = 1,
    /// <summary>%doc.</summary>
    Doc = 2,
    /// <summary>Icon (unused).</summary>
    Icon = 4,
    /// <summary>%config(missingok).</summary>
    MissingOk = 8,
    /// <summary>%config(noreplace).</summary>
    NoReplace = 16,
    /// <summary>Spec file (source packages).</summary>
    SpecFile = 32,
    /// <summary>%ghost.</summary>
    Ghost = 64,
    /// <summary>%license.</summary>
    License = 128,
    /// <summary>%readme.</summary>
    Readme = 256,
    /// <summary>%pubkey.</summary>
    PubKey = 2048,
    /// <summary>%artifact.</summary>
    Artifact = 4096,
}

/// <summary>One file of a package.</summary>
public sealed record RpmFile(string Path, uint Mode, long Size, string User, string Group, long MTime, string Digest,
    string LinkTo, FileFlags Flags, uint Rdev, uint Inode, uint Device, string Lang, string Caps, uint VerifyFlags)
{
    /// <summary>The file type bits.</summary>
    public uint Type => Mode & 0xF000;
}

/// <summary>A scriptlet: body, interpreter (with arguments) and flags.</summary>
public sealed record Scriptlet(string Name, string Body, IReadOnlyList<string> Interpreter, uint Flags);

/// <summary>A trigger: its kind, the conditions that fire it, and the script.</summary>
public sealed record Trigger(string Kind, IReadOnlyList<Dependency> Conditions, string Body, string Interpreter, uint Flags);

/// <summary>One changelog entry.</summary>
public sealed record ChangelogEntry(long Time, string Author, string Text);

/// <summary>The typed contents of a main header.</summary>
public sealed class PackageInfo
{
    /// <summary>The dependency kinds and their (name, version, flags) tags.</summary>
    public static readonly IReadOnlyList<(string Kind, RpmTag Name, RpmTag Version, RpmTag Flags)> DependencyTags =
    [
        ("requires", RpmTag.RequireName, RpmTag.RequireVersion, RpmTag.RequireFlags),
        ("provides", RpmTag.ProvideName, RpmTag.ProvideVersion, RpmTag.ProvideFlags),
        ("conflicts", RpmTag.ConflictName, RpmTag.ConflictVersion, RpmTag.ConflictFlags),
        ("obsoletes", RpmTag.ObsoleteName, RpmTag.ObsoleteVersion, RpmTag.ObsoleteFlags),
        ("recommends", RpmTag.RecommendName, RpmTag.RecommendVersion, RpmTag.RecommendFlags),
        ("suggests", RpmTag.SuggestName, RpmTag.SuggestVersion, RpmTag.SuggestFlags),
        ("supplements", RpmTag.SupplementName, RpmTag.SupplementVersion, RpmTag.SupplementFlags),
        ("enhances", RpmTag.EnhanceName, RpmTag.EnhanceVersion, RpmTag.EnhanceFlags),
    ];

    /// <summary>The scriptlet kinds and their (body, prog, flags) tags.</summary>
    public static readonly IReadOnlyList<(string Name, RpmTag Body, RpmTag Prog, RpmTag Flags)> ScriptTags =
    [
        ("pretrans", RpmTag.PreTrans, RpmTag.PreTransProg, RpmTag.PreTransFlags),
        ("prein", RpmTag.PreIn, RpmTag.PreInProg, RpmTag.PreInFlags),
        ("postin", RpmTag.PostIn, RpmTag.PostInProg, RpmTag.PostInFlags),
        ("preun", RpmTag.PreUn, RpmTag.PreUnProg, RpmTag.PreUnFlags),
        ("postun", RpmTag.PostUn, RpmTag.PostUnProg, RpmTag.PostUnFlags),
        ("posttrans", RpmTag.PostTrans, RpmTag.PostTransProg, RpmTag.PostTransFlags),
        ("verify", RpmTag.VerifyScript, RpmTag.VerifyScriptProg, RpmTag.VerifyScriptFlags),
    ];

    /// <summary>Reads the typed view out of <paramref name="h"/>.</summary>
    public PackageInfo(RpmHeader h)
    {
        ArgumentNullException.ThrowIfNull(h);
        Header = h;
        Name = h.GetString(RpmTag.Name) ?? throw new RpmFormatException("main header: NAME (1000) is missing");
        Version = h.GetString(RpmTag.Version) ?? throw new RpmFormatException("main header: VERSION (1001) is missing");
        Release = h.GetString(RpmTag.Release) ?? throw new RpmFormatException("main header: RELEASE (1002) is missing");
        Epoch = h.GetInteger(RpmTag.Epoch);
        IsSource = !h.Has(RpmTag.SourceRpm);
        Arch = IsSource ? "src" : h.GetString(RpmTag.Arch) ?? "noarch";
    }

    /// <summary>The header this view was read from.</summary>
    public RpmHeader Header { get; }
    /// <summary>Name.</summary>
    public string Name { get; }
    /// <summary>Epoch, when present.</summary>
    public long? Epoch { get; }
    /// <summary>Version.</summary>
    public string Version { get; }
    /// <summary>Release.</summary>
    public string Release { get; }
    /// <summary>Architecture ("src" for source packages).</summary>
    public string Arch { get; }
    /// <summary>True for a source package.</summary>
    public bool IsSource { get; }
    /// <summary>The EVR.</summary>
    public Evr Evr => new(Epoch?.ToString(System.Globalization.CultureInfo.InvariantCulture), Version, Release);
    /// <summary>name-[epoch:]version-release.arch.</summary>
    public string Nevra => $"{Name}-{(Epoch is long e ? $"{e}:" : "")}{Version}-{Release}.{Arch}";
    /// <summary>Summary.</summary>
    public string Summary => Header.GetString(RpmTag.Summary) ?? "";
    /// <summary>Description.</summary>
    public string Description => Header.GetString(RpmTag.Description) ?? "";
    /// <summary>License.</summary>
    public string License => Header.GetString(RpmTag.License) ?? "";
    /// <summary>Group.</summary>
    public string Group => Header.GetString(RpmTag.Group) ?? "";
    /// <summary>URL.</summary>
    public string Url => Header.GetString(RpmTag.Url) ?? "";
    /// <summary>Vendor.</summary>
    public string Vendor => Header.GetString(RpmTag.Vendor) ?? "";
    /// <summary>Packager.</summary>
    public string Packager => Header.GetString(RpmTag.Packager) ?? "";
    /// <summary>Build host.</summary>
    public string BuildHost => Header.GetString(RpmTag.BuildHost) ?? "";
    /// <summary>Build time (seconds since the epoch).</summary>
    public long BuildTime => Header.GetInteger(RpmTag.BuildTime) ?? 0;
    /// <summary>Source RPM name.</summary>
    public string SourceRpm => Header.GetString(RpmTag.SourceRpm) ?? "";
    /// <summary>Installed size.</summary>
    public long Size => Header.GetInteger(RpmTag.LongSize) ?? Header.GetInteger(RpmTag.Size) ?? 0;
    /// <summary>Payload compressor name ("gzip", "xz", "zstd", …).</summary>
    public string PayloadCompressor => Header.GetString(RpmTag.PayloadCompressor) ?? "gzip";

    // The lists are built on first use: a NEVRA query needs none of them, a file list query one.
    private List<RpmFile>? _files;
    private Dictionary<string, IReadOnlyList<Dependency>>? _dependencies;
    private List<Scriptlet>? _scripts;
    private List<Trigger>? _triggers;
    private List<Trigger>? _transFileTriggers;
    private List<ChangelogEntry>? _changelog;

    /// <summary>The files.</summary>
    public IReadOnlyList<RpmFile> Files => _files ??= ReadFiles(Header);
    /// <summary>Dependencies by kind (requires, provides, conflicts, obsoletes, recommends, suggests, supplements, enhances).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Dependency>> Dependencies => _dependencies ??= ReadAllDeps(Header);
    /// <summary>The scriptlets present.</summary>
    public IReadOnlyList<Scriptlet> Scripts => _scripts ??= ReadScripts(Header);
    /// <summary>Triggers.</summary>
    public IReadOnlyList<Trigger> Triggers => _triggers ??= ReadTriggers(Header, TriggerTags);
    /// <summary>Transaction file triggers (<c>%transfiletrigger*</c>): each condition's name is a path prefix.</summary>
    public IReadOnlyList<Trigger> TransFileTriggers => _transFileTriggers ??= ReadTriggers(Header, TransFileTriggerTags);

    private static readonly (RpmTag Name, RpmTag Version, RpmTag Flags, RpmTag Index, RpmTag Scripts, RpmTag Prog, RpmTag ScriptFlags) TriggerTags =
        (RpmTag.TriggerName, RpmTag.TriggerVersion, RpmTag.TriggerFlags, RpmTag.TriggerIndex, RpmTag.TriggerScripts, RpmTag.TriggerScriptProg, RpmTag.TriggerScriptFlags);
    private static readonly (RpmTag Name, RpmTag Version, RpmTag Flags, RpmTag Index, RpmTag Scripts, RpmTag Prog, RpmTag ScriptFlags) TransFileTriggerTags =
        (RpmTag.TransFileTriggerName, RpmTag.TransFileTriggerVersion, RpmTag.TransFileTriggerFlags, RpmTag.TransFileTriggerIndex,
         RpmTag.TransFileTriggerScripts, RpmTag.TransFileTriggerScriptProg, RpmTag.TransFileTriggerScriptFlags);
    /// <summary>Changelog, newest first as stored.</summary>
    public IReadOnlyList<ChangelogEntry> Changelog => _changelog ??= ReadChangelog(Header);

    private static Dictionary<string, IReadOnlyList<Dependency>> ReadAllDeps(RpmHeader h)
    {
        var all = new Dictionary<string, IReadOnlyList<Dependency>>(DependencyTags.Count, StringComparer.Ordinal);
        foreach (var (kind, n, v, f) in DependencyTags)
            all[kind] = ReadDeps(h, n, v, f);
        return all;
    }

    private static List<Scriptlet> ReadScripts(RpmHeader h)
    {
        var scripts = new List<Scriptlet>();
        foreach (var (name, body, prog, flags) in ScriptTags)
        {
            var b = h.GetString(body);
            var p = h.GetStrings(prog);
            if (b != null || p.Length > 0)
                scripts.Add(new Scriptlet(name, b ?? "", p, (uint)(h.GetInteger(flags) ?? 0)));
        }
        return scripts;
    }

    private static List<ChangelogEntry> ReadChangelog(RpmHeader h)
    {
        var ct = h.GetIntegers(RpmTag.ChangelogTime);
        var cn = h.GetStrings(RpmTag.ChangelogName);
        var cx = h.GetStrings(RpmTag.ChangelogText);
        int n = Math.Min(ct.Length, Math.Min(cn.Length, cx.Length));
        var log = new List<ChangelogEntry>(n);
        for (int i = 0; i < n; i++)
            log.Add(new ChangelogEntry(ct[i], cn[i], cx[i]));
        return log;
    }

    private static T[] Parallel<T>(RpmHeader h, RpmTag tag, int n, Func<RpmHeader, RpmTag, T[]> get, T fallback)
    {
        var v = get(h, tag);
        if (v.Length == 0)
            return Enumerable.Repeat(fallback, n).ToArray();
        if (v.Length != n)
            throw new RpmFormatException($"main header: tag {(int)tag} ({tag}) has {v.Length} values for {n} files");
        return v;
    }

    private static List<RpmFile> ReadFiles(RpmHeader h)
    {
        var baseNames = h.GetStrings(RpmTag.BaseNames);
        string[] paths;
        if (baseNames.Length > 0)
        {
            var dirNames = h.GetStrings(RpmTag.DirNames);
            var dirIndexes = Parallel(h, RpmTag.DirIndexes, baseNames.Length, (x, t) => x.GetIntegers(t), -1L);
            paths = new string[baseNames.Length];
            for (int i = 0; i < paths.Length; i++)
            {
                long di = dirIndexes[i];
                if (di < 0 || di >= dirNames.Length)
                    throw new RpmFormatException($"main header: DIRINDEXES (1116) value {di} for file {i} is outside DIRNAMES ({dirNames.Length} entries)");
                paths[i] = dirNames[di] + baseNames[i];
            }
        }
        else
        {
            paths = h.GetStrings(RpmTag.OldFileNames);
        }
        int n = paths.Length;
        var sizes = h.Has(RpmTag.LongFileSizes)
            ? Parallel(h, RpmTag.LongFileSizes, n, (x, t) => x.GetIntegers(t), 0L)
            : Parallel(h, RpmTag.FileSizes, n, (x, t) => x.GetIntegers(t), 0L);
        var modes = Parallel(h, RpmTag.FileModes, n, (x, t) => x.GetIntegers(t), 0L);
        var users = Parallel(h, RpmTag.FileUserName, n, (x, t) => x.GetStrings(t), "root");
        var groups = Parallel(h, RpmTag.FileGroupName, n, (x, t) => x.GetStrings(t), "root");
        var mtimes = Parallel(h, RpmTag.FileMtimes, n, (x, t) => x.GetIntegers(t), 0L);
        var digests = Parallel(h, RpmTag.FileDigests, n, (x, t) => x.GetStrings(t), "");
        var links = Parallel(h, RpmTag.FileLinkTos, n, (x, t) => x.GetStrings(t), "");
        var flags = Parallel(h, RpmTag.FileFlags, n, (x, t) => x.GetIntegers(t), 0L);
        var rdevs = Parallel(h, RpmTag.FileRdevs, n, (x, t) => x.GetIntegers(t), 0L);
        var inodes = Parallel(h, RpmTag.FileInodes, n, (x, t) => x.GetIntegers(t), 0L);
        var devices = Parallel(h, RpmTag.FileDevices, n, (x, t) => x.GetIntegers(t), 0L);
        var langs = Parallel(h, RpmTag.FileLangs, n, (x, t) => x.GetStrings(t), "");
        var caps = Parallel(h, RpmTag.FileCaps, n, (x, t) => x.GetStrings(t), "");
        var verify = Parallel(h, RpmTag.FileVerifyFlags, n, (x, t) => x.GetIntegers(t), 0L);
        var files = new List<RpmFile>(n);
        for (int i = 0; i < n; i++)
            files.Add(new RpmFile(paths[i], (uint)modes[i], sizes[i], users[i], groups[i], mtimes[i], digests[i], links[i],
                (FileFlags)flags[i], (uint)rdevs[i], (uint)inodes[i], (uint)devices[i], langs[i], caps[i], (uint)verify[i]));
        return files;
    }

    private static List<Dependency> ReadDeps(RpmHeader h, RpmTag nameTag, RpmTag versionTag, RpmTag flagsTag)
    {
        var names = h.GetStrings(nameTag);
        var versions = Parallel(h, versionTag, names.Length, (x, t) => x.GetStrings(t), "");
        var flags = Parallel(h, flagsTag, names.Length, (x, t) => x.GetIntegers(t), 0L);
        var deps = new List<Dependency>(names.Length);
        for (int i = 0; i < names.Length; i++)
            deps.Add(new Dependency(names[i], (DependencyFlags)(uint)flags[i], versions[i]));
        return deps;
    }

    private static List<Trigger> ReadTriggers(RpmHeader h,
        (RpmTag Name, RpmTag Version, RpmTag Flags, RpmTag Index, RpmTag Scripts, RpmTag Prog, RpmTag ScriptFlags) tags)
    {
        var names = h.GetStrings(tags.Name);
        var result = new List<Trigger>();
        if (names.Length == 0)
            return result;
        var versions = Parallel(h, tags.Version, names.Length, (x, t) => x.GetStrings(t), "");
        var flags = Parallel(h, tags.Flags, names.Length, (x, t) => x.GetIntegers(t), 0L);
        var index = Parallel(h, tags.Index, names.Length, (x, t) => x.GetIntegers(t), 0L);
        var scripts = h.GetStrings(tags.Scripts);
        var progs = Parallel(h, tags.Prog, scripts.Length, (x, t) => x.GetStrings(t), "/bin/sh");
        var sflags = Parallel(h, tags.ScriptFlags, scripts.Length, (x, t) => x.GetIntegers(t), 0L);
        for (int s = 0; s < scripts.Length; s++)
        {
            var conds = new List<Dependency>();
            string kind = "";
            for (int i = 0; i < names.Length; i++)
            {
                if (index[i] != s)
                    continue;
                var f = (DependencyFlags)(uint)flags[i];
                conds.Add(new Dependency(names[i], f & DependencyFlags.SenseMask, versions[i]));
                kind = (f & DependencyFlags.TriggerPreIn) != 0 ? "triggerprein"
                    : (f & DependencyFlags.TriggerIn) != 0 ? "triggerin"
                    : (f & DependencyFlags.TriggerUn) != 0 ? "triggerun"
                    : (f & DependencyFlags.TriggerPostUn) != 0 ? "triggerpostun" : "trigger";
            }
            result.Add(new Trigger(kind, conds, scripts[s], progs[s], (uint)sflags[s]));
        }
        return result;
    }
}
