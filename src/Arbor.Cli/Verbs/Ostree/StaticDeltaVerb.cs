// `ostree static-delta list|show|delete|generate|apply-offline|verify|indexes|reindex`, with
// ostree's options and output. The work is in Arbor.Ostree/Deltas; this file parses and prints.
// Signing follows ostree: generate --sign=SECRET… / --keys-file=FILE (one secret key a line)
// writes the signed superblock form; verify and apply-offline take public keys after the delta,
// plus --keys-file / --keys-dir, with --sign-type choosing the engine (ed25519 by default).
using System.Globalization;
using Arbor.Ostree;
using Arbor.Ostree.Deltas;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Signing;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class StaticDeltaVerb : OstreeVerb
{
    private static readonly string[] KeyOptions = ["sign-type", "keys-file", "keys-dir"];

    public override IReadOnlyList<Subverb> Subverbs { get; } =
    [
        new("list", "List static delta files", "", []),
        new("show", "Dump information on a delta", "", []),
        new("delete", "Remove a delta", "", []),
        new("generate", "Generate static delta files", "[TO]",
            ["from", "empty", "inline", "to", "disable-bsdiff", "if-not-exists", "set-endianness", "endianness", "swap-endianness",
             "min-fallback-size", "max-bsdiff-size", "max-chunk-size", "filename", "sign", .. KeyOptions]),
        new("apply-offline", "Apply static delta file", "", KeyOptions),
        new("verify", "Verify static delta signatures", "STATIC-DELTA-FILE [KEY-ID...]", KeyOptions),
        new("indexes", "List static delta indexes", "", []),
        new("reindex", "Regenerate static delta indexes", "", ["to"]),
    ];

    public override string Name => "static-delta";
    public override string Summary => "Static delta related commands";
    public override string Usage => "ostree static-delta [OPTION…] COMMAND";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("from", '\0', OptionArg.String, "Create delta from revision REV", "REV"),
        new("empty", '\0', OptionArg.None, "Create delta from scratch"),
        new("inline", '\0', OptionArg.None, "Inline delta parts into main delta"),
        new("to", '\0', OptionArg.String, "Create delta to revision REV", "REV"),
        new("disable-bsdiff", '\0', OptionArg.None, "Disable use of bsdiff"),
        new("if-not-exists", 'n', OptionArg.None, "Only generate if a delta does not already exist"),
        new("set-endianness", '\0', OptionArg.String, "Choose metadata endianness ('l' or 'B')", "ENDIAN"),
        new("endianness", '\0', OptionArg.String, "Alias of --set-endianness", "ENDIAN"),
        new("swap-endianness", '\0', OptionArg.None, "Swap metadata endianness from host order"),
        new("min-fallback-size", '\0', OptionArg.String, "Minimum uncompressed size in megabytes for individual HTTP request"),
        new("max-bsdiff-size", '\0', OptionArg.String, "Maximum size in megabytes to consider bsdiff compression for input files"),
        new("max-chunk-size", '\0', OptionArg.String, "Maximum size of delta chunks in megabytes"),
        new("filename", '\0', OptionArg.String, "Write the delta content to PATH (a directory).  If not specified, the OSTree repository is used", "PATH"),
        new("sign", '\0', OptionArg.StringArray, "Sign the delta with", "KEY_ID"),
        new("sign-type", '\0', OptionArg.String, "Signature type to use (defaults to 'ed25519')", "NAME"),
        new("keys-file", '\0', OptionArg.String, "Read key(s) from file", "NAME"),
        new("keys-dir", '\0', OptionArg.String, "Redefine system-wide directories with public and revoked keys for verification", "NAME"),
    ];

    public override int Run(VerbContext ctx)
    {
        var pos = ctx.Args.Positional;
        if (pos.Count == 0)
        {
            ctx.Err.Write(SubverbUsage());
            throw new OstreeException("No command specified");
        }
        var sub = pos[0];
        var args = pos.Skip(1).ToList();
        return sub switch
        {
            "list" => List(ctx),
            "show" => Show(ctx, Need(args, "DELTA must be specified")),
            "delete" => Delete(ctx, Need(args, "DELTA must be specified")),
            "generate" => Generate(ctx, args),
            "apply-offline" => Apply(ctx, Need(args, "PATH must be specified"), args.Skip(1).ToList()),
            "verify" => Verify(ctx, Need(args, "DELTA must be specified"), args.Skip(1).ToList()),
            "indexes" => Indexes(ctx),
            "reindex" => Reindex(ctx),
            _ => UnknownSub(ctx, sub),
        };
    }

    private static string Need(List<string> args, string message) =>
        args.Count > 0 ? args[0] : throw new OstreeException(message);

    private int UnknownSub(VerbContext ctx, string sub)
    {
        ctx.Err.Write(SubverbUsage());
        throw new OstreeException($"Unknown \"static-delta\" subcommand '{sub}'");
    }

    private static int List(VerbContext ctx)
    {
        var names = DeltaIndexes.List(ctx.Repo);
        if (names.Count == 0)
            ctx.Out.WriteLine("(No static deltas)");
        foreach (var n in names)
            ctx.Out.WriteLine(n);
        return 0;
    }

    private static int Indexes(VerbContext ctx)
    {
        var list = DeltaIndexes.ListIndexes(ctx.Repo);
        if (list.Count == 0)
            ctx.Out.WriteLine("(No static deltas indexes)");
        foreach (var c in list)
            ctx.Out.WriteLine(c);
        return 0;
    }

    private static int Reindex(VerbContext ctx)
    {
        Checksum? to = null;
        if (ctx.Args.Get("to") is { } t)
            to = Checksum.TryParse(t, out var c) ? c : throw new OstreeException($"Invalid checksum '{t}'");
        using var _ = RepoLock.Acquire(ctx.Repo, exclusive: false);
        DeltaIndexes.Reindex(ctx.Repo, to);
        return 0;
    }

    private static int Delete(VerbContext ctx, string name)
    {
        DeltaIndexes.Delete(ctx.Repo, name);
        return 0;
    }

    private static string SuperblockPathOf(Repository repo, string delta)
    {
        if (delta.Contains('/'))
            return delta;
        var (from, to) = DeltaIndexes.ParseName(delta);
        return Path.Combine(repo.Path, Repository.StaticDeltaRelativeDir(from, to), "superblock");
    }

    /// <summary>
    /// The engine ostree's verify and apply-offline build: the public keys given after the delta,
    /// plus those of --keys-file (or of --keys-dir / the system files) when no key was given or a
    /// keys file was named.
    /// </summary>
    private static SignEngine LoadVerifier(VerbContext ctx, SignEngine engine, List<string> keys)
    {
        foreach (var k in keys)
            engine.AddPublicKey(k);
        var keysFile = ctx.Args.Get("keys-file");
        if (keys.Count == 0 || keysFile is not null)
            engine.LoadPublicKeys(keysFile, ctx.Args.Get("keys-dir"));
        return engine;
    }

    private static int Verify(VerbContext ctx, string delta, List<string> keys)
    {
        SignEngine engine;
        try
        {
            engine = SignEngine.Create(ctx.Args.Get("sign-type") ?? "ed25519");
        }
        catch (OstreeException)
        {
            ctx.Out.WriteLine("Sign-type not supported");
            throw;
        }
        LoadVerifier(ctx, engine, keys);
        try
        {
            var path = SuperblockPathOf(ctx.Repo, delta);
            if (!File.Exists(path))
                throw new OstreeException($"openat({(delta.Contains('/') ? delta : Path.GetRelativePath(ctx.Repo.Path, path))}): No such file or directory");
            DeltaSignatures.Verify(File.ReadAllBytes(path), engine);
        }
        catch (OstreeException)
        {
            ctx.Out.WriteLine("Verification fails");
            throw;
        }
        ctx.Out.WriteLine("Verification OK");
        return 0;
    }

    private static int Apply(VerbContext ctx, string path, List<string> keys)
    {
        var repo = ctx.Repo;
        var type = ctx.Args.Get("sign-type") ?? "ed25519";
        SignEngine? verifier;
        try
        {
            verifier = SignEngine.Create(type);
        }
        catch (OstreeException)
        {
            throw new OstreeException($"Signing type {type} is not supported");
        }
        try
        {
            LoadVerifier(ctx, verifier, keys);
        }
        catch (OstreeException) when (keys.Count == 0 && !ctx.Args.Has("keys-file") && !ctx.Args.Has("keys-dir"))
        {
            // No key named anywhere and none installed system-wide: like ostree, apply without verifying.
            verifier = null;
        }
        using var bar = ProgressLine.Start(ctx);
        using var txn = RepoTransaction.Prepare(repo);
        DeltaApplier.ApplyOffline(repo, path, verifier, bar);
        txn.Commit();
        return 0;
    }

    private static uint Megabytes(VerbContext ctx, string name, uint fallback)
    {
        var v = ctx.Args.Get(name);
        if (v is null)
            return fallback;
        // g_ascii_strtoull semantics: leading digits, else 0.
        int n = 0;
        while (n < v.Length && char.IsAsciiDigit(v[n]))
            n++;
        return n == 0 ? 0 : (uint)ulong.Parse(v.AsSpan(0, n), CultureInfo.InvariantCulture);
    }

    private static int Generate(VerbContext ctx, List<string> args)
    {
        var repo = ctx.Repo;
        var a = ctx.Args;
        var toRev = a.Get("to") ?? (args.Count > 0 ? args[0] : throw new OstreeException("TO revision must be specified"));
        string? fromSource;
        if (a.Has("empty"))
        {
            if (a.Has("from"))
                throw new OstreeException("Cannot specify both --empty and --from=REV");
            fromSource = null;
        }
        else
            fromSource = a.Get("from") ?? toRev + "^";
        Checksum? from = fromSource is null ? null : repo.ResolveRev(fromSource) ?? throw new OstreeException($"Refspec '{fromSource}' not found");
        var to = repo.ResolveRev(toRev) ?? throw new OstreeException($"Refspec '{toRev}' not found");
        if (a.Has("if-not-exists"))
        {
            var dir = Path.Combine(repo.Path, Repository.StaticDeltaRelativeDir(from, to), "superblock");
            if (File.Exists(dir))
            {
                ctx.Out.WriteLine($"Delta {(from is null ? to.ToString() : $"{from}-{to}")} already exists.");
                return 0;
            }
        }
        bool bigEndian = !BitConverter.IsLittleEndian;
        if ((a.Get("set-endianness") ?? a.Get("endianness")) is { } e)
        {
            bigEndian = e switch
            {
                "l" => false,
                "B" => true,
                _ => throw new OstreeException($"Invalid endianness '{e}'"),
            };
        }
        if (a.Has("swap-endianness"))
            bigEndian = !bigEndian;
        DeltaSigning? signing = null;
        if (a.GetAll("sign").Count > 0 || a.Has("keys-file"))
        {
            var secretKeys = a.GetAll("sign").ToList();
            if (a.Get("keys-file") is { } keysFile)
                secretKeys.AddRange(Ed25519Keys.ReadKeyFile(keysFile));
            signing = new DeltaSigning(SignEngine.Create(a.Get("sign-type") ?? "ed25519"), secretKeys);
        }
        var opt = new DeltaGenerateOptions
        {
            MinFallbackSize = Megabytes(ctx, "min-fallback-size", 4) * 1_000_000UL,
            MaxBsdiffSize = Megabytes(ctx, "max-bsdiff-size", 128) * 1_000_000UL,
            MaxChunkSize = Megabytes(ctx, "max-chunk-size", 32) * 1_000_000UL,
            Bsdiff = !a.Has("disable-bsdiff"),
            Inline = a.Has("inline"),
            Filename = a.Get("filename") is { Length: > 0 } f ? f : a.Has("filename") ? throw new OstreeException("Invalid 'filename' parameter") : null,
            BigEndian = bigEndian,
            Verbose = a.Has("verbose") ? ctx.Err.WriteLine : null,
            Sign = signing,
        };
        ctx.Out.WriteLine("Generating static delta:");
        ctx.Out.WriteLine($"  From: {(from is null ? "empty" : from.ToString())}");
        ctx.Out.WriteLine($"  To:   {to}");
        ctx.Out.Flush();
        using var _ = RepoLock.Acquire(repo, exclusive: false);
        using var bar = ProgressLine.Start(ctx);
        DeltaCompiler.Generate(repo, from, to, opt with { Progress = bar });
        return 0;
    }

    private static int Show(VerbContext ctx, string delta)
    {
        var repo = ctx.Repo;
        var path = SuperblockPathOf(repo, delta);
        var (sb, dir) = DeltaApplier.OpenSuperblock(path);
        var o = ctx.Out;
        o.WriteLine($"Delta: {delta}");
        o.WriteLine($"Signed: {(sb.Signed ? "yes" : "no")}");
        o.WriteLine(sb.From is { } f ? $"From: {f}" : "From <scratch>");
        o.WriteLine($"To: {sb.To}");
        o.WriteLine($"Endianness: {(sb.BigEndian ? "big" : "little")}{(sb.EndiannessHeuristic ? " (heuristic)" : "")}");
        o.WriteLine($"Timestamp: {sb.Timestamp}");
        o.WriteLine("Number of parents: 0");
        o.WriteLine($"Number of fallback entries: {sb.Fallbacks.Count}");
        ulong fs = 0, fus = 0;
        foreach (var fb in sb.Fallbacks)
        {
            o.WriteLine($"  {fb.Object.Checksum}");
            fs += fb.CompressedSize;
            fus += fb.UncompressedSize;
        }
        o.WriteLine($"Total Fallback Size: {fs} ({Arbor.Native.ByteSize.Format(fs)})");
        o.WriteLine($"Total Fallback Uncompressed Size: {fus} ({Arbor.Native.ByteSize.Format(fus)})");
        o.WriteLine($"Number of parts: {sb.Parts.Count}");
        ulong ts = 0, tus = 0;
        for (int i = 0; i < sb.Parts.Count; i++)
        {
            var p = sb.Parts[i];
            o.WriteLine($"PartMeta{i}: nobjects={p.Objects.Count} size={p.CompressedSize} usize={p.UncompressedSize}");
            var payload = DeltaPartPayload.DecodePartFile(sb.InlinePartFile(i) ?? File.ReadAllBytes(Path.Combine(dir, i.ToString(CultureInfo.InvariantCulture))));
            o.WriteLine($"PartPayload{i}: nmodes={payload.Modes.Count} nxattrs={payload.XattrSets.Count} blobsize={payload.Payload.Length} opsize={payload.Operations.Length}");
            var n = DeltaApplier.CountOps(p.Objects, payload);
            o.WriteLine($"PartPayloadOps{i}: openspliceclose={n[0]} open={n[1]} write={n[2]} setread={n[3]} unsetread={n[4]} close={n[5]} bspatch={n[6]}");
            ts += p.CompressedSize;
            tus += p.UncompressedSize;
        }
        o.WriteLine($"Total Part Size: {ts} ({Arbor.Native.ByteSize.Format(ts)})");
        o.WriteLine($"Total Part Uncompressed Size: {tus} ({Arbor.Native.ByteSize.Format(tus)})");
        o.WriteLine($"Total Size: {ts + fs} ({Arbor.Native.ByteSize.Format(ts + fs)})");
        o.WriteLine($"Total Uncompressed Size: {tus + fus} ({Arbor.Native.ByteSize.Format(tus + fus)})");
        return 0;
    }
}
