// `arbor rpm VERB …`: the package-side commands for people and scripts. This file only parses
// arguments and prints; reading, writing and verifying live in Arbor.Rpm. Errors are one line on
// stderr with exit 1, usage errors too (followed by the usage text).
using System.Text;
using Arbor.Rpm;
using Arbor.Rpm.Package;

namespace Arbor.Cli.Verbs.Rpm;

/// <summary>Dispatches <c>arbor rpm</c> verbs.</summary>
public static class RpmCommands
{
    private static readonly OptionSpec[] RepoOptions =
    [
        new("repofrompath", '\0', OptionArg.StringArray, "Repository id and base URL", "ID,URL"),
        new("repo-file", '\0', OptionArg.StringArray, "Read repositories from a .repo file", "FILE"),
        new("repo", '\0', OptionArg.StringArray, "Use only these repositories", "ID[,ID...]"),
        new("repoid", '\0', OptionArg.StringArray, "Alias of --repo", "ID[,ID...]"),
        new("cachedir", '\0', OptionArg.String, "Metadata and package cache", "DIR"),
        new("releasever", '\0', OptionArg.String, "Value of $releasever", "N"),
        new("refresh", '\0', OptionArg.None, "Fetch fresh metadata"),
        new("parallel", '\0', OptionArg.Int, "Parallel downloads (default 4)", "N"),
    ];

    /// <summary>The verbs: usage line, options, handler.</summary>
    internal static readonly Dictionary<string, (string Usage, OptionSpec[] Options, Func<ParsedArgs, TextWriter, int> Run)> Verbs = new(StringComparer.Ordinal)
    {
        ["info"] = ("arbor rpm info FILE.rpm... [--json|--nevra]",
            [new("json", '\0', OptionArg.None, "Print JSON"), new("nevra", '\0', OptionArg.None, "Print only NEVRAs")], Info),
        ["verify"] = ("arbor rpm verify FILE.rpm [--keyring=KEYFILE...]",
            [new("keyring", '\0', OptionArg.StringArray, "Public key(s) to check the signature with", "KEYFILE")], Verify),
        ["extract"] = ("arbor rpm extract FILE.rpm DIR", [], Extract),
        ["build"] = ("arbor rpm build MANIFEST.yaml --root DIR --output DIR",
            [new("root", '\0', OptionArg.String, "Tree holding the files", "DIR"), new("output", '\0', OptionArg.String, "Where the RPM is written", "DIR")], RpmBuildCommand.Run),
        ["createrepo"] = ("arbor rpm createrepo DIR", [], CreaterepoCommand.Run),
        ["repoquery"] = ("arbor rpm repoquery (--repofrompath=ID,URL | --repo-file=FILE [--repo=ID]) [--cachedir DIR] [--releasever N] [--refresh] [PATTERN...]",
            RepoOptions, RepoCommands.RepoQuery),
        ["download"] = ("arbor rpm download (--repofrompath=ID,URL | --repo-file=FILE [--repo=ID]) [--cachedir DIR] [--releasever N] [--destdir DIR] [--parallel N] PKG...",
            [.. RepoOptions, new("destdir", '\0', OptionArg.String, "Where packages are written (default: .)", "DIR")], RepoCommands.Download),
        ["testsolv"] = ("arbor rpm testsolv [-r] FILE...", SolverCommands.TestsolvOptions, SolverCommands.Testsolv),
        ["resolve"] = ("arbor rpm resolve --repofrompath=ID,DIR... [--installroot ROOT] [--arch ARCH] [--no-weak-deps] [--exclude PKG] [--best] [--allowerasing] [--cachedir DIR] [--kinds] [--testcase DIR] PKG...",
            SolverCommands.ResolveOptions, SolverCommands.Resolve),
    };

    /// <summary>The usage text of <c>arbor rpm</c>.</summary>
    internal static readonly string Usage = "Usage:\n" + string.Concat(Verbs.Values.Select(v => "  " + v.Usage + "\n"));

