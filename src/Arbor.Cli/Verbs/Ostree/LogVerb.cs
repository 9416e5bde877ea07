// `ostree log [--raw] REV` (ot-builtin-log.c): the commit dump of REV and then of each parent in
// turn, ending with "<< History beyond this commit not fetched >>" when a parent is missing.
using Arbor.Ostree.Objects;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class LogVerb : OstreeVerb
{
    public override string Name => "log";
    public override string Summary => "Show log starting at commit or ref";
    public override string Usage => "ostree log [OPTION…] REV";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("raw", '\0', OptionArg.None, "Show raw variant data"),
    ];

    public override int Run(VerbContext ctx)
    {
        RequireArgs(ctx, 1, "A rev argument is required");
        var repo = ctx.Repo;
        bool raw = ctx.Args.Has("raw");
        Checksum? next = repo.ResolveRev(ctx.Args.Positional[0])!.Value;
        bool first = true;
        while (next is { } c)
        {
            if (!first && !repo.HasObject(c, ObjectType.Commit))
            {
                ctx.Out.Write("<< History beyond this commit not fetched >>\n");
                break;
            }
            var bytes = repo.LoadMetadataBytes(c, ObjectType.Commit);
            var commit = repo.LoadCommit(c);
            ctx.Out.Write(CommitPrinter.FormatCommit(c, commit, raw, bytes));
            next = commit.Parent;
            first = false;
        }
        return 0;
    }
}
