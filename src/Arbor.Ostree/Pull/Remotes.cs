// Remote configuration: `[remote "NAME"]` groups in the repository config, plus one file per
// remote in a remotes.d directory for the system repository (/etc/ostree/remotes.d, used
// when the repository is /ostree/repo), exactly where ostree keeps them.
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Pull;

/// <summary>A configured remote.</summary>
public sealed class Remote
{
    /// <summary>The remote's name.</summary>
    public required string Name { get; init; }

    /// <summary>The key file group holding the settings.</summary>
    public required KeyFile Source { get; init; }

    /// <summary>The file the remote was read from.</summary>
    public required string SourcePath { get; init; }

    private string Group => $"remote \"{Name}\"";

    /// <summary>A raw option value, or null.</summary>
    public string? Get(string key) => Source.Get(Group, key);

    /// <summary>A boolean option.</summary>
    public bool GetBool(string key, bool fallback) => Source.GetBool(Group, key, fallback);

    /// <summary>The base URL for metadata (<c>url</c>).</summary>
    public string Url => Get("url") ?? throw new OstreeException($"No \"url\" option in remote \"{Name}\"");

    /// <summary>The base URL for content objects (<c>contenturl</c>, else <c>url</c>).</summary>
    public string ContentUrl => Get("contenturl") ?? Url;

    /// <summary>The <c>branches</c> list.</summary>
    public string[] Branches => Source.GetList(Group, "branches");

    /// <summary>Whether commits must carry a valid GPG signature (<c>gpg-verify</c>, default true).</summary>
    public bool GpgVerify => GetBool("gpg-verify", true);

    /// <summary>Whether the summary must be signed (<c>gpg-verify-summary</c>, default false).</summary>
    public bool GpgVerifySummary => GetBool("gpg-verify-summary", false);

    /// <summary>All options in file order.</summary>
    public IEnumerable<(string Key, string Value)> Options => Source.Keys(Group).Select(k => (k, Source.Get(Group, k)!));
}

/// <summary>Reading and changing remote configuration.</summary>
public static class Remotes
{
    /// <summary>The remotes.d directory for the system repository (/ostree/repo), or null for any other.</summary>
    /// <remarks>
    /// ostree keeps remotes in /etc/ostree/remotes.d only for the booted system's repository; a
    /// sysroot elsewhere (`--sysroot=PATH`, or `--repo=PATH/ostree/repo`) keeps them in its repository's config.
    /// </remarks>
    public static string? ConfigDir(Repository repo)
    {
        if (System.IO.Path.GetFullPath(repo.Path).TrimEnd('/') != "/ostree/repo")
            return null;
        if (!repo.Config.GetBool("core", "add-remotes-config-dir", true))
            return null;
        return "/etc/ostree/remotes.d";
    }

    /// <summary>All remotes, sorted by name.</summary>
    public static List<Remote> List(Repository repo)
    {
        var list = new List<Remote>();
        AddFrom(repo.Config, Path.Combine(repo.Path, "config"), list);
        var dir = ConfigDir(repo);
        if (dir is not null && Directory.Exists(dir))
        {
            foreach (var f in Directory.EnumerateFiles(dir, "*.conf").Order(StringComparer.Ordinal))
                AddFrom(KeyFile.Load(f), f, list);
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    private static void AddFrom(KeyFile kf, string path, List<Remote> into)
    {
        foreach (var g in kf.Groups)
        {
            if (g.StartsWith("remote \"", StringComparison.Ordinal) && g.EndsWith('"') && g.Length > 9)
            {
                var name = g[8..^1];
                if (!into.Any(r => r.Name == name))
                    into.Add(new Remote { Name = name, Source = kf, SourcePath = path });
            }
        }
    }

    /// <summary>Finds a remote by name.</summary>
    /// <exception cref="OstreeException">No such remote.</exception>
    public static Remote Get(Repository repo, string name) =>
        List(repo).FirstOrDefault(r => r.Name == name) ?? throw new OstreeException($"Remote \"{name}\" not found");

    /// <summary>Adds a remote; with <paramref name="ifNotExists"/> an existing one is left alone.</summary>
    public static void Add(Repository repo, string name, string url, IEnumerable<string> branches, IEnumerable<KeyValuePair<string, string>> options, bool ifNotExists, bool force)
    {
        name = Repository.ValidateRemoteName(name);
        if (List(repo).Any(r => r.Name == name))
        {
            if (ifNotExists)
                return;
            if (!force)
            {
                // ostree names the remotes.d file, or "(in config)" for the repository's own config.
                var source = List(repo).First(r => r.Name == name).SourcePath;
                throw new OstreeException($"Remote configuration for \"{name}\" already exists: {(source == Path.Combine(repo.Path, "config") ? "(in config)" : source)}");
            }
            Delete(repo, name, ifExists: true);
        }
        var group = $"remote \"{name}\"";
        var dir = ConfigDir(repo);
        KeyFile kf = dir is null ? repo.Config : new KeyFile();
        kf.Set(group, "url", url);
        var b = branches.ToList();
        if (b.Count > 0)
            kf.Set(group, "branches", string.Join(';', b) + ";");
        foreach (var (k, v) in options)
            kf.Set(group, k, v);
        if (dir is null)
        {
            repo.SaveConfig(kf);
        }
        else
        {
            Directory.CreateDirectory(dir);
            AtomicFile.WriteAllText(Path.Combine(dir, name + ".conf"), kf.ToString(), repo.Fsync);
        }
    }

    /// <summary>Deletes a remote (and its remote refs).</summary>
    public static void Delete(Repository repo, string name, bool ifExists)
    {
        name = Repository.ValidateRemoteName(name);
        var remote = List(repo).FirstOrDefault(r => r.Name == name);
        if (remote is null)
        {
            if (ifExists)
                return;
            throw new OstreeException($"Remote \"{name}\" not found");
        }
        if (remote.SourcePath == Path.Combine(repo.Path, "config"))
        {
            var kf = repo.Config;
            kf.RemoveGroup($"remote \"{name}\"");
            repo.SaveConfig(kf);
        }
        else
        {
            File.Delete(remote.SourcePath);
        }
        var refsDir = Path.Combine(repo.Path, "refs", "remotes", name);
        if (Directory.Exists(refsDir))
            Directory.Delete(refsDir, recursive: true);
    }
}
