// repos as rpm-ostree resolves them for compose: the .repo files in the treefile's own directory
// (never /etc/yum.repos.d), read with $basearch/$releasever and repovars; named repos are enabled
// whatever the file says, and a name no file defines is an error.
namespace Arbor.Compose.Tests.Treefile;

public class TreefileReposTests
{
    private static void WriteRepos(TreefileDir dir)
    {
        dir.Write("fedora.repo", "[fedora]\nname=Fedora $releasever - $basearch\nbaseurl=https://example.com/$contentdir/$releasever/$basearch/os/\nenabled=0\ngpgcheck=1\n");
        dir.Write("extra.repo", "[updates]\nname=Updates\nbaseurl=file:///srv/updates/$basearch\n\n[testing]\nname=Testing\nbaseurl=file:///srv/testing\nenabled=0\n");
    }

    [Fact]
    public void Named_repos_come_from_the_files_next_to_the_treefile_in_treefile_order()
    {
        using var dir = new TreefileDir();
        WriteRepos(dir);
        dir.Write("sub/other.repo", "[hidden]\nbaseurl=file:///nope\n");
        dir.Write("t.yaml", "ref: r\nreleasever: 41\nrepos: [updates, fedora]\nlockfile-repos: [testing]\nrepovars: {contentdir: pub/fedora}\n");
        var t = dir.Load("t.yaml", "aarch64");
        var repos = t.LoadRepos();
        Assert.Equal(["updates", "fedora"], repos.Select(r => r.Id));
        Assert.All(repos, r => Assert.True(r.Enabled));
        Assert.Equal(["file:///srv/updates/aarch64"], repos[0].BaseUrls);
        Assert.Equal(["https://example.com/pub/fedora/41/aarch64/os/"], repos[1].BaseUrls);
        Assert.Equal("Fedora 41 - aarch64", repos[1].Name);
        Assert.True(repos[1].GpgCheck);
        Assert.Equal(["testing"], t.LoadLockfileRepos().Select(r => r.Id));
    }

    [Fact]
    public void Without_repos_every_enabled_repo_in_the_directory_is_used()
    {
        using var dir = new TreefileDir();
        dir.Write("extra.repo", "[updates]\nbaseurl=file:///srv/updates\n\n[testing]\nbaseurl=file:///srv/testing\nenabled=0\n");
        dir.Write("t.yaml", "ref: r\n");
        Assert.Equal(["updates"], dir.Load("t.yaml").LoadRepos().Select(r => r.Id));
    }

    [Fact]
    public void A_repo_no_file_defines_is_an_error_naming_it()
    {
        using var dir = new TreefileDir();
        WriteRepos(dir);
        string path = dir.Write("t.yaml", "ref: r\nreleasever: 41\nrepovars: {contentdir: x}\nrepos:\n  - fedora\n  - rawhide\n");
        var e = Assert.Throws<FormatException>(() => dir.Load("t.yaml").LoadRepos());
        Assert.StartsWith($"{path}: line 5, ", e.Message, StringComparison.Ordinal);
        Assert.Contains("'repos' names unknown rpm-md repository 'rawhide'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repos_from_an_include_are_still_looked_for_next_to_the_top_treefile()
    {
        using var dir = new TreefileDir();
        dir.Write("base.repo", "[base]\nbaseurl=file:///srv/base\n");
        dir.Write("sub/inc.yaml", "repos: [base]\n");
        dir.Write("sub/base.repo", "[elsewhere]\nbaseurl=file:///srv/elsewhere\n");
        dir.Write("t.yaml", "ref: r\ninclude: sub/inc.yaml\n");
        Assert.Equal(["file:///srv/base"], Assert.Single(dir.Load("t.yaml").LoadRepos()).BaseUrls);
    }

    [Fact]
    public void A_malformed_repo_file_is_an_error_naming_it()
    {
        using var dir = new TreefileDir();
        string repo = dir.Write("bad.repo", "baseurl=outside\n");
        dir.Write("t.yaml", "ref: r\nrepos: [x]\n");
        Assert.Contains(repo, Assert.Throws<FormatException>(() => dir.Load("t.yaml").LoadRepos()).Message, StringComparison.Ordinal);
    }
}
