// The static deltas stored in a repository and their indexes: listing (deltas/ directories with a
// superblock), deletion, and delta-indexes/<to_b64[0:2]>/<to_b64[2:]>.index files as ostree 2022.7
// writes them — an a{sv} {"ostree.static-deltas": a{sv} {"FROM-TO" or "TO": ay digest}} per
// to-commit, froms sorted and then in glib's hash order (GVariantDict), rewritten only when the bytes change. Reindexing also sets
// [core] indexed-deltas=true so pullers know to look for the files.
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Deltas;

/// <summary>Listing, deleting and indexing static deltas.</summary>
public static class DeltaIndexes
{
    /// <summary>Parses "FROM-TO" or "TO".</summary>
    /// <exception cref="OstreeException">A checksum is invalid.</exception>
    public static (Checksum? From, Checksum To) ParseName(string name)
    {
        int dash = name.IndexOf('-');
        var first = dash < 0 ? name : name[..dash];
        if (!Checksum.TryParse(first, out var a))
            throw new OstreeException($"Invalid rev {first}");
        if (dash < 0)
            return (null, a);
        var second = name[(dash + 1)..];
        if (!Checksum.TryParse(second, out var b))
            throw new OstreeException($"Invalid rev {second}");
        return (a, b);
    }

    /// <summary>Names of all deltas in the repository.</summary>
    public static List<string> List(Repository repo) => repo.ListStaticDeltaDigests().Select(e => e.Name).ToList();

    /// <summary>Removes a delta's directory.</summary>
    /// <exception cref="OstreeException">The delta does not exist.</exception>
    public static void Delete(Repository repo, string name)
    {
        var (from, to) = ParseName(name);
        var dir = Path.Combine(repo.Path, Repository.StaticDeltaRelativeDir(from, to));
        if (!Directory.Exists(dir))
            throw new OstreeException($"Can't find delta {name}");
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>The index file path of a to-commit, relative to the repository.</summary>
    public static string IndexRelativePath(Checksum to)
    {
        var t = Repository.ModifiedBase64(to);
        return $"delta-indexes/{t[..2]}/{t[2..]}.index";
    }

    /// <summary>To-commits that have an index file.</summary>
    public static List<Checksum> ListIndexes(Repository repo)
    {
        var list = new List<Checksum>();
        var root = Path.Combine(repo.Path, "delta-indexes");
        if (!Directory.Exists(root))
            return list;
        foreach (var d in Directory.EnumerateDirectories(root))
        {
            var p = Path.GetFileName(d);
            if (p.Length != 2)
                continue;
            foreach (var f in Directory.EnumerateFiles(d))
            {
                var n = Path.GetFileName(f);
                if (n.Length != 41 + 6 || !n.EndsWith(".index", StringComparison.Ordinal))
                    continue;
                if (Repository.TryParseModifiedBase64(p + n[..41], out var c))
                    list.Add(c);
            }
        }
        return list;
    }

    /// <summary>The bytes of an index listing <paramref name="deltas"/> (all to the same commit).</summary>
    public static byte[] BuildIndex(IEnumerable<StaticDeltaEntry> deltas)
    {
        // ostree sorts the from-commits, inserts them into a GVariantDict and ends it in hash order.
        var inner = new GVariantDict();
        foreach (var d in deltas.OrderBy(d => d.From?.ToString() ?? "", StringComparer.Ordinal))
            inner.Insert(d.Name, new GVBytes(d.Digest.ToBytes()));
        var outer = new GVariantDict();
        outer.Insert("ostree.static-deltas", inner.ToValue());
        return outer.ToValue().Serialize();
    }

    /// <summary>Regenerates delta-indexes/ (all, or only for <paramref name="onlyTo"/>).</summary>
    public static void Reindex(Repository repo, Checksum? onlyTo)
    {
        if (repo.Config.Get("core", "indexed-deltas") is not ("true" or "1"))
        {
            var config = repo.Config;
            config.Set("core", "indexed-deltas", "true");
            repo.SaveConfig(config);
        }
        var byTo = new Dictionary<Checksum, List<StaticDeltaEntry>?>();
        if (onlyTo is { } ot)
            byTo[ot] = null;
        else
            foreach (var c in ListIndexes(repo))
                byTo[c] = null;
        foreach (var d in repo.ListStaticDeltaDigests())
        {
            if (onlyTo is { } o && d.To != o)
                continue;
            if (!byTo.TryGetValue(d.To, out var l) || l is null)
                byTo[d.To] = l = [];
            l.Add(d);
        }
        foreach (var (to, list) in byTo)
        {
            var path = Path.Combine(repo.Path, IndexRelativePath(to));
            if (list is null)
            {
                if (File.Exists(path))
                    File.Delete(path);
                continue;
            }
            var bytes = BuildIndex(list);
            if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
                continue;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.WriteAllBytes(path, bytes, repo.Fsync);
        }
    }

}
