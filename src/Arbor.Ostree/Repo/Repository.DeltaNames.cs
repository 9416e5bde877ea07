// Where static deltas live and what they are called. A delta from A to B is stored under
// deltas/<mb64(A)[0:2]>/<mb64(A)[2:]>-<mb64(B)>/ and a from-scratch delta to B under
// deltas/<mb64(B)[0:2]>/<mb64(B)[2:]>/, where mb64 is base64 without padding and with '/' as '_'.
// Their names in summaries are "FROM-TO" or "TO" in hex. The summary lists each delta with the
// SHA-256 of its superblock.
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

/// <summary>A static delta found in the repository.</summary>
/// <param name="From">The from-commit, or null for a from-scratch delta.</param>
/// <param name="To">The to-commit.</param>
/// <param name="Digest">SHA-256 of the superblock file.</param>
public sealed record StaticDeltaEntry(Checksum? From, Checksum To, Checksum Digest)
{
    /// <summary>The summary name: <c>FROM-TO</c> or <c>TO</c>.</summary>
    public string Name => From is null ? To.ToString() : $"{From}-{To}";
}

public sealed partial class Repository
{
    /// <summary>ostree's "modified base64" of a checksum: 43 characters, '/' replaced by '_'.</summary>
    public static string ModifiedBase64(Checksum c) => Convert.ToBase64String(c.ToBytes()).TrimEnd('=').Replace('/', '_');

    /// <summary>Parses a modified-base64 checksum.</summary>
    public static bool TryParseModifiedBase64(string s, out Checksum c)
    {
        c = default;
        if (s.Length != 43)
            return false;
        try
        {
            var bytes = Convert.FromBase64String(s.Replace('_', '/') + "=");
            c = new Checksum(bytes);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The directory of a delta relative to the repository.</summary>
    public static string StaticDeltaRelativeDir(Checksum? from, Checksum to)
    {
        var t = ModifiedBase64(to);
        if (from is null)
            return $"deltas/{t[..2]}/{t[2..]}";
        var f = ModifiedBase64(from.Value);
        return $"deltas/{f[..2]}/{f[2..]}-{t}";
    }

    /// <summary>Every static delta with a superblock, with its digest.</summary>
    /// <param name="sorted">Sort by name; otherwise the directory order, in which ostree inserts deltas into
    /// the summary's GVariantDict (and which therefore decides the entry order when keys collide).</param>
    public List<StaticDeltaEntry> ListStaticDeltaDigests(bool sorted = true)
    {
        var list = new List<StaticDeltaEntry>();
        var root = System.IO.Path.Combine(Path, "deltas");
        if (!Directory.Exists(root))
            return list;
        foreach (var prefixDir in Directory.EnumerateDirectories(root))
        {
            var prefix = System.IO.Path.GetFileName(prefixDir);
            foreach (var dir in Directory.EnumerateDirectories(prefixDir))
            {
                var superblock = System.IO.Path.Combine(dir, "superblock");
                if (!File.Exists(superblock))
                    continue;
                var rest = System.IO.Path.GetFileName(dir);
                int dash = rest.IndexOf('-');
                Checksum? from = null;
                Checksum to;
                if (dash < 0)
                {
                    if (!TryParseModifiedBase64(prefix + rest, out to))
                        continue;
                }
                else
                {
                    if (!TryParseModifiedBase64(prefix + rest[..dash], out var f) || !TryParseModifiedBase64(rest[(dash + 1)..], out to))
                        continue;
                    from = f;
                }
                list.Add(new StaticDeltaEntry(from, to, Checksum.Of(File.ReadAllBytes(superblock))));
            }
        }
        if (sorted)
            list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }
}
