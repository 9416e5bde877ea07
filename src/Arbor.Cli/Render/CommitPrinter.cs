// Text forms ostree prints about objects (ot-dump.c), shared by `show`, `log`, `prune` and `diff`:
// the commit block ("commit CSUM", "Parent:", "ContentChecksum:", "Date:", "Version:", indented
// subject and body), the --raw variant dump (which ostree byteswaps on little-endian hosts before
// printing). Input is parsed objects; output is strings.
// Subject, body and version come from whoever made the commit (a remote, for pulled ones), so
// their control characters are escaped (TerminalText); line breaks stay, as ostree indents each line.
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Arbor.Ostree;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;

namespace Arbor.Cli;

/// <summary>Formats objects the way the <c>ostree</c> command prints them.</summary>
internal static class CommitPrinter
{
    /// <summary>The header line of an object dump, e.g. <c>commit 0123…</c>.</summary>
    public static string ObjectHeader(ObjectType type, Checksum checksum) => $"{type.Name()} {checksum}\n";

    /// <summary>The full dump of a commit as <c>ostree show</c>/<c>ostree log</c> print it (including the header line).</summary>
    public static string FormatCommit(Checksum checksum, Commit commit, bool raw, ReadOnlyMemory<byte> serialized)
    {
        var sb = new StringBuilder(ObjectHeader(ObjectType.Commit, checksum));
        if (raw)
        {
            sb.Append(PrintSwapped(new GVariantView(Commit.Type, serialized).ToValue())).Append('\n');
            return sb.ToString();
        }
        if (commit.Parent is { } parent)
            sb.Append("Parent:  ").Append(parent).Append('\n');
        sb.Append("ContentChecksum:  ").Append(commit.ContentChecksum()).Append('\n');
        sb.Append("Date:  ").Append(FormatTimestamp(commit.Timestamp)).Append('\n');
        if (commit.Version is { } version)
            sb.Append("Version: ").Append(TerminalText.Escape(version)).Append('\n');
        if (commit.Subject.Length > 0)
        {
            sb.Append('\n');
            AppendIndented(sb, TerminalText.Escape(commit.Subject, keepNewlines: true));
        }
        else
        {
            sb.Append("(no subject)\n");
        }
        if (commit.Body.Length > 0)
        {
            sb.Append('\n');
            AppendIndented(sb, TerminalText.Escape(commit.Body, keepNewlines: true));
        }
        sb.Append('\n');
        return sb.ToString();
    }

    /// <summary>A commit timestamp as ostree prints it: <c>YYYY-MM-DD HH:MM:SS +0000</c> (always UTC).</summary>
    public static string FormatTimestamp(ulong timestamp)
    {
        // GLib's GDateTime covers years 1..9999; ostree fails on anything beyond.
        if (!GlibTime.InRange(timestamp))
            throw new OstreeException($"Failed to read commit: Invalid timestamp: {timestamp}");
        var dt = DateTimeOffset.FromUnixTimeSeconds((long)timestamp).UtcDateTime;
        return dt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " +0000";
    }

    private static void AppendIndented(StringBuilder sb, string text)
    {
        const string indent = "    ";
        int pos = 0;
        while (true)
        {
            int nl = text.IndexOf('\n', pos);
            if (nl >= 0)
            {
                sb.Append(indent).Append(text, pos, nl + 1 - pos);
                pos = nl + 1;
            }
            else
            {
                if (pos < text.Length)
                    sb.Append(indent).Append(text, pos, text.Length - pos).Append('\n');
                break;
            }
        }
    }

    /// <summary>Prints a value the way ostree's ot_dump_variant does: byteswapped, then with type annotations.</summary>
    public static string PrintSwapped(GVariantValue value) => GVariantText.Print(Byteswap(value), typeAnnotate: true);

    /// <summary>g_variant_byteswap: reverses the bytes of every multi-byte number in the value.</summary>
    public static GVariantValue Byteswap(GVariantValue value) => value switch
    {
        GVNumber n => n.Kind switch
        {
            'n' or 'q' => n with { Bits = BinaryPrimitives.ReverseEndianness((ushort)n.Bits) },
            'i' or 'u' or 'h' => n with { Bits = BinaryPrimitives.ReverseEndianness((uint)n.Bits) },
            'x' or 't' or 'd' => n with { Bits = BinaryPrimitives.ReverseEndianness(n.Bits) },
            _ => n,
        },
        GVVariant v => new GVVariant(Byteswap(v.Inner)),
        GVMaybe m => m.Inner is null ? m : m with { Inner = Byteswap(m.Inner) },
        GVArray a => a with { Items = a.Items.Select(Byteswap).ToArray() },
        GVTuple t => new GVTuple(t.Members.Select(Byteswap).ToArray()),
        GVDictEntry d => new GVDictEntry(Byteswap(d.Key), Byteswap(d.Value)),
        _ => value,
    };
}
