// The upgrader's downgrade check compares commit timestamps, which are whatever a builder wrote:
// one past year 9999 is reported as invalid (libostree's words), never an unhandled exception.
using Arbor.Ostree.Commits;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Sysroot;

public sealed class UpgradeTimestampTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-upgrade-ts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string CommitAt(Repository repo, ulong timestamp) =>
        CommitWriter.WriteCommit(repo, new MutableTree(), new CommitRequest { Timestamp = timestamp, Subject = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) }, out _).ToString();

    [Fact]
    public void OlderTargetIsRefusedInGlibsDateFormat()
    {
        var repo = Repository.Create(Path.Combine(_dir, "repo"), RepoMode.BareUserOnly);
        var current = CommitAt(repo, 1_700_000_000);
        var older = CommitAt(repo, 1_600_000_000);
        CommitTimestamps.RequireNotOlder(repo, older, current);
        var e = Assert.Throws<OstreeException>(() => CommitTimestamps.RequireNotOlder(repo, current, older));
        Assert.Contains("is chronologically older than current revision", e.Message, StringComparison.Ordinal);
        Assert.Contains("Sep 13 12:26:40 2020", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATimestampPastYear9999IsNamedInvalid()
    {
        var repo = Repository.Create(Path.Combine(_dir, "repo"), RepoMode.BareUserOnly);
        var far = CommitAt(repo, ulong.MaxValue - 1);
        var now = CommitAt(repo, 1_700_000_000);
        var e = Assert.Throws<OstreeException>(() => CommitTimestamps.RequireNotOlder(repo, far, now));
        Assert.Equal($"Upgrade target revision '{now}' timestamp (1700000000) or current revision '{far}' timestamp (-2) is invalid", e.Message);
    }
}
