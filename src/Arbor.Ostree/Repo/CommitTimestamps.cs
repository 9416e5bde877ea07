// The downgrade guard shared by host upgrades and `pull --timestamp-check`: a new commit must not
// be older than the one it replaces (libostree's _ostree_compare_timestamps, with its words).
// Timestamps are whatever a builder wrote, so values past what GDateTime represents (year 9999)
// are reported as invalid rather than formatted.
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

/// <summary>Compares commit timestamps as libostree does before moving to a new commit.</summary>
public static class CommitTimestamps
{
    /// <summary>Fails unless <paramref name="newRev"/> is at least as new as <paramref name="currentRev"/> (both stored in <paramref name="repo"/>).</summary>
    /// <exception cref="OstreeException">The new commit is older, or a timestamp is out of range.</exception>
    public static void RequireNotOlder(Repository repo, string currentRev, string newRev)
    {
        ulong currentTs = repo.LoadCommit(Checksum.Parse(currentRev)).Timestamp;
        ulong newTs = repo.LoadCommit(Checksum.Parse(newRev)).Timestamp;
        if (newTs >= currentTs)
            return;
        if (!GlibTime.InRange(newTs) || !GlibTime.InRange(currentTs))
            throw new OstreeException($"Upgrade target revision '{newRev}' timestamp ({(long)newTs}) or current revision '{currentRev}' timestamp ({(long)currentTs}) is invalid");
        throw new OstreeException($"Upgrade target revision '{newRev}' with timestamp '{Format(newTs)}' is chronologically older than current revision '{currentRev}' with timestamp '{Format(currentTs)}'; use --allow-downgrade to permit");
    }

    private static string Format(ulong ts) => GlibTime.FormatC(DateTimeOffset.FromUnixTimeSeconds((long)ts));
}
