// One Boot Loader Specification entry (boot/loader.N/entries/ostree-*.conf), read and written
// the way libostree's ostree-bootconfig-parser.c does so that the bytes match: lines starting
// with a letter split at the first space or tab into key and value, a repeated "initrd" becomes an
// overlay initrd, and on writing the known keys come first in the spec's order (title, version,
// options, devicetree, linux, initrd), then overlay initrds, then any other keys in glib's
// GHashTable order (GVariantDict replays that table).
using System.Text;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Sysroot;

/// <summary>A BLS boot entry.</summary>
public sealed class BootConfig
{
    private static readonly string[] KnownOrder = ["title", "version", "options", "devicetree", "linux", "initrd"];

    private readonly GVariantDict _options = new();

    /// <summary>Extra initrds (after the first "initrd" line).</summary>
    public List<string> OverlayInitrds { get; } = [];

    /// <summary>The file name this entry was read from, if any.</summary>
    public string? FileName { get; private set; }

    /// <summary>The value of a key, or null.</summary>
    public string? Get(string key) => _options.TryGetValue(key, out var v) ? ((GVString)v).Value : null;

    /// <summary>Sets a key (a later set keeps the key's place in the hash table).</summary>
    public void Set(string key, string value) => _options.Insert(key, GVariantValue.Str(value));

    /// <summary>A copy of this entry.</summary>
    public BootConfig Clone()
    {
        var c = new BootConfig { FileName = FileName };
        foreach (var (k, v) in _options.End())
            c._options.Insert(k, v);
        c.OverlayInitrds.AddRange(OverlayInitrds);
        return c;
    }

    /// <summary>Parses entry text.</summary>
    public static BootConfig Parse(string text, string? fileName = null)
    {
        var c = new BootConfig { FileName = fileName };
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || !char.IsAsciiLetter(line[0]))
                continue;
            int sep = line.IndexOfAny([' ', '\t']);
            if (sep <= 0)
                continue;
            var key = line[..sep];
            var value = line[(sep + 1)..];
            if (key == "initrd" && c.Get("initrd") is not null)
                c.OverlayInitrds.Add(value);
            else
                c.Set(key, value);
        }
        return c;
    }

    /// <summary>Reads an entry file.</summary>
    public static BootConfig Load(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path), System.IO.Path.GetFileName(path));
        }
        catch (IOException e)
        {
            throw new OstreeException($"Parsing {System.IO.Path.GetFileName(path)}: {e.Message}", e);
        }
    }

    /// <summary>The entry's key/value lines in libostree's order: the known keys, extra initrds, then the rest.</summary>
    public List<KeyValuePair<string, string>> Lines()
    {
        var lines = new List<KeyValuePair<string, string>>();
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in KnownOrder)
        {
            if (Get(key) is { } v)
            {
                lines.Add(new(key, v));
                written.Add(key);
            }
        }
        foreach (var o in OverlayInitrds)
            lines.Add(new("initrd", o));
        foreach (var (k, v) in _options.End())
        {
            if (!written.Contains(k))
                lines.Add(new(k, ((GVString)v).Value));
        }
        return lines;
    }

    /// <summary>The entry text, byte-identical to libostree's writer.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in Lines())
            sb.Append(k).Append(' ').Append(v).Append('\n');
        return sb.ToString();
    }

    /// <summary>Writes the entry atomically (temp file + rename, no data sync, like libostree).</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, ToString(), fsync: false);
}
