// The shape of an `arbor ostree` verb. Each verb lives in its own file under Ostree/, declares
// its GOption-style options and runs against a Repository; Program finds verbs by reflection, so
// adding a verb means adding a file. Verbs parse and print; the work happens in Arbor.Ostree.
using Arbor.Ostree.Repo;

namespace Arbor.Cli;

/// <summary>What a verb gets when it runs.</summary>
public sealed class VerbContext
{
    private Repository? _repo;

    /// <summary>Parsed arguments (the verb name is not among the positionals).</summary>
    public required ParsedArgs Args { get; init; }

    /// <summary>Standard output.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Standard error.</summary>
    public required TextWriter Err { get; init; }

    /// <summary>The repository path from --repo, $OSTREE_REPO, or the system default.</summary>
    public string RepoPath => Args.Get("repo") ?? Environment.GetEnvironmentVariable("OSTREE_REPO") ?? DefaultRepoPath();

    /// <summary>The repository, opened on first use.</summary>
    public Repository Repo => _repo ??= Repository.Open(RepoPath);

    private static string DefaultRepoPath()
    {
        if (Directory.Exists("/sysroot/ostree/repo"))
            return "/sysroot/ostree/repo";
        if (Directory.Exists("/ostree/repo"))
            return "/ostree/repo";
        throw new UsageException("Command requires a --repo argument");
    }
}

/// <summary>A sub-verb of a verb such as <c>admin</c> or <c>remote</c>.</summary>
/// <param name="Name">The sub-verb as typed.</param>
/// <param name="Summary">One line for the sub-verb list.</param>
/// <param name="Arguments">What follows the options in its usage line ("NAME URL [BRANCH...]").</param>
/// <param name="Options">The long names of the verb's options this sub-verb takes (the repository options always apply).</param>
public sealed record Subverb(string Name, string Summary, string Arguments, IReadOnlyList<string> Options);

/// <summary>Base class of <c>arbor ostree</c> verbs.</summary>
public abstract class OstreeVerb
{
    /// <summary>Options every repository verb accepts.</summary>
    protected static readonly OptionSpec[] RepoOptions =
    [
        new("repo", '\0', OptionArg.String, "Path to OSTree repository (defaults to current directory or /sysroot/ostree/repo)", "PATH"),
        new("verbose", 'v', OptionArg.None, "Print debug information during command processing"),
    ];

    /// <summary>The verb as typed, e.g. <c>rev-parse</c>.</summary>
    public abstract string Name { get; }

    /// <summary>One line for the verb list.</summary>
    public abstract string Summary { get; }

    /// <summary>The usage line.</summary>
    public virtual string Usage => $"ostree {Name} [OPTION…]";

    /// <summary>The verb's own options (RepoOptions are added).</summary>
    protected abstract IReadOnlyList<OptionSpec> VerbOptions { get; }

    /// <summary>Accepted by every verb, as in ostree: print the version and exit.</summary>
    protected static readonly OptionSpec VersionOption = new("version", '\0', OptionArg.None, "Print version information and exit");

    /// <summary>All accepted options.</summary>
    public IReadOnlyList<OptionSpec> Options => [.. VerbOptions, .. RepoOptions, VersionOption];

    /// <summary>The sub-verbs, for verbs made of them (admin, remote, static-delta); empty otherwise.</summary>
    public virtual IReadOnlyList<Subverb> Subverbs => [];

    /// <summary>Runs the verb; returns the exit code.</summary>
    public abstract int Run(VerbContext ctx);

    /// <summary>The --help text: the sub-verb's own usage and options when <paramref name="args"/> names one, else the verb's (with its sub-verb list).</summary>
    public string Help(IReadOnlyList<string> args)
    {
        var name = args.FirstOrDefault(a => !a.StartsWith('-'));
        if (Subverbs.FirstOrDefault(s => s.Name == name) is { } sub)
        {
            var own = Options.Where(o => sub.Options.Contains(o.Long) || RepoOptions.Contains(o) || o == VersionOption).ToList();
            var usage = $"ostree {Name} {sub.Name} [OPTION…]" + (sub.Arguments.Length > 0 ? " " + sub.Arguments : "");
            return OptionParser.Help(usage, sub.Summary, own);
        }
        var help = OptionParser.Help(Usage, Summary, Options);
        if (Subverbs.Count == 0)
            return help;
        int at = help.IndexOf("Help Options:", StringComparison.Ordinal);
        return help[..at] + SubverbList() + "\n" + help[at..];
    }

    /// <summary>The "Builtin "VERB" Commands:" block of the verb's help.</summary>
    protected string SubverbList()
    {
        var sb = new System.Text.StringBuilder($"Builtin \"{Name}\" Commands:\n");
        int width = Subverbs.Max(s => s.Name.Length) + 3;
        foreach (var s in Subverbs)
            sb.Append("  ").Append(s.Name.PadRight(width)).Append(s.Summary).Append('\n');
        return sb.ToString();
    }

    /// <summary>What ostree prints on stderr when a sub-verb is missing or unknown: the usage line and the sub-verb list.</summary>
    protected string SubverbUsage() => $"Usage:\n  {Usage}\n\n{SubverbList()}\n";

    /// <summary>Requires exactly <paramref name="n"/> positionals, else a usage error naming <paramref name="what"/>.</summary>
    protected static void RequireArgs(VerbContext ctx, int n, string what)
    {
        if (ctx.Args.Positional.Count < n)
            throw new UsageException(what);
    }
}
