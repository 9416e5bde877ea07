// The repository summary `(a(s(taya{sv}))a{sv})`: every local ref with its commit's size,
// checksum, timestamp and version, plus repository-wide metadata (mode, last-modified, static
// deltas, collection id). Pull reads it first to learn which commits to fetch; `summary -u`
// writes it atomically (temp file, then rename) so a server never publishes half a summary.
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

/// <summary>One ref listed in a summary.</summary>
/// <param name="Name">The ref name.</param>
/// <param name="CommitSize">Size in bytes of the commit object.</param>
/// <param name="Checksum">The commit.</param>
/// <param name="Metadata">Per-ref metadata (<c>ostree.commit.timestamp</c>, <c>ostree.commit.version</c>).</param>
public sealed record SummaryRef(string Name, ulong CommitSize, Checksum Checksum, IReadOnlyList<KeyValuePair<string, GVariantValue>> Metadata)
{
    /// <summary>The commit timestamp, when listed.</summary>
    public ulong? Timestamp => Metadata.FirstOrDefault(m => m.Key == "ostree.commit.timestamp").Value is GVNumber n ? BinaryPrimitives.ReverseEndianness(n.Bits) : null;

    /// <summary>The commit version, when listed.</summary>
    public string? Version => Metadata.FirstOrDefault(m => m.Key == "ostree.commit.version").Value is GVString s ? s.Value : null;
}

/// <summary>A parsed summary file.</summary>
public sealed record Summary(IReadOnlyList<SummaryRef> Refs, IReadOnlyList<KeyValuePair<string, GVariantValue>> Metadata)
{
    /// <summary>The GVariant type of a summary.</summary>
    public static readonly GVariantType Type = GVariantType.Parse("(a(s(taya{sv}))a{sv})");

    private static readonly GVariantType RefType = GVariantType.Parse("(s(taya{sv}))");

    /// <summary>Looks up a ref.</summary>
    public SummaryRef? Find(string name) => Refs.FirstOrDefault(r => r.Name == name);

    /// <summary>A metadata value, or null.</summary>
    public GVariantValue? GetMetadata(string key) => Metadata.FirstOrDefault(m => m.Key == key).Value;

