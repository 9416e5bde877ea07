// `ostree config get|set|unset [--group=GROUP] KEY [VALUE]`; keys are SECTION.KEY, remote
// sections are written `remote "NAME".url`.

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class ConfigVerb : OstreeVerb
{
    public override string Name => "config";
    public override string Summary => "Change repo configuration settings";
    public override string Usage => "ostree config [OPTION…] (get KEY|set KEY VALUE|unset KEY)";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("group", '\0', OptionArg.String, "Group name for remote config options", "GROUP"),
    ];

    private static (string Group, string Key) Split(VerbContext ctx, string spec)
    {
        var group = ctx.Args.Get("group");
        if (group is not null)
            return (group, spec);
        int dot = spec.LastIndexOf('.');
        if (dot <= 0 || dot == spec.Length - 1)
            throw new UsageException($"Key '{spec}' is not in the form SECTION.KEY");
        return (spec[..dot], spec[(dot + 1)..]);
    }

    public override int Run(VerbContext ctx)
    {
        var p = ctx.Args.Positional;
        if (p.Count == 0)
            throw new UsageException("OPERATION must be specified");
        var repo = ctx.Repo;
        var config = repo.Config;
        switch (p[0])
        {
            case "get":
                {
                    RequireArgs(ctx, 2, "GROUP name and KEY name must be specified");
                    var (g, k) = Split(ctx, p[1]);
                    var v = config.Get(g, k) ?? throw new Arbor.Ostree.OstreeException(
                        config.HasGroup(g) ? $"Key file does not have key “{k}” in group “{g}”" : $"Key file does not have group “{g}”");
                    ctx.Out.WriteLine(v);
                    return 0;
                }
            case "set":
                {
                    RequireArgs(ctx, 3, "GROUP name, KEY name and VALUE must be specified");
                    var (g, k) = Split(ctx, p[1]);
                    config.Set(g, k, p[2]);
                    repo.SaveConfig(config);
                    return 0;
                }
            case "unset":
                {
                    RequireArgs(ctx, 2, "GROUP name and KEY name must be specified");
                    var (g, k) = Split(ctx, p[1]);
                    if (config.Remove(g, k))
                        repo.SaveConfig(config);
                    return 0;
                }
            default:
                throw new UsageException($"Unknown operation {p[0]}");
        }
    }
}
