// prune, reset and checksum through the command line: ostree's summary lines, what is left on
// disk afterwards, and the checksum builtin agreeing with what commit stored.
namespace Arbor.Cli.Tests;

public sealed class PruneResetTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _repo;

    public PruneResetTests() => _repo = Cli.MakeRepo(_tmp);

    public void Dispose() => _tmp.Dispose();

    private string Ok(params string[] args) => Cli.Ok(["ostree", "--repo=" + _repo, .. args]);

    private int CountObjects() => Directory.EnumerateFiles(Path.Combine(_repo, "objects"), "*", SearchOption.AllDirectories).Count();

    [Fact]
    public void PruneWithoutRefsOnlyKeepsEveryCommit()
    {
        Assert.Equal("Total objects: 16\nNo unreachable objects\n", Ok("prune"));
        Assert.Equal("Total objects: 16\nNo unreachable objects\n", Ok("prune", "--depth=0"));
    }

    [Fact]
    public void PruneRefsOnlyDepthZeroDropsHistory()
    {
        var dry = Ok("prune", "--refs-only", "--depth=0", "--no-prune");
        Assert.Matches("^Total objects: 16\nWould delete: 5 objects, freeing [0-9]+ bytes\n$", dry);
        Assert.Equal(16, CountObjects());
        var real = Ok("prune", "--refs-only", "--depth=0");
        Assert.Equal(dry.Replace("Would delete: 5 objects, freeing ", "Deleted 5 objects, ", StringComparison.Ordinal).Replace(" bytes\n", " bytes freed\n", StringComparison.Ordinal), real);
        Assert.Equal(11, CountObjects());
        Assert.Equal("Total objects: 11\nNo unreachable objects\n", Ok("prune", "--refs-only"));
        var (code, _, err) = Cli.Run("ostree", "--repo=" + _repo, "show", Cli.First);
        Assert.Equal(1, code);
        Assert.Contains(Cli.First, err, StringComparison.Ordinal);
    }

    [Fact]
    public void PruneCommitOnlyCountsCommits()
    {
        Assert.Matches("^Total \\(commit only\\) objects: 2\nDeleted 1 objects, [0-9]+ bytes freed\n$", Ok("prune", "--refs-only", "--depth=0", "--commit-only"));
    }

    [Fact]
    public void DeleteCommitRefusesReferencedCommitAndWritesTombstone()
    {
        var (code, _, err) = Cli.Run("ostree", "--repo=" + _repo, "prune", "--delete-commit=" + Cli.Second);
        Assert.Equal(1, code);
        Assert.Equal($"error: Commit '{Cli.Second}' is referenced by 'main'\n", err);
        Ok("refs", "--delete", "main");
        Assert.StartsWith("Total objects: ", Ok("prune", "--delete-commit=" + Cli.Second), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_repo, "objects", Cli.Second[..2], Cli.Second[2..] + ".tombstone-commit")));
        Assert.Contains("tombstone-commits=true", File.ReadAllText(Path.Combine(_repo, "config")), StringComparison.Ordinal);
    }

    [Fact]
    public void ResetMovesAnExistingRef()
    {
        Ok("reset", "main", "main^");
        Assert.Equal(Cli.First + "\n", Ok("rev-parse", "main"));
        var (code, _, err) = Cli.Run("ostree", "--repo=" + _repo, "reset", "nosuch", "main");
        Assert.Equal(1, code);
        Assert.Equal("error: Invalid ref 'nosuch'\n", err);
    }

    [Fact]
    public void ChecksumMatchesCommittedObjects()
    {
        var t = _tmp.Combine("t");
        var ls = Ok("ls", "-C", "main", "/a.txt", "/new/dir");
        var lines = ls.Split('\n');
        if (Environment.UserName == "root")
        {
            Assert.Equal(lines[0].Split(' ')[^2] + "\n", Cli.Ok("ostree", "checksum", Path.Combine(t, "a.txt")));
            Assert.Equal(lines[1].Split(' ')[^2] + "\n", Cli.Ok("ostree", "checksum", "--ignore-xattrs", Path.Combine(t, "new", "dir")));
        }
        var (code, _, err) = Cli.Run("ostree", "checksum", _tmp.Combine("missing"));
        Assert.Equal(1, code);
        Assert.Equal($"error: Error when getting information for file “{_tmp.Combine("missing")}”: No such file or directory\n", err);
    }
}
