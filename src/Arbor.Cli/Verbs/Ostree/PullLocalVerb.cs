// `ostree pull-local [--remote=REMOTE] [--depth=N] [--untrusted] SRC_REPO [REFS…]`: parses the
// options, runs LocalPull and prints ostree's closing line ("N metadata, N content objects
// imported; … content written"); a progress line is shown only on a terminal.
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class PullLocalVerb : OstreeVerb
{
    public override string Name => "pull-local";
    public override string Summary => "Copy data from SRC_REPO";
    public override string Usage => "ostree pull-local [OPTION…] SRC_REPO [REFS...]";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("commit-metadata-only", '\0', OptionArg.None, "Fetch only the commit metadata"),
        new("remote", '\0', OptionArg.String, "Add REMOTE to refspec", "REMOTE"),
        new("disable-fsync", '\0', OptionArg.None, "Do not invoke fsync()"),
        new("per-object-fsync", '\0', OptionArg.None, "Perform writes in such a way that avoids stalling concurrent processes"),
        new("untrusted", '\0', OptionArg.None, "Verify checksums of local sources (always enabled for HTTP pulls)"),
        new("bareuseronly-files", '\0', OptionArg.None, "Reject regular files with mode outside of 0775 (world writable, suid, etc.)"),
        new("require-static-deltas", '\0', OptionArg.None, "Require static deltas"),
        new("disable-static-deltas", '\0', OptionArg.None, "Do not use static deltas"),
        new("gpg-verify", '\0', OptionArg.None, "GPG verify commits (must specify --remote)"),
        new("gpg-verify-summary", '\0', OptionArg.None, "GPG verify summary (must specify --remote)"),
        new("disable-verify-bindings", '\0', OptionArg.None, "Do not verify commit bindings"),
        new("depth", '\0', OptionArg.Int, "Traverse DEPTH parents (-1=infinite) (default: 0)", "DEPTH"),
    ];

    public override int Run(VerbContext ctx)
    {
        var a = ctx.Args;
        RequireArgs(ctx, 1, "DESTINATION must be specified");
        var repo = ctx.Repo;
        var source = Repository.Open(a.Positional[0]);
        using var bar = ProgressLine.Start(ctx);
        var options = new LocalPullOptions
        {
            Refs = a.Positional.Skip(1).ToList(),
            Remote = a.Get("remote"),
            Depth = a.GetInt("depth", 0),
            Untrusted = a.Has("untrusted"),
            CommitMetadataOnly = a.Has("commit-metadata-only"),
            DisableFsync = a.Has("disable-fsync"),
            Progress = bar,
        };
        var result = new LocalPull(repo, source, options).Run();
        bar?.Clear();
        ctx.Out.WriteLine(OstreeText.LocalPullSummary(result));
        return 0;
    }
}
