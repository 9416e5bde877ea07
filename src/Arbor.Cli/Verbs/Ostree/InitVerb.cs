// `ostree init --mode=MODE [--collection-id=ID]`.
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class InitVerb : OstreeVerb
{
    public override string Name => "init";
    public override string Summary => "Initialize a new empty repository";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("mode", '\0', OptionArg.String, "Initialize repository in given mode (bare, bare-user, bare-user-only, archive)", "MODE"),
        new("collection-id", '\0', OptionArg.String, "Globally unique ID for this repository as an collection of refs for redistribution to other repositories", "COLLECTION-ID"),
    ];

    public override int Run(VerbContext ctx)
    {
        var mode = RepoModes.Parse(ctx.Args.Get("mode") ?? "bare");
        Repository.Create(ctx.RepoPath, mode, ctx.Args.Get("collection-id"));
        return 0;
    }
}
