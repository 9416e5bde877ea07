// Repository definitions in dnf's `.repo` syntax: INI sections `[id]` with name, baseurl (several
// URLs, separated by spaces/commas or on continuation lines), mirrorlist or metalink (used when
// there is no baseurl), enabled, gpgcheck, gpgkey and metadata_expire; `$basearch`, `$arch` and `$releasever` (also `${var}`) are substituted from
// the variables the caller gives. The fetcher reads RepoConfig values; nothing here does I/O
// beyond reading the file.
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Arbor.Rpm.Repodata;

/// <summary>One repository definition.</summary>
public sealed class RepoConfig
{
    /// <summary>dnf's default metadata_expire: 48 hours.</summary>
    public static readonly TimeSpan DefaultExpire = TimeSpan.FromHours(48);

    /// <summary>The repository id (the section name).</summary>
    public required string Id { get; init; }
    /// <summary>The human name.</summary>
    public string Name { get; init; } = "";
    /// <summary>Base URLs, tried in order (mirrors). http(s):// or file:// or a plain path.</summary>
    public IReadOnlyList<string> BaseUrls { get; init; } = [];
    /// <summary>mirrorlist= URL: a list of base URLs (or a metalink), used when there is no baseurl.</summary>
    public string? MirrorList { get; init; }
    /// <summary>metalink= URL: mirrors of repomd.xml with its checksums, used when there is no baseurl.</summary>
    public string? Metalink { get; init; }
    /// <summary>The variables ($basearch, $releasever, …) the definition was read with; mirror URLs are substituted with them too.</summary>
    public IReadOnlyDictionary<string, string> UrlVariables { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    /// <summary>enabled= (default true).</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>gpgcheck= (default false): packages must be signed by one of <see cref="GpgKeys"/>.</summary>
    public bool GpgCheck { get; init; }
    /// <summary>gpgkey= URLs.</summary>
    public IReadOnlyList<string> GpgKeys { get; init; } = [];
    /// <summary>How long cached metadata stays fresh; null for never expiring.</summary>
    public TimeSpan? MetadataExpire { get; init; } = DefaultExpire;

    /// <summary>dnf's $basearch for this machine (x86_64, aarch64, …).</summary>
    public static string BaseArch => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "x86_64",
        Architecture.Arm64 => "aarch64",
        Architecture.X86 => "i386",
        Architecture.Arm => "armhfp",
        Architecture.Ppc64le => "ppc64le",
        Architecture.S390x => "s390x",
        Architecture.RiscV64 => "riscv64",
        var a => a.ToString().ToLowerInvariant(),
    };

    /// <summary>The default variables: basearch and arch for this machine, plus releasever when given.</summary>
    public static Dictionary<string, string> Variables(string? releasever)
    {
        var v = new Dictionary<string, string>(StringComparer.Ordinal) { ["basearch"] = BaseArch, ["arch"] = BaseArch };
        if (releasever != null)
            v["releasever"] = releasever;
        return v;
    }

    /// <summary>A repository from <c>--repofrompath=ID,URL</c>.</summary>
    public static RepoConfig FromPath(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int comma = spec.IndexOf(',', StringComparison.Ordinal);
        if (comma <= 0 || comma == spec.Length - 1)
            throw new FormatException($"--repofrompath '{spec}': expected ID,URL");
        return new RepoConfig { Id = spec[..comma], Name = spec[..comma], BaseUrls = [spec[(comma + 1)..]] };
    }

