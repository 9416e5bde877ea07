// `ostree refs [PREFIX] [--list] [--create=NEW REV] [--delete] [--alias] [--remotes]`.
// Aliases are symlinks in refs/heads (Repository.ListRefAliases/SetAliasRefImmediate); reading a ref
// follows them, so rev-parse, pull and checkout see the target's commit.
using Arbor.Ostree;
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class RefsVerb : OstreeVerb
{
    public override string Name => "refs";
    public override string Summary => "List refs";
    public override string Usage => "ostree refs [OPTION…] [PREFIX]";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("delete", '\0', OptionArg.None, "Delete refs which match PREFIX, rather than listing them"),
        new("list", '\0', OptionArg.None, "Do not remove the prefix from the refs"),
        new("revision", 'r', OptionArg.None, "Show revisions in listing"),
        new("alias", 'A', OptionArg.None, "If used with --create, create an alias, otherwise just list aliases"),
        new("create", '\0', OptionArg.String, "Create a new ref for an existing commit", "NEWREF"),
        new("remotes", '\0', OptionArg.None, "Do not list remote refs"),
        new("collections", 'c', OptionArg.None, "Enable listing collection IDs for refs"),
        new("force", '\0', OptionArg.None, "Overwrite existing refs when creating"),
    ];

    public override int Run(VerbContext ctx)
    {
        var repo = ctx.Repo;
        var args = ctx.Args;
        var prefix = args.Positional.Count > 0 ? args.Positional[0] : null;
        if (args.Get("create") is { } newRef)
        {
            if (prefix is null)
                throw new UsageException("Usage: ostree refs --create=NEWREF EXISTING");
            // Replacing an alias with another is allowed without --force, as in ostree.
            bool replacingAlias = args.Has("alias") && repo.ListRefAliases().Any(a => a.Name == newRef);
            if (!replacingAlias && !args.Has("force") && repo.ResolveRev(newRef, allowMissing: true) is not null && repo.ListRefs().Any(r => r.Refspec == newRef))
                throw new OstreeException($"--create specified but ref {newRef} already exists");
            var (remote, name) = Repository.ParseRefspec(newRef);
            if (args.Has("alias"))
            {
                if (remote is not null)
                    throw new OstreeException($"Cannot create alias to remote ref: {remote}");
                if (!repo.ListRefs().Any(r => r.Refspec == prefix))
                    throw new OstreeException($"Cannot create alias to non-existent ref: {prefix}");
                repo.SetAliasRefImmediate(name, prefix);
                return 0;
            }
            var target = repo.ResolveRev(prefix)!.Value;
            repo.LoadCommit(target);
            repo.SetRefImmediate(remote, name, target);
            return 0;
        }
        var refs = repo.ListRefs(includeRemotes: true, prefix);
        if (args.Has("delete"))
        {
            if (prefix is null)
                throw new UsageException("At least one PREFIX is required when deleting refs");
            // A ref that an alias names stays: deleting it would leave the alias dangling.
            var aliases = repo.ListRefAliases();
            using var txn = RepoTransaction.Prepare(repo);
            foreach (var r in refs)
            {
                if (aliases.FirstOrDefault(a => a.Target == r.Name) is { Name: not null } holder)
                    throw new OstreeException($"Ref '{r.Name}' has an active alias: '{holder.Name}'");
                txn.SetRef(r.Remote, r.Name, null);
            }
            txn.Commit();
            return 0;
        }
        if (args.Has("alias"))
        {
            ListAliases(ctx, prefix);
            return 0;
        }
        foreach (var r in refs)
        {
            string shown = r.Refspec;
            if (prefix is not null && !args.Has("list"))
            {
                var cut = prefix.TrimEnd('/');
                shown = shown == cut ? shown[(shown.LastIndexOf('/') + 1)..] : shown.StartsWith(cut + "/", StringComparison.Ordinal) ? shown[(cut.Length + 1)..] : shown;
            }
            ctx.Out.WriteLine(args.Has("revision") ? $"{shown}\t{r.Target}" : shown);
        }
        return 0;
    }

    // `refs --alias [PREFIX]` prints "ALIAS -> TARGET" with the prefix kept (ostree lists with
    // list_refs_ext, which never cuts it). A PREFIX naming a ref file itself is printed with the commit
    // it holds, as ostree does.
    private static void ListAliases(VerbContext ctx, string? prefix)
    {
        if (prefix is not null && ctx.Repo.ListRefs(includeRemotes: false, prefix).FirstOrDefault(r => r.Remote is null && r.Name == prefix) is { Name: not null } exact)
        {
            ctx.Out.WriteLine($"{exact.Name} -> {exact.Target}");
            return;
        }
        foreach (var a in ctx.Repo.ListRefAliases(prefix))
            ctx.Out.WriteLine($"{a.Name} -> {a.Target}");
    }
}
