// What the compose pipeline and the host ask the solver for, and what it answers: a request of
// package specs (names, provides, "name >= ver", NEVRAs, globs, file paths) and switches that map
// one-to-one onto libsolv jobs and flags; a result that is either an ordered list of steps
// carrying everything needed to download each package, or dnf-worded problems.
namespace Arbor.Rpm.Solver;

/// <summary>A solver request. Specs are matched like dnf's arguments (name, provide, NEVRA, glob, file).</summary>
public sealed class SolveRequest
{
    /// <summary>Packages to install (or upgrade to, if installed in an older version).</summary>
    public IList<string> Install { get; init; } = [];

    /// <summary>
    /// Packages to install only from one repository (rpm-ostree's <c>repo-packages</c>): the spec's
    /// matches are narrowed to that repository, so its candidate wins even where another
    /// repository has a newer one. A spec with no match there raises <see cref="PackageNotInRepoException"/>.
    /// </summary>
    public IList<RepoSpec> InstallFromRepo { get; init; } = [];

    /// <summary>Installed packages to remove.</summary>
    public IList<string> Erase { get; init; } = [];

    /// <summary>Packages to update; with <see cref="UpdateAll"/> every installed package.</summary>
    public IList<string> Update { get; init; } = [];

    /// <summary>Update every installed package.</summary>
    public bool UpdateAll { get; init; }

    /// <summary>Synchronise the system with the repositories (dnf distro-sync).</summary>
    public bool DistUpgrade { get; init; }

    /// <summary>Packages that must stay as they are (installed ones kept, others not installed).</summary>
    public IList<string> Locks { get; init; } = [];

    /// <summary>Packages hidden from the solver (dnf --exclude); installed packages are never hidden.</summary>
    public IList<string> Excludes { get; init; } = [];

    /// <summary>Honour Recommends/Supplements (dnf install_weak_deps). Default on.</summary>
    public bool WeakDeps { get; init; } = true;

    /// <summary>Fail rather than pick an older candidate (dnf best=True).</summary>
    public bool Best { get; init; }

    /// <summary>Allow replacing installed packages with older versions.</summary>
    public bool AllowDowngrade { get; init; }

    /// <summary>Allow removing installed packages to resolve conflicts (dnf --allowerasing).</summary>
    public bool AllowUninstall { get; init; }

    /// <summary>Remove dependencies nothing else needs when erasing (dnf clean_requirements_on_remove).</summary>
    public bool CleanDeps { get; init; }

    /// <summary>Provides (or names) of packages of which several versions may be installed (dnf installonlypkgs).</summary>
    public IList<string> InstallOnly { get; init; } = [];

    /// <summary>
    /// When set, the solve is also written to this directory as a libsolv testcase (testcase.t
    /// with its outcome as the expected result, and one testtags file per repository), as dnf's
    /// --debugsolver does: `testsolv DIR/testcase.t` replays it without Arbor.
    /// </summary>
    public string? TestcaseDirectory { get; init; }
}

/// <summary>A package spec tied to the repository it must come from.</summary>
/// <param name="Repo">The repository id.</param>
/// <param name="Spec">The spec, matched like <see cref="SolveRequest.Install"/>'s.</param>
public sealed record RepoSpec(string Repo, string Spec);

/// <summary>What a step does to its package.</summary>
public enum StepKind
{
    /// <summary>A new package is installed.</summary>
    Install,
    /// <summary>An installed package is removed.</summary>
    Erase,
    /// <summary>A newer version replaces an installed one.</summary>
    Upgrade,
    /// <summary>An older version replaces an installed one.</summary>
    Downgrade,
    /// <summary>The same version is installed again.</summary>
    Reinstall,
    /// <summary>A new package replaces an installed package it obsoletes.</summary>
    Obsoleted,
}

