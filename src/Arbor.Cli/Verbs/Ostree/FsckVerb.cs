// `ostree fsck [OPTION…]`: runs Fsck with ostree's options; its steps on stdout (not with -q),
// problems on stderr, the verification's progress (a line redrawn on a terminal; elsewhere
// ostree's "fsck objects (i/N) P%" lines, at most one a second), and a final error (exit 1) when
// anything was wrong.
using Arbor.Cli.Render;
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
        using var bar = ProgressLine.Start(ctx);
        var options = new FsckOptions
        {
            All = a.Has("all"),
            Delete = a.Has("delete"),
            VerifyBindings = a.Has("verify-bindings"),
            VerifyBackRefs = a.Has("verify-back-refs"),
            Progress = bar ?? (IProgress<Arbor.Native.OperationProgress>)new PipeProgressLines(ctx.Out, "fsck objects"),
        };
        bool quiet = a.Has("quiet");
        Fsck.Run(ctx.Repo, options, e =>
        {
            bar?.Clear();
            if (e.IsProblem)
            {
                ctx.Out.Flush();
                ctx.Err.WriteLine(FsckText.Line(e));
            }
            else if (!quiet || e is not FsckStepStarted)
            {
                ctx.Out.WriteLine(FsckText.Line(e));
            }
        });
        return 0;
    }
}
