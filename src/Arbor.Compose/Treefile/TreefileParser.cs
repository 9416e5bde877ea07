// Reads one treefile's mapping into a TreefileConfig, key by key, so an unknown key or a value of
// the wrong shape is an error naming the file, line, column and key. Then the per-file rules
// rpm-ostree applies before any merging (treefile.rs treefile_parse_stream): packages and
// packages-$basearch are whitespace-split ('quoted' entries kept whole), container implies its
// other settings, edition 2024 changes two defaults, legacy underscore spellings are folded in.
// Paths (postprocess-script, add-files, check-* files) are resolved against the file's directory.
using System.Globalization;

namespace Arbor.Compose.Treefile;

/// <summary>Parses single treefiles.</summary>
internal static class TreefileParser
{
    private static readonly Dictionary<string, string> LegacyKeys = new(StringComparer.Ordinal)
    {
        ["gpg_key"] = "gpg-key",
        ["boot_location"] = "boot-location",
        ["default_target"] = "default-target",
        ["automatic_version_prefix"] = "automatic-version-prefix",
    };

    /// <summary>Parses <paramref name="root"/> (the file's mapping) with the per-file rules applied.</summary>
    /// <param name="root">The file's root mapping.</param>
    /// <param name="basearch">The compose's base architecture.</param>
    /// <param name="directory">The directory relative paths in this file are resolved against; null for an inline treefile, which may not name files.</param>
    public static TreefileConfig Parse(TreefileNode root, string basearch, string? directory)
    {
        var c = new TreefileConfig();
        var archful = new List<(TreefileNode, string)>();
        foreach (var (keyNode, value) in root.Mapping!)
        {
            if (!keyNode.IsScalar)
                throw new FormatException($"{keyNode.Where}: a treefile key must be a string");
            string key = keyNode.Text!;
            if (LegacyKeys.TryGetValue(key, out var modern))
                key = modern;
            if (c.KeyNodes.ContainsKey(key))
                throw new FormatException($"{keyNode.Where}: '{key}' is given twice (or in both its new and legacy spellings)");
            c.KeyNodes[key] = value;
            if (value.IsScalar && value.Kind == ScalarKind.Null)
                continue; // serde reads null as an unset Option
            if (key.StartsWith("packages-", StringComparison.Ordinal))
            {
                Strings(value, key);
                if (key["packages-".Length..] == basearch)
                    archful.Add((value, key));
                continue;
            }
            if (directory == null && key is "postprocess-script" or "add-files" or "check-passwd" or "check-groups")
                throw new FormatException($"{keyNode.Where}: '{key}' names a file, which an inline conditional-include cannot");
            ParseKey(c, key, keyNode, value, directory ?? "", basearch);
        }

        if (c.Basearch != null && c.Basearch != basearch)
            throw new FormatException($"{c.KeyNodes["basearch"].Where}: 'basearch' is {c.Basearch} but the compose is for {basearch}: cross-composes are not supported");
        c.Basearch = basearch;
        if (c.Variables != null)
        {
            foreach (string reserved in new[] { "releasever", "basearch" })
            {
                if (c.Variables.ContainsKey(reserved))
                    throw c.KeyNodes["variables"].Error("variables", $"cannot define reserved variable '{reserved}'");
            }
        }
        (c.Variables ??= new(StringComparer.Ordinal))["basearch"] = TreefileVariable.Of(basearch);
        if (c.Releasever is { } rv)
            c.Variables["releasever"] = rv;

        if (c.Container == true)
        {
            c.BootLocation = BootLocation.Modules;
            c.Selinux = false;
            c.TmpIsDir = true;
            c.PreservePasswd = false;
            c.CheckPasswd = PasswdCheck.NoCheck;
            c.CheckGroups = PasswdCheck.NoCheck;
        }
        if (c.Edition == TreefileEdition.Edition2024)
        {
            c.BootLocation ??= BootLocation.Modules;
            c.TmpIsDir ??= true;
        }
        var packages = c.Packages ?? new SortedSet<string>(StringComparer.Ordinal);
        if (c.KeyNodes.TryGetValue("bootstrap-packages", out var bootstrap) && !(bootstrap.IsScalar && bootstrap.Kind == ScalarKind.Null))
            packages.UnionWith(SplitPackageList(bootstrap, "bootstrap-packages"));
        foreach (var (list, key) in archful)
            packages.UnionWith(SplitPackageList(list, key));
        c.Packages = packages;
        return c;
    }

