// `arbor compose tree|install|postprocess|commit`: rpm-ostree's compose verbs for OS builders,
// `tree` doing in one run what the other three do step by step. This file parses rpm-ostree's
// options, hands them to Arbor.Compose's engine and prints its events in
// rpm-ostree's words ("Installing N packages:", "Input state hash:", "No apparent changes since
// previous commit…", "REF => CHECKSUM"); scripts' output appears prefixed with the script's name.
using System.Text.Json;
using Arbor.Compose.Postprocess;
using Arbor.Compose.Tree;
using Arbor.Ostree.GVariant;

namespace Arbor.Cli.Verbs.Compose;

/// <summary>Dispatches <c>arbor compose</c> verbs.</summary>
internal static class ComposeCommand
{
    private static readonly OptionSpec[] CommonOptions =
    [
        new("unified-core", '\0', OptionArg.None, "Use new \"unified core\" codepath (always on)"),
        new("ex-unified-core", '\0', OptionArg.None, "Compat alias for --unified-core"),
    ];

    private static readonly OptionSpec[] RepoOptions =
    [
        new("repo", 'r', OptionArg.String, "Path to OSTree repository", "REPO"),
    ];

    private static readonly OptionSpec[] InstallOptions =
    [
        new("force-nocache", '\0', OptionArg.None, "Always create a new OSTree commit, even if nothing appears to have changed"),
        new("cache-only", '\0', OptionArg.None, "Assume cache is present, do not attempt to update it"),
        new("cachedir", '\0', OptionArg.String, "Cached state", "CACHEDIR"),
        new("download-only", '\0', OptionArg.None, "Like --dry-run, but download and import RPMs as well; requires --cachedir"),
        new("download-only-rpms", '\0', OptionArg.None, "Like --dry-run, but download RPMs as well; requires --cachedir"),
        new("dry-run", '\0', OptionArg.None, "Just print the transaction and exit"),
        new("print-only", '\0', OptionArg.None, "Just expand any includes and print treefile"),
        new("disable-selinux", '\0', OptionArg.None, "Disable SELinux labeling, even if manifest enables it"),
        new("touch-if-changed", '\0', OptionArg.String, "Update the modification time on FILE if a new commit was created", "FILE"),
        new("previous-commit", '\0', OptionArg.String, "Use this commit for change detection", "COMMIT"),
        new("previous-inputhash", '\0', OptionArg.String, "Use this input hash for change detection", "DIGEST"),
        new("previous-version", '\0', OptionArg.String, "Use this version number for automatic version numbering", "VERSION"),
        new("workdir", '\0', OptionArg.String, "Working directory", "WORKDIR"),
        new("postprocess", '\0', OptionArg.None, "Also run default postprocessing"),
    ];

    private static readonly OptionSpec[] CommitOptions =
    [
        new("add-metadata-string", '\0', OptionArg.StringArray, "Append given key and value (in string format) to metadata", "KEY=VALUE"),
        new("add-metadata-from-json", '\0', OptionArg.StringArray, "Parse the given JSON file as object, convert to GVariant, append to OSTree commit", "JSON"),
        new("write-commitid-to", '\0', OptionArg.String, "File to write the composed commitid to instead of updating the ref", "FILE"),
        new("write-composejson-to", '\0', OptionArg.String, "Write JSON to FILE containing information about the compose run", "FILE"),
        new("no-parent", '\0', OptionArg.None, "Always commit without a parent"),
        new("parent", '\0', OptionArg.String, "Commit with specific parent", "REV"),
    ];

    private static readonly OptionSpec[] ExtensionsOptions =
    [
        new("output-dir", '\0', OptionArg.String, "Path to extensions output directory", "PATH"),
        new("base-rev", '\0', OptionArg.String, "Base OSTree revision", "REV"),
        new("cachedir", '\0', OptionArg.String, "Cached state", "CACHEDIR"),
        new("rootfs", '\0', OptionArg.String, "Path to already present rootfs", "ROOTFS"),
        new("touch-if-changed", '\0', OptionArg.String, "Update the modification time on FILE if new extensions were downloaded", "FILE"),
    ];

    private sealed record Verb(string Name, string Arguments, string Summary, OptionSpec[] Options,
        Func<ParsedArgs, TextWriter, TextWriter, int> Run);

