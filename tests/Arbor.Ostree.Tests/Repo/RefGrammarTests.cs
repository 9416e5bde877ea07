using Arbor.Ostree.Objects;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Repo;

// The verdicts below are the real ostree's (`ostree refs --create=NAME`, checked by
// RefNameInteropTests against the installed ostree).
public class RefGrammarTests
{
    public static TheoryData<string, bool> RefNames => new()
    {
        { "main", true },
        { "exampleos/x86_64/stable", true },
        { "a.b-c_d", true },
        { "_x", true },
        { "x_", true },
        { "é", true },
        { "日本/x", true },
        { "a²", true },   // \p{No}
        { "Ⅻ", true },    // \p{Nl}
        { "ʰ", true },    // \p{Lm}
        { "ǅ", true },    // \p{Lt}
        { "٣", true },    // Arabic-Indic digit
        { "𝟘", true },    // outside the BMP
        { "", false },
        { "-rf", false },
        { ".hidden", false },
        { "a/.b", false },
        { "a/-b", false },
        { "..", false },
        { "../x", false },
        { "../../../../x", false },
        { "a//b", false },
        { "a/", false },
        { "/a", false },
        { "a b", false },
        { "a~", false },
        { "a:b", false },
        { "a\u203Fb", false },   // connector punctuation
        { "a\u0301", false },    // combining mark
        { "\u0301a", false },
        { "a\uD800", false },    // lone surrogate
    };

    [Theory]
    [MemberData(nameof(RefNames))]
    public void Ref_names_follow_ostree_grammar(string name, bool valid)
    {
        if (valid)
        {
            Assert.Equal(name, Repository.ValidateRefName(name));
            Assert.Equal((null, name), Repository.ParseRefspec(name));
        }
        else
        {
            var e = Assert.Throws<OstreeException>(() => Repository.ValidateRefName(name));
            Assert.Equal($"Invalid ref name {name}", e.Message);
        }
    }

    [Theory]
    [InlineData("origin:main", "origin", "main")]
    [InlineData("é:os/x", "é", "os/x")]
    [InlineData("main\n", null, "main")]
    [InlineData("o:main\r\n", "o", "main")]
    [InlineData("main\u2029", null, "main")]
    public void Refspecs_split_like_ostree(string refspec, string? remote, string name) =>
        Assert.Equal((remote, name), Repository.ParseRefspec(refspec));

    [Theory]
    [InlineData(":main")]
    [InlineData("origin:")]
    [InlineData("a:b:c")]
    [InlineData(".o:main")]
    [InlineData("-o:main")]
    [InlineData("o:../main")]
    [InlineData("main\n\n")]
    [InlineData("main\n ")]
    public void Bad_refspecs_are_refused_with_ostree_message(string refspec)
    {
        var e = Assert.Throws<OstreeException>(() => Repository.ParseRefspec(refspec));
        Assert.Equal($"Invalid refspec {refspec}", e.Message);
    }

    [Theory]
    [InlineData("origin", true)]
    [InlineData("é", true)]
    [InlineData("a.b", true)]
    [InlineData(".x", false)]
    [InlineData("-x", false)]
    [InlineData("a/b", false)]
    [InlineData("..", false)]
    [InlineData("", false)]
    public void Remote_names_follow_ostree_grammar(string name, bool valid)
    {
        if (valid)
            Assert.Equal(name, Repository.ValidateRemoteName(name));
        else
            Assert.Equal($"Invalid remote name {name}", Assert.Throws<OstreeException>(() => Repository.ValidateRemoteName(name)).Message);
    }

    private static (Repository Repo, Checksum Commit) RepoWithCommit(TempDir tmp)
    {
        var repo = Repository.Create(tmp["r"], RepoMode.Archive);
        var tree = repo.WriteMetadata(ObjectType.DirTree, new DirTree([], []).Serialize());
        var meta = repo.WriteMetadata(ObjectType.DirMeta, new DirMeta(0, 0, 0x41ED, Xattrs.None).Serialize());
        var c = repo.WriteMetadata(ObjectType.Commit, new Commit([], null, "one", "", 1, tree, meta).Serialize());
        repo.SetRefImmediate(null, "main", c);
        return (repo, c);
    }

    [Fact]
    public void Resolving_a_name_that_climbs_out_of_refs_reads_nothing_outside()
    {
        using var tmp = new TempDir();
        var (repo, c) = RepoWithCommit(tmp);
        // A file outside the repository that would pass for a ref if its path were followed.
        File.WriteAllText(tmp["planted"], c + "\n");
        foreach (var rev in new[] { "../../../planted", "origin:../../../../planted", "../../../planted^" })
        {
            var e = Assert.Throws<OstreeException>(() => repo.ResolveRev(rev));
            Assert.Equal($"Invalid refspec {rev.TrimEnd('^')}", e.Message);
            Assert.Throws<OstreeException>(() => repo.ResolveRev(rev, allowMissing: true));
        }
        Assert.True(File.Exists(tmp["planted"]));
    }

