// Texts ostree prints from data the engines return: `summary --view`, `diff --stats`, and the
// closing lines of pull and pull-local. The engines hand over records; the words are here.
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Arbor.Native;
using Arbor.Ostree;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;

namespace Arbor.Cli;

/// <summary>ostree's wording for summaries, diff statistics and pull results.</summary>
internal static class OstreeText
{
    /// <summary>The text of <c>ostree summary --view</c>.</summary>
    public static string View(Summary summary)
    {
        var sb = new StringBuilder();
        foreach (var r in summary.Refs)
        {
            sb.Append("* ").Append(TerminalText.Escape(r.Name)).Append('\n');
            sb.Append("    Latest Commit (").Append(ByteSize.Format(r.CommitSize)).Append("):\n");
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
        foreach (var (k, v) in summary.Metadata)
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

    /// <summary>The lines of <c>ostree diff --stats</c>.</summary>
    public static string DiffStats(DiffStats s) =>
        $"[A] Object Count: {s.CountA}\n[B] Object Count: {s.CountB}\nCommon Object Count: {s.Common}\nCommon Object Size: {ByteSize.Format(s.CommonSize)}\n";

    /// <summary>ostree's closing line, e.g. "3 metadata, 10 content objects fetched; 120 KiB transferred in 0 seconds; 1.2 MB content written",
    /// or "1 delta parts, 3 loose fetched; …" when deltas were used.</summary>
    public static string PullSummary(PullResult r)
    {
        var s = r.Delta.PartsFetched > 0
            ? $"{r.Delta.PartsFetched} delta parts, {r.MetadataFetched + r.ContentFetched} loose fetched"
            : $"{r.MetadataFetched} metadata, {r.ContentFetched} content objects fetched";
        if (r.MetadataLocal + r.ContentLocal > 0)
            s += $" ({r.MetadataLocal} meta, {r.ContentLocal} content local)";
        if (r.BytesTransferred > 0)
            s += r.BytesTransferred < 1024 ? $"; {r.BytesTransferred} B transferred in {(int)r.Elapsed.TotalSeconds} seconds" : $"; {r.BytesTransferred / 1024} KiB transferred in {(int)r.Elapsed.TotalSeconds} seconds";
        return s + $"; {ByteSize.Format((ulong)r.ContentBytesWritten)} content written";
    }

    /// <summary>ostree's closing line of pull-local, e.g. "5 metadata, 3 content objects imported; 5 bytes content written".</summary>
    public static string LocalPullSummary(LocalPullResult r) =>
        $"{r.MetadataImported} metadata, {r.ContentImported} content objects imported; {ByteSize.Format((ulong)r.ContentBytesWritten)} content written";

    /// <summary>ostree's pull progress line ("Receiving objects: 12/40 1.2 MB 600 kB/s").</summary>
    public static string PullProgressLine(PullProgress p)
    {
        var rate = ByteSize.Format((ulong)(p.Bytes / Math.Max(p.Elapsed.TotalSeconds, 0.001)));
        var d = p.Delta;
        return d.PartsTotal + d.FallbacksTotal > 0
            ? $"Receiving delta parts: {d.PartsFetched + d.FallbacksFetched}/{d.PartsTotal + d.FallbacksTotal} {ByteSize.Format(d.FetchedSize)}/{ByteSize.Format(d.TotalSize)} {rate}/s"
            : $"Receiving objects: {p.MetadataFetched + p.ContentFetched}/{Math.Max(p.ObjectsRequested, 1)} {ByteSize.Format((ulong)p.Bytes)} {rate}/s";
    }

    /// <summary>The progress line of pull-local ("Importing objects: 12/40").</summary>
    public static string LocalPullProgressLine(LocalPullProgress p) => $"Importing objects: {p.Imported}/{p.Total}";

    /// <summary>The line <c>ostree pull --dry-run</c> prints, e.g. "Delta update: 1/2 parts, 1.2 kB/4.5 kB, 9.0 kB total uncompressed".</summary>
    public static string DryRunLine(DeltaPullStats d) =>
        $"Delta update: {d.PartsFetched + d.FallbacksFetched}/{d.PartsTotal + d.FallbacksTotal} parts, {ByteSize.Format(d.FetchedSize)}/{ByteSize.Format(d.TotalSize)}, {ByteSize.Format(d.TotalUncompressedSize)} total uncompressed";

    /// <summary>Seconds since the epoch as glib's <c>%FT%T%:::z</c> in UTC.</summary>
    public static string Iso8601(ulong secs)
    {
        // A summary comes from a server: its timestamps are whatever it says, and GDateTime (like
        // DateTimeOffset) covers years 1..9999 only. ostree reads the value as a gint64.
        long s = unchecked((long)secs);
        if (s < GlibTime.MinUnixSeconds || s > GlibTime.MaxUnixSeconds)
            return "invalid";
        return DateTimeOffset.FromUnixTimeSeconds(s).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "+00";
    }
}
