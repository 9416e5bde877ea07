// `ostree fsck [OPTION…]`: runs Fsck with ostree's options; progress on stdout, problems on
// stderr, and a final error (exit 1) when anything was wrong.
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class FsckVerb : OstreeVerb
{
    public override string Name => "fsck";
    public override string Summary => "Check the repository for consistency";
    public override string Usage => "ostree fsck [OPTION…]";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("add-tombstones", '\0', OptionArg.None, "Add tombstones for missing commits"),
        new("quiet", 'q', OptionArg.None, "Only print error messages"),
        new("all", 'a', OptionArg.None, "Don't stop on first error"),
        new("delete", '\0', OptionArg.None, "Remove corrupted objects"),
        new("verify-bindings", '\0', OptionArg.None, "Verify ref bindings"),
        new("verify-back-refs", '\0', OptionArg.None, "Verify back-references (implies --verify-bindings)"),
    ];

    public override int Run(VerbContext ctx)
    {
        var a = ctx.Args;
        if (a.Has("add-tombstones"))
            throw new UsageException("--add-tombstones is not supported yet");
        var options = new FsckOptions
        {
            Quiet = a.Has("quiet"),
            All = a.Has("all"),
            Delete = a.Has("delete"),
            VerifyBindings = a.Has("verify-bindings"),
            VerifyBackRefs = a.Has("verify-back-refs"),
        };
        var err = ctx.Err;
        Fsck.Run(ctx.Repo, options, line => ctx.Out.WriteLine(line), line =>
        {
            ctx.Out.Flush();
            err.WriteLine(line);
        });
        return 0;
    }
}