    private static void ParseKey(TreefileConfig c, string key, TreefileNode keyNode, TreefileNode v, string dir, string basearch)
    {
        switch (key)
        {
            case "packages": c.Packages = SplitPackageList(v, key, lenient: true); break;
            case "bootstrap-packages": Strings(v, key); break; // folded into packages after the loop
            case "repo-packages": c.RepoPackages = RepoPackagesList(v, key); break;
            case "cliwrap": c.Cliwrap = Bool(v, key); break;
            case "cliwrap-binaries": c.CliwrapBinaries = Strings(v, key, lenient: true); break;
            case "edition":
                c.Edition = Str(v, key) switch
                {
                    "2014" => TreefileEdition.Edition2014,
                    "2024" => TreefileEdition.Edition2024,
                    var e => throw v.Error(key, $"must be 2014 or 2024, not '{e}'"),
                };
                break;
            case "ref": c.Ref = Str(v, key); break;
            case "metadata": c.Metadata = ValueMap(v, key); break;
            case "basearch": c.Basearch = Str(v, key); break;
            case "variables":
                c.Variables = new(StringComparer.Ordinal);
                foreach (var (k, val) in Map(v, key))
                    c.Variables[Str(k, key)] = TreefileVariable.FromNode(val, $"{key}.{k.Text}", allowBool: true);
                break;
            case "repovars":
                c.Repovars = new(StringComparer.Ordinal);
                foreach (var (k, val) in Map(v, key))
                    c.Repovars[Str(k, key)] = Str(val, $"{key}.{k.Text}");
                if (c.Repovars.ContainsKey("releasever"))
                    throw v.Error(key, "may not define \"releasever\"; use the releasever key instead");
                if (c.Repovars.ContainsKey("basearch"))
                    throw v.Error(key, "may not define \"basearch\"; it is filled in automatically");
                break;
            case "repos": c.Repos = Strings(v, key); break;
            case "lockfile-repos": c.LockfileRepos = Strings(v, key); break;
            case "selinux": c.Selinux = Bool(v, key); break;
            case "ignore-devices": c.IgnoreDevices = Bool(v, key); break;
            case "selinux-label-version":
                c.SelinuxLabelVersion = UInt(v, key);
                if (c.SelinuxLabelVersion > 1)
                    throw v.Error(key, $"must be 0 or 1, not {c.SelinuxLabelVersion}");
                break;
            case "sysusers":
                c.Sysusers = Str(v, key) switch
                {
                    "compose-auto" => SysusersMode.ComposeAuto,
                    "compose-forced" => SysusersMode.ComposeForced,
                    var s => throw v.Error(key, $"must be compose-auto or compose-forced, not '{s}'"),
                };
                break;
            case "ima": c.Ima = Bool(v, key); break;
            case "gpg-key": c.GpgKey = Str(v, key); break;
            case "include": c.Include = IncludeList(v, key); break;
            case "arch-include":
                c.ArchInclude = new(StringComparer.Ordinal);
                foreach (var (k, val) in Map(v, key))
                    c.ArchInclude[Str(k, key)] = IncludeList(val, $"{key}.{k.Text}");
                break;
            case "conditional-include": c.ConditionalInclude = ConditionalIncludes(v, key, basearch); break;
            case "ostree-layers": c.OstreeLayers = Strings(v, key); break;
            case "ostree-override-layers": c.OstreeOverrideLayers = Strings(v, key); break;
            case "exclude-packages": c.ExcludePackages = Strings(v, key); break;
            case "platform-module": c.PlatformModule = Str(v, key); break;
            case "container": c.Container = Bool(v, key); break;
            case "recommends": c.Recommends = Bool(v, key); break;
            case "documentation": c.Documentation = Bool(v, key); break;
            case "install-langs": c.InstallLangs = Strings(v, key); break;
            case "initramfs-args": c.InitramfsArgs = Strings(v, key); break;
            case "no-initramfs": c.NoInitramfs = Bool(v, key); break;
            case "readonly-executables": c.ReadonlyExecutables = Bool(v, key); break;
            case "boot-location":
                c.BootLocation = Str(v, key) switch
                {
                    "new" => BootLocation.New,
                    "modules" => BootLocation.Modules,
                    "kernel-install" => BootLocation.KernelInstall,
                    var s => throw v.Error(key, $"must be new, modules or kernel-install, not '{s}'"),
                };
                break;
            case "tmp-is-dir": c.TmpIsDir = Bool(v, key); break;
            case "opt-usrlocal":
                c.OptUsrLocal = Str(v, key) switch
                {
                    "var" => OptUsrLocal.Var,
                    "root" => OptUsrLocal.Root,
                    "state-overlay" or "stateoverlay" => OptUsrLocal.StateOverlay,
                    var s => throw v.Error(key, $"must be var, root or state-overlay, not '{s}'"),
                };
                break;
            case "units": c.Units = Strings(v, key); break;
            case "default-target": c.DefaultTarget = Str(v, key); break;
            case "machineid-compat": c.MachineidCompat = Bool(v, key); break;
            case "releasever": c.Releasever = TreefileVariable.FromNode(v, key, allowBool: false); break;
            case "automatic-version-prefix": c.AutomaticVersionPrefix = Str(v, key); break;
            case "automatic-version-suffix":
                c.AutomaticVersionSuffix = Str(v, key);
                if (c.AutomaticVersionSuffix.Length != 1 || c.AutomaticVersionSuffix[0] > 0x7f)
                    throw v.Error(key, $"must be exactly one ASCII character, not '{c.AutomaticVersionSuffix}'");
                break;
            case "mutate-os-release": c.MutateOsRelease = Str(v, key); break;
            case "etc-group-members": c.EtcGroupMembers = Strings(v, key); break;
            case "preserve-passwd": c.PreservePasswd = Bool(v, key); break;
            case "check-passwd": c.CheckPasswd = Check(v, key, dir, passwd: true); break;
            case "check-groups": c.CheckGroups = Check(v, key, dir, passwd: false); break;
            case "ignore-removed-users": c.IgnoreRemovedUsers = new(Strings(v, key), StringComparer.Ordinal); break;
            case "ignore-removed-groups": c.IgnoreRemovedGroups = new(Strings(v, key), StringComparer.Ordinal); break;
            case "postprocess-script":
                {
                    string name = Str(v, key);
                    c.PostprocessScript = new PostprocessScript(name, ExistingFile(v, key, dir, name));
                    break;
                }
            case "postprocess": c.Postprocess = Strings(v, key); break;
            case "add-files": c.AddFiles = AddFiles(v, key, dir); break;
            case "remove-files": c.RemoveFiles = Strings(v, key); break;
            case "remove-from-packages":
                c.RemoveFromPackages = Seq(v, key).Select(e => Strings(e, key)).ToList();
                foreach (var (entry, node) in c.RemoveFromPackages.Zip(v.Sequence!))
                {
                    if (entry.Count < 2)
                        throw node.Error(key, "entries must be [package, regex, ...] with at least one regex");
                }
                break;
            case "add-commit-metadata": c.AddCommitMetadata = ValueMap(v, key); break;
            case "repo-metadata": c.RepoMetadata = Target(v, key); break;
            case "advisories-metadata": c.AdvisoriesMetadata = Target(v, key); break;
            case "rpmdb":
                c.Rpmdb = Str(v, key) switch
                {
                    "bdb" or "b-d-b" => "bdb",
                    "sqlite" or "ndb" or "target" or "host" => v.Text,
                    var s => throw v.Error(key, $"must be target or host (or the legacy bdb, ndb, sqlite), not '{s}'"),
                };
                break;
            case "rpmdb-normalize": c.RpmdbNormalize = Bool(v, key); break;
            case "container-cmd": c.ContainerCmd = Strings(v, key); break;
            default:
                throw new FormatException($"{keyNode.Where}: unknown key '{key}'");
        }
    }

