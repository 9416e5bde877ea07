// pull-local and pull over file:// without any server: every mode to every mode, hard links when
// the form matches, --depth, --commit-metadata-only, --untrusted refusing a corrupt source, refs
// under --remote, and a pull's partial marker kept until the commit is complete.
using Arbor.Native;
using Arbor.Ostree.Commits;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Tests.Checkout;

namespace Arbor.Ostree.Tests.Pull;

public sealed class LocalPullTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A source repository with "main" (two commits) and "other".</summary>
    private (Repository Repo, Checksum Main, Checksum Parent) Source(RepoMode mode)
    {
        var tree = _dir["tree"];
        if (!Directory.Exists(tree))
            CheckoutTests.MakeTree(tree);
        var repo = Repository.Create(_dir["src-" + mode], mode);
        Checksum Commit(Checksum? parent, string extra)
        {
            var mt = new MutableTree();
            new DirectoryImporter(repo, new CommitModifier().For(mode)).Import(tree, mt);
            var c = CommitWriter.WriteCommit(repo, mt, new CommitRequest { Timestamp = 1, Parent = parent, Subject = extra }, out _);
            return c;
        }
        var parent = Commit(null, "first");
        var main = Commit(parent, "second");
        repo.SetRefImmediate(null, "main", main);
        repo.SetRefImmediate(null, "other", parent);
        return (repo, main, parent);
    }

    private static int Fsck(Repository repo)
    {
        var errors = Arbor.Ostree.Tests.Fsck.FsckLines.Problems(repo);
        Assert.Empty(errors);
        return errors.Count;
    }

    public static TheoryData<RepoMode, RepoMode> ModePairs()
    {
        var data = new TheoryData<RepoMode, RepoMode>();
        foreach (var a in new[] { RepoMode.Archive, RepoMode.Bare, RepoMode.BareUser })
        {
            foreach (var b in new[] { RepoMode.Archive, RepoMode.Bare, RepoMode.BareUser })
                data.Add(a, b);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ModePairs))]
    public void Copies_every_ref_between_any_modes(RepoMode from, RepoMode to)
    {
        var (src, main, parent) = Source(from);
        var dest = Repository.Create(_dir["dest"], to);
        var r = new LocalPull(dest, src, new LocalPullOptions()).Run();
        Assert.Equal(main, dest.ResolveRev("main"));
        Assert.Equal(parent, dest.ResolveRev("other"));
        Assert.True(r.ContentImported > 0);
        Assert.Equal(from == to ? r.MetadataImported + r.ContentImported : r.MetadataImported, r.Hardlinked);
        Assert.Equal(from == to ? 0 : 1, r.ContentBytesWritten > 0 ? 1 : 0);
        Fsck(dest);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(dest.Path, "state")));

        var again = new LocalPull(dest, src, new LocalPullOptions()).Run();
        Assert.Equal((0, 0, 0L), (again.MetadataImported, again.ContentImported, again.ContentBytesWritten));
    }

    [Fact]
    public void Same_mode_objects_are_hard_links()
    {
        var (src, main, _) = Source(RepoMode.BareUser);
        var dest = Repository.Create(_dir["dest"], RepoMode.BareUser);
        new LocalPull(dest, src, new LocalPullOptions { Refs = ["main"] }).Run();
        var file = dest.TraverseCommit(main).First(o => o.Type == ObjectType.File);
        Assert.Equal(LibC.LStat(src.ObjectPath(file)).Inode, LibC.LStat(dest.ObjectPath(file)).Inode);
    }

    [Fact]
    public void Depth_and_remote_and_checksum_refs()
    {
        var (src, main, parent) = Source(RepoMode.Archive);
        var dest = Repository.Create(_dir["dest"], RepoMode.Archive);
        new LocalPull(dest, src, new LocalPullOptions { Refs = ["main"], Remote = "origin" }).Run();
        Assert.Equal(main, dest.ResolveRev("origin:main"));
        Assert.Equal(["origin:main"], dest.ListRefs().Select(r => r.Refspec));
        Assert.False(dest.HasObject(parent, ObjectType.Commit));

        new LocalPull(dest, src, new LocalPullOptions { Refs = ["main"], Remote = "origin", Depth = -1 }).Run();
        Assert.True(dest.HasObject(parent, ObjectType.Commit));
        Fsck(dest);

        var byChecksum = Repository.Create(_dir["dest2"], RepoMode.Archive);
        new LocalPull(byChecksum, src, new LocalPullOptions { Refs = [parent.ToString()] }).Run();
        Assert.True(byChecksum.HasObject(parent, ObjectType.Commit));
        Assert.Empty(byChecksum.ListRefs());
    }

    [Fact]
    public void Commit_metadata_only_leaves_the_commit_partial_and_a_full_pull_completes_it()
    {
        var (src, main, _) = Source(RepoMode.Archive);
        var dest = Repository.Create(_dir["dest"], RepoMode.BareUser);
        var r = new LocalPull(dest, src, new LocalPullOptions { Refs = ["main"], CommitMetadataOnly = true }).Run();
        Assert.Equal((1, 0, 0L), (r.MetadataImported, r.ContentImported, r.ContentBytesWritten));
        Assert.True(dest.IsCommitPartial(main, out _));
        Assert.Equal(main, dest.ResolveRev("main"));

        new LocalPull(dest, src, new LocalPullOptions { Refs = ["main"] }).Run();
        Assert.False(dest.IsCommitPartial(main, out _));
        Fsck(dest);
    }

    [Fact]
    public void Untrusted_refuses_a_corrupt_source_object_and_keeps_the_ref()
    {
        var (src, main, _) = Source(RepoMode.BareUser);
        var victim = src.TraverseCommit(main).Where(o => o.Type == ObjectType.File)
            .MaxBy(o => new FileInfo(src.ObjectPath(o)).Length);
        var path = src.ObjectPath(victim);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        var dest = Repository.Create(_dir["dest"], RepoMode.BareUser);
        var e = Assert.Throws<OstreeException>(() => new LocalPull(dest, src, new LocalPullOptions { Refs = ["main"], Untrusted = true }).Run());
        Assert.Contains(victim.Checksum.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Null(dest.ResolveRev("main", allowMissing: true));
        Assert.False(dest.HasObject(victim.Checksum, ObjectType.File));
        Assert.True(dest.IsCommitPartial(main, out _));
    }

    [Fact]
    public void Missing_ref_is_named()
    {
        var (src, _, _) = Source(RepoMode.Archive);
        var dest = Repository.Create(_dir["dest"], RepoMode.Archive);
        var e = Assert.Throws<OstreeException>(() => new LocalPull(dest, src, new LocalPullOptions { Refs = ["nosuch"] }).Run());
        Assert.Equal("Refspec 'nosuch' not found", e.Message);
    }

    [Theory]
    [InlineData(RepoMode.Archive)]
    [InlineData(RepoMode.BareUser)]
    public async Task Pull_over_file_url_from_an_archive_repository(RepoMode to)
    {
        var (src, main, parent) = Source(RepoMode.Archive);
        var dest = Repository.Create(_dir["dest"], to);
        var remote = RemoteFor(dest, "file://" + src.Path);
        using var engine = new PullEngine(dest, remote, new PullOptions { Refs = ["main"], Depth = 1 });
        var r = await engine.RunAsync();
        Assert.Equal(main, dest.ResolveRev("origin:main"));
        Assert.True(dest.HasObject(parent, ObjectType.Commit));
        Assert.True(r.MetadataFetched > 0 && r.ContentFetched > 0);
        Fsck(dest);
    }

    [Fact]
    public async Task Metadata_only_pull_leaves_a_complete_commit_complete()
    {
        var (src, main, _) = Source(RepoMode.Archive);
        var dest = Repository.Create(_dir["dest"], RepoMode.Archive);
        var remote = RemoteFor(dest, "file://" + src.Path);
        using (var full = new PullEngine(dest, remote, new PullOptions { Refs = ["main"] }))
            await full.RunAsync();
        Assert.False(dest.IsCommitPartial(main, out _));
        using (var history = new PullEngine(dest, remote, new PullOptions { Refs = ["main"], Depth = 1, CommitMetadataOnly = true }))
            await history.RunAsync();
        Assert.False(dest.IsCommitPartial(main, out _));
        dest.SetRefImmediate(null, "local", main);
        Fsck(dest);
    }

    private static Remote RemoteFor(Repository repo, string url)
    {
        Remotes.Add(repo, "origin", url, [], [new("gpg-verify", "false")], ifNotExists: false, force: false);
        return Remotes.Get(repo, "origin");
    }
}
