using System.Text;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Repo;

public class RepositoryTests
{
    [Theory]
    [InlineData(RepoMode.Bare, "bare")]
    [InlineData(RepoMode.BareUser, "bare-user")]
    [InlineData(RepoMode.BareUserOnly, "bare-user-only")]
    [InlineData(RepoMode.Archive, "archive-z2")]
    public void Create_writes_ostree_layout_and_config(RepoMode mode, string configName)
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["r"], mode);
        foreach (var d in new[] { "objects", "tmp", "extensions", "state", "refs/heads", "refs/mirrors", "refs/remotes" })
            Assert.True(Directory.Exists(Path.Combine(repo.Path, d)), d);
        Assert.Equal($"[core]\nrepo_version=1\nmode={configName}\n", File.ReadAllText(Path.Combine(repo.Path, "config")));
        Assert.Equal(mode, Repository.Open(tmp["r"]).Mode);
    }

    [Fact]
    public void Open_of_a_plain_directory_names_it()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<OstreeException>(() => Repository.Open(tmp.Path));
        Assert.Contains(tmp.Path, e.Message, StringComparison.Ordinal);
        Assert.Throws<OstreeException>(() => Repository.Open(tmp["missing"]));
    }

    [Fact]
    public void Small_archive_objects_read_whole_in_memory_and_others_are_declined()
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["r"], RepoMode.Archive);
        var header = new FileHeader(1234, 5678, 0x81A4, "", [new Xattr("user.a"u8.ToArray(), "1"u8.ToArray())]);
        foreach (var size in new[] { 0, 70_000 })
        {
            var data = new byte[size];
            new Random(size).NextBytes(data);
            var c = repo.WriteContent(header, new MemoryStream(data), size);
            byte[]? seen = null;
            Assert.True(repo.TryReadArchiveContent(c, 100_000, (h, d) =>
            {
                Assert.Equal(header.Mode, h.Mode);
                Assert.Equal(1234u, h.Uid);
                Assert.True(Xattrs.SequenceEqual(header.Xattrs, h.Xattrs));
                seen = d.ToArray();
            }));
            Assert.Equal(data, seen);
            if (size > 0)
                Assert.False(repo.TryReadArchiveContent(c, size - 1, (_, _) => Assert.Fail("over the limit")), "larger than the limit");
        }
        var link = repo.WriteContent(new FileHeader(0, 0, 0xA1FF, "target", Xattrs.None), null, 0);
        Assert.False(repo.TryReadArchiveContent(link, 100_000, (_, _) => Assert.Fail("a symlink")));

        var big = new byte[50_000];
        var truncated = repo.WriteContent(header, new MemoryStream(big), big.Length);
        var path = repo.ObjectPath(truncated, ObjectType.File);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..40]);
        var e = Assert.Throws<OstreeException>(() => repo.TryReadArchiveContent(truncated, 100_000, (_, _) => { }));
        Assert.Contains(truncated.ToString(), e.Message, StringComparison.Ordinal);
        var missing = Checksum.Of("nothing"u8);
        Assert.Throws<OstreeException>(() => repo.TryReadArchiveContent(missing, 100_000, (_, _) => { }));
        Assert.False(Repository.Create(tmp["b"], RepoMode.BareUser).TryReadArchiveContent(missing, 100_000, (_, _) => { }));
    }

    [Theory]
    [InlineData(RepoMode.BareUser)]
    [InlineData(RepoMode.Archive)]
    public void Archive_objects_held_in_memory_are_imported_only_when_they_hash_right(RepoMode mode)
    {
        using var tmp = new TempDir();
        var src = Repository.Create(tmp["src"], RepoMode.Archive);
        var repo = Repository.Create(tmp["r"], mode);
        var header = new FileHeader(1234, 5678, 0x81ED, "", [new Xattr("user.a"u8.ToArray(), "1"u8.ToArray())]);
        foreach (var size in new[] { 0, 9_000, Repository.SmallContentLimit + 1, Repository.WholeObjectLimit + 1 })
        {
            var data = new byte[size];
            new Random(size).NextBytes(data);
            var c = src.WriteContent(header, new MemoryStream(data), size);
            var filez = File.ReadAllBytes(src.ObjectPath(c, ObjectType.File));
            // In the middle of a larger (pooled) buffer, as a pull hands it over.
            var buffer = new byte[filez.Length + 10];
            filez.CopyTo(buffer, 3);
            Assert.Equal(size, repo.ImportArchiveContent(new ArraySegment<byte>(buffer, 3, filez.Length), c));
            var stored = repo.OpenContent(c);
            Assert.Equal(0x81ED, (int)stored.Header.Mode);
            using (var read = stored.OpenData())
            {
                var back = new MemoryStream();
                read.CopyTo(back);
                Assert.Equal(data, back.ToArray());
            }
            if (mode == RepoMode.Archive)
                Assert.Equal(filez, File.ReadAllBytes(repo.ObjectPath(c, ObjectType.File)));
            if (size == 0)
                continue;

            // A flipped content byte: refused naming both checksums, nothing stored.
            var other = Checksum.Of(BitConverter.GetBytes(size));
            var e = Assert.Throws<OstreeException>(() => repo.ImportArchiveContent(new ArraySegment<byte>(filez), other));
            Assert.Contains($"expected='{other}'", e.Message, StringComparison.Ordinal);
            Assert.False(repo.HasObject(other, ObjectType.File));
            // Compressed data cut short, and a header length beyond the object.
            e = Assert.Throws<OstreeException>(() => repo.ImportArchiveContent(new ArraySegment<byte>(filez, 0, filez.Length - 20), other));
            Assert.Contains($"Corrupted file object {other}", e.Message, StringComparison.Ordinal);
            var badLength = (byte[])filez.Clone();
            badLength[0] = 0x7F;
            e = Assert.Throws<OstreeException>(() => repo.ImportArchiveContent(new ArraySegment<byte>(badLength), other));
            Assert.Contains("header length", e.Message, StringComparison.Ordinal);
            Assert.False(repo.HasObject(other, ObjectType.File));
        }
    }

    [Theory]
    [InlineData(RepoMode.Bare)]
    [InlineData(RepoMode.BareUser)]
    [InlineData(RepoMode.BareUserOnly)]
    [InlineData(RepoMode.Archive)]
    public void Content_objects_round_trip_in_every_mode(RepoMode mode)
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["r"], mode);
        bool keepsOwner = mode is RepoMode.Bare or RepoMode.BareUser or RepoMode.Archive;
        uint uid = keepsOwner ? 1234u : 0, gid = keepsOwner ? 5678u : 0;
        IReadOnlyList<Xattr> xattrs = keepsOwner ? [new Xattr("user.a"u8.ToArray(), "1"u8.ToArray())] : Xattrs.None;

        foreach (var size in new[] { 0, 5, Repository.SmallContentLimit + 17 })
        {
            var data = new byte[size];
            new Random(size).NextBytes(data);
            var header = new FileHeader(uid, gid, 0x81ED, "", xattrs);
            var c = repo.WriteContent(header, new MemoryStream(data), size);
            var expected = Checksum.Of([.. FileHeader.LengthPrefixed(header.SerializeBare()), .. data]);
            Assert.Equal(expected, c);
            var obj = repo.OpenContent(c);
            Assert.Equal(header.Mode, obj.Header.Mode);
            Assert.Equal(uid, obj.Header.Uid);
            Assert.Equal(gid, obj.Header.Gid);
            Assert.True(Xattrs.SequenceEqual(xattrs, obj.Header.Xattrs));
            using var s = obj.OpenData();
            var back = new MemoryStream();
            s.CopyTo(back);
            Assert.Equal(data, back.ToArray());
        }

        var link = new FileHeader(uid, gid, 0xA1FF, "../some/target", Xattrs.None);
        var lc = repo.WriteContent(link, null, 0);
        var lo = repo.OpenContent(lc);
        Assert.True(lo.Header.IsSymlink);
        Assert.Equal("../some/target", lo.Header.SymlinkTarget);
    }

    [Fact]
    public void Wrong_expected_checksum_is_refused_and_nothing_is_stored()
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["r"], RepoMode.Archive);
        var header = new FileHeader(0, 0, 0x81A4, "", Xattrs.None);
        var wrong = Checksum.Of("x"u8);
        Assert.Throws<OstreeException>(() => repo.WriteContent(header, "data"u8, wrong));
        Assert.Empty(repo.ListAllObjects());
        // Nothing but the (empty) staging directory of this process and its lock file.
        Assert.DoesNotContain(Directory.EnumerateFiles(repo.TmpDir, "*", SearchOption.AllDirectories), p => !p.EndsWith("-lock", StringComparison.Ordinal));
    }

    [Fact]
    public void Refs_resolve_like_ostree()
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["r"], RepoMode.Archive);
        var tree = repo.WriteMetadata(ObjectType.DirTree, new DirTree([], []).Serialize());
        var meta = repo.WriteMetadata(ObjectType.DirMeta, new DirMeta(0, 0, 0x41ED, Xattrs.None).Serialize());
        var c1 = repo.WriteMetadata(ObjectType.Commit, new Commit([], null, "one", "", 1, tree, meta).Serialize());
        var c2 = repo.WriteMetadata(ObjectType.Commit, new Commit([], c1, "two", "", 2, tree, meta).Serialize());
        repo.SetRefImmediate(null, "os/stable", c2);
        repo.SetRefImmediate("origin", "os/stable", c1);

        Assert.Equal(c2, repo.ResolveRev("os/stable"));
        Assert.Equal(c1, repo.ResolveRev("os/stable^"));
        Assert.Equal(c1, repo.ResolveRev("origin:os/stable"));
        Assert.Equal(c2, repo.ResolveRev(c2.ToString()));
        Assert.Equal(c2, repo.ResolveRev(c2.ToString()[..12]));
        Assert.Null(repo.ResolveRev("nosuch", allowMissing: true));
        var e = Assert.Throws<OstreeException>(() => repo.ResolveRev("nosuch"));
        Assert.Contains("nosuch", e.Message, StringComparison.Ordinal);
        Assert.Throws<OstreeException>(() => repo.ResolveRev("os/stable^^"));
        Assert.Equal(["origin:os/stable", "os/stable"], repo.ListRefs().Select(r => r.Refspec));
        Assert.Equal(c2 + "\n", File.ReadAllText(Path.Combine(repo.Path, "refs/heads/os/stable")), ignoreLineEndingDifferences: false);
        Assert.Throws<OstreeException>(() => repo.SetRefImmediate(null, "../escape", c1));
        Assert.Throws<OstreeException>(() => repo.SetRefImmediate(null, "a//b", c1));
    }

    [Fact]
    public void Exclusive_lock_excludes_shared_until_released()
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["r"], RepoMode.Archive);
        var other = Repository.Open(tmp["r"]);
        using (RepoLock.Acquire(repo, exclusive: true))
        {
            var e = Assert.Throws<OstreeException>(() => RepoLock.Acquire(other, exclusive: false, TimeSpan.FromMilliseconds(100)));
            Assert.Contains(".lock", e.Message, StringComparison.Ordinal);
        }
        using (RepoLock.Acquire(other, exclusive: false))
        using (RepoLock.Acquire(repo, exclusive: false))
        {
            Assert.Throws<OstreeException>(() => RepoLock.Acquire(Repository.Open(tmp["r"]), exclusive: true, TimeSpan.FromMilliseconds(100)));
        }
    }

    [Fact]
    public void Key_file_edits_keep_the_rest_of_the_file()
    {
        const string text = "# comment\n[core]\nrepo_version=1\nmode=bare\n\n[remote \"origin\"]\nurl=http://example.com/repo\ngpg-verify=false\n";
        var kf = KeyFile.Parse(text);
        Assert.Equal("http://example.com/repo", kf.Get("remote \"origin\"", "url"));
        Assert.False(kf.GetBool("remote \"origin\"", "gpg-verify", true));
        Assert.Equal(text, kf.ToString());
        kf.Set("core", "fsync", "false");
        kf.Remove("remote \"origin\"", "gpg-verify");
        Assert.Equal("# comment\n[core]\nrepo_version=1\nmode=bare\nfsync=false\n\n[remote \"origin\"]\nurl=http://example.com/repo\n", kf.ToString());
        Assert.Throws<OstreeException>(() => KeyFile.Parse("key=value\n"));
        Assert.Equal("a b\\c", KeyFile.Parse(KeyFileRoundTrip("a b\\c")).Get("g", "k"));
    }

    private static string KeyFileRoundTrip(string value)
    {
        var kf = new KeyFile();
        kf.Set("g", "k", value);
        return Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(kf.ToString()));
    }
}
