// `ostree reset REF COMMIT` (ot-builtin-reset.c): points an existing ref at any commit the revision
// COMMIT resolves to (ostree 2022.7 does not require it to be an ancestor), inside a shared lock.
using Arbor.Ostree;
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class ResetVerb : OstreeVerb
{
    public override string Name => "reset";
    public override string Summary => "Reset a REF to a previous COMMIT";
    public override string Usage => "ostree reset [OPTION…] REF COMMIT";

    protected override IReadOnlyList<OptionSpec> VerbOptions => [];

    public override int Run(VerbContext ctx)
    {
        RequireArgs(ctx, 2, "A REF and COMMIT argument is required");
        var repo = ctx.Repo;
        var refName = ctx.Args.Positional[0];
        if (!repo.ListRefs(includeRemotes: true).Any(r => r.Refspec == refName))
            throw new OstreeException($"Invalid ref '{refName}'");
        var target = repo.ResolveRev(ctx.Args.Positional[1])!.Value;
        var (remote, name) = Repository.ParseRefspec(refName);
        repo.SetRefImmediate(remote, name, target);
        return 0;
    }
}
