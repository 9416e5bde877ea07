// The `arbor` executable: `arbor ostree VERB …` speaks ostree's command line, `arbor status|upgrade|
// deploy|rebase|rollback|cleanup|kargs|db` rpm-ostree's; `arbor --version`
// prints a YAML summary like ostree's. Every family is parsed by OptionParser and every failure
// goes through ExitCodes: one line on stderr ("error: …"), status 1 (77 where rpm-ostree uses it).
using System.Reflection;

namespace Arbor.Cli;

/// <summary>Entry point.</summary>
public static class Program
{
    // An explicit table rather than reflection over the assembly: enumerating every type at
    // start-up loads all of them (and the assemblies their base types live in) for one verb.
    private static OstreeVerb? CreateVerb(string name) => name switch
    {
        "admin" => new Verbs.Ostree.AdminVerb(),
        "cat" => new Verbs.Ostree.CatVerb(),
        "checkout" => new Verbs.Ostree.CheckoutVerb(),
        "checksum" => new Verbs.Ostree.ChecksumVerb(),
        "commit" => new Verbs.Ostree.CommitVerb(),
        "config" => new Verbs.Ostree.ConfigVerb(),
        "diff" => new Verbs.Ostree.DiffVerb(),
        "export" => new Verbs.Ostree.ExportVerb(),
        "fsck" => new Verbs.Ostree.FsckVerb(),
        "gpg-sign" => new Verbs.Ostree.GpgSignVerb(),
        "init" => new Verbs.Ostree.InitVerb(),
        "log" => new Verbs.Ostree.LogVerb(),
        "ls" => new Verbs.Ostree.LsVerb(),
        "prune" => new Verbs.Ostree.PruneVerb(),
        "pull-local" => new Verbs.Ostree.PullLocalVerb(),
        "pull" => new Verbs.Ostree.PullVerb(),
        "refs" => new Verbs.Ostree.RefsVerb(),
        "remote" => new Verbs.Ostree.RemoteVerb(),
        "reset" => new Verbs.Ostree.ResetVerb(),
        "rev-parse" => new Verbs.Ostree.RevParseVerb(),
        "show" => new Verbs.Ostree.ShowVerb(),
        "sign" => new Verbs.Ostree.SignVerb(),
        "static-delta" => new Verbs.Ostree.StaticDeltaVerb(),
        "summary" => new Verbs.Ostree.SummaryVerb(),
        _ => null,
    };

    /// <summary>The names of the <c>arbor ostree</c> verbs.</summary>
    internal static readonly string[] OstreeVerbNames =
    [
        "admin", "cat", "checkout", "checksum", "commit", "config", "diff", "export", "fsck", "gpg-sign", "init", "log", "ls", "prune",
        "pull-local", "pull", "refs", "remote", "reset", "rev-parse", "show", "sign", "static-delta", "summary",
    ];

