// A treefile may be, or include, a kickstart (a name ending in .ks), of which rpm-ostree honours a
// small subset (rust/src/kickstart.rs): %packages sections (a leading '-' excludes a package;
// --exclude-weakdeps means recommends: false) and %include of files below the top kickstart's
// directory. Any other verb is an error. The result is a TreefileConfig that merges like any other
// included file; like rpm-ostree, package lines are taken whole and basearch is not recorded.
namespace Arbor.Compose.Treefile;

/// <summary>Reads the kickstart subset rpm-ostree accepts.</summary>
internal static class KickstartReader
{
    private const int MaxIncludes = 256;

    public static bool IsKickstartName(string path) => path.EndsWith(".ks", StringComparison.Ordinal);

    public static TreefileConfig Read(string path)
    {
        var install = new SortedSet<string>(StringComparer.Ordinal);
        var excludes = new List<string>();
        bool excludeWeakdeps = false;
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        string root = Path.GetDirectoryName(Path.GetFullPath(path))!;
        ReadOne(root, Path.GetFileName(path), path, loaded, install, excludes, ref excludeWeakdeps);
        return new TreefileConfig { Packages = install, ExcludePackages = excludes, Recommends = excludeWeakdeps ? false : null };
    }

    private static void ReadOne(string root, string relative, string shown, HashSet<string> loaded, SortedSet<string> install,
        List<string> excludes, ref bool excludeWeakdeps)
    {
        string full = Path.GetFullPath(Path.Combine(root, relative));
        if (!loaded.Add(full))
            throw new FormatException($"{shown}: recursive %include of {relative}");
        if (loaded.Count >= MaxIncludes)
            throw new FormatException($"{shown}: more than {MaxIncludes} kickstart files included");
        string[] lines;
        try
        {
            lines = File.ReadAllLines(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FileNotFoundException($"{shown}: cannot read kickstart {relative}: {e.Message}", full, e);
        }
        var includes = new List<(string File, int Line)>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (Skip(lines[i]))
                continue;
            var words = ShellWords(lines[i].Trim(), full, i + 1);
            string where = $"{full}: line {i + 1}";
            switch (words[0])
            {
                case "%packages":
                    foreach (string arg in words.Skip(1))
                    {
                        if (arg != "--exclude-weakdeps")
                            throw new FormatException($"{where}: %packages does not take '{arg}' (only --exclude-weakdeps)");
                        excludeWeakdeps = true;
                    }
                    int start = i;
                    for (i++; ; i++)
                    {
                        if (i >= lines.Length)
                            throw new FormatException($"{full}: line {start + 1}: missing %end for %packages");
                        if (Skip(lines[i]))
                            continue;
                        string pkg = lines[i].Trim();
                        if (pkg == "%end")
                            break;
                        if (pkg.StartsWith('-'))
                            excludes.Add(pkg[1..]);
                        else
                            install.Add(pkg);
                    }
                    break;
                case "%include":
                    if (words.Count != 2)
                        throw new FormatException($"{where}: %include takes exactly one path");
                    if (Path.IsPathRooted(words[1]) || words[1].Split('/').Contains(".."))
                        throw new FormatException($"{where}: %include {words[1]}: only paths below the kickstart's directory can be included");
                    includes.Add((words[1], i + 1));
                    break;
                default:
                    throw new FormatException($"{where}: unhandled kickstart verb '{words[0]}'");
            }
        }
        foreach (var (file, line) in includes)
            ReadOne(root, file, $"{full}: line {line}", loaded, install, excludes, ref excludeWeakdeps);
    }

    // rpm-ostree drops lines starting with '#' (before trimming) and blank ones.
    private static bool Skip(string line) => line.StartsWith('#') || line.Trim().Length == 0;

    // Enough of shlex for a verb line: whitespace separates words, quotes group, backslash escapes.
    private static List<string> ShellWords(string line, string file, int lineNo)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote != '\0')
            {
                if (c == quote)
                    quote = '\0';
                else if (c == '\\' && quote == '"' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`')
                    current.Append(line[++i]);
                else
                    current.Append(c);
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                    words.Add(current.ToString());
                current.Clear();
                inWord = false;
                continue;
            }
            inWord = true;
            if (c is '\'' or '"')
                quote = c;
            else if (c == '\\' && i + 1 < line.Length)
                current.Append(line[++i]);
            else
                current.Append(c);
        }
        if (quote != '\0')
            throw new FormatException($"{file}: line {lineNo}: invalid syntax (unterminated quote): {line}");
        if (inWord)
            words.Add(current.ToString());
        return words;
    }
}