/// <summary>One package as the repository metadata describes it.</summary>
/// <param name="Name">Package name.</param>
/// <param name="Epoch">Epoch (0 when none).</param>
/// <param name="Version">Version.</param>
/// <param name="Release">Release.</param>
/// <param name="Arch">Architecture.</param>
/// <param name="RepoId">Id of the repository holding it ("@System" for installed, "@commandline" for local files).</param>
/// <param name="Location">Location href relative to the repository (or the file path for local files); null for installed packages.</param>
/// <param name="ChecksumType">Checksum type of the package file ("sha256"), or null when unknown.</param>
/// <param name="Checksum">Hex checksum of the package file, or null when unknown.</param>
public sealed record SolvedPackage(string Name, long Epoch, string Version, string Release, string Arch, string RepoId,
    string? Location, string? ChecksumType, string? Checksum)
{
    /// <summary>name-[epoch:]version-release.arch, as dnf prints it.</summary>
    public string Nevra => $"{Name}-{Evr}.{Arch}";

    /// <summary>[epoch:]version-release.</summary>
    public string Evr => Epoch != 0 ? $"{Epoch}:{Version}-{Release}" : $"{Version}-{Release}";

    /// <inheritdoc/>
    public override string ToString() => Nevra;
}

/// <summary>One step of an ordered transaction.</summary>
/// <param name="Kind">What happens.</param>
/// <param name="Package">The package installed (or, for <see cref="StepKind.Erase"/>, removed).</param>
/// <param name="Replaces">For upgrades, downgrades, reinstalls and obsoletes: the installed package that goes away.</param>
public sealed record SolveStep(StepKind Kind, SolvedPackage Package, SolvedPackage? Replaces);

/// <summary>One unsolvable problem: dnf's lines for it, and libsolv's proposed solutions.</summary>
/// <param name="Rules">The rule sentences, first one the headline (dnf's wording).</param>
/// <param name="Solutions">Each solution as its element sentences (libsolv's wording).</param>
public sealed record SolveProblem(IReadOnlyList<string> Rules, IReadOnlyList<IReadOnlyList<string>> Solutions);

/// <summary>The answer of <see cref="SolverPool.Solve"/>.</summary>
public sealed class SolveResult
{
    /// <summary>True when the request is satisfiable; then <see cref="Steps"/> holds the transaction.</summary>
    public bool Success => Problems.Count == 0;

    /// <summary>The transaction, ordered so that a package's requirements (pre-requires first) come before it.</summary>
    public IReadOnlyList<SolveStep> Steps { get; init; } = [];

    /// <summary>The problems when unsolvable.</summary>
    public IReadOnlyList<SolveProblem> Problems { get; init; } = [];

    /// <summary>
    /// The problems as dnf prints them: "Problem: a\n  - b" for one problem,
    /// "Problem 1: a\n  - b\n Problem 2: …" for several.
    /// </summary>
    public string ProblemText
    {
        get
        {
            if (Problems.Count == 0)
                return "";
            var sb = new System.Text.StringBuilder();
            for (int i = 0; i < Problems.Count; i++)
            {
                if (i > 0)
                    sb.Append("\n ");
                sb.Append(Problems.Count == 1 ? "Problem: " : $"Problem {i + 1}: ");
                sb.AppendJoin("\n  - ", Problems[i].Rules);
            }
            return sb.ToString();
        }
    }
}

/// <summary>Raised when a requested spec matches no package (rpm-ostree: "Packages not found: …").</summary>
public sealed class PackageNotFoundException(IReadOnlyList<string> specs)
    : InvalidOperationException("Packages not found: " + string.Join(", ", specs))
{
    /// <summary>The specs that matched nothing, in request order.</summary>
    public IReadOnlyList<string> Specs { get; } = specs;
}

/// <summary>Raised when a spec pinned to a repository matches nothing there (rpm-ostree: "No matches for 'SPEC' in repo 'REPO'").</summary>
public sealed class PackageNotInRepoException(string spec, string repo)
    : InvalidOperationException($"No matches for '{spec}' in repo '{repo}'")
{
    /// <summary>The spec that matched nothing in <see cref="Repo"/>.</summary>
    public string Spec { get; } = spec;

    /// <summary>The repository it was pinned to.</summary>
    public string Repo { get; } = repo;
}
