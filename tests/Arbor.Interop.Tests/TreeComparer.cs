// Compares two directory trees the way ostree sees them: for every path its type, mode (with
// setuid/setgid/sticky), uid, gid, size, content digest, symlink target and user.*/trusted.*
// xattrs with non-empty values (security.selinux and other namespaces are ignored). Uses one `find` and one `getfattr`
// per tree, so it stays fast on a whole OS tree.
using System.Globalization;
using System.Security.Cryptography;

namespace Arbor.Interop.Tests;

/// <summary>What is compared about each path.</summary>
[Flags]
public enum TreeAspects
{
    /// <summary>Type, size, content and symlink target only.</summary>
    Content = 0,
    /// <summary>The permission bits including setuid, setgid and sticky.</summary>
    Mode = 1,
    /// <summary>Owner uid and gid.</summary>
    Owner = 2,
    /// <summary>user.* and trusted.* extended attributes.</summary>
    Xattrs = 4,
    /// <summary>Everything.</summary>
    All = Mode | Owner | Xattrs,
}

/// <summary>One path's metadata.</summary>
public sealed record TreeEntry(string Path, char Type, int Mode, int Uid, int Gid, long Size, string Target)
{
    /// <summary>xattr name → hex value.</summary>
    public SortedDictionary<string, string> Xattrs { get; } = new(StringComparer.Ordinal);
}

/// <summary>Walks and compares trees.</summary>
public static class TreeComparer
{
    /// <summary>Reads every path under <paramref name="root"/> (the root itself as ".").</summary>
    public static SortedDictionary<string, TreeEntry> Scan(string root)
    {
        var find = Tools.Require("find", "apt-get install -y findutils");
        var r = Tools.RunOk(find, root, "-printf", "%P\\0%y\\0%m\\0%U\\0%G\\0%s\\0%l\\0");
        var fields = r.Stdout.Split('\0');
        var entries = new SortedDictionary<string, TreeEntry>(StringComparer.Ordinal);
        for (int i = 0; i + 7 <= fields.Length; i += 7)
        {
            var path = fields[i].Length == 0 ? "." : fields[i];
            char type = fields[i + 1][0];
            entries[path] = new TreeEntry(
                path,
                type,
                Convert.ToInt32(fields[i + 2], 8),
                int.Parse(fields[i + 3], CultureInfo.InvariantCulture),
                int.Parse(fields[i + 4], CultureInfo.InvariantCulture),
                type == 'd' ? 0 : long.Parse(fields[i + 5], CultureInfo.InvariantCulture),
                fields[i + 6]);
        }
        ReadXattrs(root, entries);
        return entries;
    }

    private static void ReadXattrs(string root, SortedDictionary<string, TreeEntry> entries)
    {
        var getfattr = Tools.Require("getfattr", "apt-get install -y attr");
        var full = Path.GetFullPath(root).TrimEnd('/');
        var r = Tools.Run(getfattr, "-R", "-h", "-d", "-e", "hex", "-m", "^(user|trusted)\\.", "--absolute-names", full);
        // getfattr exits 1 when some path has no xattr support (e.g. symlinks on some file systems); the dump is still complete.
        if (r.ExitCode != 0 && r.Stdout.Length == 0 && r.Stderr.Length > 0)
            throw new InvalidOperationException($"getfattr failed: {r}");
        TreeEntry? current = null;
        foreach (var line in r.Stdout.Split('\n'))
        {
            if (line.StartsWith("# file: ", StringComparison.Ordinal))
            {
                var p = Unescape(line["# file: ".Length..]);
                var rel = p == full ? "." : p.StartsWith(full + "/", StringComparison.Ordinal) ? p[(full.Length + 1)..] : null;
                current = rel is not null && entries.TryGetValue(rel, out var e) ? e : null;
            }
            else if (current is not null && line.Length > 0)
            {
                int eq = line.IndexOf('=', StringComparison.Ordinal);
                var name = eq < 0 ? line : line[..eq];
                var value = eq < 0 ? "" : line[(eq + 1)..];
                if (value.StartsWith("0x", StringComparison.Ordinal))
                    value = value[2..];
                // ostree does not record xattrs whose value is empty (commit parity tests
                // check arbor drops them too), so a checkout never has them: ignore them here.
                if (value.Length > 0)
                    current.Xattrs[name] = value;
            }
        }
    }

    // getfattr escapes unusual bytes in file names as \ooo octal.
    private static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
            return s;
        var bytes = new List<byte>();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                bytes.Add((byte)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(s[i].ToString()));
            }
        }
        return System.Text.Encoding.UTF8.GetString([.. bytes]);
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s.Skip(at).Take(3).All(c => c is >= '0' and <= '7');

    /// <summary>The SHA-256 of a regular file's content, hex.</summary>
    public static string Digest(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    /// <summary>
    /// Compares two trees; returns null when they match in <paramref name="aspects"/>, otherwise a
    /// description of the first difference (in path order).
    /// </summary>
    public static string? Compare(string expectedRoot, string actualRoot, TreeAspects aspects = TreeAspects.All)
    {
        var expected = Scan(expectedRoot);
        var actual = Scan(actualRoot);
        foreach (var path in expected.Keys.Union(actual.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (!expected.TryGetValue(path, out var e))
                return $"{path}: only in {actualRoot}";
            if (!actual.TryGetValue(path, out var a))
                return $"{path}: missing from {actualRoot}";
            var diff = CompareEntry(expectedRoot, actualRoot, e, a, aspects);
            if (diff is not null)
                return $"{path}: {diff} (expected from {expectedRoot}, actual in {actualRoot})";
        }
        return null;
    }

    private static string? CompareEntry(string eRoot, string aRoot, TreeEntry e, TreeEntry a, TreeAspects aspects)
    {
        if (e.Type != a.Type)
            return $"type {e.Type} != {a.Type}";
        if (aspects.HasFlag(TreeAspects.Mode) && e.Type != 'l' && e.Mode != a.Mode)
            return $"mode {Convert.ToString(e.Mode, 8)} != {Convert.ToString(a.Mode, 8)}";
        if (aspects.HasFlag(TreeAspects.Owner) && (e.Uid != a.Uid || e.Gid != a.Gid))
            return $"owner {e.Uid}:{e.Gid} != {a.Uid}:{a.Gid}";
        if (e.Type == 'l' && e.Target != a.Target)
            return $"symlink target '{e.Target}' != '{a.Target}'";
        if (e.Type == 'f')
        {
            if (e.Size != a.Size)
                return $"size {e.Size} != {a.Size}";
            var ed = Digest(Path.Combine(eRoot, e.Path));
            var ad = Digest(Path.Combine(aRoot, a.Path));
            if (ed != ad)
                return $"content sha256 {ed} != {ad}";
        }
        if (aspects.HasFlag(TreeAspects.Xattrs))
        {
            var ex = string.Join(", ", e.Xattrs.Select(kv => $"{kv.Key}={kv.Value}"));
            var ax = string.Join(", ", a.Xattrs.Select(kv => $"{kv.Key}={kv.Value}"));
            if (ex != ax)
                return $"xattrs [{ex}] != [{ax}]";
        }
        return null;
    }
}
