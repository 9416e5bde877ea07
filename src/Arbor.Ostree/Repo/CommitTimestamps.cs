// The downgrade guard shared by host upgrades and `pull --timestamp-check`: a new commit must not
// be older than the one it replaces (libostree's _ostree_compare_timestamps, with its words).
// Timestamps are whatever a builder wrote, so values past what GDateTime represents (year 9999)
// are reported as invalid rather than formatted.
using System.Globalization;
using Arbor.Ostree.Objects;

namespace Arbor.Ostree.Repo;

/// <summary>Compares commit timestamps as libostree does before moving to a new commit.</summary>
public static class CommitTimestamps
{
    private const ulong MaxTimestamp = 253402300799UL;

    /// <summary>Fails unless <paramref name="newRev"/> is at least as new as <paramref name="currentRev"/> (both stored in <paramref name="repo"/>).</summary>
    /// <exception cref="OstreeException">The new commit is older, or a timestamp is out of range.</exception>
    public static void RequireNotOlder(Repository repo, string currentRev, string newRev)
    {
        ulong currentTs = repo.LoadCommit(Checksum.Parse(currentRev)).Timestamp;
        ulong newTs = repo.LoadCommit(Checksum.Parse(newRev)).Timestamp;
        if (newTs >= currentTs)
            return;
        if (newTs > MaxTimestamp || currentTs > MaxTimestamp)
            throw new OstreeException($"Upgrade target revision '{newRev}' timestamp ({(long)newTs}) or current revision '{currentRev}' timestamp ({(long)currentTs}) is invalid");
        throw new OstreeException($"Upgrade target revision '{newRev}' with timestamp '{Format(newTs)}' is chronologically older than current revision '{currentRev}' with timestamp '{Format(currentTs)}'; use --allow-downgrade to permit");
    }

    // glib's %c in the C locale: "%a %b %e %H:%M:%S %Y", in UTC; glib's %e pads a one-digit day
    // with a FIGURE SPACE (U+2007), not an ASCII space.
    private static string Format(ulong ts)
    {
        var dt = DateTimeOffset.FromUnixTimeSeconds((long)ts).UtcDateTime;
        var day = dt.Day < 10 ? "\u2007" + dt.Day.ToString(CultureInfo.InvariantCulture) : dt.Day.ToString(CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{dt:ddd} {dt:MMM} {day} {dt:HH:mm:ss} {dt:yyyy}");
    }
}