    // --- shapes ---

    // Most keys sit in a #[serde(flatten)] struct in rpm-ostree, where serde_yaml's plain 40 or
    // true reach a string field already typed as a number or boolean and are refused; only the
    // fields TreeComposeConfig holds directly (packages, repo-packages, cliwrap-binaries) get
    // serde_yaml's own leniency of reading any plain scalar as a string. JSON always wants a string.
    internal static string Str(TreefileNode n, string key, bool lenient = false)
    {
        bool yaml = TreefileNode.IsYamlName(n.File);
        if (n.IsScalar && (n.Kind == ScalarKind.String || (lenient && yaml && n.Kind != ScalarKind.Null)))
            return n.Text!;
        throw n.Error(key, n.IsScalar && n.Kind != ScalarKind.String && !lenient && yaml ? $"must be a string (quote {n.Text})" : "must be a string");
    }
    private static bool Bool(TreefileNode n, string key) =>
        n.IsScalar && n.Kind == ScalarKind.Bool ? n.Text!.Equals("true", StringComparison.OrdinalIgnoreCase) : throw n.Error(key, "must be true or false");

    private static uint UInt(TreefileNode n, string key) =>
        n.IsScalar && n.Kind == ScalarKind.Integer && uint.TryParse(n.Text, NumberStyles.None, CultureInfo.InvariantCulture, out uint u)
            ? u
            : throw n.Error(key, "must be a non-negative integer");