    /// <summary>Runs the command line.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command line with the given output writers (used by tests).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        var family = args.Length == 0 ? CommandFamily.Top : args[0] switch
        {
            "ostree" => CommandFamily.Ostree,
            "rpm" => CommandFamily.Rpm,
            "serve" => CommandFamily.Serve,
            "db" => CommandFamily.Host,
            "compose" => CommandFamily.Host,
            var v when Verbs.Host.HostCommands.Verbs.Contains(v) => CommandFamily.Host,
            _ => CommandFamily.Top,
        };
        try
        {
            int code = family switch
            {
                CommandFamily.Ostree => RunOstree(args[1..], stdout, stderr),
                CommandFamily.Rpm => Verbs.Rpm.RpmCommands.Run(args[1..], stdout, stderr),
                CommandFamily.Serve => Verbs.Serve.ServeCommand.Run(args[1..], stdout, stderr),
                CommandFamily.Host when args[0] == "db" => Verbs.Db.DbCommands.Run(args[1..], stdout, stderr),
                CommandFamily.Host when args[0] == "compose" => Verbs.Compose.ComposeCommand.Run(args[1..], stdout, stderr),
                CommandFamily.Host => Verbs.Host.HostCommands.Run(args[0], args[1..], stdout, stderr),
                _ => RunTop(args, stdout),
            };
            stdout.Flush();
            return code;
        }
        catch (Exception e)
        {
            var usage = family switch
            {
                CommandFamily.Rpm => Verbs.Rpm.RpmCommands.Usage,
                CommandFamily.Top => TopHelp(),
                _ => null,
            };
            return ExitCodes.Report(e, family, stdout, stderr, usage);
        }
    }

    private static int RunTop(string[] args, TextWriter stdout)
    {
        if (args.Length == 0)
            throw new UsageException("No command specified");
        if (args[0] is "-h" or "--help")
        {
            stdout.Write(TopHelp());
            return ExitCodes.Ok;
        }
        if (args[0] == "--version")
        {
            stdout.Write(VersionText());
            return ExitCodes.Ok;
        }
        throw new UsageException($"Unknown command '{args[0]}'");
    }

    private static int RunOstree(string[] args, TextWriter stdout, TextWriter stderr)
    {
        // Global options may come before the verb (ostree --repo=X refs).
        int v = 0;
        var globals = new List<string>();
        while (v < args.Length && args[v].StartsWith('-'))
        {
            if (args[v] is "--version")
            {
                stdout.Write(VersionText());
                return ExitCodes.Ok;
            }
            if (args[v] is "-h" or "--help")
            {
                stdout.Write(OstreeHelp());
                return ExitCodes.Ok;
            }
            globals.Add(args[v]);
            if (args[v] == "--repo" && v + 1 < args.Length)
                globals.Add(args[++v]);
            v++;
        }
        if (v >= args.Length)
        {
            stderr.Write(OstreeHelp());
            throw new UsageException("No command specified");
        }
        var name = args[v];
        if (CreateVerb(name) is not { } verb)
        {
            stderr.Write(OstreeHelp());
            throw new UsageException($"Unknown command '{name}'");
        }
        var rest = globals.Concat(args[(v + 1)..]).ToArray();
        if (rest.Contains("-h") || rest.Contains("--help"))
        {
            stdout.Write(verb.Help(rest));
            return ExitCodes.Ok;
        }
        if (rest.Contains("--version"))
        {
            stdout.Write(VersionText());
            return ExitCodes.Ok;
        }
        var parsed = OptionParser.Parse(rest, verb.Options);
        var ctx = new VerbContext { Args = parsed, Out = stdout, Err = stderr };
        return verb.Run(ctx);
    }

    private static string OstreeHelp()
    {
        var sb = new System.Text.StringBuilder("Usage:\n  ostree [OPTION…] COMMAND\n\nBuiltin Commands:\n");
        foreach (var verb in OstreeVerbNames.Select(n => CreateVerb(n)!).OrderBy(x => x.Name, StringComparer.Ordinal))
            sb.Append("  ").Append(verb.Name.PadRight(22)).Append(verb.Summary).Append('\n');
        sb.Append("\nApplication Options:\n  --version              Print version information and exit\n");
        return sb.ToString();
    }

    private static string TopHelp() =>
        "Usage:\n  arbor COMMAND [OPTION…]\n\nCommands:\n  ostree                 OSTree-compatible repository commands (arbor ostree --help)\n" +
        "  status                 Get the version of the booted system\n" +
        "  upgrade                Perform a system upgrade\n" +
        "  deploy                 Deploy a specific commit\n" +
        "  rebase                 Switch to a different tree\n" +
        "  rollback               Revert to the previously booted tree\n" +
        "  cleanup                Clear cached/pending data\n" +
        "  kargs                  Query or modify kernel arguments\n" +
        "  compose                Commands to compose a tree\n" +
        "  db                     Commands to query the RPM database\n" +
        "  rpm                    Read, build and index RPM packages (arbor rpm --help)\n" +
        "  serve                  Serve a repository over HTTP (arbor serve --help)\n\n" +
        "Options:\n  --version              Print version information and exit\n";

    /// <summary>The YAML version text.</summary>
    public static string VersionText()
    {
        var version = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        int plus = version.IndexOf('+');
        if (plus >= 0)
            version = version[..plus];
        return $"arbor:\n Version: '{version}'\n Features:\n  - ostree-repo\n  - archive\n  - bare\n  - bare-user\n  - bare-user-only\n";
    }
}
