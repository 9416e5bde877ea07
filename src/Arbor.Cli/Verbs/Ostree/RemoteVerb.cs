// `ostree remote add|delete|list|show-url|refs|summary` with ostree's options. Names, URLs and
// refs come from config files and the remote's summary: printed with control characters escaped.
using Arbor.Cli.Render;
using Arbor.Ostree;
using Arbor.Ostree.Pull;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class RemoteVerb : OstreeVerb
{
    public override string Name => "remote";
    public override string Summary => "Remote commands that may involve network access";
    public override string Usage => "ostree remote [OPTION…] (add NAME URL [BRANCH…]|delete NAME|list|show-url NAME|refs NAME|summary NAME)";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("set", '\0', OptionArg.StringArray, "Set config option KEY=VALUE for remote", "KEY=VALUE"),
        new("no-gpg-verify", '\0', OptionArg.None, "Disable GPG verification"),
        new("no-sign-verify", '\0', OptionArg.None, "Disable signature verification"),
        new("sign-verify", '\0', OptionArg.StringArray, "Verify signatures using KEYTYPE=inline:PUBKEY or KEYTYPE=file:/path/to/key", "KEYTYPE=[inline|file]:PUBKEY"),
        new("contenturl", '\0', OptionArg.String, "Use URL when fetching content", "URL"),
        new("if-not-exists", '\0', OptionArg.None, "Do nothing if the provided remote exists"),
        new("if-exists", '\0', OptionArg.None, "Do nothing if the provided remote does not exist"),
        new("force", '\0', OptionArg.None, "Replace the provided remote if it exists"),
        new("collection-id", '\0', OptionArg.String, "Globally unique ID for this repository as an collection of refs for redistribution to other repositories", "COLLECTION-ID"),
        new("show-urls", 'u', OptionArg.None, "Show remote URLs in list"),
        new("revision", 'r', OptionArg.None, "Show revisions in listing"),
        new("raw", '\0', OptionArg.None, "Show raw variant data"),
        new("keyring", 'k', OptionArg.StringArray, "Import keys from a keyring file (repeatable)", "FILE"),
        new("stdin", '\0', OptionArg.None, "Import keys from standard input"),
        new("gpg-import", '\0', OptionArg.String, "Import GPG key from FILE", "FILE"),
        new("sysroot", '\0', OptionArg.String, "Use sysroot at PATH (overrides --repo)", "PATH"),
    ];

    public override IReadOnlyList<Subverb> Subverbs { get; } =
    [
        new("add", "Add a remote repository", "NAME [metalink=|mirrorlist=]URL [BRANCH...]", ["set", "no-gpg-verify", "no-sign-verify", "sign-verify", "if-not-exists", "force", "gpg-import", "contenturl", "collection-id", "sysroot"]),
        new("delete", "Delete a remote repository", "NAME", ["if-exists", "sysroot"]),
        new("show-url", "Show remote repository URL", "NAME", []),
        new("list", "List remote repository names", "", ["show-urls", "revision"]),
        new("gpg-import", "Import GPG keys", "NAME [KEY-ID...]", ["keyring", "stdin"]),
        new("gpg-list-keys", "Show remote GPG keys", "NAME", []),
        new("refs", "List remote refs", "NAME", ["revision"]),
        new("summary", "Show remote summary", "NAME", ["raw"]),
    ];

    // --sign-verify=KEYTYPE=inline:KEY or KEYTYPE=file:PATH becomes verification-KEYTYPE-key or
    // verification-KEYTYPE-file in the remote's config (ostree's add_verify_opt, with its errors).
    private static KeyValuePair<string, string> VerificationKey(string spec)
    {
        int eq = spec.IndexOf('=');
        if (eq < 0)
            throw new OstreeException($"Failed to parse KEYTYPE=[inline|file]:DATA in {spec}");
        var type = spec[..eq];
        if (!Arbor.Ostree.Signing.SignEngine.Names.Contains(type))
            throw new OstreeException("Requested signature type is not implemented");
        var reference = spec[(eq + 1)..];
        int colon = reference.IndexOf(':');
        var kind = colon < 0 ? reference : reference[..colon];
        return kind switch
        {
            "inline" when colon >= 0 => new($"verification-{type}-key", reference[(colon + 1)..]),
            "file" when colon >= 0 => new($"verification-{type}-file", reference[(colon + 1)..]),
            _ => throw new OstreeException($"Invalid key reference {kind}, expected inline|file"),
        };
    }

    public override int Run(VerbContext ctx)
    {
        var p = ctx.Args.Positional;
        if (p.Count == 0)
            throw new UsageException("Command requires a subcommand: add, delete, list, show-url, refs, summary");
        // add and delete take --sysroot: the sysroot's own repository instead of --repo.
        var repo = p[0] is "add" or "delete" && ctx.Args.Get("sysroot") is { } sysroot ? SysrootRepo(sysroot) : ctx.Repo;
        switch (p[0])
        {
            case "add":
                {
                    if (p.Count < 3)
                        throw new UsageException("NAME and URL must be specified");
                    var options = new List<KeyValuePair<string, string>>();
                    if (ctx.Args.Get("contenturl") is { } contentUrl)
                        options.Add(new("contenturl", contentUrl));
                    foreach (var kv in ctx.Args.GetAll("set"))
                    {
                        int eq = kv.IndexOf('=');
                        if (eq <= 0)
                            throw new UsageException($"Missing '=' in KEY=VALUE for --set: {kv}");
                        options.Add(new(kv[..eq], kv[(eq + 1)..]));
                    }
                    var signVerify = ctx.Args.GetAll("sign-verify");
                    if (ctx.Args.Has("no-sign-verify") && signVerify.Count > 0)
                        throw new OstreeException("Cannot specify both --sign-verify and --no-sign-verify");
                    // --no-sign-verify turns off both kinds of verification, as in ostree.
                    if (ctx.Args.Has("no-gpg-verify") || ctx.Args.Has("no-sign-verify"))
                        options.Add(new("gpg-verify", "false"));
                    if (ctx.Args.Has("no-sign-verify"))
                        options.Add(new("sign-verify", "false"));
                    if (signVerify.Count > 0)
                    {
                        options.AddRange(signVerify.Select(VerificationKey));
                        options.Add(new("sign-verify", string.Join(',', signVerify.Select(s => s[..s.IndexOf('=')]))));
                    }
                    if (ctx.Args.Get("collection-id") is { } cid)
                        options.Add(new("collection-id", cid));
                    Remotes.Add(repo, p[1], p[2], p.Skip(3), options, ctx.Args.Has("if-not-exists"), ctx.Args.Has("force"));
                    // Every key in the file, imported whether or not the remote already existed (as ostree does).
                    if (ctx.Args.Get("gpg-import") is { } keyFile)
                    {
                        if (!File.Exists(keyFile))
                            throw new OstreeException($"Error opening file {keyFile}: No such file or directory");
                        int n = Arbor.Ostree.Signing.GpgSigning.Import(repo, p[1], File.ReadAllBytes(keyFile), []);
                        ctx.Out.WriteLine($"Imported {n} GPG key{(n == 1 ? "" : "s")} to remote \"{p[1]}\"");
                    }
                    return 0;
                }
            case "delete":
                if (p.Count < 2)
                    throw new UsageException("NAME must be specified");
                Remotes.Delete(repo, p[1], ctx.Args.Has("if-exists"));
                return 0;
            case "list":
                {
                    var remotes = Remotes.List(repo);
                    int width = remotes.Count == 0 ? 0 : remotes.Max(r => r.Name.Length);
                    foreach (var r in remotes)
                        ctx.Out.WriteLine(TerminalText.Escape(ctx.Args.Has("show-urls") ? $"{r.Name.PadRight(width)}  {r.Get("url")}" : r.Name));
                    return 0;
                }
            case "show-url":
                if (p.Count < 2)
                    throw new UsageException("NAME must be specified");
                ctx.Out.WriteLine(TerminalText.Escape(Remotes.Get(repo, p[1]).Url));
                return 0;
            case "refs" or "summary":
                {
                    if (p.Count < 2)
                        throw new UsageException("NAME must be specified");
                    var remote = Remotes.Get(repo, p[1]);
                    using var fetcher = new Fetcher(FetcherOptions.FromRemote(remote));
                    var bytes = fetcher.FetchBytesAsync(remote.Url, "summary", allowMissing: true, 128L << 20, CancellationToken.None).GetAwaiter().GetResult()
                        ?? throw new OstreeException($"Remote refs not available; server has no summary file");
                    var summary = Arbor.Ostree.Repo.Summary.Parse(bytes, remote.Url + "/summary");
                    if (p[0] == "summary")
                    {
                        ctx.Out.Write(ctx.Args.Has("raw")
                            ? new Arbor.Ostree.GVariant.GVariantView(Arbor.Ostree.Repo.Summary.Type, bytes).ToValue().Print() + "\n"
                            : OstreeText.View(summary));
                        return 0;
                    }
                    foreach (var r in summary.Refs)
                        ctx.Out.WriteLine(TerminalText.Escape(ctx.Args.Has("revision") ? $"{remote.Name}:{r.Name}\t{r.Checksum}" : $"{remote.Name}:{r.Name}"));
                    return 0;
                }
            case "gpg-import":
                {
                    if (p.Count < 2)
                        throw new UsageException("NAME must be specified");
                    var keyrings = ctx.Args.GetAll("keyring").ToList();
                    if (ctx.Args.Has("stdin") && keyrings.Count > 0)
                        throw new UsageException("--keyring and --stdin are mutually exclusive");
                    byte[]? source = null;
                    if (ctx.Args.Has("stdin"))
                    {
                        using var ms = new MemoryStream();
                        Console.OpenStandardInput().CopyTo(ms);
                        source = ms.ToArray();
                    }
                    else if (keyrings.Count > 0)
                    {
                        source = keyrings.SelectMany(File.ReadAllBytes).ToArray();
                    }
                    int n = Arbor.Ostree.Signing.GpgSigning.Import(repo, p[1], source, p.Skip(2).ToList());
                    ctx.Out.WriteLine($"Imported {n} GPG key{(n == 1 ? "" : "s")} to remote \"{p[1]}\"");
                    return 0;
                }
            case "gpg-list-keys":
                {
                    if (p.Count < 2)
                        throw new UsageException("NAME must be specified");
                    foreach (var key in Arbor.Ostree.Signing.GpgSigning.ListKeys(repo, p[1]))
                        ctx.Out.Write(TerminalText.Escape(GpgText.KeyListing(key), keepNewlines: true));
                    return 0;
                }
            default:
                throw new UsageException($"Unknown remote subcommand '{p[0]}'");
        }
    }

    // ostree loads the sysroot (so PATH must be one) and works on its ostree/repo.
    private static Arbor.Ostree.Repo.Repository SysrootRepo(string path)
    {
        if (!Directory.Exists(path))
            throw new OstreeException($"loading sysroot: opendir({path}): No such file or directory");
        using var sysroot = Arbor.Ostree.Sysroot.Sysroot.Load(path, takeLock: false);
        return sysroot.Repo;
    }
}
