// The `arbor` executable: `arbor ostree VERB …` speaks ostree's command line, `arbor status|upgrade|
// deploy|rebase|rollback|cleanup|kargs` rpm-ostree's; `arbor --version`
// prints a YAML summary like ostree's. Errors are one line on stderr ("error: …"), exit 1;
// usage errors exit 2.
using System.Reflection;
using Arbor.Native;
using Arbor.Ostree.Repo;

namespace Arbor.Cli;

/// <summary>Entry point.</summary>
public static class Program
{
    // An explicit table rather than reflection over the assembly: enumerating every type at
    // start-up loads all of them (and the assemblies their base types live in) for one verb.
    private static OstreeVerb? CreateVerb(string name) => name switch
    {
        "admin" => new Ostree.AdminVerb(),
        "cat" => new Ostree.CatVerb(),
        "checkout" => new Ostree.CheckoutVerb(),
        "checksum" => new Ostree.ChecksumVerb(),
        "commit" => new Ostree.CommitVerb(),
        "config" => new Ostree.ConfigVerb(),
        "diff" => new Ostree.DiffVerb(),
        "fsck" => new Ostree.FsckVerb(),
        "gpg-sign" => new Ostree.GpgSignVerb(),
        "init" => new Ostree.InitVerb(),
        "log" => new Ostree.LogVerb(),
        "ls" => new Ostree.LsVerb(),
        "prune" => new Ostree.PruneVerb(),
        "pull-local" => new Ostree.PullLocalVerb(),
        "pull" => new Ostree.PullVerb(),
        "refs" => new Ostree.RefsVerb(),
        "remote" => new Ostree.RemoteVerb(),
        "reset" => new Ostree.ResetVerb(),
        "rev-parse" => new Ostree.RevParseVerb(),
        "show" => new Ostree.ShowVerb(),
        "sign" => new Ostree.SignVerb(),
        "static-delta" => new Ostree.StaticDeltaVerb(),
        "summary" => new Ostree.SummaryVerb(),
        _ => null,
    };

    /// <summary>The names of the <c>arbor ostree</c> verbs.</summary>
    internal static readonly string[] OstreeVerbNames =
    [
        "admin", "cat", "checkout", "checksum", "commit", "config", "diff", "fsck", "gpg-sign", "init", "log", "ls", "prune",
        "pull-local", "pull", "refs", "remote", "reset", "rev-parse", "show", "sign", "static-delta", "summary",
    ];

    /// <summary>Runs the command line.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command line with the given output writers (used by tests).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help")
            {
                stdout.Write(TopHelp());
                return args.Length == 0 ? 2 : 0;
            }
            if (args[0] == "--version")
            {
                stdout.Write(VersionText());
                return 0;
            }
            if (args[0] == "ostree")
                return RunOstree(args[1..], stdout, stderr);
            if (args[0] == "serve")
                return RunGuarded(() => Serve.ServeCommand.Run(args[1..], stdout, stderr), stdout, stderr);
            if (args[0] == "rpm")
                return Rpm.RpmCommands.Run(args[1..], stdout, stderr);
            if (Host.HostCommands.Verbs.Contains(args[0]))
                return RunGuarded(() => Host.HostCommands.Run(args[0], args[1..], stdout, stderr), stdout, stderr);
            throw new UsageException($"Unknown command '{args[0]}'");
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 2;
        }
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
                return 0;
            }
            if (args[v] is "-h" or "--help")
            {
                stdout.Write(OstreeHelp());
                return 0;
            }
            globals.Add(args[v]);
            if (args[v] == "--repo" && v + 1 < args.Length)
                globals.Add(args[++v]);
            v++;
        }
        if (v >= args.Length)
        {
            stderr.Write(OstreeHelp());
            stderr.WriteLine("error: No command specified");
            return 1;
        }
        var name = args[v];
        if (CreateVerb(name) is not { } verb)
        {
            stderr.Write(OstreeHelp());
            stderr.WriteLine($"error: Unknown command '{name}'");
            return 1;
        }
        var rest = globals.Concat(args[(v + 1)..]).ToArray();
        if (rest.Contains("-h") || rest.Contains("--help"))
        {
            stdout.Write(OptionParser.Help(verb.Usage, verb.Summary, verb.Options));
            return 0;
        }
        try
        {
            var parsed = OptionParser.Parse(rest, verb.Options);
            var ctx = new VerbContext { Args = parsed, Out = stdout, Err = stderr };
            int code = verb.Run(ctx);
            stdout.Flush();
            return code;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is RepoException or IOException or UnauthorizedAccessException or FormatException or InvalidDataException or NativeIOException)
        {
            stdout.Flush();
            stderr.WriteLine($"error: {Arbor.Ostree.TerminalText.Escape(e.Message)}");
            return 1;
        }
    }

    private static int RunGuarded(Func<int> action, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is RepoException or IOException or UnauthorizedAccessException or FormatException or InvalidDataException or NativeIOException)
        {
            stdout.Flush();
            stderr.WriteLine($"error: {Arbor.Ostree.TerminalText.Escape(e.Message)}");
            return 1;
        }
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
