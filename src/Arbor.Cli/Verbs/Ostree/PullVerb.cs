// `ostree pull REMOTE [REF[@COMMIT]…]` (or REMOTE:REF): progress on a terminal, ostree's closing
// line ("N metadata, N content objects fetched; …", or "N delta parts, N loose fetched; …" when
// static deltas were used) otherwise. --dry-run prints only what the deltas would fetch.
using Arbor.Ostree;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed class PullVerb : OstreeVerb
{
    public override string Name => "pull";
    public override string Summary => "Download data from remote repository";
    public override string Usage => "ostree pull [OPTION…] REMOTE [BRANCH…]";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("commit-metadata-only", '\0', OptionArg.None, "Fetch only the commit metadata"),
        new("disable-fsync", '\0', OptionArg.None, "Do not invoke fsync()"),
        new("per-object-fsync", '\0', OptionArg.None, "Perform writes in such a way that avoids stalling concurrent processes"),
        new("http-trusted", '\0', OptionArg.None, "Do not verify checksums of HTTP sources (mostly useful when mirroring)"),
        new("disable-verify-bindings", '\0', OptionArg.None, "Do not verify commit bindings"),
        new("disable-static-deltas", '\0', OptionArg.None, "Do not use static deltas"),
        new("require-static-deltas", '\0', OptionArg.None, "Require static deltas"),
        new("mirror", '\0', OptionArg.None, "Write refs suitable for a mirror and fetches all refs if none provided"),
        new("subpath", '\0', OptionArg.StringArray, "Only pull the provided subpath(s)"),
        new("untrusted", '\0', OptionArg.None, "Verify checksums of local sources (always enabled for HTTP pulls)"),
        new("bareuseronly-files", '\0', OptionArg.None, "Reject regular files with mode outside of 0775 (world writable, suid, etc.)"),
        new("dry-run", '\0', OptionArg.None, "Only print information on what will be downloaded (requires static deltas)"),
        new("depth", '\0', OptionArg.Int, "Traverse DEPTH parents (-1=infinite) (default: 0)", "DEPTH"),
        new("url", '\0', OptionArg.String, "Pull objects from this URL instead of the one from the remote config", "URL"),
        new("http-header", '\0', OptionArg.StringArray, "Add NAME=VALUE as HTTP header to all requests", "NAME=VALUE"),
        new("network-retries", '\0', OptionArg.Int, "Specifies how many times each download should be retried upon error (default: 5)", "N"),
        new("max-outstanding-fetcher-requests", '\0', OptionArg.Int, "The max amount of concurrent connections allowed. (default: 8)", "N"),
        new("localcache-repo", 'L', OptionArg.StringArray, "Add REPO as local cache source for objects during this pull", "REPO"),
        new("no-gpg-verify", '\0', OptionArg.None, "Do not verify GPG signatures of commits"),
        new("update-frequency", '\0', OptionArg.Int, "Sets the update frequency, in milliseconds (0=1000ms) (default: 0)", "FREQUENCY"),
        new("timestamp-check", 'T', OptionArg.None, "Require fetched commits to have newer timestamps"),
        new("timestamp-check-from-rev", '\0', OptionArg.String, "Require fetched commits to have newer timestamps than given rev"),
    ];

    public override int Run(VerbContext ctx)
    {
        var a = ctx.Args;
        RequireArgs(ctx, 1, "REMOTE must be specified");
        if (a.Has("dry-run") && !a.Has("require-static-deltas"))
            throw new OstreeException("--dry-run requires --require-static-deltas");
        var repo = ctx.Repo;
        var first = a.Positional[0];
        string remoteName;
        var refs = new List<string>();
        if (first.Contains(':'))
        {
            var (r, name) = Repository.ParseRefspec(first);
            remoteName = r!;
            refs.Add(name);
        }
        else
        {
            remoteName = first;
            refs.AddRange(a.Positional.Skip(1));
        }
        var remote = Remotes.Get(repo, remoteName);
        var headers = a.GetAll("http-header").Select(h =>
        {
            int eq = h.IndexOf('=');
            return eq > 0 ? new KeyValuePair<string, string>(h[..eq], h[(eq + 1)..]) : throw new OstreeException("Missing '=' in --http-header");
        }).ToList();
        var fetcherOptions = FetcherOptions.FromRemote(remote) with
        {
            MaxConcurrency = a.GetInt("max-outstanding-fetcher-requests", 8),
            Retries = a.GetInt("network-retries", 5),
            Headers = headers,
        };
        using var bar = a.Has("dry-run") ? null : ProgressLine.Start(ctx);
        var options = new PullOptions
        {
            Refs = refs,
            Depth = a.GetInt("depth", 0),
            DisableFsync = a.Has("disable-fsync"),
            CommitMetadataOnly = a.Has("commit-metadata-only"),
            Subpaths = a.GetAll("subpath"),
            Mirror = a.Has("mirror"),
            LocalCaches = a.GetAll("localcache-repo").Select(Repository.Open).ToList(),
            OverrideUrl = a.Get("url"),
            Fetcher = fetcherOptions,
            DisableStaticDeltas = a.Has("disable-static-deltas"),
            RequireStaticDeltas = a.Has("require-static-deltas"),
            DryRun = a.Has("dry-run"),
            Progress = bar,
            ProgressInterval = TimeSpan.FromMilliseconds(a.GetInt("update-frequency", 0) is > 0 and var ms ? ms : 1000),
            TimestampCheck = a.Has("timestamp-check"),
            BareUserOnlyFiles = a.Has("bareuseronly-files"),
            // ostree: "If the user specifies both, assume they really mean untrusted".
            HttpTrusted = a.Has("http-trusted") && !a.Has("untrusted"),
            DisableVerifyBindings = a.Has("disable-verify-bindings"),
            PerObjectFsync = a.Has("per-object-fsync"),
            TimestampCheckFromRev = a.Get("timestamp-check-from-rev") is { } from ? repo.ResolveRev(from) : null,
        };
        if (a.Has("no-gpg-verify"))
            remote = WithoutGpgVerify(remote);
        var verifyRemote = remote;
        using var engine = new PullEngine(repo, remote, options)
        {
            CommitVerifier = Arbor.Ostree.Signing.RemoteVerification.CommitVerifier(verifyRemote),
            SignVerify = Arbor.Ostree.Signing.RemoteVerification.SignVerifyEnabled(verifyRemote),
            SummaryVerifier = verifyRemote.GpgVerifySummary || Arbor.Ostree.Signing.RemoteVerification.SignVerifyEnabled(verifyRemote, "sign-verify-summary")
                ? (summary, sig) => summary is null
                    ? "GPG verification enabled, but no summary found (check that the configured URL in remote config is correct)"
                    : Arbor.Ostree.Signing.RemoteVerification.CheckSummary(repo, verifyRemote, summary, sig)
                : null,
        };
        var result = engine.RunAsync().GetAwaiter().GetResult();
        if (options.DryRun)
        {
            ctx.Out.WriteLine(OstreeText.DryRunLine(result.Delta));
            return 0;
        }
        bar?.Clear();
        ctx.Out.WriteLine(OstreeText.PullSummary(result));
        return 0;
    }

    private static Remote WithoutGpgVerify(Remote remote)
    {
        var kf = KeyFile.Parse(remote.Source.ToString());
        kf.Set($"remote \"{remote.Name}\"", "gpg-verify", "false");
        return new Remote { Name = remote.Name, Source = kf, SourcePath = remote.SourcePath };
    }
}
