// The treefile `arbor compose tree` builds from: Load reads the top file, follows include,
// arch-include and conditional-include depth first (rpm-ostree's treefile_parse_recurse), merges
// each included file into its includer (TreefileMerge), substitutes ${variables} where rpm-ostree
// does, and exposes the result as typed properties with rpm-ostree's defaults. ToJson prints it
// as `rpm-ostree compose tree --print-only` does; Repos reads the .repo files next to it.
using System.Security.Cryptography;
using System.Text;
using Arbor.Native;
using Arbor.Rpm.Repodata;

namespace Arbor.Compose.Treefile;

/// <summary>A fully expanded treefile (all includes merged, variables substituted).</summary>
public sealed class Treefile
{
    private const int IncludeMaxDepth = 50;
    internal readonly TreefileConfig Config;

    private Treefile(TreefileConfig config, string path, string basearch)
    {
        Config = config;
        Basearch = basearch;
        Path = path;
        Directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
    }

    /// <summary>Reads the treefile at <paramref name="path"/> and everything it includes.</summary>
    /// <param name="path">The treefile: YAML when the name ends in .yaml or .yml, a kickstart when it ends in .ks, JSON otherwise.</param>
    /// <param name="basearch">The base architecture composed for ($basearch: x86_64, aarch64, ...).</param>
    /// <exception cref="FormatException">A file is malformed, a key unknown or of the wrong shape, an include repeated or a condition invalid; the message names the file, line, column and key.</exception>
    /// <exception cref="FileNotFoundException">The treefile, an included file, a postprocess-script, an add-files source or a check-passwd/check-groups file is missing.</exception>
    public static Treefile Load(string path, string basearch)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(basearch);
        var seen = new Dictionary<(ulong, ulong), string>();
        var variables = new SortedDictionary<string, TreefileVariable>(StringComparer.Ordinal);
        var config = Recurse(path, basearch, 0, seen, variables, includedBy: null);
        config.Variables = variables.Count > 0 ? variables : null;
        Substitute(config);
        return new Treefile(config, path, basearch);
    }

    private static TreefileConfig Recurse(string path, string basearch, int depth, Dictionary<(ulong, ulong), string> seen,
        SortedDictionary<string, TreefileVariable> variables, string? includedBy)
    {
        (ulong, ulong) identity;
        try
        {
            using var handle = File.OpenHandle(path);
            var st = LibC.FStat(handle);
            identity = (st.Device, st.Inode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // .NET's message repeats the path; the reason alone reads as the OS says it.
            string why = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
                UnauthorizedAccessException => "Permission denied",
                _ => e.Message,
            };
            throw new FileNotFoundException(includedBy is null ? $"{path}: cannot open treefile: {why}" : $"{includedBy}: cannot open treefile {path}: {why}", path, e);
        }
        if (!seen.TryAdd(identity, path))
            throw new FormatException($"{includedBy}: include loop detected: {path} was already included (as {seen[identity]})");

        string dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        if (KickstartReader.IsKickstartName(path))
        {
            var ks = KickstartReader.Read(path);
            ks.FinalizeD = FinalizeScripts(dir);
            return ks;
        }
        var root = TreefileNode.Load(path);
        var config = TreefileParser.Parse(root, basearch, dir);
        config.FinalizeD = FinalizeScripts(dir);

        var includes = new List<(string File, TreefileNode Where)>();
        if (config.Include != null)
            includes.AddRange(config.Include.Select(i => (i, config.KeyNodes["include"])));
        config.Include = null;
        // Variables already known (from the files that included this one) win over this file's.
        if (config.Variables != null)
        {
            foreach (var (k, v) in config.Variables)
                variables.TryAdd(k, v);
            config.Variables = null;
        }
        if (config.ArchInclude != null && config.ArchInclude.TryGetValue(basearch, out var archIncludes))
            includes.AddRange(archIncludes.Select(i => (i, config.KeyNodes["arch-include"])));
        config.ArchInclude = null;
        if (config.ConditionalInclude != null)
        {
            foreach (var ci in config.ConditionalInclude)
            {
                // Every condition is evaluated, so a type error is reported even after a false one.
                bool matches = true;
                foreach (var cond in ci.Conditions)
                    matches &= cond.Evaluate(variables, ci.Node);
                if (!matches)
                    continue;
                if (ci.Inline != null)
                    TreefileMerge.Merge(config, ci.Inline);
                else
                    includes.AddRange(ci.Files!.Select(f => (f, ci.Node)));
            }
            config.ConditionalInclude = null;
        }
        foreach (var (file, where) in includes)
        {
            if (depth == IncludeMaxDepth)
                throw new FormatException($"{where.Where}: 'include' reached the maximum include depth {IncludeMaxDepth}");
            string child = System.IO.Path.Combine(dir, file);
            var included = Recurse(child, basearch, depth + 1, seen, variables, $"{where.Where}: 'include' {file}");
            TreefileMerge.Merge(config, included);
        }
        return config;
    }

    // rpm-ostree's "associated directory": regular files with the owner's execute bit in
    // finalize.d beside the treefile (symlinks and others are skipped, as rpm-ostree skips them).
    private static SortedDictionary<string, string>? FinalizeScripts(string dir)
    {
        string d = System.IO.Path.Combine(dir, "finalize.d");
        if (!System.IO.Directory.Exists(d))
            return null;
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in new DirectoryInfo(d).EnumerateFiles())
        {
            if (f.LinkTarget == null && (f.UnixFileMode & UnixFileMode.UserExecute) != 0)
                result[f.Name] = f.FullName;
        }
        return result;
    }

    // rpm-ostree substitutes ${var} (envsubst: only the braced form, unknown names left as they
    // are) in ref, the string values of metadata and add-commit-metadata,
    // automatic-version-prefix, mutate-os-release and platform-module.
    private static void Substitute(TreefileConfig c)
    {
        var vars = (c.Variables ?? new SortedDictionary<string, TreefileVariable>(StringComparer.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
        foreach (var (k, v) in vars)
        {
            foreach (var (what, s) in new[] { ("name", k), ("value", v) })
            {
                int bad = s.AsSpan().IndexOfAny("${}");
                if (bad >= 0)
                    throw new FormatException($"{c.KeyNodes.GetValueOrDefault("variables")?.Where ?? "treefile"}: 'variables' {what} '{s}' contains forbidden character '{s[bad]}'");
            }
        }
        string? Sub(string? s)
        {
            if (s == null)
                return null;
            int open = s.IndexOf("${", StringComparison.Ordinal), close = s.IndexOf('}', StringComparison.Ordinal);
            if (open < 0 || close < 0 || open > close)
                return s;
            foreach (var (k, v) in vars)
                s = s.Replace("${" + k + "}", v, StringComparison.Ordinal);
            return s;
        }
        void SubMap(SortedDictionary<string, TreefileValue>? map)
        {
            if (map == null)
                return;
            foreach (var k in map.Keys.ToList())
            {
                if (map[k].Kind == TreefileValueKind.String)
                    map[k] = TreefileValue.FromString(Sub(map[k].Text)!);
            }
        }
        c.Ref = Sub(c.Ref);
        SubMap(c.Metadata);
        SubMap(c.AddCommitMetadata);
        c.AutomaticVersionPrefix = Sub(c.AutomaticVersionPrefix);
        c.MutateOsRelease = Sub(c.MutateOsRelease);
        c.PlatformModule = Sub(c.PlatformModule);
    }

    /// <summary>The top-level treefile as given to <see cref="Load"/>.</summary>
    public string Path { get; }
    /// <summary>Its directory (absolute): where the .repo files are looked for.</summary>
    public string Directory { get; }

    /// <summary>edition (default 2014).</summary>
    public TreefileEdition Edition => Config.Edition ?? TreefileEdition.Edition2014;
    /// <summary>ref: the branch to commit to, variables substituted; null when no file sets it (compose then needs one).</summary>
    public string? Ref => Config.Ref;
    /// <summary>The base architecture composed for.</summary>
    public string Basearch { get; }
    /// <summary>packages plus packages-$basearch and bootstrap-packages: whitespace-split, sorted and unique.</summary>
    public IReadOnlyList<string> Packages => [.. Config.Packages ?? []];
    /// <summary>repo-packages, collapsed so each package comes from the last entry naming it.</summary>
    public IReadOnlyList<RepoPackages> RepoPackages => Config.RepoPackages ?? [];
    /// <summary>exclude-packages.</summary>
    public IReadOnlyList<string> ExcludePackages => Config.ExcludePackages ?? [];
    /// <summary>repos: repository ids to enable; null when no file sets it (all repos enabled in the .repo files are used).</summary>
    public IReadOnlyList<string>? Repos => Config.Repos;
    /// <summary>lockfile-repos.</summary>
    public IReadOnlyList<string> LockfileRepos => Config.LockfileRepos ?? [];
    /// <summary>releasever (a string or a number); null when unset.</summary>
    public TreefileVariable? Releasever => Config.Releasever;
    /// <summary>All variables: basearch, releasever and every file's variables (an includer's win).</summary>
    public IReadOnlyDictionary<string, TreefileVariable> Variables => Config.Variables ?? new SortedDictionary<string, TreefileVariable>(StringComparer.Ordinal);
    /// <summary>repovars: extra $variables for the .repo files.</summary>
    public IReadOnlyDictionary<string, string> Repovars => Config.Repovars ?? new SortedDictionary<string, string>(StringComparer.Ordinal);
    /// <summary>postprocess: inline scripts in run order (included files' first, a later include's before an earlier one's).</summary>
    public IReadOnlyList<string> Postprocess => Config.Postprocess ?? [];
    /// <summary>postprocess-script (run after all <see cref="Postprocess"/>); null when unset.</summary>
    public PostprocessScript? PostprocessScript => Config.PostprocessScript;
    /// <summary>add-files, sources resolved and checked.</summary>
    public IReadOnlyList<AddFile> AddFiles => Config.AddFiles ?? [];
    /// <summary>remove-files.</summary>
    public IReadOnlyList<string> RemoveFiles => Config.RemoveFiles ?? [];
    /// <summary>remove-from-packages: each entry is [package, regex, regex, ...].</summary>
    public IReadOnlyList<IReadOnlyList<string>> RemoveFromPackages => Config.RemoveFromPackages ?? [];
    /// <summary>units: systemd units to enable.</summary>
    public IReadOnlyList<string> Units => Config.Units ?? [];
    /// <summary>default-target; null when unset.</summary>
    public string? DefaultTarget => Config.DefaultTarget;
    /// <summary>add-commit-metadata (string values substituted).</summary>
    public IReadOnlyDictionary<string, TreefileValue> AddCommitMetadata => Config.AddCommitMetadata ?? new SortedDictionary<string, TreefileValue>(StringComparer.Ordinal);
    /// <summary>metadata: free-form data for other tools (string values substituted).</summary>
    public IReadOnlyDictionary<string, TreefileValue> Metadata => Config.Metadata ?? new SortedDictionary<string, TreefileValue>(StringComparer.Ordinal);
    /// <summary>automatic-version-prefix (substituted); null when unset.</summary>
    public string? AutomaticVersionPrefix => Config.AutomaticVersionPrefix;
    /// <summary>automatic-version-suffix (default ".").</summary>
    public char AutomaticVersionSuffix => Config.AutomaticVersionSuffix is { } s ? s[0] : '.';
    /// <summary>mutate-os-release (substituted); null when unset.</summary>
    public string? MutateOsRelease => Config.MutateOsRelease;
    /// <summary>recommends (default true).</summary>
    public bool Recommends => Config.Recommends ?? true;
    /// <summary>documentation (default true).</summary>
    public bool Documentation => Config.Documentation ?? true;
    /// <summary>install-langs; empty means all.</summary>
    public IReadOnlyList<string> InstallLangs => Config.InstallLangs ?? [];
    /// <summary>preserve-passwd (default true; false for containers).</summary>
    public bool PreservePasswd => Config.PreservePasswd ?? true;
    /// <summary>check-passwd (default: previous).</summary>
    public PasswdCheck CheckPasswd => Config.CheckPasswd ?? PasswdCheck.Previous;
    /// <summary>check-groups (default: previous).</summary>
    public PasswdCheck CheckGroups => Config.CheckGroups ?? PasswdCheck.Previous;
    /// <summary>etc-group-members: groups kept in /etc/group.</summary>
    public IReadOnlyList<string> EtcGroupMembers => Config.EtcGroupMembers ?? [];
    /// <summary>ignore-removed-users (sorted; "*" means all).</summary>
    public IReadOnlyList<string> IgnoreRemovedUsers => [.. Config.IgnoreRemovedUsers ?? []];
    /// <summary>ignore-removed-groups (sorted; "*" means all).</summary>
    public IReadOnlyList<string> IgnoreRemovedGroups => [.. Config.IgnoreRemovedGroups ?? []];
    /// <summary>container (default false): no kernel, initramfs or /boot handling.</summary>
    public bool Container => Config.Container ?? false;
    /// <summary>container-cmd.</summary>
    public IReadOnlyList<string> ContainerCmd => Config.ContainerCmd ?? [];
    /// <summary>tmp-is-dir (default false; true in edition 2024 and for containers).</summary>
    public bool TmpIsDir => Config.TmpIsDir ?? false;
    /// <summary>machineid-compat (default true).</summary>
    public bool MachineidCompat => Config.MachineidCompat ?? true;
    /// <summary>selinux (default true; false for containers).</summary>
    public bool Selinux => Config.Selinux ?? true;
    /// <summary>selinux-label-version (0 or 1, default 0).</summary>
    public uint SelinuxLabelVersion => Config.SelinuxLabelVersion ?? 0;
    /// <summary>ignore-devices (default true).</summary>
    public bool IgnoreDevices => Config.IgnoreDevices ?? true;
    /// <summary>ima (default false).</summary>
    public bool Ima => Config.Ima ?? false;
    /// <summary>boot-location (default new; modules in edition 2024 and for containers).</summary>
    public BootLocation BootLocation => Config.BootLocation ?? BootLocation.New;
    /// <summary>initramfs-args (deprecated).</summary>
    public IReadOnlyList<string> InitramfsArgs => Config.InitramfsArgs ?? [];
    /// <summary>no-initramfs (default false).</summary>
    public bool NoInitramfs => Config.NoInitramfs ?? false;
    /// <summary>readonly-executables (default false).</summary>
    public bool ReadonlyExecutables => Config.ReadonlyExecutables ?? false;
    /// <summary>rpmdb (default target; the legacy bdb, ndb and sqlite mean target).</summary>
    public RpmdbLocation Rpmdb => Config.Rpmdb == "host" ? RpmdbLocation.Host : RpmdbLocation.Target;
    /// <summary>rpmdb-normalize (default false).</summary>
    public bool RpmdbNormalize => Config.RpmdbNormalize ?? false;
    /// <summary>gpg-key; null when unset.</summary>
    public string? GpgKey => Config.GpgKey;
    /// <summary>cliwrap (default false).</summary>
    public bool Cliwrap => Config.Cliwrap ?? false;
    /// <summary>cliwrap-binaries.</summary>
    public IReadOnlyList<string> CliwrapBinaries => Config.CliwrapBinaries ?? [];
    /// <summary>sysusers (default compose-auto).</summary>
    public SysusersMode Sysusers => Config.Sysusers ?? SysusersMode.ComposeAuto;
    /// <summary>opt-usrlocal (default var).</summary>
    public OptUsrLocal OptUsrLocal => Config.OptUsrLocal ?? OptUsrLocal.Var;
    /// <summary>repo-metadata (default inline).</summary>
    public MetadataTarget RepoMetadata => Config.RepoMetadata ?? MetadataTarget.Inline;
    /// <summary>advisories-metadata (default inline).</summary>
    public MetadataTarget AdvisoriesMetadata => Config.AdvisoriesMetadata ?? MetadataTarget.Inline;
    /// <summary>ostree-layers: refs checked out over the packages.</summary>
    public IReadOnlyList<string> OstreeLayers => Config.OstreeLayers ?? [];
    /// <summary>ostree-override-layers.</summary>
    public IReadOnlyList<string> OstreeOverrideLayers => Config.OstreeOverrideLayers ?? [];
    /// <summary>platform-module (substituted); null when unset.</summary>
    public string? PlatformModule => Config.PlatformModule;

    /// <summary>finalize.d scripts (executables beside the treefile or any included one; an included file's replace same-named ones), in the order they run.</summary>
    public IReadOnlyList<(string Name, string Path)> FinalizeD => Config.FinalizeD?.Select(kv => (kv.Key, kv.Value)).ToList() ?? [];

    /// <summary>The version for a new commit given the previous commit's, from automatic-version-prefix; null when the treefile has no prefix.</summary>
    /// <param name="previousVersion">The previous commit's version metadata, or null.</param>
    /// <param name="now">The time &lt;date:...&gt; tags expand with.</param>
    public string? NextVersion(string? previousVersion, DateTimeOffset now) =>
        Config.AutomaticVersionPrefix is { } prefix ? AutomaticVersion.Next(prefix, Config.AutomaticVersionSuffix, previousVersion, now) : null;

    /// <summary>The expanded treefile as canonical JSON, byte for byte what <c>rpm-ostree compose tree --print-only</c> prints (no trailing newline).</summary>
    public string ToJson() => Encoding.UTF8.GetString(TreefileJson.Write(Config, indented: true, forHash: false));

    /// <summary>
    /// Feeds the treefile's part of the compose input hash to <paramref name="hasher"/> (SHA-256 in
    /// rpm-ostree), as rpm-ostree's Treefile::get_checksum does before the layers: the compact JSON
    /// of the expanded treefile without ostree-layers and metadata, then the contents of the
    /// postprocess-script, the check-passwd and check-groups files, and the add-files sources in
    /// order of their source names. The caller then adds the content checksum of each
    /// ostree-layers and ostree-override-layers commit.
    /// </summary>
    public void AppendInputHash(IncrementalHash hasher)
    {
        ArgumentNullException.ThrowIfNull(hasher);
        hasher.AppendData(TreefileJson.Write(Config, indented: false, forHash: true));
        if (PostprocessScript is { } script)
            hasher.AppendData(File.ReadAllBytes(script.Path));
        if (CheckPasswd.FilePath is { } passwd)
            hasher.AppendData(File.ReadAllBytes(passwd));
        if (CheckGroups.FilePath is { } group)
            hasher.AppendData(File.ReadAllBytes(group));
        var sources = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in AddFiles)
            sources.TryAdd(f.Source, f.SourcePath);
        foreach (var path in sources.Values)
            hasher.AppendData(File.ReadAllBytes(path));
    }

    /// <summary>
    /// The repositories to compose from: every *.repo file in <see cref="Directory"/> (never
    /// /etc/yum.repos.d) read with $basearch, $releasever and repovars; then those named in
    /// <see cref="Repos"/>, in that order and enabled whatever the file says, or every enabled one
    /// when repos is unset.
    /// </summary>
    /// <exception cref="FormatException">A .repo file is malformed, or a named repo is defined in none of them.</exception>
    public IReadOnlyList<RepoConfig> LoadRepos() => ResolveRepos(Config.Repos, "repos");

    /// <summary>The treefile's repositories and, after them, those named in <paramref name="more"/> (found as <see cref="LoadRepos()"/> finds them).</summary>
    public IReadOnlyList<RepoConfig> LoadRepos(IReadOnlyList<string> more)
    {
        ArgumentNullException.ThrowIfNull(more);
        if (more.Count == 0)
            return LoadRepos();
        var names = (Config.Repos ?? [.. LoadRepos().Select(r => r.Id)]).ToList();
        names.AddRange(more.Where(m => !names.Contains(m)));
        return ResolveRepos(names, "repos");
    }

    /// <summary>The lockfile-repos, found as <see cref="LoadRepos()"/> finds repos.</summary>
    public IReadOnlyList<RepoConfig> LoadLockfileRepos() => ResolveRepos(Config.LockfileRepos ?? [], "lockfile-repos");

    private List<RepoConfig> ResolveRepos(List<string>? names, string key)
    {
        var vars = RepoConfig.Variables(Releasever?.ToString());
        vars["basearch"] = Basearch;
        foreach (var (k, v) in Repovars)
            vars[k] = v;
        var defined = new Dictionary<string, RepoConfig>(StringComparer.Ordinal);
        var order = new List<RepoConfig>();
        foreach (string file in System.IO.Directory.GetFiles(Directory, "*.repo").Order(StringComparer.Ordinal))
        {
            foreach (var repo in RepoConfig.ParseFile(file, vars))
            {
                if (defined.TryAdd(repo.Id, repo))
                    order.Add(repo);
            }
        }
        if (names == null)
            return order.Where(r => r.Enabled).ToList();
        var result = new List<RepoConfig>();
        foreach (string name in names)
        {
            if (!defined.TryGetValue(name, out var repo))
            {
                string where = Config.KeyNodes.TryGetValue(key, out var n) ? n.Where : Path;
                throw new FormatException($"{where}: '{key}' names unknown rpm-md repository '{name}': no [{name}] in any .repo file in {Directory}");
            }
            if (result.Any(r => r.Id == name))
                continue;
            result.Add(new RepoConfig
            {
                Id = repo.Id,
                Name = repo.Name,
                BaseUrls = repo.BaseUrls,
                MirrorList = repo.MirrorList,
                Metalink = repo.Metalink,
                UrlVariables = repo.UrlVariables,
                Enabled = true,
                GpgCheck = repo.GpgCheck,
                GpgKeys = repo.GpgKeys,
                MetadataExpire = repo.MetadataExpire,
            });
        }
        return result;
    }
}
