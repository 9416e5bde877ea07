// `ostree prune` (ot-builtin-prune.c): optional --delete-commit first, then deleting what is not
// reachable (Pruner), then ostree's summary lines: "Total objects: N" and "No unreachable objects",
// "Would delete: N objects, freeing SIZE" or "Deleted N objects, SIZE freed".
using System.Globalization;
using System.Text.RegularExpressions;
using Arbor.Ostree;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Verbs.Ostree;

internal sealed partial class PruneVerb : OstreeVerb
{
    public override string Name => "prune";
    public override string Summary => "Search for unreachable objects";
    public override string Usage => "ostree prune [OPTION…]";

    protected override IReadOnlyList<OptionSpec> VerbOptions =>
    [
        new("no-prune", '\0', OptionArg.None, "Only display unreachable objects; don't delete"),
        new("refs-only", '\0', OptionArg.None, "Only compute reachability via refs"),
        new("depth", '\0', OptionArg.Int, "Only traverse DEPTH parents for each commit (default: -1=infinite)", "DEPTH"),
        new("delete-commit", '\0', OptionArg.String, "Specify a commit to delete", "COMMIT"),
        new("keep-younger-than", '\0', OptionArg.String, "Prune all commits older than the specified date", "DATE"),
        new("static-deltas-only", '\0', OptionArg.None, "Change the behavior of delete-commit and keep-younger-than to prune only static deltas"),
        new("retain-branch-depth", '\0', OptionArg.StringArray, "Additionally retain BRANCH=DEPTH commits", "BRANCH=DEPTH"),
        new("only-branch", '\0', OptionArg.StringArray, "Only prune BRANCH (may be specified multiple times)", "BRANCH"),
        new("commit-only", '\0', OptionArg.None, "Only traverse and delete commit objects."),
    ];

    public override int Run(VerbContext ctx)
    {
        var a = ctx.Args;
        var repo = ctx.Repo;
        bool noPrune = a.Has("no-prune");
        if (a.Get("delete-commit") is { } del)
        {
            if (noPrune)
                throw new UsageException("Cannot specify both --delete-commit and --no-prune");
            if (!Checksum.TryParse(del, out var commit))
                throw new OstreeException($"Deleting object {del}.commit: unlinkat: No such file or directory");
            if (a.Has("static-deltas-only"))
                Pruner.PruneStaticDeltas(repo, commit);
            else
                Pruner.DeleteCommit(repo, commit);
        }
        else if (a.Has("static-deltas-only"))
        {
            throw new OstreeException("--static-deltas-only requires --delete-commit; see https://github.com/ostreedev/ostree/issues/1479");
        }

        var retain = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var bd in a.GetAll("retain-branch-depth"))
        {
            int eq = bd.IndexOf('=');
            if (eq < 0)
                throw new OstreeException($"Invalid value {bd}, must specify BRANCH=DEPTH");
            var depthText = bd[(eq + 1)..];
            if (!int.TryParse(depthText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var depth))
                throw new OstreeException($"Invalid depth {depthText}");
            retain[bd[..eq]] = depth;
        }
        long? keepYounger = a.Get("keep-younger-than") is { } date ? ParseDate(date) : null;
        var options = new PruneOptions
        {
            NoPrune = noPrune,
            RefsOnly = a.Has("refs-only"),
            Depth = a.GetInt("depth", -1),
            CommitOnly = a.Has("commit-only"),
            KeepYoungerThan = keepYounger,
            RetainBranchDepth = retain,
            OnlyBranches = a.GetAll("only-branch"),
        };
        var result = Pruner.Prune(repo, options);
        var size = Arbor.Native.ByteSize.Format(result.FreedBytes);
        var o = ctx.Out;
        o.Write(options.CommitOnly ? $"Total (commit only) objects: {result.Total}\n" : $"Total objects: {result.Total}\n");
        if (result.Pruned == 0)
            o.Write("No unreachable objects\n");
        else if (noPrune)
            o.Write($"Would delete: {result.Pruned} objects, freeing {size}\n");
        else
            o.Write($"Deleted {result.Pruned} objects, {size} freed\n");
        return 0;
    }

    /// <summary>The date forms of gnulib's parse_datetime that scripts pass: "N units ago", "now", "@EPOCH" and absolute dates.</summary>
    internal static long ParseDate(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "now" || t == "today")
            return DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (t == "yesterday")
            return DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds();
        var m = RelativeDate().Match(t);
        if (m.Success)
        {
            long n = m.Groups[1].Success && m.Groups[1].Value.Length > 0 ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 1;
            if (m.Groups[3].Success)
                n = -n;
            var now = DateTimeOffset.UtcNow;
            var when = m.Groups[2].Value switch
            {
                "sec" or "second" => now.AddSeconds(n),
                "min" or "minute" => now.AddMinutes(n),
                "hour" => now.AddHours(n),
                "day" => now.AddDays(n),
                "fortnight" => now.AddDays(14 * n),
                "week" => now.AddDays(7 * n),
                "month" => now.AddMonths((int)n),
                _ => now.AddYears((int)n),
            };
            return when.ToUnixTimeSeconds();
        }
        try
        {
            return (long)CommitVerb.ParseTimestamp(text);
        }
        catch (OstreeException)
        {
            if (DateTime.TryParseExact(t, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d))
                return new DateTimeOffset(d, TimeSpan.Zero).ToUnixTimeSeconds();
            throw new OstreeException($"Could not parse '{text}'");
        }
    }

    [GeneratedRegex(@"^([+-]?\d*)\s*(sec|second|min|minute|hour|day|week|fortnight|month|year)s?(\s+ago)?$")]
    private static partial Regex RelativeDate();
}
