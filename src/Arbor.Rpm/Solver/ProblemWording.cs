// Turns libsolv's problem rules into the sentences dnf (libdnf 0.69) prints, so that errors from
// Arbor read like the ones users already search for: "nothing provides X needed by Y",
// "package X requires Y, but none of the providers can be installed", "cannot install both
// …". Rules libdnf has no wording for fall back to libsolv's own sentence. Duplicate lines are
// dropped, keeping libsolv's order.
using Arbor.Native.Solv;

namespace Arbor.Rpm.Solver;

internal sealed class ProblemWording(SolvPool pool, IReadOnlySet<int> excluded)
{
    private const int RulePkg = 0x100, RuleNotInstallable = 0x101, RuleNothingProvidesDep = 0x102, RuleRequires = 0x103,
        RuleSelfConflict = 0x104, RuleConflicts = 0x105, RuleSameName = 0x106, RuleObsoletes = 0x107,
        RuleImplicitObsoletes = 0x108, RuleInstalledObsoletes = 0x109, RuleUpdate = 0x200, RuleJob = 0x400,
        RuleJobNothingProvidesDep = 0x401, RuleJobProvidedBySystem = 0x402, RuleJobUnknownPackage = 0x403,
        RuleJobUnsupported = 0x404, RuleDistUpgrade = 0x500, RuleInfArch = 0x600, RuleBest = 0x900, RuleYumObs = 0xa00;

    /// <summary>The rule sentences of problem <paramref name="problem"/> (1-based).</summary>
    public IReadOnlyList<string> Describe(SolvSolver solver, int problem)
    {
        var lines = new List<string>();
        foreach (var rule in solver.ProblemRules(problem))
        {
            var text = Sentence(rule) ?? solver.RuleInfoToString(rule);
            if (!lines.Contains(text))
                lines.Add(text);
        }
        if (lines.Count == 0)
            lines.Add(solver.ProblemToString(problem));
        return lines;
    }

    // dnf 4.14 (libdnf 0.69) names packages without their repository; later libdnf adds "from REPO".
    private string Pkg(int p) => p <= 0 ? "" : pool.SolvableToString(p);

    private string Dep(int d) => pool.DepToStr(d);

    private string? Sentence(SolvRuleInfo r) => r.Type switch
    {
        RulePkg => "some dependency problem",
        RuleNotInstallable when excluded.Contains(r.Source) => $"package {Pkg(r.Source)} is filtered out by exclude filtering",
        RuleNotInstallable => $"package {Pkg(r.Source)} is not installable",
        RuleNothingProvidesDep => $"nothing provides {Dep(r.Dep)} needed by {Pkg(r.Source)}",
        RuleRequires => $"package {Pkg(r.Source)} requires {Dep(r.Dep)}, but none of the providers can be installed",
        RuleSelfConflict => $"package {Pkg(r.Source)} conflicts with {Dep(r.Dep)} provided by itself",
        RuleConflicts => $"package {Pkg(r.Source)} conflicts with {Dep(r.Dep)} provided by {Pkg(r.Target)}",
        RuleSameName => $"cannot install both {Pkg(r.Source)} and {Pkg(r.Target)}",
        RuleObsoletes => $"package {Pkg(r.Source)} obsoletes {Dep(r.Dep)} provided by {Pkg(r.Target)}",
        RuleImplicitObsoletes => $"package {Pkg(r.Source)} implicitly obsoletes {Dep(r.Dep)} provided by {Pkg(r.Target)}",
        RuleInstalledObsoletes => $"installed package {Pkg(r.Source)} obsoletes {Dep(r.Dep)} provided by {Pkg(r.Target)}",
        RuleUpdate => $"problem with installed package {Pkg(r.Source)}",
        RuleJob => "conflicting requests",
        RuleJobUnsupported => "unsupported request",
        RuleJobNothingProvidesDep => $"nothing provides requested {Dep(r.Dep)}",
        RuleJobUnknownPackage => $"package {Dep(r.Dep)} does not exist",
        RuleJobProvidedBySystem => $"{Dep(r.Dep)} is provided by the system",
        RuleDistUpgrade => $"{Pkg(r.Source)} does not belong to a distupgrade repository",
        RuleInfArch => $"{Pkg(r.Source)} has inferior architecture",
        RuleBest when r.Source > 0 => $"cannot install the best update candidate for package {Pkg(r.Source)}",
        RuleBest => "cannot install the best candidate for the job",
        RuleYumObs => $"both package {Pkg(r.Source)} and {Pkg(r.Target)} obsolete {Dep(r.Dep)}",
        _ => null,
    };
}
