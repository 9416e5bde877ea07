// GKeyFile-style INI files: the repository `config` and, later, remotes and origin files. Keeps
// groups, keys, comments and blank lines in order so that a `config set` rewrites only one line.
using System.Text;

namespace Arbor.Ostree.Repo;

/// <summary>An INI file in GLib's key file format.</summary>
public sealed class KeyFile
{
    private sealed class Group(string name)
    {
        public string Name { get; } = name;
        public List<(string? Key, string Line)> Lines { get; } = [];
    }

    private readonly List<Group> _groups = [];
    private readonly List<string> _preamble = [];

    /// <summary>Parses key file text.</summary>
    public static KeyFile Parse(string text, string source = "key file")
    {
        var kf = new KeyFile();
        Group? current = null;
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                if (current is null)
                    kf._preamble.Add(line);
                else
                    current.Lines.Add((null, line));
                continue;
            }
            if (trimmed.StartsWith('['))
            {
                if (!trimmed.EndsWith(']'))
                    throw new OstreeException($"{source}:{lineNo}: invalid group line '{trimmed}'");
                current = new Group(trimmed[1..^1]);
                kf._groups.Add(current);
                continue;
            }
            int eq = trimmed.IndexOf('=');
            if (eq <= 0 || current is null)
                throw new OstreeException($"{source}:{lineNo}: key file does not start with a group or line is not KEY=VALUE: '{trimmed}'");
            current.Lines.Add((trimmed[..eq].Trim(), trimmed));
        }
        // Drop the trailing empty line that Split produces for text ending in '\n'.
        var last = kf._groups.Count > 0 ? kf._groups[^1].Lines : null;
        if (last is { Count: > 0 } && last[^1].Key is null && last[^1].Line.Length == 0)
            last.RemoveAt(last.Count - 1);
        return kf;
    }

    /// <summary>Loads a key file from disk.</summary>
    public static KeyFile Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>The group names in file order.</summary>
    public IEnumerable<string> Groups => _groups.Select(g => g.Name);

    /// <summary>The keys of a group in file order.</summary>
    public IEnumerable<string> Keys(string group) =>
        _groups.FirstOrDefault(g => g.Name == group)?.Lines.Where(l => l.Key is not null).Select(l => l.Key!) ?? [];

    /// <summary>True when the group exists.</summary>
    public bool HasGroup(string group) => _groups.Any(g => g.Name == group);

    /// <summary>The raw value of a key, or null.</summary>
    public string? Get(string group, string key)
    {
        var g = _groups.FirstOrDefault(x => x.Name == group);
        if (g is null)
            return null;
        for (int i = g.Lines.Count - 1; i >= 0; i--)
        {
            if (g.Lines[i].Key == key)
            {
                var line = g.Lines[i].Line;
                return Unescape(line[(line.IndexOf('=') + 1)..].TrimStart());
            }
        }
        return null;
    }

    /// <summary>A boolean value (<c>true/false/1/0</c>), or <paramref name="fallback"/> when absent.</summary>
    public bool GetBool(string group, string key, bool fallback)
    {
        var v = Get(group, key);
        return v switch
        {
            null => fallback,
            "true" or "1" => true,
            "false" or "0" => false,
            _ => throw new OstreeException($"Key '{key}' in group '{group}' is not a boolean: '{v}'"),
        };
    }

    /// <summary>A list value split on ';'.</summary>
    public string[] GetList(string group, string key) =>
        Get(group, key)?.Split(';', StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>Sets a key, creating the group when needed.</summary>
    public void Set(string group, string key, string value)
    {
        var g = _groups.FirstOrDefault(x => x.Name == group);
        if (g is null)
        {
            g = new Group(group);
            _groups.Add(g);
        }
        var line = $"{key}={Escape(value)}";
        for (int i = 0; i < g.Lines.Count; i++)
        {
            if (g.Lines[i].Key == key)
            {
                g.Lines[i] = (key, line);
                return;
            }
        }
        // Insert after the last key so trailing blank lines stay between groups.
        int at = g.Lines.FindLastIndex(l => l.Key is not null) + 1;
        g.Lines.Insert(at, (key, line));
    }

    /// <summary>Removes a key; false when it was absent.</summary>
    public bool Remove(string group, string key)
    {
        var g = _groups.FirstOrDefault(x => x.Name == group);
        return g is not null && g.Lines.RemoveAll(l => l.Key == key) > 0;
    }

    /// <summary>Removes a whole group; false when it was absent.</summary>
    public bool RemoveGroup(string group)
    {
        if (_groups.RemoveAll(g => g.Name == group) == 0)
            return false;
        // Like GLib: the blank lines that separated the removed last group go with it.
        if (_groups.Count > 0)
        {
            var lines = _groups[^1].Lines;
            while (lines.Count > 0 && lines[^1].Key is null && lines[^1].Line.Trim().Length == 0)
                lines.RemoveAt(lines.Count - 1);
        }
        return true;
    }

    /// <summary>The file text.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var p in _preamble)
            sb.Append(p).Append('\n');
        for (int i = 0; i < _groups.Count; i++)
        {
            if (i > 0 && (sb.Length < 2 || sb[^2] != '\n'))
                sb.Append('\n');
            sb.Append('[').Append(_groups[i].Name).Append("]\n");
            foreach (var l in _groups[i].Lines)
                sb.Append(l.Line).Append('\n');
        }
        return sb.ToString();
    }

    private static string Escape(string v)
    {
        var sb = new StringBuilder(v.Length);
        for (int i = 0; i < v.Length; i++)
        {
            char c = v[i];
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                case '\\': sb.Append("\\\\"); break;
                case ' ' when i == 0: sb.Append("\\s"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    private static string Unescape(string v)
    {
        if (!v.Contains('\\'))
            return v;
        var sb = new StringBuilder(v.Length);
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i] != '\\' || i + 1 >= v.Length)
            {
                sb.Append(v[i]);
                continue;
            }
            char n = v[++i];
            sb.Append(n switch { 'n' => '\n', 't' => '\t', 'r' => '\r', 's' => ' ', '\\' => '\\', _ => n });
        }
        return sb.ToString();
    }
}
