// The lines `ostree fsck` prints (ot-builtin-fsck.c): its steps on stdout, each problem on stderr,
// and the closing line a script greps for.
using Arbor.Ostree.Repo;

namespace Arbor.Cli.Render;

/// <summary>Renders <see cref="FsckEvent"/> as ostree fsck words it.</summary>
internal static class FsckText
{
    /// <summary>The line ostree prints for <paramref name="e"/>.</summary>
    public static string Line(FsckEvent e) => e switch
    {
        FsckStepStarted { Step: FsckStep.ValidatingRefs } => "Validating refs...",
        FsckStepStarted { Step: FsckStep.ValidatingCollectionRefs } => "Validating refs in collections...",
        FsckStepStarted { Step: FsckStep.EnumeratingCommits } => "Enumerating commits...",
        FsckStepStarted s => $"Verifying content integrity of {s.Commits} commit objects...",
        FsckObjectMissing { Commits: null } m => $"Object missing: {m.Name}",
        FsckObjectMissing m => $"Object missing in commits {string.Join(", ", m.Commits)}: {m.Name}",
        FsckObjectCorrupt { Commits: null } c => c.Detail,
        FsckObjectCorrupt c => $"In commits {string.Join(", ", c.Commits)}: {c.Detail}",
        FsckCommitMarkedPartial p => $"Marking commit as partial: {p.Commit}",
        FsckPartialCommitsSkipped s => $"{s.Count} partial commits not verified",
        FsckCompleted c => $"object fsck of {c.Commits} commits completed successfully - no errors found.",
        _ => throw new ArgumentOutOfRangeException(nameof(e), e, "unknown fsck event"),
    };
}