    private static readonly Verb[] Verbs =
    [
        new("tree", "TREEFILE", "Process a \"treefile\"; install packages and commit the result to an OSTree repository",
            [.. CommonOptions, .. RepoOptions, .. InstallOptions.Where(o => o.Long != "postprocess"), .. CommitOptions], Tree),
        new("install", "TREEFILE DESTDIR", "Install packages into a target path",
            [.. CommonOptions, .. RepoOptions, .. InstallOptions], Install),
        new("postprocess", "ROOTFS [TREEFILE]", "Perform final postprocessing on an installation root", CommonOptions, Postprocess),
        new("commit", "TREEFILE ROOTFS", "Commit a target path to an OSTree repository",
            [.. CommonOptions, .. RepoOptions, .. CommitOptions], Commit),
        new("extensions", "TREEFILE EXTYAML", "Download RPM packages guaranteed to depsolve with a base OSTree",
            [.. CommonOptions, .. RepoOptions, .. ExtensionsOptions], Extensions),
    ];

    /// <summary>The usage text of <c>arbor compose</c>.</summary>
    internal static readonly string Usage = "Usage:\n  arbor compose [OPTION…] COMMAND\n\nBuiltin \"compose\" Commands:\n"
        + string.Concat(Verbs.Select(v => $"  {v.Name,-13} {v.Summary}\n"));