    [Fact]
    public void Writing_or_deleting_refs_checks_both_names()
    {
        using var tmp = new TempDir();
        var (repo, c) = RepoWithCommit(tmp);
        File.WriteAllText(tmp["planted"], c + "\n");
        Assert.Equal("Invalid ref name ../../../planted", Assert.Throws<OstreeException>(() => repo.SetRefImmediate(null, "../../../planted", null)).Message);
        Assert.Equal("Invalid remote name ../..", Assert.Throws<OstreeException>(() => repo.SetRefImmediate("../..", "planted", null)).Message);
        Assert.Throws<OstreeException>(() => repo.SetRefImmediate(null, "-rf", c));
        Assert.Throws<OstreeException>(() => repo.SetRefImmediate(null, ".hidden", c));
        Assert.Throws<OstreeException>(() => RepoTransaction.Prepare(repo).SetMirrorRef("../../../planted", null));
        Assert.Equal($"Rev name '{c}' looks like a checksum", Assert.Throws<OstreeException>(() => repo.SetRefImmediate(null, c.ToString(), c)).Message);
        Assert.True(File.Exists(tmp["planted"]));

        // ostree takes "main\n" to mean "main" (its pattern's "$" matches before a final line break).
        repo.SetRefImmediate("origin", "os/é\n", c);
        Assert.True(File.Exists(Path.Combine(repo.Path, "refs/remotes/origin/os/é")));
        Assert.Equal(c, repo.ResolveRev("origin:os/é"));
    }

    [Fact]
    public void Listing_by_prefix_takes_a_refspec_and_skips_names_outside_the_grammar()
    {
        using var tmp = new TempDir();
        var (repo, c) = RepoWithCommit(tmp);
        repo.SetRefImmediate(null, "os/a", c);
        repo.SetRefImmediate(null, "os/b/c", c);
        repo.SetRefImmediate(null, "osx", c);
        repo.SetRefImmediate("origin", "os/a", c);
        // Left by other tools; not refs.
        File.WriteAllText(Path.Combine(repo.Path, "refs/heads/os/.rsync_info"), c + "\n");
        Directory.CreateDirectory(Path.Combine(repo.Path, "refs/heads/.git"));
        File.WriteAllText(Path.Combine(repo.Path, "refs/heads/.git/HEAD"), c + "\n");
        Directory.CreateDirectory(Path.Combine(repo.Path, "refs/remotes/.old"));
        File.WriteAllText(Path.Combine(repo.Path, "refs/remotes/.old/main"), c + "\n");

        Assert.Equal(["main", "origin:os/a", "os/a", "os/b/c", "osx"], repo.ListRefs().Select(r => r.Refspec));
        Assert.Equal(["os/a", "os/b/c"], repo.ListRefs(prefix: "os").Select(r => r.Refspec));
        Assert.Equal(["os/b/c"], repo.ListRefs(prefix: "os/b/c").Select(r => r.Refspec));
        Assert.Equal(["origin:os/a"], repo.ListRefs(prefix: "origin:").Select(r => r.Refspec));
        Assert.Equal(["origin:os/a"], repo.ListRefs(prefix: "origin:os").Select(r => r.Refspec));
        foreach (var bad in new[] { "../x", "os/", ".git", "-rf" })
            Assert.Equal($"Listing refs: Invalid refspec {bad}", Assert.Throws<OstreeException>(() => repo.ListRefs(prefix: bad)).Message);
    }

    [Fact]
    public void Remotes_are_added_and_deleted_only_under_valid_names()
    {
        using var tmp = new TempDir();
        var (repo, _) = RepoWithCommit(tmp);
        foreach (var bad in new[] { ".x", "-x", "../x" })
        {
            Assert.Equal($"Invalid remote name {bad}", Assert.Throws<OstreeException>(() =>
                Remotes.Add(repo, bad, "http://example.com", [], [], ifNotExists: false, force: false)).Message);
            Assert.Equal($"Invalid remote name {bad}", Assert.Throws<OstreeException>(() => Remotes.Delete(repo, bad, ifExists: true)).Message);
        }
        Remotes.Add(repo, "é", "http://example.com", [], [], ifNotExists: false, force: false);
        Assert.Equal(["é"], Remotes.List(Repository.Open(repo.Path)).Select(r => r.Name));
    }
}