    /// <summary>Runs a verb; errors propagate to the caller's exit-code map.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length == 0)
            throw new UsageException("No \"rpm\" subcommand specified");
        if (args[0] is "-h" or "--help")
        {
            stdout.Write(Usage);
            return 0;
        }
        if (!Verbs.TryGetValue(args[0], out var verb))
            throw new UsageException($"Unknown \"rpm\" subcommand \"{args[0]}\"");
        var rest = args[1..];
        if (rest.Contains("-h") || rest.Contains("--help"))
        {
            stdout.Write(OptionParser.Help(verb.Usage, "", verb.Options));
            return 0;
        }
        int code = verb.Run(OptionParser.Parse(rest, verb.Options), stdout);
        stdout.Flush();
        return code;
    }

    private static int Info(ParsedArgs args, TextWriter stdout)
    {
        var pos = args.Positional;
        bool json = args.Has("json"), nevra = args.Has("nevra");
        if (pos.Count == 0 || (json && nevra))
            throw new UsageException("info takes FILE.rpm... [--json|--nevra]");
        // Headers are read and formatted on every core, as UTF-8 in pooled buffers, and written in the
        // order of the arguments as soon as the ones before are out.
        using var output = Utf8Output.Open(stdout);
        bool array = json && pos.Count > 1;
        if (array)
            output.Write("[\n"u8);
        int written = 0;
        ParallelWork.ForOrdered(pos.Count, i =>
        {
            try
            {
                using var pkg = RpmPackage.Open(pos[i]);
                pkg.VerifyHeaderDigests();
                return json ? InfoJson.Write(pkg.Info) : PooledText.From(nevra ? pkg.Info.Nevra + "\n" : InfoText(pkg.Info));
            }
            catch (Exception e) when (e is FormatException or IOException && pos.Count > 1)
            {
                throw new IOException($"{pos[i]}: {e.Message}", e);
            }
        }, text =>
        {
            output.Write(text.Span);
            text.Return();
            if (json)
                output.Write(array && ++written < pos.Count ? ",\n"u8 : "\n"u8);
        });
        if (array)
            output.Write("]\n"u8);
        return 0;
    }

    private static int Verify(ParsedArgs args, TextWriter stdout)
    {
        var keyFiles = args.GetAll("keyring");
        if (args.Positional.Count != 1)
            throw new UsageException("verify takes FILE.rpm [--keyring=KEYFILE...]");
        var path = args.Positional[0];
        using var pkg = RpmPackage.Open(path);
        string signed = "";
        if (keyFiles.Count > 0)
        {
            var dir = Directory.CreateTempSubdirectory("arbor-keyring-").FullName;
            try
            {
                var keyring = Path.Combine(dir, "keyring.gpg");
                RpmSignatures.WriteKeyring(keyring, keyFiles.Select(f => (f, File.ReadAllBytes(f))));
                var sig = RpmSignatures.Verify(pkg, path, keyring);
                signed = $", signature key ID {sig.KeyId[^8..].ToLowerInvariant()} OK";
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        var ok = pkg.VerifyAll();
        stdout.WriteLine($"{path}: digests {string.Join(' ', ok)} OK{signed}");
        return 0;
    }

    private static int Extract(ParsedArgs args, TextWriter stdout)
    {
        if (args.Positional.Count != 2)
            throw new UsageException("extract takes FILE.rpm DIR");
        var (file, dir) = (args.Positional[0], args.Positional[1]);
        using var pkg = RpmPackage.Open(file);
        pkg.VerifyHeaderDigests();
        var written = PayloadExtractor.Extract(pkg, dir);
        stdout.WriteLine($"{written.Count} entries extracted to {dir}");
        return 0;
    }

    private static string InfoText(PackageInfo p)
    {
        var sb = new StringBuilder();
        sb.Append("Name        : ").Append(p.Name).Append('\n');
        if (p.Epoch is long e)
            sb.Append("Epoch       : ").Append(e).Append('\n');
        sb.Append("Version     : ").Append(p.Version).Append('\n');
        sb.Append("Release     : ").Append(p.Release).Append('\n');
        sb.Append("Architecture: ").Append(p.Arch).Append('\n');
        sb.Append("Size        : ").Append(p.Size).Append('\n');
        sb.Append("License     : ").Append(p.License).Append('\n');
        sb.Append("Summary     : ").Append(p.Summary).Append('\n');
        sb.Append("Payload     : ").Append(p.PayloadCompressor).Append('\n');
        sb.Append("Description :\n").Append(p.Description).Append('\n');
        foreach (var (kind, deps) in p.Dependencies)
        {
            if (deps.Count == 0)
                continue;
            sb.Append(kind).Append(":\n");
            foreach (var d in deps)
                sb.Append("  ").Append(d).Append('\n');
        }
        sb.Append("files:\n");
        foreach (var f in p.Files)
            sb.Append("  ").Append(f.Path).Append(f.LinkTo.Length > 0 ? " -> " + f.LinkTo : "").Append('\n');
        foreach (var s in p.Scripts)
            sb.Append(s.Name).Append(" (").Append(string.Join(' ', s.Interpreter)).Append("):\n").Append(s.Body).Append('\n');
        return sb.ToString();
    }
}