    /// <summary>Serializes the summary.</summary>
    public byte[] Serialize()
    {
        var refs = Refs.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => (GVariantValue)new GVTuple([
            GVariantValue.Str(r.Name),
            new GVTuple([new GVNumber('t', r.CommitSize), new GVBytes(r.Checksum.ToBytes()), Commit.MetadataToValue(r.Metadata)]),
        ])).ToArray();
        return new GVTuple([new GVArray(RefType, refs), Commit.MetadataToValue(Metadata)]).Serialize();
    }

    /// <summary>Parses summary bytes.</summary>
    /// <exception cref="RepoException">The data is not a summary.</exception>
    public static Summary Parse(ReadOnlyMemory<byte> data, string source = "summary")
    {
        try
        {
            var v = new GVariantView(Type, data);
            var refsView = v[0];
            var refs = new List<SummaryRef>(refsView.ChildCount);
            for (int i = 0; i < refsView.ChildCount; i++)
            {
                var r = refsView[i];
                var body = r[1];
                refs.Add(new SummaryRef(r[0].GetString(), body[0].GetUInt64(), new Checksum(body[1].GetBytes().Span), Commit.MetadataFromView(body[2])));
            }
            return new Summary(refs, Commit.MetadataFromView(v[1]));
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException or InvalidOperationException)
        {
            throw new RepoException($"Invalid summary from {source}: {e.Message}", e);
        }
    }

    /// <summary>Builds the summary of a repository's local refs, as <c>ostree summary -u</c> does.</summary>
    public static Summary Generate(Repository repo, IEnumerable<KeyValuePair<string, GVariantValue>>? additional = null)
    {
        var refs = new List<SummaryRef>();
        foreach (var r in repo.ListRefs(includeRemotes: false))
        {
            var bytes = repo.LoadMetadataBytes(r.Target, ObjectType.Commit);
            var commit = Commit.Parse(bytes);
            // ostree builds every a{sv} here with GVariantDict, so entries come out in glib's hash order.
            var meta = new GVariantDict();
            meta.Insert("ostree.commit.timestamp", new GVNumber('t', BinaryPrimitives.ReverseEndianness(commit.Timestamp)));
            if (commit.Version is { } version)
                meta.Insert("ostree.commit.version", GVariantValue.Str(version));
            refs.Add(new SummaryRef(r.Name, (ulong)bytes.Length, r.Target, meta.End()));
        }
        var metadata = new GVariantDict(additional ?? []);
        if (!repo.Config.GetBool("core", "no-deltas-in-summary", false))
        {
            var deltas = new GVariantDict();
            foreach (var d in repo.ListStaticDeltaDigests(sorted: false))
                deltas.Insert(d.Name, new GVBytes(d.Digest.ToBytes()));
            if (deltas.Count > 0)
                metadata.Insert("ostree.static-deltas", deltas.ToValue());
        }
        metadata.Insert("ostree.summary.last-modified", new GVNumber('t', BinaryPrimitives.ReverseEndianness((ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds())));
        metadata.Insert("ostree.summary.mode", GVariantValue.Str(repo.Config.Get("core", "mode") ?? "bare"));
        metadata.Insert("ostree.summary.tombstone-commits", GVariantValue.Bool(repo.Config.GetBool("core", "tombstone-commits", false)));
        metadata.Insert("ostree.summary.indexed-deltas", GVariantValue.Bool(true));
        if (repo.CollectionId is { } cid)
            metadata.Insert("ostree.summary.collection-id", GVariantValue.Str(cid));
        return new Summary(refs, metadata.End());
    }

    /// <summary>Writes <c>summary</c> atomically and removes a stale <c>summary.sig</c>.</summary>
    public void WriteTo(Repository repo)
    {
        AtomicFile.WriteAllBytes(System.IO.Path.Combine(repo.Path, "summary"), Serialize(), repo.Fsync);
        var sig = System.IO.Path.Combine(repo.Path, "summary.sig");
        if (File.Exists(sig))
            File.Delete(sig);
    }

    /// <summary>The text of <c>ostree summary --view</c>.</summary>
    public string View()
    {
        var sb = new StringBuilder();
        foreach (var r in Refs)
        {
            // Names and strings come from the remote: control characters escaped (values printed as GVariant text already are).
            sb.Append("* ").Append(TerminalText.Escape(r.Name)).Append('\n');
            sb.Append("    Latest Commit (").Append(FormatSize(r.CommitSize)).Append("):\n");
            sb.Append("      ").Append(r.Checksum).Append('\n');
            foreach (var (k, v) in r.Metadata)
            {
                if (k == "ostree.commit.timestamp" && v is GVNumber t)
                    sb.Append("    Timestamp (").Append(k).Append("): ").Append(Iso8601(BinaryPrimitives.ReverseEndianness(t.Bits))).Append('\n');
                else if (k == "ostree.commit.version" && v is GVString s)
                    sb.Append("    Version (").Append(k).Append("): ").Append(TerminalText.Escape(s.Value)).Append('\n');
                else
                    sb.Append("    ").Append(TerminalText.Escape(k)).Append(": ").Append(v.Print()).Append('\n');
            }
            sb.Append('\n');
        }
        foreach (var (k, v) in Metadata)
        {
            string line = (k, v) switch
            {
                ("ostree.static-deltas", _) => $"Static Deltas ({k}): {v.Print()}",
                ("ostree.summary.last-modified", GVNumber n) => $"Last-Modified ({k}): {Iso8601(BinaryPrimitives.ReverseEndianness(n.Bits))}",
                ("ostree.summary.expires", GVNumber n) => $"Expires ({k}): {Iso8601(BinaryPrimitives.ReverseEndianness(n.Bits))}",
                ("ostree.summary.collection-id", GVString s) => $"Collection ID ({k}): {TerminalText.Escape(s.Value)}",
                ("ostree.summary.mode", GVString s) => $"Repository Mode ({k}): {TerminalText.Escape(s.Value)}",
                ("ostree.summary.tombstone-commits", GVNumber b) => $"Has Tombstone Commits ({k}): {(b.Bits != 0 ? "Yes" : "No")}",
                _ => $"{TerminalText.Escape(k)}: {v.Print()}",
            };
            sb.Append(line).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Seconds since the epoch as glib's <c>%FT%T%:::z</c> in UTC.</summary>
    public static string Iso8601(ulong secs) =>
        DateTimeOffset.FromUnixTimeSeconds((long)secs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "+00";

    /// <summary>Sizes as glib's g_format_size prints them (SI units, a no-break space before kB and up).</summary>
    public static string FormatSize(ulong size) => CommitPrinter.FormatSize(size);
}
