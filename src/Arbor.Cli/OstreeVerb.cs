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

    /// <summary>All accepted options.</summary>
    public IReadOnlyList<OptionSpec> Options => [.. VerbOptions, .. RepoOptions];

    /// <summary>Runs the verb; returns the exit code.</summary>
    public abstract int Run(VerbContext ctx);

    /// <summary>Requires exactly <paramref name="n"/> positionals, else a usage error naming <paramref name="what"/>.</summary>
    protected static void RequireArgs(VerbContext ctx, int n, string what)
    {
        if (ctx.Args.Positional.Count < n)
            throw new UsageException(what);
    }
}