    private static List<TreefileNode> Seq(TreefileNode n, string key) => n.Sequence ?? throw n.Error(key, "must be a list");

    private static List<(TreefileNode Key, TreefileNode Value)> Map(TreefileNode n, string key) => n.Mapping ?? throw n.Error(key, "must be a mapping");

    private static List<string> Strings(TreefileNode n, string key, bool lenient = false) => Seq(n, key).Select(i => Str(i, key, lenient)).ToList();

    private static SortedDictionary<string, TreefileValue> ValueMap(TreefileNode n, string key)
    {
        var result = new SortedDictionary<string, TreefileValue>(StringComparer.Ordinal);
        foreach (var (k, val) in Map(n, key))
            result[Str(k, key)] = TreefileValue.FromNode(val, $"{key}.{k.Text}");
        return result;
    }

    private static List<string> IncludeList(TreefileNode n, string key) =>
        n.Sequence != null ? Strings(n, key) : n.IsScalar ? [Str(n, key)] : throw n.Error(key, "must be a path or a list of paths");

    private static MetadataTarget Target(TreefileNode n, string key) => Str(n, key) switch
    {
        "inline" => MetadataTarget.Inline,
        "detached" => MetadataTarget.Detached,
        "disabled" => MetadataTarget.Disabled,
        var s => throw n.Error(key, $"must be inline, detached or disabled, not '{s}'"),
    };

    private static string ExistingFile(TreefileNode n, string key, string dir, string name)
    {
        string path = Path.Combine(dir, name);
        if (!File.Exists(path))
            throw n.Error(key, $"names {name}, but {path} does not exist");
        return path;
    }

    private static List<RepoPackages> RepoPackagesList(TreefileNode n, string key)
    {
        var result = new List<RepoPackages>();
        foreach (var entry in Seq(n, key))
        {
            string? repo = null;
            List<string>? pkgs = null;
            TreefileNode? pkgsNode = null;
            foreach (var (k, val) in Map(entry, key))
            {
                switch (Str(k, key))
                {
                    case "repo": repo = Str(val, $"{key}.repo", lenient: true); break;
                    case "packages": pkgs = Strings(val, $"{key}.packages", lenient: true); pkgsNode = val; break;
                    default: throw k.Error(key, $"has unknown field '{k.Text}' (expected repo, packages)");
                }
            }
            if (repo == null || pkgs == null)
                throw entry.Error(key, $"entries need both 'repo' and 'packages'");
            result.Add(new RepoPackages(repo, [.. SplitPackageList(pkgsNode!, $"{key}.packages", lenient: true)]));
        }
        return result;
    }

    private static List<AddFile> AddFiles(TreefileNode n, string key, string dir)
    {
        var result = new List<AddFile>();
        foreach (var entry in Seq(n, key))
        {
            var pair = Strings(entry, key);
            if (pair.Count != 2)
                throw entry.Error(key, "entries must be [source, destination]");
            if (!AddFilesDestinationIsValid(pair[1]))
                throw entry.Error(key, $"has unsupported destination {pair[1]}: only /usr (not /usr/local), /etc, /bin, /sbin, /lib and /lib64 are supported");
            result.Add(new AddFile(pair[0], pair[1], ExistingFile(entry, key, dir, pair[0])));
        }
        return result;
    }

    // rpm-ostree's add_files_path_is_valid: prefixes only, since /etc is not yet /usr/etc here.
    private static bool AddFilesDestinationIsValid(string dest)
    {
        string p = dest.TrimStart('/');
        return (p.StartsWith("usr/", StringComparison.Ordinal) && !p.StartsWith("usr/local/", StringComparison.Ordinal))
            || p.StartsWith("etc/", StringComparison.Ordinal) || p.StartsWith("bin/", StringComparison.Ordinal)
            || p.StartsWith("sbin/", StringComparison.Ordinal) || p.StartsWith("lib/", StringComparison.Ordinal)
            || p.StartsWith("lib64/", StringComparison.Ordinal);
    }

