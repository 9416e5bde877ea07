// Kernel command lines as libostree edits them (ostree-kernel-args.c): an ordered list of
// KEY[=VALUE] entries plus an index from key to its entries. Deploy, `kargs edit-in-place` and
// `instutil set-kargs` build the BLS "options" line through this type, so its quirks are kept:
// splitting on single spaces (empty arguments survive a round trip), replace keeping the position
// of the first entry of a key, delete by key only when the key has a single value.
using System.Text;

namespace Arbor.Ostree.Sysroot;

/// <summary>An ordered, editable kernel command line.</summary>
public sealed class KernelArgs
{
    private sealed class Entry(string key, string? value)
    {
        public string Key { get; } = key;
        public string? Value { get; set; } = value;
    }

    private readonly List<Entry> _order = [];
    private readonly Dictionary<string, List<Entry>> _table = new(StringComparer.Ordinal);

    /// <summary>Parses a command line, splitting on single spaces like <c>g_strsplit (s, " ", -1)</c>.</summary>
    public static KernelArgs Parse(string? options)
    {
        var k = new KernelArgs();
        k.AppendAll(SplitOptions(options));
        return k;
    }

    /// <summary>Splits on single spaces; null or empty gives nothing (as g_strsplit).</summary>
    public static string[] SplitOptions(string? options) => string.IsNullOrEmpty(options) ? [] : options.Split(' ');

    private static (string Key, string? Value) Split(string arg)
    {
        int eq = arg.IndexOf('=');
        return eq < 0 ? (arg, null) : (arg[..eq], arg[(eq + 1)..]);
    }

    /// <summary>Appends an argument, keeping any existing values of its key.</summary>
    public void Append(string arg)
    {
        var (key, value) = Split(arg);
        var e = new Entry(key, value);
        if (!_table.TryGetValue(key, out var list))
            _table[key] = list = [];
        list.Add(e);
        _order.Add(e);
    }

    /// <summary>Appends each argument.</summary>
    public void AppendAll(IEnumerable<string> args)
    {
        foreach (var a in args)
            Append(a);
    }

    /// <summary>Appends the arguments that do not start with one of <paramref name="prefixes"/>.</summary>
    public void AppendFiltered(IEnumerable<string> args, IReadOnlyList<string> prefixes)
    {
        foreach (var a in args)
        {
            if (!prefixes.Any(p => a.StartsWith(p, StringComparison.Ordinal)))
                Append(a);
        }
    }

    /// <summary>Appends the running kernel's command line, without the bootloader-added BOOT_IMAGE= and initrd=.</summary>
    public void AppendProcCmdline(string path = "/proc/cmdline")
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new OstreeException($"Reading {path}: {e.Message}", e);
        }
        AppendFiltered(text.TrimEnd(' ', '\t', '\n', '\r', '\f', '\v').Split(' '), ["BOOT_IMAGE=", "initrd="]);
    }

    /// <summary>Sets KEY to exactly this value: all entries of the key become one, at the first one's position.</summary>
    public void Replace(string arg)
    {
        var (key, value) = Split(arg);
        var e = new Entry(key, value);
        if (_table.TryGetValue(key, out var old))
        {
            int at = _order.FindIndex(x => x.Key == key);
            foreach (var o in old)
                _order.Remove(o);
            _order.Insert(at, e);
        }
        else
        {
            _order.Add(e);
        }
        _table[key] = [e];
    }

    /// <summary>Replaces each argument.</summary>
    public void ReplaceAll(IEnumerable<string> args)
    {
        foreach (var a in args)
            Replace(a);
    }

    /// <summary>Changes a value in place: <c>KEY=NEW</c> when the key has one value, or <c>KEY=OLD=NEW</c>.</summary>
    public void NewReplace(string arg)
    {
        var (key, value) = Split(arg);
        if (!_table.TryGetValue(key, out var entries))
            throw new OstreeException($"No key '{key}' found");
        if (value is not null && value.Contains('='))
        {
            var (oldVal, newVal) = Split(value);
            var hit = entries.FirstOrDefault(x => x.Value == oldVal)
                ?? throw new OstreeException($"No karg '{key}={oldVal}' found");
            hit.Value = newVal;
            return;
        }
        if (entries.Count > 1)
            throw new OstreeException($"Multiple values for key '{key}' found");
        entries[0].Value = value;
    }

    /// <summary>Deletes <c>KEY</c> (only when it has one value) or <c>KEY=VALUE</c>.</summary>
    public void Delete(string arg)
    {
        var (key, value) = Split(arg);
        if (!_table.TryGetValue(key, out var entries))
            throw new OstreeException($"No key '{key}' found");
        if (entries.Count == 1)
        {
            if (value is not null && value != entries[0].Value)
                throw new OstreeException($"No karg '{key}={value}' found");
            _order.Remove(entries[0]);
            _table.Remove(key);
            return;
        }
        var hit = entries.FirstOrDefault(x => x.Value == value);
        if (hit is null)
        {
            throw new OstreeException(value is null
                ? $"Multiple values for key '{arg}' found"
                : $"No karg '{arg}' found");
        }
        _order.Remove(hit);
        entries.Remove(hit);
    }

    /// <summary>Deletes every value of a key.</summary>
    public void DeleteKey(string key)
    {
        if (!_table.Remove(key, out var entries))
            throw new OstreeException($"No key '{key}' found");
        foreach (var e in entries)
            _order.Remove(e);
    }

    /// <summary>True when the key of <paramref name="arg"/> is present.</summary>
    public bool Contains(string arg) => _table.ContainsKey(Split(arg).Key);

    /// <summary>Appends unless the key is already present.</summary>
    public void AppendIfMissing(string arg)
    {
        if (!Contains(arg))
            Append(arg);
    }

    /// <summary>Deletes when the key is present.</summary>
    public void DeleteIfPresent(string arg)
    {
        if (Contains(arg))
            Delete(arg);
    }

    /// <summary>The last value of a key (null when absent or valueless).</summary>
    public string? GetLastValue(string key) => _table.TryGetValue(key, out var l) ? l[^1].Value : null;

    /// <summary>The arguments in order.</summary>
    public string[] ToArray() => _order.Select(e => e.Value is null ? e.Key : e.Key + "=" + e.Value).ToArray();

    /// <summary>The command line, arguments joined by single spaces.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < _order.Count; i++)
        {
            if (i > 0)
                sb.Append(' ');
            sb.Append(_order[i].Key);
            if (_order[i].Value is { } v)
                sb.Append('=').Append(v);
        }
        return sb.ToString();
    }
}
