// Every verb and subverb of the real ostree, asked for --help through both tools: each long option
// ostree lists must be listed (and so accepted: Arbor's help is printed from the same option table
// its parser uses) by `arbor ostree`, and a sub-verb's help must be its own. What Arbor does not have yet is written down in
// known-missing-options.txt, one "VERB [SUBVERB] --OPTION" (or "VERB [SUBVERB] *" for a missing
// verb) per line; the test fails on a gap not in that file and on a line that is no longer a gap,
// so the list only shrinks.
using System.Text.RegularExpressions;

namespace Arbor.Interop.Tests.Parity;

public sealed partial class HelpParityTests
{
    [GeneratedRegex(@"^\s+(?:-\w, )?--([a-z0-9][a-z0-9-]*)", RegexOptions.Multiline)]
    private static partial Regex LongOption();

    [GeneratedRegex(@"^  ([a-z][a-z0-9-]*)\s{2,}\S", RegexOptions.Multiline)]
    private static partial Regex CommandLine();

    /// <summary>The commands listed under "Builtin … Commands:" in a help text.</summary>
    private static List<string> Commands(string help)
    {
        int start = help.IndexOf("Commands:\n", StringComparison.Ordinal);
        if (start < 0)
            return [];
        int end = help.IndexOf("\n\n", start, StringComparison.Ordinal);
        var block = end < 0 ? help[start..] : help[start..end];
        return CommandLine().Matches(block).Select(m => m.Groups[1].Value).ToList();
    }

    private static HashSet<string> Options(string help) =>
        LongOption().Matches(help).Select(m => m.Groups[1].Value).Where(o => o != "help").ToHashSet(StringComparer.Ordinal);

    private static string OstreeHelp(params string[] verb) => Tools.Run(Tools.Ostree, [.. verb, "--help"]).Stdout;

    /// <summary>Every "VERB [SUBVERB]" ostree has, from its own help.</summary>
    private static List<string[]> AllVerbs()
    {
        var verbs = new List<string[]>();
        foreach (var v in Commands(OstreeHelp()))
        {
            var subs = Commands(OstreeHelp(v));
            verbs.Add([v]);
            verbs.AddRange(subs.Select(s => new[] { v, s }));
        }
        return verbs;
    }

    private static HashSet<string> KnownMissing() =>
        File.ReadAllLines(Path.Combine(Tools.RepoRoot, "tests", "Arbor.Interop.Tests", "Parity", "known-missing-options.txt"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void EveryOptionOstreeListsIsAcceptedOrKnownMissing()
    {
        var gaps = new SortedSet<string>(StringComparer.Ordinal);
        var verbs = AllVerbs();
        Assert.True(verbs.Count > 40, $"ostree's help listed only {verbs.Count} verbs and subverbs");
        foreach (var verb in verbs)
        {
            var name = string.Join(' ', verb);
            var theirs = Options(OstreeHelp(verb));
            var ours = Tools.Arbor(["ostree", .. verb, "--help"]);
            // A sub-verb's help is its own (its usage line names it), not its parent's.
            if (ours.ExitCode != 0 || ours.Stderr.Contains("Unknown", StringComparison.Ordinal)
                || !ours.Stdout.Contains($"\n  ostree {name} ", StringComparison.Ordinal))
            {
                gaps.Add($"{name} *");
                continue;
            }
            foreach (var o in theirs.Except(Options(ours.Stdout)))
                gaps.Add($"{name} --{o}");
        }
        var known = KnownMissing();
        var unexpected = gaps.Where(g => !known.Contains(g)).ToList();
        var closed = known.Where(k => !gaps.Contains(k)).ToList();
        Assert.True(unexpected.Count == 0 && closed.Count == 0,
            $"{gaps.Count} gaps in all.\nNot accepted by arbor and not in known-missing-options.txt:\n  {string.Join("\n  ", unexpected)}\n" +
            $"Listed in known-missing-options.txt but now accepted (remove them):\n  {string.Join("\n  ", closed)}");
    }
}