    /// <summary>Substitutes $var and ${var}; an unknown variable is an error naming it.</summary>
    public static string Substitute(string s, IReadOnlyDictionary<string, string> vars, string where)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(vars);
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '$' || i + 1 >= s.Length)
            {
                sb.Append(s[i]);
                continue;
            }
            int start = i + 1, end;
            string name;
            if (s[start] == '{')
            {
                end = s.IndexOf('}', start);
                if (end < 0)
                    throw new FormatException($"{where}: unterminated ${{ in '{s}'");
                name = s[(start + 1)..end];
                end++;
            }
            else
            {
                end = start;
                while (end < s.Length && (char.IsAsciiLetterOrDigit(s[end]) || s[end] == '_'))
                    end++;
                name = s[start..end];
            }
            if (name.Length == 0)
            {
                sb.Append('$');
                continue;
            }
            if (!vars.TryGetValue(name, out var value))
                throw new FormatException($"{where}: ${name} is not set{(name == "releasever" ? " (give --releasever)" : "")}");
            sb.Append(value);
            i = end - 1;
        }
        return sb.ToString();
    }

    /// <summary>Parses metadata_expire: seconds, or a number with s/m/h/d, or "never"/-1.</summary>
    public static TimeSpan? ParseExpire(string s, string where)
    {
        ArgumentNullException.ThrowIfNull(s);
        s = s.Trim();
        if (s is "never" or "-1")
            return null;
        double mul = 1;
        if (s.Length > 0 && char.IsAsciiLetter(s[^1]))
        {
            mul = char.ToLowerInvariant(s[^1]) switch
            {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86400,
                _ => throw new FormatException($"{where}: metadata_expire '{s}': unknown unit (s, m, h, d)"),
            };
            s = s[..^1];
        }
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) || !double.IsFinite(n) || n < 0)
            throw new FormatException($"{where}: metadata_expire '{s}' is not a number of seconds");
        if (n * mul >= TimeSpan.MaxValue.TotalSeconds)
            throw new FormatException($"{where}: metadata_expire '{s}' is too large (use 'never' or -1 for no expiry)");
        return TimeSpan.FromSeconds(n * mul);
    }

    private static bool Bool(string v, string where) => v.Trim().ToLowerInvariant() switch
    {
        "1" or "yes" or "true" or "on" => true,
        "0" or "no" or "false" or "off" => false,
        _ => throw new FormatException($"{where}: '{v}' is not a boolean"),
    };

    private static IEnumerable<string> Words(string v) =>
        v.Split([' ', '\t', ',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Parses a .repo file; every section becomes a RepoConfig (disabled ones included).</summary>
    public static List<RepoConfig> ParseFile(string path, IReadOnlyDictionary<string, string> vars) =>
        Parse(File.ReadAllText(path), path, vars);

    /// <summary>Parses .repo text; <paramref name="what"/> names it in errors.</summary>
    public static List<RepoConfig> Parse(string text, string what, IReadOnlyDictionary<string, string> vars)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sections = new List<(string Id, int Line, Dictionary<string, string> Keys)>();
        string? lastKey = null;
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] is '#' or ';')
                continue;
            if (trimmed[0] == '[')
            {
                if (!trimmed.EndsWith(']'))
                    throw new FormatException($"{what}:{lineNo}: section header '{trimmed}' lacks ']'");
                sections.Add((trimmed[1..^1].Trim(), lineNo, new Dictionary<string, string>(StringComparer.Ordinal)));
                lastKey = null;
                continue;
            }
            if (sections.Count == 0)
                throw new FormatException($"{what}:{lineNo}: '{trimmed}' is outside any [section]");
            var keys = sections[^1].Keys;
            if (char.IsWhiteSpace(line[0]) && lastKey != null)
            {
                keys[lastKey] += "\n" + trimmed; // continuation line (more baseurls)
                continue;
            }
            int eq = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new FormatException($"{what}:{lineNo}: expected key=value, got '{trimmed}'");
            lastKey = trimmed[..eq].Trim().ToLowerInvariant();
            keys[lastKey] = trimmed[(eq + 1)..].Trim();
        }
        var result = new List<RepoConfig>();
        foreach (var (id, line, keys) in sections)
        {
            if (id == "main")
                continue;
            string where = $"{what}:{line}: [{id}]";
            var urls = keys.TryGetValue("baseurl", out var b) ? Words(b).Select(u => Substitute(u, vars, where)).ToList() : [];
            bool enabled = !keys.TryGetValue("enabled", out var en) || Bool(en, where);
            string? mirrorlist = keys.TryGetValue("mirrorlist", out var ml) && ml.Length > 0 ? Substitute(ml, vars, where) : null;
            string? metalink = keys.TryGetValue("metalink", out var mk) && mk.Length > 0 ? Substitute(mk, vars, where) : null;
            if (urls.Count == 0 && mirrorlist == null && metalink == null && enabled)
                throw new FormatException($"{where}: no baseurl, mirrorlist or metalink");
            result.Add(new RepoConfig
            {
                Id = id,
                Name = keys.TryGetValue("name", out var n) ? Substitute(n, vars, where) : id,
                BaseUrls = urls,
                MirrorList = mirrorlist,
                Metalink = metalink,
                UrlVariables = vars,
                Enabled = enabled,
                GpgCheck = keys.TryGetValue("gpgcheck", out var g) && Bool(g, where),
                GpgKeys = keys.TryGetValue("gpgkey", out var k) ? Words(k).Select(u => Substitute(u, vars, where)).ToList() : [],
                MetadataExpire = keys.TryGetValue("metadata_expire", out var me) ? ParseExpire(me, where) : DefaultExpire,
            });
        }
        return result;
    }
}
