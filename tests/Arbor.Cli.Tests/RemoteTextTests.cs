// Text that comes from a remote (its config, its refs, its commits) reaches the terminal with
// control characters escaped: in show/log/remote output and in error messages.
namespace Arbor.Cli.Tests;

public sealed class RemoteTextTests : IDisposable
{
    private const string Esc = "\u001b";
    private readonly TempDir _tmp = new();
    private readonly string _repo;

    public RemoteTextTests() => _repo = Cli.MakeRepo(_tmp);

    public void Dispose() => _tmp.Dispose();

    private string Ok(params string[] args) => Cli.Ok(["ostree", "--repo=" + _repo, .. args]);

    [Fact]
    public void Remote_config_is_listed_escaped()
    {
        File.AppendAllText(Path.Combine(_repo, "config"), $"\n[remote \"origin\"]\nurl=http://example.com/{Esc}]0;owned\u0007\ngpg-verify=false\n");
        Assert.Equal("origin  http://example.com/\\x1b]0;owned\\x07\n", Ok("remote", "list", "-u"));
        Assert.Equal("http://example.com/\\x1b]0;owned\\x07\n", Ok("remote", "show-url", "origin"));
    }

    [Fact]
    public void Commit_subject_and_body_are_shown_escaped()
    {
        var t = _tmp.Combine("t");
        var c = Ok("commit", "-b", "evil", "-s", $"subject {Esc}[2J", "-m", $"body{Esc}[31m\nsecond line", "--add-metadata-string=version=9" + Esc + "[8m", t).Trim();
        foreach (var output in new[] { Ok("show", c), Ok("log", "evil") })
        {
            Assert.DoesNotContain(Esc, output, StringComparison.Ordinal);
            Assert.Contains("Version: 9\\x1b[8m\n", output, StringComparison.Ordinal);
            Assert.Contains("\n    subject \\x1b[2J\n\n    body\\x1b[31m\n    second line\n", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Errors_quoting_remote_text_are_escaped()
    {
        // A "remote" on disk whose ref file holds terminal control sequences instead of a checksum.
        var remote = _tmp.Combine("remote");
        Directory.CreateDirectory(Path.Combine(remote, "refs", "heads"));
        Directory.CreateDirectory(Path.Combine(remote, "objects"));
        File.WriteAllText(Path.Combine(remote, "config"), "[core]\nrepo_version=1\nmode=archive-z2\n");
        File.WriteAllText(Path.Combine(remote, "refs", "heads", "main"), $"{Esc}]0;owned\u0007{Esc}[2J\n");
        Ok("remote", "add", "--no-gpg-verify", "origin", "file://" + remote);
        var (code, _, err) = Cli.Run("ostree", "--repo=" + _repo, "pull", "origin", "main");
        Assert.Equal(1, code);
        Assert.DoesNotContain(Esc, err, StringComparison.Ordinal);
        Assert.DoesNotContain("\u0007", err, StringComparison.Ordinal);
        Assert.Contains("\\x1b]0;owned\\x07\\x1b[2J", err, StringComparison.Ordinal);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
