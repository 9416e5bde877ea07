// `ostree diff [--stats] [--fs-diff] [--no-xattrs] [--owner-uid] [--owner-gid] REV_OR_DIR [REV_OR_DIR]`
// (ot-builtin-diff.c): an argument starting with "/" or "./" is a directory on disk, anything else a
// revision; one argument means REV^ against REV. Prints ostree's M/D/A lines and, with --stats,
// the object counts of both commits.
using Arbor.Cli.Render;
using Arbor.Ostree;
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class DiffVerb : OstreeVerb
{
    public override string Name => "diff";
    public override string Summary => "Compare directory TARGETDIR against revision REV";
    public override string Usage => "ostree diff [OPTION…] REV_OR_DIR REV_OR_DIR";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("stats", '\0', OptionArg.None, "Print various statistics"),
        new("fs-diff", '\0', OptionArg.None, "Print filesystem diff"),
        new("no-xattrs", '\0', OptionArg.None, "Skip output of extended attributes"),
        new("owner-uid", '\0', OptionArg.Int, "Use file ownership user id for local files", "UID"),
        new("owner-gid", '\0', OptionArg.Int, "Use file ownership group id for local files", "GID"),
    ];

    public override int Run(VerbContext ctx)
    {
        var a = ctx.Args;
        if (a.Positional.Count < 1)
        {
            ctx.Err.Write(OptionParser.Help(Usage, Summary, Options) + "\n");
            throw new OstreeException("REV must be specified");
        }
        string src, target;
        if (a.Positional.Count == 1)
        {
            src = a.Positional[0] + "^";
            target = a.Positional[0];
        }
        else
        {
            src = a.Positional[0];
            target = a.Positional[1];
        }
        bool stats = a.Has("stats");
        bool fsDiff = a.Has("fs-diff") || !stats;
        if (fsDiff)
        {
            var options = new DiffOptions
            {
                IgnoreXattrs = a.Has("no-xattrs"),
                OwnerUid = a.GetInt("owner-uid", -1),
                OwnerGid = a.GetInt("owner-gid", -1),
            };
            var result = TreeDiff.Compare(Open(ctx, src), Open(ctx, target), options);
            ctx.Out.Write(TerminalText.Escape(DiffText.Lines(result), keepNewlines: true));
        }
        if (stats)
        {
            var repo = ctx.Repo;
            var ra = repo.ResolveRev(src)!.Value;
            var rb = repo.ResolveRev(target)!.Value;
            ctx.Out.Write(OstreeText.DiffStats(TreeDiff.Stats(repo, ra, rb)));
        }
        return 0;
    }

    private static DiffNode Open(VerbContext ctx, string arg)
    {
        if (arg.StartsWith('/') || arg.StartsWith("./", StringComparison.Ordinal))
            return DiffNode.ForDirectory(arg);
        var repo = ctx.Repo;
        return DiffNode.ForCommit(RepoFile.ForCommit(repo, repo.ResolveRev(arg)!.Value));
    }
}