    private static PasswdCheck Check(TreefileNode n, string key, string dir, bool passwd)
    {
        var fields = Map(n, key).ToDictionary(e => Str(e.Key, key), e => e.Value, StringComparer.Ordinal);
        if (!fields.TryGetValue("type", out var typeNode))
            throw n.Error(key, "needs a 'type' (none, previous, file or data)");
        string type = Str(typeNode, $"{key}.type");
        string[] allowed = type switch
        {
            "none" or "previous" => ["type"],
            "file" => ["type", "filename"],
            "data" => ["type", "entries"],
            _ => throw typeNode.Error($"{key}.type", $"must be none, previous, file or data, not '{type}'"),
        };
        foreach (var f in fields.Keys.Where(f => !allowed.Contains(f)))
            throw n.Error(key, $"has unknown field '{f}' for type {type}");
        switch (type)
        {
            case "none": return PasswdCheck.NoCheck;
            case "previous": return PasswdCheck.Previous;
            case "file":
                {
                    if (!fields.TryGetValue("filename", out var fn))
                        throw n.Error(key, "of type file needs a 'filename'");
                    string name = Str(fn, $"{key}.filename");
                    return new PasswdCheck { Kind = PasswdCheckKind.File, FileName = name, FilePath = ExistingFile(fn, $"{key}.filename", dir, name) };
                }
            default:
                {
                    if (!fields.TryGetValue("entries", out var en))
                        throw n.Error(key, "of type data needs 'entries'");
                    var entries = new SortedDictionary<string, (uint, uint)>(StringComparer.Ordinal);
                    var shapes = new Dictionary<string, int>(StringComparer.Ordinal);
                    foreach (var (k, val) in Map(en, $"{key}.entries"))
                    {
                        string name = Str(k, $"{key}.entries");
                        string where = $"{key}.entries.{name}";
                        if (!passwd || val.IsScalar)
                        {
                            uint id = UInt(val, where);
                            entries[name] = (id, id);
                            shapes[name] = 1;
                            continue;
                        }
                        var ids = Seq(val, where).Select(i => UInt(i, where)).ToList();
                        if (ids.Count is not (1 or 2))
                            throw val.Error(where, "must be an id, [id] or [uid, gid]");
                        entries[name] = (ids[0], ids[^1]);
                        shapes[name] = ids.Count + 1;
                    }
                    return new PasswdCheck { Kind = PasswdCheckKind.Data, Entries = entries, EntryShapes = shapes };
                }
        }
    }

    private static List<ConditionalInclude> ConditionalIncludes(TreefileNode n, string key, string basearch)
    {
        var result = new List<ConditionalInclude>();
        foreach (var entry in Seq(n, key))
        {
            TreefileNode? cond = null, include = null;
            foreach (var (k, val) in Map(entry, key))
            {
                switch (Str(k, key))
                {
                    case "if": cond = val; break;
                    case "include": include = val; break;
                    default: throw k.Error(key, $"has unknown field '{k.Text}' (expected if, include)");
                }
            }
            if (cond == null || include == null)
                throw entry.Error(key, "entries need both 'if' and 'include'");
            var conditions = cond.Sequence != null ? cond.Sequence.Select(IncludeCondition.Parse).ToList() : [IncludeCondition.Parse(cond)];
            if (include.Mapping != null)
            {
                var inline = Parse(include, basearch, directory: null);
                inline.Variables = null; // an inline treefile's variables would come too late to matter
                result.Add(new ConditionalInclude(conditions, null, inline, entry));
            }
            else
                result.Add(new ConditionalInclude(conditions, IncludeList(include, $"{key}.include"), null, entry));
        }
        return result;
    }

    /// <summary>
    /// rpm-ostree's package-list convenience: each entry is split on whitespace, except that text
    /// between single quotes is one entry (so "'podman >= 4.1'" stays a version query). The result
    /// is sorted and unique, as rpm-ostree keeps packages in a BTreeSet.
    /// </summary>
    internal static SortedSet<string> SplitPackageList(TreefileNode list, string key, bool lenient = false)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var where in Seq(list, key))
        {
            string element = Str(where, key, lenient);
            int start = 0;
            bool quoted = false;
            for (int i = 0; i < element.Length; i++)
            {
                if (element[i] != '\'')
                    continue;
                if (quoted)
                    result.Add(element[start..i]);
                else
                    AddWords(result, element.AsSpan(start, i - start));
                quoted = !quoted;
                start = i + 1;
            }
            if (quoted)
                throw where.Error(key, $"has a missing terminating quote: {element}");
            AddWords(result, element.AsSpan(start));
        }
        return result;
    }

    private static void AddWords(SortedSet<string> into, ReadOnlySpan<char> text)
    {
        foreach (var range in text.SplitAny(" \t\n\r\f\v"))
        {
            if (range.End.GetOffset(text.Length) > range.Start.GetOffset(text.Length))
                into.Add(text[range].ToString());
        }
    }
}
