// `ostree refs [PREFIX] [--list] [--create=NEW REV] [--delete] [--alias] [--remotes]`.
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
            var target = repo.ResolveRev(prefix)!.Value;
            var (remote, name) = Repository.ParseRefspec(newRef);
            if (!args.Has("force") && repo.ResolveRev(newRef, allowMissing: true) is not null && repo.ListRefs().Any(r => r.Refspec == newRef))
                throw new OstreeException($"--create specified but ref {newRef} already exists");
            repo.LoadCommit(target);
            repo.SetRefImmediate(remote, name, target);
            return 0;
        }
        var refs = repo.ListRefs(includeRemotes: true, prefix);
        if (args.Has("delete"))
        {
            if (prefix is null)
                throw new UsageException("At least one PREFIX is required when deleting refs");
            using var txn = RepoTransaction.Prepare(repo);
            foreach (var r in refs)
                txn.SetRef(r.Remote, r.Name, null);
            txn.Commit();
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
}
