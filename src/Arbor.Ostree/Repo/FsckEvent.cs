// What a repository check reports as it goes, as data: the step it is on, each problem it finds
// (a missing or corrupt object, a commit it marks partial) and how it ended. The CLI words them as
// `ostree fsck` does (steps on stdout, problems on stderr); tests and a daemon read the records.
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

/// <summary>The steps of a repository check, in order.</summary>
public enum FsckStep
{
    /// <summary>Each ref's commit is checked.</summary>
    ValidatingRefs,

    /// <summary>Each collection (mirror) ref's commit is checked.</summary>
    ValidatingCollectionRefs,

    /// <summary>Every commit object is loaded and classified complete or partial.</summary>
    EnumeratingCommits,

    /// <summary>Every object reached from a complete commit is verified.</summary>
    VerifyingContent,
}

/// <summary>Something a repository check reports.</summary>
public abstract record FsckEvent
{
    /// <summary>True for a problem (ostree prints those on stderr).</summary>
    public virtual bool IsProblem => false;
}

/// <summary>A step begins.</summary>
/// <param name="Step">The step.</param>
/// <param name="Commits">For <see cref="FsckStep.VerifyingContent"/>, how many complete commits are verified.</param>
public sealed record FsckStepStarted(FsckStep Step, int Commits = 0) : FsckEvent;

/// <summary>An object that should be stored is not.</summary>
/// <param name="Name">The object.</param>
/// <param name="Commits">The commits that reach it, or null for a ref's own commit.</param>
public sealed record FsckObjectMissing(ObjectName Name, IReadOnlyList<Checksum>? Commits) : FsckEvent
{
    /// <inheritdoc />
    public override bool IsProblem => true;
}

/// <summary>A stored object does not verify.</summary>
/// <param name="Name">The object.</param>
/// <param name="Commits">The commits that reach it, or null for a ref's own commit.</param>
/// <param name="Detail">What is wrong, in ostree's words ("fsck content object …: Corrupted file object; …").</param>
public sealed record FsckObjectCorrupt(ObjectName Name, IReadOnlyList<Checksum>? Commits, string Detail) : FsckEvent
{
    /// <inheritdoc />
    public override bool IsProblem => true;
}

/// <summary>A commit lost an object it reaches and is now marked partial (to be pulled again).</summary>
public sealed record FsckCommitMarkedPartial(Checksum Commit) : FsckEvent
{
    /// <inheritdoc />
    public override bool IsProblem => true;
}

/// <summary>Partial commits were not verified.</summary>
public sealed record FsckPartialCommitsSkipped(int Count) : FsckEvent;

/// <summary>Every complete commit verified and no problem was found.</summary>
public sealed record FsckCompleted(int Commits) : FsckEvent;
