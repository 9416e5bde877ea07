// `ostree commit`: layer the --tree sources (or the PATH argument) into one tree, write it, add
// ref bindings like ostree does, move the branch. Output: the commit checksum (or --table-output).
using System.Globalization;
using Arbor.Ostree;
using Arbor.Ostree.Commits;
using Arbor.Ostree.GVariant;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class CommitVerb : OstreeVerb
{
    public override string Name => "commit";
    public override string Summary => "Commit a new revision";
    public override string Usage => "ostree commit [OPTION…] [PATH]";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("parent", '\0', OptionArg.String, "Parent commit checksum, or \"none\"", "COMMIT"),
        new("subject", 's', OptionArg.String, "One line subject", "SUBJECT"),
        new("body", 'm', OptionArg.String, "Full description", "BODY"),
        new("body-file", 'F', OptionArg.String, "Commit message from FILE path", "FILE"),
        new("branch", 'b', OptionArg.String, "Branch", "BRANCH"),
        new("orphan", '\0', OptionArg.None, "Create a commit without writing a ref"),
        new("no-bindings", '\0', OptionArg.None, "Do not write any ref bindings"),
        new("bind-ref", '\0', OptionArg.StringArray, "Add a ref to ref binding commit metadata", "BRANCH"),
        new("tree", '\0', OptionArg.StringArray, "Overlay the given argument as a tree", "dir=PATH or tar=TARFILE or ref=COMMIT"),
        new("add-metadata-string", '\0', OptionArg.StringArray, "Add a key/value pair to metadata", "KEY=VALUE"),
        new("mode-ro-executables", '\0', OptionArg.None, "Ensure executable files are not writable"),
        new("add-metadata", '\0', OptionArg.StringArray, "Add a key/value pair to metadata, where the KEY is a string, and VALUE is in GVariant Text Format", "KEY=VALUE"),
        new("keep-metadata", '\0', OptionArg.StringArray, "Keep metadata KEY and its associated VALUE from parent", "KEY"),
        new("add-detached-metadata-string", '\0', OptionArg.StringArray, "Add a key/value pair to detached metadata", "KEY=VALUE"),
        new("owner-uid", '\0', OptionArg.Int, "Set file ownership user id", "UID"),
        new("owner-gid", '\0', OptionArg.Int, "Set file ownership group id", "GID"),
        new("canonical-permissions", '\0', OptionArg.None, "Canonicalize permissions in the same way bare-user does for hardlinked files"),
        new("no-xattrs", '\0', OptionArg.None, "Do not import extended attributes"),
        new("link-checkout-speedup", '\0', OptionArg.None, "Optimize for commits of trees composed of hardlinks into the repository"),
        new("skip-if-unchanged", '\0', OptionArg.None, "If the contents are unchanged from previous commit, do nothing"),
        new("statoverride", '\0', OptionArg.String, "File containing list of modifications to make to permissions", "PATH"),
        new("skip-list", '\0', OptionArg.String, "File containing list of files to skip", "PATH"),
        new("tar-autocreate-parents", '\0', OptionArg.None, "When loading tar archives, automatically create parent directories as needed"),
        new("table-output", '\0', OptionArg.None, "Output more information in a KEY: VALUE format"),
        new("timestamp", '\0', OptionArg.String, "Override the timestamp of the commit", "TIMESTAMP"),
        new("fsync", '\0', OptionArg.String, "Specify how to invoke fsync()", "POLICY"),
        new("gpg-sign", '\0', OptionArg.StringArray, "GPG Key ID to sign the commit with", "KEY-ID"),
        new("gpg-homedir", '\0', OptionArg.String, "GPG Homedir to use when looking for keyrings", "HOMEDIR"),
        new("sign", '\0', OptionArg.StringArray, "Sign the commit with the given secret key", "KEY-ID"),
        new("sign-type", '\0', OptionArg.String, "Signature type to use (defaults to 'ed25519')", "NAME"),
        new("bootable", '\0', OptionArg.None, "Flag this commit as a bootable OSTree (e.g. contains a Linux kernel)"),
        new("consume", '\0', OptionArg.None, "Consume (delete) content after commit (for local directories)"),
        new("base", '\0', OptionArg.String, "Start from the given commit as a base (no modifiers apply)", "REV"),
        new("generate-sizes", '\0', OptionArg.None, "Generate size information along with commit metadata"),
    ];

    public override int Run(VerbContext ctx)
    {
        var a = ctx.Args;
        if (a.GetAll("sign").Any() && (a.Get("sign-type") ?? "ed25519") != "ed25519")
            throw new OstreeException($"Requested signature type is not implemented: {a.Get("sign-type")}");
        var trees = new List<TreeSource>();
        foreach (var tree in a.GetAll("tree"))
        {
            int eq = tree.IndexOf('=');
            if (eq < 0)
                throw new OstreeException($"Missing type in tree specification '{tree}'");
            var arg = tree[(eq + 1)..];
            trees.Add(tree[..eq] switch
            {
                "dir" => new TreeSource.Dir(arg),
                "tar" => new TreeSource.Tar(arg == "-" ? Console.OpenStandardInput() : OpenTar(arg), a.Has("tar-autocreate-parents")),
                "ref" => new TreeSource.Ref(arg),
                var kind => throw new OstreeException($"Invalid tree type specification '{kind}'"),
            });
        }
        if (trees.Count == 0)
            trees.Add(new TreeSource.Dir(a.Positional.Count > 0 ? a.Positional[0] : "."));
        var statOverrides = a.Get("statoverride") is { } so ? ModeOverride.ParseFile(File.ReadAllText(so)) : null;
        var skipList = a.Get("skip-list") is { } sl
            ? File.ReadAllText(sl).Split('\n').Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal)
            : null;
        if ((statOverrides is not null || skipList is not null) && trees.Any(t => t is not TreeSource.Dir))
            throw new OstreeException("--statoverride and --skip-list apply to directory trees (--tree=dir=); this commit also has a tar or ref tree");

        var spec = new CommitSpec
        {
            Branch = a.Get("branch"),
            Orphan = a.Has("orphan"),
            Parent = a.Get("parent"),
            Trees = trees,
            Modifier = new CommitModifier
            {
                OwnerUid = a.GetInt("owner-uid", -1),
                OwnerGid = a.GetInt("owner-gid", -1),
                CanonicalPermissions = a.Has("canonical-permissions"),
                ReadOnlyExecutables = a.Has("mode-ro-executables"),
                SkipXattrs = a.Has("no-xattrs"),
                LinkCheckoutSpeedup = a.Has("link-checkout-speedup"),
                ModeOverrides = statOverrides,
                SkipList = skipList,
            },
            Subject = a.Get("subject") ?? "",
            Body = a.Get("body") ?? (a.Get("body-file") is { } bf ? File.ReadAllText(bf) : ""),
            Timestamp = a.Get("timestamp") is { } ts ? ParseTimestamp(ts) : null,
            // Strings first, then the GVariant-text values: the order ostree adds them in.
            Metadata = [.. a.GetAll("add-metadata-string").Select(ParseKeyValue), .. a.GetAll("add-metadata").Select(ParseKeyVariant)],
            KeepMetadata = a.GetAll("keep-metadata").ToList(),
            DetachedMetadata = a.GetAll("add-detached-metadata-string").Select(ParseKeyValue).ToList(),
            NoBindings = a.Has("no-bindings"),
            BindRefs = a.GetAll("bind-ref").ToList(),
            SkipIfUnchanged = a.Has("skip-if-unchanged"),
            GpgKeys = a.GetAll("gpg-sign").ToList(),
            GpgHomedir = a.Get("gpg-homedir"),
            SignKeys = a.GetAll("sign").ToList(),
            DisableFsync = a.Get("fsync") is "false" or "no" or "0",
            Bootable = a.Has("bootable"),
            Consume = a.Has("consume"),
            Base = a.Get("base"),
            GenerateSizes = a.Has("generate-sizes"),
        };
        CommitOutcome outcome;
        using (var bar = ProgressLine.Start(ctx))
            outcome = RepoCommit.Run(ctx.Repo, spec, bar);
        if (a.Has("table-output"))
            ctx.Out.WriteLine($"Commit: {outcome.Checksum}");
        else
            ctx.Out.WriteLine(outcome.Checksum);
        return 0;
    }

    private static Stream OpenTar(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (FileNotFoundException)
        {
            throw new OstreeException($"opening {path}: No such file or directory");
        }
    }

    private static KeyValuePair<string, GVariantValue> ParseKeyValue(string s)
    {
        int eq = s.IndexOf('=');
        if (eq < 0)
            throw new OstreeException($"Missing '=' in KEY=VALUE metadata '{s}'");
        return new(s[..eq], GVariantValue.Str(s[(eq + 1)..]));
    }

    private static KeyValuePair<string, GVariantValue> ParseKeyVariant(string s)
    {
        int eq = s.IndexOf('=');
        if (eq < 0)
            throw new OstreeException($"Missing '=' in KEY=VALUE metadata '{s}'");
        try
        {
            return new(s[..eq], GVariantParser.Parse(s[(eq + 1)..]));
        }
        catch (FormatException e)
        {
            throw new OstreeException($"Parsing {s}: {e.Message}", e);
        }
    }

    /// <summary>Parses the timestamp forms scripts pass to ostree: @EPOCH, ISO 8601, "YYYY-MM-DD HH:MM:SS [+ZZZZ]".</summary>
    internal static ulong ParseTimestamp(string s)
    {
        var t = s.Trim();
        if (t.StartsWith('@') && long.TryParse(t[1..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
            return (ulong)epoch;
        if (DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var dto))
            return (ulong)dto.ToUnixTimeSeconds();
        string[] formats = ["yyyy-MM-dd HH:mm:ss zzz", "yyyy-MM-dd HH:mm:ss zzzz", "yyyy-MM-dd HH:mm:ss K", "yyyy-MM-ddTHH:mm:ssK"];
        foreach (var f in formats)
        {
            if (DateTimeOffset.TryParseExact(t.Replace(" +", " +", StringComparison.Ordinal), f, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out dto))
                return (ulong)dto.ToUnixTimeSeconds();
        }
        var m = System.Text.RegularExpressions.Regex.Match(t, @"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?) ?([+-])(\d{2}):?(\d{2})$");
        if (m.Success && DateTime.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var local))
        {
            var offset = new TimeSpan(int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture), 0);
            var utc = m.Groups[3].Value == "+" ? local - offset : local + offset;
            return (ulong)new DateTimeOffset(utc, TimeSpan.Zero).ToUnixTimeSeconds();
        }
        throw new OstreeException($"Could not parse '{s}'");
    }
}
