// The repository writes every filesystem fault is tried on (commit, pull-local, pull over HTTP),
// declared once: a campaign class (disk full, read-only) says how one operation runs under its
// fault, and inherits these facts.
namespace Arbor.Interop.Tests.Faults;

/// <summary>The repository-writing operations shared by the filesystem fault campaigns.</summary>
public abstract class RepoWriteCampaigns
{
    /// <summary>The shared inputs.</summary>
    protected abstract FaultFixture Fixture { get; }

    /// <summary>Runs operation <paramref name="op"/> (arguments for a repository path) under the campaign's fault.</summary>
    /// <param name="op">The operation's name in the summary line.</param>
    /// <param name="args">The arbor command line, given the target repository.</param>
    /// <param name="refName">The ref the operation moves.</param>
    /// <param name="expected">The commit that ref must name after the rerun.</param>
    /// <param name="setUp">Prepares a fresh target repository (e.g. adds the remote).</param>
    protected abstract void RepoCampaign(string op, Func<string, string[]> args, string refName, string expected, Action<string>? setUp = null);

    [Fact]
    public void Commit() =>
        RepoCampaign("commit", repo => ["ostree", "--repo=" + repo, .. Fixture.CommitArgs("main", Fixture.Tree)], "main", Fixture.Expected("archive"));

    [Fact]
    public void PullLocal() =>
        RepoCampaign("pull-local", repo => ["ostree", "--repo=" + repo, "pull-local", Fixture.Source, "main"], "main", Fixture.Main);

    [Fact]
    public void PullOverHttp() =>
        RepoCampaign("pull", repo => ["ostree", "--repo=" + repo, "pull", "origin", "main"], "origin:main", Fixture.Main,
            repo => Tools.OstreeOk("--repo=" + repo, "remote", "add", "--no-gpg-verify", "origin", Fixture.Nginx.Url));
}
