// The users and groups of a tree as passwd(5) and group(5) lines, for the two places assembly
// needs them: resolving the owner names of package files to ids (rpm-ostree looks them up in
// the tree's /usr/lib/passwd and, after %pre, /etc/passwd; never in the host's), and splitting
// /etc/passwd and /etc/group into /usr/lib. Each entry keeps its original line so a split writes
// back exactly what scripts wrote. Text -> lines -> fields split on ':' -> name and numeric ids;
// a malformed line is an error naming the file and line.
using System.Globalization;

namespace Arbor.Compose.Assemble;

/// <summary>A passwd(5) line.</summary>
/// <param name="Name">The user name.</param>
/// <param name="Uid">The user id.</param>
/// <param name="Gid">The primary group id.</param>
/// <param name="Line">The line as written (without its newline).</param>
public sealed record PasswdEntry(string Name, uint Uid, uint Gid, string Line);

/// <summary>A group(5) line.</summary>
/// <param name="Name">The group name.</param>
/// <param name="Gid">The group id.</param>
/// <param name="Line">The line as written (without its newline).</param>
public sealed record GroupEntry(string Name, uint Gid, string Line);

/// <summary>Users and groups by name; a later file's entry does not replace an earlier one's (first wins, as with nss-altfiles).</summary>
public sealed class PasswdEntries
{
    private readonly Dictionary<string, PasswdEntry> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GroupEntry> _groups = new(StringComparer.Ordinal);

    /// <summary>The users known so far.</summary>
    public IReadOnlyDictionary<string, PasswdEntry> Users => _users;

    /// <summary>The groups known so far.</summary>
    public IReadOnlyDictionary<string, GroupEntry> Groups => _groups;

    /// <summary>Adds the users of a passwd file; a missing file adds nothing.</summary>
    /// <exception cref="InvalidDataException">A line is not a passwd entry; the message names the file and line.</exception>
    public void AddPasswdFile(string path)
    {
        if (File.Exists(path))
            AddPasswdContent(File.ReadAllText(path), path);
    }

    /// <summary>Adds the groups of a group file; a missing file adds nothing.</summary>
    /// <exception cref="InvalidDataException">A line is not a group entry; the message names the file and line.</exception>
    public void AddGroupFile(string path)
    {
        if (File.Exists(path))
            AddGroupContent(File.ReadAllText(path), path);
    }

    /// <summary>Adds the users of passwd text; <paramref name="source"/> names it in errors.</summary>
    public void AddPasswdContent(string text, string source)
    {
        foreach (var e in ParsePasswd(text, source))
            _users.TryAdd(e.Name, e);
    }

    /// <summary>Adds the groups of group text; <paramref name="source"/> names it in errors.</summary>
    public void AddGroupContent(string text, string source)
    {
        foreach (var e in ParseGroup(text, source))
            _groups.TryAdd(e.Name, e);
    }

    /// <summary>Parses passwd text: name:password:uid:gid:gecos:home:shell per line; blank lines are skipped.</summary>
    /// <exception cref="InvalidDataException">A line is malformed; the message names the source and line number.</exception>
    public static IReadOnlyList<PasswdEntry> ParsePasswd(string text, string source) =>
        ParseColonLines(text, source, 7, "passwd",
            (f, line, n) => new PasswdEntry(f[0], Id(f[2], "uid", source, n), Id(f[3], "gid", source, n), line));

    /// <summary>Parses group text: name:password:gid:members per line; blank lines are skipped.</summary>
    /// <exception cref="InvalidDataException">A line is malformed; the message names the source and line number.</exception>
    public static IReadOnlyList<GroupEntry> ParseGroup(string text, string source) =>
        ParseColonLines(text, source, 4, "group", (f, line, n) => new GroupEntry(f[0], Id(f[2], "gid", source, n), line));

    // The shared shape of both files: one entry per line, a fixed number of ':'-separated fields,
    // a non-empty name first.
    private static List<T> ParseColonLines<T>(string text, string source, int fieldCount, string kind, Func<string[], string, int, T> entry)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<T>();
        int number = 0;
        foreach (var line in Lines(text))
        {
            number++;
            if (line.Length == 0)
                continue;
            var fields = line.Split(':');
            if (fields.Length != fieldCount || fields[0].Length == 0)
                throw new InvalidDataException($"{source}:{number}: not a {kind} entry (want {fieldCount} ':'-separated fields): {line}");
            list.Add(entry(fields, line, number));
        }
        return list;
    }

    private static string[] Lines(string text)
    {
        var lines = text.Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }

    private static uint Id(string field, string what, string source, int line) =>
        uint.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out uint id)
            ? id
            : throw new InvalidDataException($"{source}:{line}: {what} '{field}' is not a number");
}
