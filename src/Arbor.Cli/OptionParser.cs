// Command-line parsing with GLib's GOption rules, because `arbor ostree` must accept exactly what
// `ostree` accepts: --long=VALUE and --long VALUE, -sVALUE and -s VALUE, bundled short flags
// (-UH), repeatable options, options anywhere among the arguments, and "--" to stop parsing.
using System.Text;

namespace Arbor.Cli;

/// <summary>How an option takes its value.</summary>
public enum OptionArg
{
    /// <summary>A flag without a value.</summary>
    None,
    /// <summary>One value; the last one given wins.</summary>
    String,
    /// <summary>Repeatable; every value is kept in order.</summary>
    StringArray,
    /// <summary>An integer value.</summary>
    Int,
}

/// <summary>One option of a command.</summary>
/// <param name="Long">Long name without dashes.</param>
/// <param name="Short">Short letter, or '\0'.</param>
/// <param name="Arg">Value kind.</param>
/// <param name="Description">Help text.</param>
/// <param name="ArgName">Value placeholder for help.</param>
public sealed record OptionSpec(string Long, char Short, OptionArg Arg, string Description, string? ArgName = null);

/// <summary>The result of parsing.</summary>
public sealed class ParsedArgs
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    /// <summary>Positional arguments in order.</summary>
    public List<string> Positional { get; } = [];

    internal void Add(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list))
            _values[name] = list = [];
        list.Add(value);
    }

    /// <summary>True when the option was given.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The last value of an option, or null.</summary>
    public string? Get(string name) => _values.TryGetValue(name, out var l) ? l[^1] : null;

    /// <summary>All values of a repeatable option.</summary>
    public IReadOnlyList<string> GetAll(string name) => _values.TryGetValue(name, out var l) ? l : [];

    /// <summary>An integer option, or <paramref name="fallback"/>.</summary>
    public int GetInt(string name, int fallback)
    {
        var v = Get(name);
        if (v is null)
            return fallback;
        return int.TryParse(v, out var i) ? i : throw new UsageException($"Cannot parse integer value “{v}” for --{name}");
    }
}

/// <summary>Parses arguments against option specs.</summary>
public static class OptionParser
{
    /// <summary>Parses <paramref name="args"/>; unknown options are usage errors.</summary>
    public static ParsedArgs Parse(IReadOnlyList<string> args, IReadOnlyList<OptionSpec> specs)
    {
        var result = new ParsedArgs();
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                for (i++; i < args.Count; i++)
                    result.Positional.Add(args[i]);
                break;
            }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var body = a[2..];
                string? value = null;
                int eq = body.IndexOf('=');
                if (eq >= 0)
                {
                    value = body[(eq + 1)..];
                    body = body[..eq];
                }
                var spec = specs.FirstOrDefault(s => s.Long == body) ?? throw new UsageException($"Unknown option {a.Split('=')[0]}");
                if (spec.Arg == OptionArg.None)
                {
                    if (value is not null)
                        throw new UsageException($"Option --{body} does not take a value");
                    result.Add(spec.Long, "");
                    continue;
                }
                if (value is null)
                {
                    if (i + 1 >= args.Count)
                        throw new UsageException($"Missing argument for --{body}");
                    value = args[++i];
                }
                result.Add(spec.Long, value);
            }
            else if (a.Length > 1 && a[0] == '-')
            {
                for (int j = 1; j < a.Length; j++)
                {
                    char c = a[j];
                    var spec = specs.FirstOrDefault(s => s.Short == c) ?? throw new UsageException($"Unknown option -{c}");
                    if (spec.Arg == OptionArg.None)
                    {
                        result.Add(spec.Long, "");
                        continue;
                    }
                    string value;
                    if (j + 1 < a.Length)
                        value = a[(j + 1)..];
                    else if (i + 1 < args.Count)
                        value = args[++i];
                    else
                        throw new UsageException($"Missing argument for -{c}");
                    result.Add(spec.Long, value);
                    break;
                }
            }
            else
            {
                result.Positional.Add(a);
            }
        }
        return result;
    }

    /// <summary>Formats a help text in GOption's style.</summary>
    public static string Help(string usage, string summary, IReadOnlyList<OptionSpec> specs)
    {
        var sb = new StringBuilder();
        sb.Append("Usage:\n  ").Append(usage).Append("\n\n").Append(summary).Append("\n\n");
        sb.Append("Help Options:\n  -h, --help").Append(new string(' ', 24)).Append("Show help options\n\n");
        sb.Append("Application Options:\n");
        foreach (var s in specs)
        {
            var left = (s.Short != '\0' ? $"-{s.Short}, " : "") + "--" + s.Long + (s.ArgName is null ? "" : "=" + s.ArgName);
            sb.Append("  ").Append(left.PadRight(32)).Append(s.Description).Append('\n');
        }
        return sb.ToString();
    }
}
