// Checksums that the real ostree 2022.7 produced for small, fully specified inputs
// (`ostree commit --repo=r -b main -s "known answer" --timestamp=@1577836800
//  --add-metadata-string=version=1.0 t` and `ostree ls -R -C`). The interop tests compare against
// the live tool; these keep the formats pinned in the fast suite.
using Arbor.Ostree.Commits;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Objects;

public class KnownAnswerTests
{
    [Fact]
    public void Regular_file_checksum_matches_ostree()
    {
        var header = new FileHeader(0, 0, 0x81A4, "", Xattrs.None);
        var data = "hello\n"u8;
        var bytes = FileHeader.LengthPrefixed(header.SerializeBare()).Concat(data.ToArray()).ToArray();
        Assert.Equal("44f778e59f0a4748d6b0c90a47347212a231c4ad1e8f7ea5c5dffc7749153a6b", Checksum.Of(bytes).ToString());
    }

    [Fact]
    public void Symlink_checksum_matches_ostree()
    {
        var header = new FileHeader(0, 0, 0xA1FF, "target", Xattrs.None);
        Assert.Equal("a6b40a5400ed082fbe067d2c8397aab54046a089768651c392a36db46d24c1cd", Checksum.Of(FileHeader.LengthPrefixed(header.SerializeBare())).ToString());
    }

    [Fact]
    public void Setuid_file_checksum_matches_ostree()
    {
        var header = new FileHeader(0, 0, 0x89ED, "", Xattrs.None);
        var bytes = FileHeader.LengthPrefixed(header.SerializeBare()).Concat("#!/bin/sh\n"u8.ToArray()).ToArray();
        Assert.Equal("de953b993c977f782cf0990325551ecbc6598bf8a513f0734a440af8d4e8e1fe", Checksum.Of(bytes).ToString());
    }

    [Fact]
    public void Directory_metadata_checksum_matches_ostree()
    {
        var meta = new DirMeta(0, 0, 0x41ED, Xattrs.None);
        Assert.Equal("446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488", Checksum.Of(meta.Serialize()).ToString());
    }

    [Fact]
    public void Empty_dirtree_checksum_matches_ostree()
    {
        var tree = new DirTree([], []);
        Assert.Equal("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", Checksum.Of(tree.Serialize()).ToString());
    }

    [Theory]
    [InlineData(RepoMode.Bare)]
    [InlineData(RepoMode.BareUser)]
    [InlineData(RepoMode.Archive)]
    public void Commit_of_a_small_tree_matches_ostree(RepoMode mode)
    {
        using var tmp = new TempDir();
        var t = tmp["t"];
        Directory.CreateDirectory(Path.Combine(t, "sub"));
        File.WriteAllText(Path.Combine(t, "f"), "hello\n");
        File.WriteAllText(Path.Combine(t, "x"), "#!/bin/sh\n");
        File.CreateSymbolicLink(Path.Combine(t, "l"), "target");
        File.SetUnixFileMode(Path.Combine(t, "f"), (UnixFileMode)0x1A4);
        File.SetUnixFileMode(Path.Combine(t, "x"), (UnixFileMode)0x9ED);
        File.SetUnixFileMode(t, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(Path.Combine(t, "sub"), (UnixFileMode)0x1ED);

        var repo = Repository.Create(tmp["repo"], mode);
        var mtree = new MutableTree();
        new DirectoryImporter(repo, new CommitModifier { OwnerUid = 0, OwnerGid = 0, SkipXattrs = true }).Import(t, mtree);
        var request = new CommitRequest
        {
            Subject = "known answer",
            Timestamp = 1577836800,
            Metadata =
            [
                new("version", GVariantValue.Str("1.0")),
                new("ostree.ref-binding", GVariantValue.StrArray(["main"])),
            ],
        };
        var commit = CommitWriter.WriteCommit(repo, mtree, request, out var root);
        Assert.Equal("2f52230c4de1cb884eefa4d4affae9adb619d033b72079b040f3192584ddb20e", root.Tree.ToString());
        Assert.Equal("5916c074e2fa4015387d82d2a3edf41517eb34e5761bcfabf92d3bf7593b39ba", commit.ToString());

        var loaded = repo.LoadCommit(commit);
        Assert.Equal("known answer", loaded.Subject);
        Assert.Equal(1577836800UL, loaded.Timestamp);
        Assert.Equal("1.0", loaded.Version);
        Assert.Null(loaded.Parent);
        Assert.Equal(commit, Checksum.Of(loaded.Serialize()));
    }
}
