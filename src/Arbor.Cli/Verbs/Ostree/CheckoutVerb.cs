// `ostree checkout [OPTION…] COMMIT [DESTINATION]`: turns ostree's options into CheckoutOptions
// and runs TreeCheckout. Like ostree 2022.7, a plain checkout (only -U, --union, --subpath,
// --allow-noent) uses the uncompressed-objects cache of archive repositories and honours
// --allow-noent; any of the newer options (-H, -C, --union-add, --whiteouts…) does neither.
using Arbor.Ostree;
using Arbor.Ostree.Checkout;
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class CheckoutVerb : OstreeVerb
{
    public override string Name => "checkout";
    public override string Summary => "Check out a commit into a filesystem tree";
    public override string Usage => "ostree checkout [OPTION…] COMMIT [DESTINATION]";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("user-mode", 'U', OptionArg.None, "Do not change file ownership or initialize extended attributes"),
        new("disable-cache", '\0', OptionArg.None, "Do not update or use the internal repository uncompressed object cache"),
        new("subpath", '\0', OptionArg.String, "Checkout sub-directory PATH", "PATH"),
        new("union", '\0', OptionArg.None, "Keep existing directories, overwrite existing files"),
        new("union-add", '\0', OptionArg.None, "Keep existing files/directories, only add new"),
        new("union-identical", '\0', OptionArg.None, "When layering checkouts, error out if a file would be replaced with a different version, but add new files and directories"),
        new("whiteouts", '\0', OptionArg.None, "Process 'whiteout' (Docker style) entries"),
        new("process-passthrough-whiteouts", '\0', OptionArg.None, "Enable overlayfs whiteout extraction into char 0:0 devices"),
        new("allow-noent", '\0', OptionArg.None, "Do nothing if specified path does not exist"),
        new("from-stdin", '\0', OptionArg.None, "Process many checkouts from standard input"),
        new("from-file", '\0', OptionArg.String, "Process many checkouts from input file", "FILE"),
        new("fsync", '\0', OptionArg.String, "Specify how to invoke fsync()", "POLICY"),
        new("require-hardlinks", 'H', OptionArg.None, "Do not fall back to full copies if hardlinking fails"),
        new("force-copy", 'C', OptionArg.None, "Never hardlink (but may reflink if available)"),
        new("bareuseronly-dirs", 'M', OptionArg.None, "Suppress mode bits outside of 0775 for directories (suid, world writable, etc.)"),
        new("skip-list", '\0', OptionArg.String, "File containing list of files to skip", "FILE"),
    ];

    public override int Run(VerbContext ctx)
    {
        var a = ctx.Args;
        if (a.Positional.Count < 1)
            throw new UsageException("COMMIT must be specified");
        var repo = ctx.Repo;
        bool fsync = a.Get("fsync") is { } policy && policy is "1" or "true" or "yes";
        if (a.Has("from-stdin") || a.Has("from-file"))
        {
            var destination = a.Positional[0];
            using var input = a.Has("from-stdin") ? Console.OpenStandardInput() : File.OpenRead(a.Get("from-file")!);
            using var reader = new StreamReader(input);
            var fields = reader.ReadToEnd().Split('\0');
            for (int i = 0; i + 1 < fields.Length && fields[i].Length > 0; i += 2)
            {
                var resolved = repo.ResolveRev(fields[i])!.Value;
                try
                {
                    CheckoutOne(ctx, repo, resolved, fields[i + 1].Length == 0 ? null : fields[i + 1], destination, fsync);
                }
                catch (OstreeException e)
                {
                    throw new OstreeException($"Processing tree {resolved}: {e.Message}", e);
                }
            }
            return 0;
        }
        var commit = repo.ResolveRev(a.Positional[0])!.Value;
        var dest = a.Positional.Count > 1 ? a.Positional[1] : a.Positional[0];
        using var bar = ProgressLine.Start(ctx);
        CheckoutOne(ctx, repo, commit, a.Get("subpath"), dest, fsync, bar);
        return 0;
    }

    private static void CheckoutOne(VerbContext ctx, Repository repo, Arbor.Ostree.Objects.Checksum commit, string? subpath, string destination, bool fsync, ProgressLine? bar = null)
    {
        var a = ctx.Args;
        bool newOptions = a.Has("disable-cache") || a.Has("whiteouts") || a.Has("require-hardlinks") || a.Has("union-add")
            || a.Has("force-copy") || a.Has("bareuseronly-dirs") || a.Has("union-identical") || a.Has("skip-list")
            || a.Has("process-passthrough-whiteouts");
        var options = new CheckoutOptions
        {
            Mode = a.Has("user-mode") ? CheckoutMode.User : CheckoutMode.None,
            Subpath = subpath ?? "/",
            Fsync = fsync,
            Progress = bar,
        };
        if (!newOptions)
        {
            if (subpath is not null && a.Has("allow-noent") && !TreeCheckout.TryResolvePath(repo, commit, subpath, out _, out _, out _))
                return;
            options = options with
            {
                Overwrite = a.Has("union") ? OverwriteMode.UnionFiles : OverwriteMode.None,
                EnableUncompressedCache = true,
            };
            TreeCheckout.Run(repo, commit, destination, options);
            return;
        }
        if (a.Has("union") && a.Has("union-add"))
            throw new OstreeException("Cannot specify both --union and --union-add");
        if (a.Has("union") && a.Has("union-identical"))
            throw new OstreeException("Cannot specify both --union and --union-identical");
        if (a.Has("union-add") && a.Has("union-identical"))
            throw new OstreeException("Cannot specify both --union-add and --union-identical");
        if (a.Has("require-hardlinks") && a.Has("force-copy"))
            throw new OstreeException("Cannot specify both --require-hardlinks and --force-copy");
        var overwrite = a.Has("union") ? OverwriteMode.UnionFiles
            : a.Has("union-add") ? OverwriteMode.AddFiles
            : a.Has("union-identical") ? OverwriteMode.UnionIdentical
            : OverwriteMode.None;
        if (overwrite == OverwriteMode.UnionIdentical && !a.Has("require-hardlinks"))
            throw new OstreeException("--union-identical requires --require-hardlinks");
        HashSet<string>? skip = null;
        if (a.Get("skip-list") is { } skipFile)
            skip = new HashSet<string>(File.ReadAllLines(skipFile).Where(l => l.Length > 0), StringComparer.Ordinal);
        options = options with
        {
            Overwrite = overwrite,
            ProcessWhiteouts = a.Has("whiteouts"),
            ProcessPassthroughWhiteouts = a.Has("process-passthrough-whiteouts"),
            NoCopyFallback = a.Has("require-hardlinks"),
            ForceCopy = a.Has("force-copy"),
            BareUserOnlyDirs = a.Has("bareuseronly-dirs"),
            SkipList = skip,
        };
        TreeCheckout.Run(repo, commit, destination, options);
    }
}
