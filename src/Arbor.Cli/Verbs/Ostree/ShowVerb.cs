// `ostree show OBJECT` (ot-builtin-show.c): dumps a commit (or a dirtree/dirmeta with --raw, or a
// content object's header facts), prints one metadata key in GVariant text form, lists metadata
// keys, prints related objects, or maps a file as a given GVariant type. Output text comes from
// CommitPrinter so `show` and `log` agree byte for byte.
using System.Globalization;
using System.Text;
using Arbor.Ostree;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class ShowVerb : OstreeVerb
{
    public override string Name => "show";
    public override string Summary => "Output a metadata object";
    public override string Usage => "ostree show [OPTION…] OBJECT";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("print-related", '\0', OptionArg.None, "Show the \"related\" commits"),
        new("print-variant-type", '\0', OptionArg.String, "Memory map OBJECT (in this case a filename) to the GVariant type string", "TYPE"),
        new("print-metadata-key", '\0', OptionArg.String, "Print string value of metadata key", "KEY"),
        new("print-detached-metadata-key", '\0', OptionArg.String, "Print string value of detached metadata key", "KEY"),
        new("print-sizes", '\0', OptionArg.None, "Show the commit size metadata"),
        new("raw", '\0', OptionArg.None, "Show raw variant data"),
        new("no-byteswap", 'B', OptionArg.None, "Do not automatically convert variant data from big endian"),
        new("gpg-homedir", '\0', OptionArg.String, "GPG Homedir to use when looking for keyrings", "HOMEDIR"),
        new("gpg-verify-remote", '\0', OptionArg.String, "Use REMOTE name for GPG configuration", "REMOTE"),
    ];

    public override int Run(VerbContext ctx)
    {
        RequireArgs(ctx, 1, "An object argument is required");
        var a = ctx.Args;
        var rev = a.Positional[0];
        var o = ctx.Out;

        if (a.Get("print-metadata-key") is { } || a.Get("print-detached-metadata-key") is { })
        {
            bool detached = a.Get("print-detached-metadata-key") is not null;
            var key = detached ? a.Get("print-detached-metadata-key")! : a.Get("print-metadata-key")!;
            var meta = GetMetadata(ctx.Repo, ctx.Repo.ResolveRev(rev)!.Value, detached);
            var value = meta.FirstOrDefault(kv => kv.Key == key).Value ?? throw new OstreeException($"No such metadata key '{key}'");
            if (a.Has("no-byteswap"))
                o.Write(GVariantText.Print(value, true) + "\n");
            else
                o.Write(CommitPrinter.PrintSwapped(value) + "\n");
            return 0;
        }
        if (a.Has("print-related"))
        {
            var c = ctx.Repo.ResolveRev(rev)!.Value;
            var v = new GVariantView(Commit.Type, ctx.Repo.LoadMetadataBytes(c, ObjectType.Commit));
            var related = v[2];
            for (int i = 0; i < related.ChildCount; i++)
                o.Write($"{TerminalText.Escape(related[i][0].GetString())} {new Checksum(related[i][1].GetBytes().Span)}\n");
            return 0;
        }
        if (a.Get("print-variant-type") is { } typeString)
        {
            if (!GVariantType.TryParse(typeString, out var type) || type is null)
                throw new UsageException($"Invalid GVariant type '{typeString}'");
            var data = File.ReadAllBytes(rev);
            o.Write(CommitPrinter.PrintSwapped(new GVariantView(type, data).ToValue()) + "\n");
            return 0;
        }
        if (a.Has("print-sizes"))
        {
            var commit = ctx.Repo.LoadCommit(ctx.Repo.ResolveRev(rev)!.Value);
            throw new OstreeException(commit.GetMetadata("ostree.sizes") is null
                ? "No metadata key ostree.sizes in commit"
                : "--print-sizes is not supported yet");
        }

        var repo = ctx.Repo;
        if (!Checksum.TryParse(rev, out var csum))
        {
            var resolved = repo.ResolveRev(rev)!.Value;
            PrintObject(ctx, ObjectType.Commit, resolved);
            PrintSignatures(ctx, resolved);
            return 0;
        }
        foreach (var t in new[] { ObjectType.Commit, ObjectType.DirMeta, ObjectType.DirTree })
        {
            if (repo.HasObject(csum, t))
            {
                PrintObject(ctx, t, csum);
                if (t == ObjectType.Commit)
                    PrintSignatures(ctx, csum);
                return 0;
            }
        }
        ContentObject obj;
        try
        {
            obj = repo.OpenContent(csum);
        }
        catch (OstreeException e)
        {
            throw new OstreeException($"Opening content object {csum}: {e.Message}", e);
        }
        var h = obj.Header;
        var sb = new StringBuilder();
        sb.Append("Object: ").Append(rev).Append("\nType: file\nFile Type: ");
        if (h.IsRegular)
            sb.Append("regular\nSize: ").Append(obj.Size.ToString(CultureInfo.InvariantCulture)).Append('\n');
        else if (h.IsSymlink)
            sb.Append("symlink\nTarget: ").Append(TerminalText.Escape(h.SymlinkTarget)).Append('\n');
        sb.Append("Mode: 0").Append(Convert.ToString(h.Mode, 8).PadLeft(4, '0')).Append('\n');
        sb.Append("Uid: ").Append(h.Uid.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("Gid: ").Append(h.Gid.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("Extended Attributes: ");
        sb.Append("{ ").Append(GVariantText.Print(Xattrs.ToValue(h.Xattrs), true)).Append(" }\n");
        o.Write(sb.ToString());
        return 0;
    }

    private static void PrintObject(VerbContext ctx, ObjectType type, Checksum checksum)
    {
        var a = ctx.Args;
        var bytes = ctx.Repo.LoadMetadataBytes(checksum, type);
        var gvType = type switch
        {
            ObjectType.Commit => Commit.Type,
            ObjectType.DirTree => DirTree.Type,
            _ => DirMeta.Type,
        };
        if (type == ObjectType.Commit && !a.Has("no-byteswap"))
        {
            ctx.Out.Write(CommitPrinter.FormatCommit(checksum, ctx.Repo.LoadCommit(checksum), a.Has("raw"), bytes));
            return;
        }
        var sb = new StringBuilder(CommitPrinter.ObjectHeader(type, checksum));
        var value = new GVariantView(gvType, bytes).ToValue();
        if (a.Has("no-byteswap"))
        {
            sb.Append(GVariantText.Print(value, true)).Append('\n');
            if (type == ObjectType.Commit)
            {
                ctx.Out.Write(sb.ToString());
                ctx.Out.Write(CommitPrinter.FormatCommit(checksum, ctx.Repo.LoadCommit(checksum), false, bytes)[CommitPrinter.ObjectHeader(type, checksum).Length..]);
                return;
            }
        }
        else if (a.Has("raw"))
        {
            sb.Append(CommitPrinter.PrintSwapped(value)).Append('\n');
        }
        ctx.Out.Write(sb.ToString());
    }

    /// <summary>ostree's "Found N signature(s):" block; nothing when the commit has no GPG signatures.</summary>
    private static void PrintSignatures(VerbContext ctx, Checksum commit)
    {
        ctx.Out.Flush();
        var result = Arbor.Ostree.Signing.GpgSigning.VerifyCommit(ctx.Repo, commit, ctx.Args.Get("gpg-verify-remote"), ctx.Args.Get("gpg-homedir"));
        if (result is null)
            return;
        var n = result.Signatures.Count;
        var sb = new StringBuilder($"Found {n} signature{(n == 1 ? "" : "s")}:\n");
        foreach (var sig in result.Signatures)
            sb.Append('\n').Append(TerminalText.Escape(sig.Describe("  "), keepNewlines: true));
        ctx.Out.Write(sb.ToString());
    }

    private static IReadOnlyList<KeyValuePair<string, GVariantValue>> GetMetadata(Repository repo, Checksum commit, bool detached)
    {
        if (!detached)
            return repo.LoadCommit(commit).Metadata;
        var view = repo.LoadDetachedMetadata(commit) ?? throw new OstreeException($"No detached metadata for commit {commit}");
        return Commit.MetadataFromView(view);
    }
}
