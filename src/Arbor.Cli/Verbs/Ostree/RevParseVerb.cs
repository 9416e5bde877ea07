// `ostree rev-parse [--single] REV`.

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class RevParseVerb : OstreeVerb
{
    public override string Name => "rev-parse";
    public override string Summary => "Output the target of a rev";
    public override string Usage => "ostree rev-parse [OPTION…] REV";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("single", 'S', OptionArg.None, "If the repository has exactly one commit, then print it; any other case will result in an error"),
    ];

    public override int Run(VerbContext ctx)
    {
        if (ctx.Args.Has("single"))
        {
            var commits = ctx.Repo.ListObjects(Arbor.Ostree.Objects.ObjectType.Commit).ToList();
            if (commits.Count != 1)
                throw new Arbor.Ostree.OstreeException(commits.Count == 0 ? "Repository has no commits" : "Multiple commits found");
            ctx.Out.WriteLine(commits[0]);
            return 0;
        }
        RequireArgs(ctx, 1, "A ref argument is required");
        foreach (var rev in ctx.Args.Positional)
            ctx.Out.WriteLine(ctx.Repo.ResolveRev(rev));
        return 0;
    }
}