    /// <summary>Runs <c>arbor compose VERB …</c>.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0)
            throw new UsageException("No \"compose\" subcommand specified");
        if (args[0] is "-h" or "--help")
        {
            stdout.Write(Usage);
            return ExitCodes.Ok;
        }
        var verb = Verbs.FirstOrDefault(v => v.Name == args[0]) ?? throw new UsageException($"Unknown \"compose\" subcommand \"{args[0]}\"");
        var rest = args[1..];
        if (rest.Contains("-h") || rest.Contains("--help"))
        {
            stdout.Write(OptionParser.Help($"arbor compose {verb.Name} [OPTION…] {verb.Arguments}", verb.Summary, verb.Options));
            return ExitCodes.Ok;
        }
        return verb.Run(OptionParser.Parse(rest, verb.Options), stdout, stderr);
    }

    private static int Tree(ParsedArgs a, TextWriter stdout, TextWriter stderr)
    {
        if (a.Positional.Count != 1)
            throw new UsageException("TREEFILE must be specified");
        if (PrintOnly(a, a.Positional[0], stdout))
            return ExitCodes.Ok;
        var options = Options(a, a.Positional[0], a.Get("workdir"));
        using var progress = ProgressLine.Start(stderr);
        var result = ComposeTree.Run(options, e => Print(e, stdout, a.Get("touch-if-changed")), progress);
        Finish(a, options, result);
        return ExitCodes.Ok;
    }

    private static int Install(ParsedArgs a, TextWriter stdout, TextWriter stderr)
    {
        if (a.Positional.Count != 2)
            throw new UsageException("TREEFILE and DESTDIR required");
        if (PrintOnly(a, a.Positional[0], stdout))
            return ExitCodes.Ok;
        if (a.Get("workdir") is not null)
            throw new UsageException("--workdir is ignored with install-root");
        string destdir = Path.GetFullPath(a.Positional[1]);
        var options = Options(a, a.Positional[0], destdir);
        using var progress = ProgressLine.Start(stderr);
        var installed = ComposeInstall.Run(options, destdir, e => Print(e, stdout, a.Get("touch-if-changed")), progress);
        if (installed.Rootfs is null)
            return ExitCodes.Ok;
        if (a.Has("postprocess"))
            RootfsFinalize.Run(installed.Rootfs, ComposeCommit.FinalizeRequestFor(installed.Treefile, stdout.WriteLine));
        if (a.Get("touch-if-changed") is { } touch)
            Touch(touch);
        stdout.WriteLine($"rootfs: {installed.Rootfs}");
        return ExitCodes.Ok;
    }

    private static int Postprocess(ParsedArgs a, TextWriter stdout, TextWriter stderr)
    {
        if (a.Positional.Count is < 1 or > 2)
            throw new UsageException("ROOTFS must be specified");
        var request = a.Positional.Count == 2
            ? ComposeCommit.FinalizeRequestFor(Arbor.Compose.Treefile.Treefile.Load(a.Positional[1], Arbor.Rpm.Repodata.RepoConfig.BaseArch), stdout.WriteLine)
            : new FinalizeRequest { Output = stdout.WriteLine };
        RootfsFinalize.Run(a.Positional[0], request);
        return ExitCodes.Ok;
    }

    private static int Commit(ParsedArgs a, TextWriter stdout, TextWriter stderr)
    {
        if (a.Positional.Count < 1)
            throw new UsageException("TREEFILE must be specified");
        if (a.Positional.Count < 2)
            throw new UsageException("ROOTFS must be specified");
        var options = Options(a, a.Positional[0], null);
        using var progress = ProgressLine.Start(stderr);
        var result = ComposeCommit.Run(options, a.Positional[1], null, e => Print(e, stdout, null), progress);
        Finish(a, options, result);
        return ExitCodes.Ok;
    }

    private static int Extensions(ParsedArgs a, TextWriter stdout, TextWriter stderr)
    {
        if (a.Positional.Count < 2)
            throw new UsageException("TREEFILE and EXTYAML must be specified");
        string outputDir = a.Get("output-dir") ?? throw new UsageException("--output-dir must be specified");
        string? rootfs = a.Get("rootfs");
        if (rootfs is not null && a.Get("repo") is not null)
            throw new UsageException("--repo must not be specified with --rootfs");
        string? repo = rootfs is null ? a.Get("repo") ?? throw new UsageException("--repo must be specified") : null;
        using var progress = ProgressLine.Start(stderr);
        var result = ComposeExtensions.Run(new ComposeExtensionsOptions
        {
            TreefilePath = a.Positional[0],
            ExtensionsPath = a.Positional[1],
            RepoPath = repo,
            Rootfs = rootfs,
            BaseRev = a.Get("base-rev"),
            OutputDir = outputDir,
            CacheDir = a.Get("cachedir"),
        }, e => Print(e, stdout, null), progress);
        if (!result.Changed)
        {
            stdout.WriteLine("No change.");
            return ExitCodes.Ok;
        }
        if (a.Get("touch-if-changed") is { } touch)
            Touch(touch);
        return ExitCodes.Ok;
    }

    private static bool PrintOnly(ParsedArgs a, string treefile, TextWriter stdout)
    {
        if (!a.Has("print-only"))
            return false;
        var tf = Arbor.Compose.Treefile.Treefile.Load(treefile, Arbor.Rpm.Repodata.RepoConfig.BaseArch);
        stdout.Write(tf.ToJson());
        stdout.WriteLine();
        return true;
    }

    private static ComposeTreeOptions Options(ParsedArgs a, string treefile, string? workdir)
    {
        string repo = a.Get("repo") ?? throw new UsageException("--repo must be specified");
        bool downloadOnly = a.Has("download-only");
        bool downloadOnlyRpms = a.Has("download-only-rpms");
        if ((downloadOnly || downloadOnlyRpms) && a.Get("cachedir") is null)
            throw new UsageException($"--download-only{(downloadOnly ? "" : "-rpms")} can only be used with --cachedir");
        return new ComposeTreeOptions
        {
            TreefilePath = treefile,
            RepoPath = repo,
            CacheDir = a.Get("cachedir"),
            CacheOnly = a.Has("cache-only"),
            DownloadOnly = downloadOnly,
            DownloadOnlyRpms = downloadOnlyRpms,
            DryRun = a.Has("dry-run"),
            ForceNocache = a.Has("force-nocache"),
            PreviousCommit = a.Get("previous-commit"),
            PreviousVersion = a.Get("previous-version"),
            PreviousInputHash = a.Get("previous-inputhash"),
            MetadataStrings = a.GetAll("add-metadata-string").Select(ParseKeyValue).ToList(),
            MetadataValues = a.GetAll("add-metadata-from-json").SelectMany(ReadJsonMetadata).ToList(),
            WriteCommitIdTo = a.Get("write-commitid-to"),
            Parent = a.Get("parent"),
            NoParent = a.Has("no-parent"),
            Workdir = workdir,
            SourceDateEpoch = SourceDateEpoch(),
        };
    }

    private static void Finish(ParsedArgs a, ComposeTreeOptions options, ComposeTreeResult result)
    {
        if (result.Changed && a.Get("touch-if-changed") is { } touch)
            Touch(touch);
        if (result.Changed && a.Get("write-composejson-to") is { } jsonPath)
            ComposeJson.Write(Arbor.Ostree.Repo.Repository.Open(options.RepoPath), result, jsonPath);
    }

    private static void Print(ComposeEvent e, TextWriter stdout, string? touchIfChanged)
    {
        switch (e)
        {
            case ComposeTransactionPlanned t:
                if (t.Packages.Count == 0)
                {
                    stdout.WriteLine("Empty transaction");
                    break;
                }
                stdout.WriteLine($"Installing {t.Packages.Count} packages:");
                foreach (var p in t.Packages)
                    stdout.WriteLine($"  {p.Nevra} ({p.RepoId})");
                break;
            case ComposeInputHashed h:
                stdout.WriteLine($"Input state hash: {h.InputHash}");
                break;
            case ComposePreviousWithoutInputHash:
                stdout.WriteLine("Previous commit found, but without rpmostree.inputhash metadata key");
                break;
            case ComposeUnchanged u:
                stdout.WriteLine("No apparent changes since previous commit" + (u.DryRun ? "." : "; use --force-nocache to override"));
                break;
            case ComposeDryRunComplete:
                stdout.WriteLine("--dry-run complete" + (touchIfChanged is null ? "" : $", updating --touch-if-changed={touchIfChanged}") + "; exiting");
                if (touchIfChanged is not null)
                    Touch(touchIfChanged);
                break;
            case ComposeDownloaded d:
                stdout.WriteLine($"Downloaded {d.Count} packages ({Arbor.Native.ByteSize.Format((ulong)d.Bytes)})");
                break;
            case ComposeImported i:
                stdout.WriteLine($"Imported {i.Imported} packages ({i.Cached} already in the package cache)");
                break;
            case ComposeImportNotice n:
                stdout.WriteLine($"{n.Notice.Package}: {n.Notice.Path}: {n.Notice.Message}");
                break;
            case ComposeFileSkipped f:
                stdout.WriteLine($"Skipping file {f.Path} from checkout");
                break;
            case ComposeScriptOutput s:
                stdout.WriteLine($"{s.Line.ScriptId}: {s.Line.Line}");
                break;
            case ComposeNote note:
                stdout.WriteLine(note.Message);
                break;
            case ComposeCommitted c:
                stdout.WriteLine(c.Ref is { } r ? $"{r} => {c.Commit}" : $"Wrote commit: {c.Commit}");
                break;
        }
        stdout.Flush();
    }

    private static void Touch(string path)
    {
        using (File.Open(path, FileMode.OpenOrCreate, FileAccess.Write))
        {
        }
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
    }

    private static long? SourceDateEpoch()
    {
        string? value = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        if (string.IsNullOrEmpty(value))
            return null;
        return long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long t)
            ? t
            : throw new UsageException($"SOURCE_DATE_EPOCH: not a number of seconds: {value}");
    }

    private static KeyValuePair<string, string> ParseKeyValue(string s)
    {
        int eq = s.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
            throw new UsageException($"Missing '=' in KEY=VALUE metadata '{s}'");
        return new(s[..eq], s[(eq + 1)..]);
    }

    // --add-metadata-from-json: a JSON object whose members become commit metadata, converted as
    // json-glib converts untyped JSON.
    private static IEnumerable<KeyValuePair<string, GVariantValue>> ReadJsonMetadata(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"{path}: no such file", path, e);
        }
        catch (JsonException e)
        {
            // System.Text.Json counts lines and bytes from 0 and appends them to its message.
            string why = e.Message;
            int at = why.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (at > 0)
                why = why[..at];
            throw new FormatException($"{path}: line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: invalid JSON: {why}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new FormatException($"{path}: the JSON must be an object");
            var list = new List<KeyValuePair<string, GVariantValue>>();
            foreach (var member in doc.RootElement.EnumerateObject())
                list.Add(new(member.Name, ComposeJson.FromJson(member.Value)));
            return list;
        }
    }
}
