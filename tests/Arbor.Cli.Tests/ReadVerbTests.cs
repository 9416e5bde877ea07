// Output of ls, cat, show, log and diff on a small two-commit repository, compared with the exact
// text ostree 2022.7 prints for the same repository.
namespace Arbor.Cli.Tests;

public sealed class ReadVerbTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _repo;

    public ReadVerbTests() => _repo = Cli.MakeRepo(_tmp);

    public void Dispose() => _tmp.Dispose();

    private string Ok(params string[] args) => Cli.Ok(["ostree", "--repo=" + _repo, .. args]);

    [Fact]
    public void LsRecursiveWithChecksums()
    {
        Assert.Equal(
            "d00755 0 0      0 de3ef7c74a670939888de87fca8923abded032310ec743ef4afdbf7ab7439314 446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488 /\n" +
            "-00644 0 0      8 c5746620648dcbbf447064b9edc8404c984e27ad3a6a387fffead119bd90c34f /a.txt\n" +
            "d00755 0 0      0 9b5d46fbfcc95289af3816a2a334ce811abd115226a8fbe91e7129ec19e2510b 446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488 /bin\n" +
            "-00755 0 0     10 60599fdf7cf9cb8925354cd74476b5ded7850eca9b6a120998125a578b6a4d4c /bin/tool\n" +
            "d00700 0 0      0 6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d 84641b0a39d8c873690da8f32aea21cf5d6fff354f85e045f6f5ecdc8e7758d0 /empty\n" +
            "d00755 0 0      0 c635598359d049068f6f42b28fd3858d5746f342cef59c6b3e47db3af99d5daf 446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488 /new\n" +
            "d00755 0 0      0 4a3a1ce2adf08481264226865a9f580d2153d9b244ee245fe432dce16694377b 446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488 /new/dir\n" +
            "-00644 0 0      1 086bca4ef86474d13398a73f6f5aa713c534312db4af53530a1da02d61b09bcd /new/dir/f\n",
            Ok("ls", "-RC", "main"));
    }

    [Fact]
    public void LsShowsSymlinksXattrsAndSubpaths()
    {
        Assert.Equal(
            "d00755 0 0      0 { @a(ayay) [] } /bin\n" +
            "l00777 0 0      0 { @a(ayay) [] } /bin/link -> tool\n" +
            "-00755 0 0     10 { @a(ayay) [] } /bin/tool\n",
            Ok("ls", "-X", "main^", "/bin"));
        Assert.Equal("d00755 0 0      0 /bin\n", Ok("ls", "-d", "main", "bin"));
        Assert.Equal("/\0/a.txt\0/bin\0/empty\0/new\0", Ok("ls", "--nul-filenames-only", "main"));
    }

    [Fact]
    public void LsErrorsNameThePath()
    {
        var (code, _, err) = Cli.Run("ostree", "--repo=" + _repo, "ls", "main", "/nope");
        Assert.Equal(1, code);
        Assert.Equal("error: Inspecting path '/nope': No such file or directory: /nope\n", err);
        (code, _, err) = Cli.Run("ostree", "--repo=" + _repo, "ls", "main", "bin/");
        Assert.Equal("error: Inspecting path 'bin/': No such file or directory: /bin/\n", err);
        (_, _, err) = Cli.Run("ostree", "--repo=" + _repo, "ls", "main", "/a.txt/x");
        Assert.Equal("error: Inspecting path '/a.txt/x': Not a directory\n", err);
    }

    [Fact]
    public void CatPrintsContentAndFollowsSymlinks()
    {
        Assert.Equal("changed\n#!/bin/sh\n", Ok("cat", "main", "/a.txt", "bin/tool"));
        Assert.Equal("#!/bin/sh\n", Ok("cat", "main^", "/bin/link"));
        var (code, _, err) = Cli.Run("ostree", "--repo=" + _repo, "cat", "main", "/bin");
        Assert.Equal(1, code);
        Assert.Equal("error: Can't open directory\n", err);
    }

    [Fact]
    public void LogPrintsHistory()
    {
        Assert.Equal(
            $"commit {Cli.Second}\n" +
            $"Parent:  {Cli.First}\n" +
            "ContentChecksum:  1cee2741c2d3eb9df7704b58e7f9057c5b6c876a10d181e96ba80ffa25cf3c93\n" +
            "Date:  2023-02-02 03:04:05 +0000\n\n    Second\n\n" +
            $"commit {Cli.First}\n" +
            "ContentChecksum:  06d6ca001eb61e1e0f066a685659fe624bb4e24b07d6a09004c4aeed8a252828\n" +
            "Date:  2023-01-02 03:04:05 +0000\nVersion: 1.0\n\n    First\n\n    Line 1\n    \n    Line 3\n\n",
            Ok("log", "main"));
    }

    [Fact]
    public void ShowCommitMetadataAndRaw()
    {
        Assert.StartsWith($"commit {Cli.First}\nContentChecksum:  06d6", Ok("show", "main^"), StringComparison.Ordinal);
        Assert.Equal("'1.0'\n", Ok("show", "--print-metadata-key=version", "main^"));
        Assert.Equal("['main']\n", Ok("show", "--print-metadata-key=ostree.ref-binding", "main"));
        var raw = Ok("show", "--raw", "main");
        Assert.StartsWith($"commit {Cli.Second}\n({{'ostree.ref-binding': <['main']>}}, [byte 0xad, 0x36,", raw, StringComparison.Ordinal);
        Assert.Contains(", @a(say) [], 'Second', '', uint64 1675307045, [byte 0xde, 0x3e,", raw, StringComparison.Ordinal);
        var (code, _, err) = Cli.Run("ostree", "--repo=" + _repo, "show", "--print-metadata-key=nope", "main");
        Assert.Equal(1, code);
        Assert.Equal("error: No such metadata key 'nope'\n", err);
    }

    [Fact]
    public void ShowContentObject()
    {
        Assert.Equal(
            "Object: 60599fdf7cf9cb8925354cd74476b5ded7850eca9b6a120998125a578b6a4d4c\nType: file\nFile Type: regular\nSize: 10\nMode: 0100755\nUid: 0\nGid: 0\nExtended Attributes: { @a(ayay) [] }\n",
            Ok("show", "60599fdf7cf9cb8925354cd74476b5ded7850eca9b6a120998125a578b6a4d4c"));
    }

    [Fact]
    public void DiffBetweenCommits()
    {
        const string expected = "M    /a.txt\nD    /bin/link\nA    /new\nA    /new/dir\nA    /new/dir/f\n";
        Assert.Equal(expected, Ok("diff", "main^", "main"));
        Assert.Equal(expected, Ok("diff", "main"));
        Assert.Equal("", Ok("diff", "main", "main"));
    }

    [Fact]
    public void DiffCommitAgainstDirectory()
    {
        var t = _tmp.Combine("t");
        // The tree on disk is main's content; only ownership can differ from the commit.
        var uid = Environment.UserName == "root" ? [] : new[] { "--owner-uid=0", "--owner-gid=0" };
        Assert.Equal("", Ok(["diff", .. uid, "main", t]));
        File.WriteAllText(Path.Combine(t, "a.txt"), "again\n");
        File.Delete(Path.Combine(t, "new", "dir", "f"));
        Assert.Equal("M    /a.txt\nD    /new/dir/f\n", Ok(["diff", .. uid, "main", t]));
        // Paths on disk print relative to their root, paths in a commit absolute (as ostree does).
        Assert.Equal("M    a.txt\nA    /new/dir/f\n", Ok(["diff", .. uid, t, "main"]));
    }

    [Fact]
    public void DiffStats()
    {
        // ostree prints "Common Object Size: 71 bytes" for its own archive; zlib output size may differ.
        var text = Ok("diff", "--stats", "main^", "main");
        Assert.Matches("^\\[A\\] Object Count: 9\n\\[B\\] Object Count: 11\nCommon Object Count: 4\nCommon Object Size: [0-9]+ bytes\n$", text);
    }
}
