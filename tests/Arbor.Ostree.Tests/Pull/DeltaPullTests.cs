// Static-delta pulls over file:// (deltas are used there only with --require-static-deltas, as in
// ostree; parts are left uncompressed except in the first test, to keep these quick): the scratch delta for a first pull and the from-delta for an update, inline parts,
// fallback objects fetched loose, the rules for choosing or refusing a delta (a ref we already
// have never takes a scratch delta; archive destinations and file:// without --require use
// objects), a superblock that does not match its listed digest, the commit verifier on the delta
// path, and a dry run that writes nothing.
using Arbor.Ostree.Commits;
using Arbor.Ostree.Deltas;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Pull;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Tests.Checkout;

namespace Arbor.Ostree.Tests.Pull;

public sealed class DeltaPullTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Repository _src;
    private readonly Checksum _first, _second;

    public DeltaPullTests()
    {
        var tree = _dir["tree"];
        CheckoutTests.MakeTree(tree);
        _src = Repository.Create(_dir["src"], RepoMode.Archive);
        _first = Commit(tree, null, 1);
        File.WriteAllText(Path.Combine(tree, "added"), new string('n', 20_000));
        var big = File.ReadAllBytes(Path.Combine(tree, "sub/big.bin"));
        big[1000] ^= 1;
        File.WriteAllBytes(Path.Combine(tree, "sub/big.bin"), big);
        _second = Commit(tree, _first, 2);
        _src.SetRefImmediate(null, "main", _second);
    }

    public void Dispose() => _dir.Dispose();

    private Checksum Commit(string tree, Checksum? parent, ulong timestamp)
    {
        var mt = new MutableTree();
        new DirectoryImporter(_src, new CommitModifier().For(RepoMode.Archive)).Import(tree, mt);
        return CommitWriter.WriteCommit(_src, mt, new CommitRequest { Timestamp = timestamp, Parent = parent, Subject = "c" + timestamp }, out _);
    }

    private DeltaGenerateResult Delta(Checksum? from, Checksum to, DeltaGenerateOptions? options = null) =>
        DeltaCompiler.Generate(_src, from, to, options ?? new DeltaGenerateOptions { Compress = false });

    private void Publish()
    {
        Arbor.Ostree.Repo.Summary.Generate(_src).WriteTo(_src);
        DeltaIndexes.Reindex(_src, null);
    }

    private Repository Dest(RepoMode mode = RepoMode.BareUser, bool gpgVerify = false)
    {
        var repo = Repository.Create(_dir["dest"], mode);
        Remotes.Add(repo, "origin", "file://" + _src.Path, [], [new("gpg-verify", gpgVerify ? "true" : "false")], ifNotExists: false, force: false);
        return repo;
    }

    private static async Task<PullResult> Pull(Repository dest, string refspec, bool require = true, bool dryRun = false,
        Func<Repository, Checksum, byte[], byte[]?, string?>? verifier = null)
    {
        using var engine = new PullEngine(dest, Remotes.Get(dest, "origin"), new PullOptions { Refs = [refspec], RequireStaticDeltas = require, DryRun = dryRun })
        {
            CommitVerifier = verifier,
        };
        return await engine.RunAsync();
    }

    private static void AssertFsckClean(Repository repo) => Assert.Empty(Fsck.FsckLines.Problems(repo));

    [Fact]
    public async Task First_pull_takes_the_scratch_delta_and_the_update_the_from_delta()
    {
        Delta(null, _first);
        Delta(_first, _second, new DeltaGenerateOptions());
        Publish();
        var dest = Dest();

        var first = await Pull(dest, "main@" + _first);
        Assert.Equal(_first, dest.ResolveRev("origin:main"));
        Assert.Equal(0, first.ContentFetched);
        Assert.True(first.Delta.PartsFetched > 0);
        Assert.True(first.Delta.PartsFetched > 0);

        var update = await Pull(dest, "main");
        Assert.Equal(_second, dest.ResolveRev("origin:main"));
        Assert.Equal(0, update.ContentFetched);
        Assert.Equal(update.Delta.PartsTotal, update.Delta.PartsFetched);
        Assert.False(File.Exists(Path.Combine(dest.Path, "state", _second + ".commitpartial")));
        AssertFsckClean(dest);
    }

    [Fact]
    public async Task Inline_parts_and_fallback_objects()
    {
        Delta(null, _second, new DeltaGenerateOptions { Inline = true, MinFallbackSize = 100_000, Compress = false });
        Publish();
        var sb = DeltaApplier.OpenSuperblock(Path.Combine(_src.Path, Repository.StaticDeltaRelativeDir(null, _second))).Superblock;
        Assert.NotEmpty(sb.Fallbacks);
        var dest = Dest();

        var r = await Pull(dest, "main");
        Assert.Equal(_second, dest.ResolveRev("origin:main"));
        Assert.Equal(sb.Fallbacks.Count, r.ContentFetched);
        Assert.Equal(sb.Fallbacks.Count, r.Delta.FallbacksFetched);
        AssertFsckClean(dest);
    }

    [Fact]
    public async Task A_ref_we_have_never_takes_a_scratch_delta()
    {
        Delta(null, _first);
        Delta(null, _second);
        Publish();
        var dest = Dest();
        await Pull(dest, "main@" + _first);

        // As in ostree, even --require-static-deltas then fetches objects: the ref is likely only a
        // few commits behind, so a whole image would cost more.
        var r = await Pull(dest, "main");
        Assert.Equal(0, r.Delta.PartsTotal);
        Assert.True(r.ContentFetched > 0);
        Assert.Equal(_second, dest.ResolveRev("origin:main"));
        AssertFsckClean(dest);
    }

    [Fact]
    public async Task Without_require_file_urls_and_archive_destinations_fetch_objects()
    {
        Delta(null, _second);
        Publish();
        var r = await Pull(Dest(), "main", require: false);
        Assert.Equal(0, r.Delta.PartsTotal);
        Assert.True(r.ContentFetched > 0);

        Directory.Delete(_dir["dest"], recursive: true);
        var archive = Dest(RepoMode.Archive);
        var e = await Assert.ThrowsAsync<OstreeException>(() => Pull(archive, "main"));
        Assert.Equal("Can't use static deltas in an archive repo", e.Message);
        Assert.Equal(0, (await Pull(archive, "main", require: false)).Delta.PartsTotal);
    }

    [Fact]
    public async Task Require_without_a_delta_fails_and_writes_nothing()
    {
        // A summary that neither lists deltas nor announces indexes (as older ostree wrote them).
        var full = Arbor.Ostree.Repo.Summary.Generate(_src);
        (full with { Metadata = full.Metadata.Where(kv => kv.Key != "ostree.summary.indexed-deltas").ToList() }).WriteTo(_src);
        var dest = Dest();
        var e = await Assert.ThrowsAsync<OstreeException>(() => Pull(dest, "main"));
        Assert.Equal("Fetch configured to require static deltas, but no summary deltas or delta index found", e.Message);

        // An indexed remote without an index for the commit.
        full.WriteTo(_src);
        e = await Assert.ThrowsAsync<OstreeException>(() => Pull(dest, "main"));
        Assert.Equal($"Static deltas required, but none found for main to {_second}", e.Message);
        Assert.False(dest.HasObject(_second, ObjectType.Commit));
        Assert.Null(dest.ResolveRev("origin:main", allowMissing: true));
    }

    [Fact]
    public async Task Superblock_not_matching_its_listed_digest_is_refused()
    {
        Delta(null, _second);
        Publish();
        // Regenerating changes the superblock (inline parts) but not the summary or the index.
        Delta(null, _second, new DeltaGenerateOptions { Inline = true, Compress = false });
        var dest = Dest();
        var e = await Assert.ThrowsAsync<OstreeException>(() => Pull(dest, "main"));
        Assert.Equal($"Invalid checksum for static delta {_second}", e.Message);
        Assert.Null(dest.ResolveRev("origin:main", allowMissing: true));
        Assert.False(dest.HasObject(_second, ObjectType.Commit));
    }

    [Fact]
    public async Task The_commit_verifier_sees_the_delta_commit_before_anything_is_written()
    {
        Delta(null, _second);
        Publish();
        var dest = Dest(gpgVerify: true);
        var seen = new List<Checksum>();
        var e = await Assert.ThrowsAsync<OstreeException>(() => Pull(dest, "main", verifier: (_, c, bytes, detached) =>
        {
            seen.Add(c);
            Assert.Equal(c, Checksum.Of(bytes));
            Assert.Null(detached);
            return "no valid signature";
        }));
        Assert.Equal($"Commit {_second}: no valid signature", e.Message);
        Assert.Equal([_second], seen);
        Assert.False(dest.HasObject(_second, ObjectType.Commit));
        Assert.Null(dest.ResolveRev("origin:main", allowMissing: true));

        await Pull(dest, "main", verifier: (_, _, _, _) => null);
        Assert.Equal(_second, dest.ResolveRev("origin:main"));
    }

    [Fact]
    public async Task Dry_run_measures_and_writes_nothing()
    {
        Delta(null, _second);
        Publish();
        var dest = Dest();
        var r = await Pull(dest, "main", dryRun: true);
        var sb = DeltaApplier.OpenSuperblock(Path.Combine(_src.Path, Repository.StaticDeltaRelativeDir(null, _second))).Superblock;
        Assert.Equal(sb.Parts.Count, r.Delta.PartsTotal);
        Assert.Equal(0, r.Delta.PartsFetched);
        Assert.Equal(sb.Fallbacks.Count, r.Delta.FallbacksTotal);
        Assert.Equal(0UL, r.Delta.FetchedSize);
        Assert.False(dest.HasObject(_second, ObjectType.Commit));
        Assert.Null(dest.ResolveRev("origin:main", allowMissing: true));
    }
}
