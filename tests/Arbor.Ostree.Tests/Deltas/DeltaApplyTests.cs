// Applying damaged static deltas offline: a superblock whose to-commit or target checksum was
// altered, and a part whose payload was altered (with its checksum in the superblock updated, so
// the damage reaches the object writer). Each apply must fail, store no commit, and leave only
// objects that hash to their names, so fsck finds the repository clean.
using Arbor.Ostree.Commits;
using Arbor.Ostree.Deltas;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Tests.Checkout;

namespace Arbor.Ostree.Tests.Deltas;

public sealed class DeltaApplyTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Repository _src;
    private readonly Checksum _commit;

    public DeltaApplyTests()
    {
        var tree = _dir["tree"];
        CheckoutTests.MakeTree(tree);
        _src = Repository.Create(_dir["src"], RepoMode.Archive);
        var mt = new MutableTree();
        new DirectoryImporter(_src, new CommitModifier().For(RepoMode.Archive)).Import(tree, mt);
        _commit = CommitWriter.WriteCommit(_src, mt, new CommitRequest { Timestamp = 1, Subject = "c" }, out _);
    }

    public void Dispose() => _dir.Dispose();

    private DeltaSuperblock Generate(string name) =>
        DeltaCompiler.Generate(_src, null, _commit, new DeltaGenerateOptions { Compress = false, Filename = _dir[name + "/superblock"] }).Superblock;

    private static void WriteSuperblock(string dir, DeltaSuperblock sb) => File.WriteAllBytes(Path.Combine(dir, "superblock"), sb.Serialize());

    /// <summary>Applies the delta in <paramref name="dir"/> to a fresh repository, expecting failure; returns the repository.</summary>
    private Repository ApplyFails(string dir, string expected)
    {
        var dest = Repository.Create(_dir[Path.GetFileName(dir) + "-dest"], RepoMode.BareUser);
        var e = Assert.Throws<OstreeException>(() => DeltaApplier.ApplyOffline(dest, dir));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        return dest;
    }

    /// <summary>No commit, and every stored object hashes to its name.</summary>
    private static void AssertNothingBad(Repository dest, DeltaSuperblock sb)
    {
        var listed = sb.Parts.SelectMany(p => p.Objects).ToHashSet();
        foreach (var name in dest.ListAllObjects())
        {
            Assert.NotEqual(ObjectType.Commit, name.Type);
            Assert.Contains(name, listed);
            Assert.Null(Arbor.Ostree.Repo.Fsck.VerifyObject(dest, name, out _));
        }
        Assert.Empty(Fsck.FsckLines.Problems(dest));
    }

    [Fact]
    public void DamagedToCommitInTheSuperblockStoresNothing()
    {
        var sb = Generate("commit");
        var bytes = sb.CommitBytes.ToArray();
        bytes[^40] ^= 0x01;
        WriteSuperblock(_dir["commit"], sb with { CommitBytes = bytes });
        var dest = ApplyFails(_dir["commit"], $"checksum expected='{_commit}'");
        Assert.Empty(dest.ListAllObjects());
    }

    [Fact]
    public void DamagedTargetChecksumInTheSuperblockStoresNoCommit()
    {
        var sb = Generate("to");
        var to = _commit.ToString();
        var flipped = Checksum.Parse((to[0] == '0' ? "1" : "0") + to[1..]);
        WriteSuperblock(_dir["to"], sb with { To = flipped });
        var dest = ApplyFails(_dir["to"], $"checksum expected='{flipped}' actual='{_commit}'");
        AssertNothingBad(dest, sb);
    }

    [Fact]
    public void DamagedMetadataInAPartIsNotStored()
    {
        var sb = Generate("part");
        // Flip a byte inside the root dirtree as the part carries it, and give the superblock the part's new checksum.
        var root = _src.LoadCommit(_commit).RootTree;
        var treeBytes = _src.LoadMetadataBytes(root, ObjectType.DirTree);
        var partPath = _dir["part/0"];
        var part = File.ReadAllBytes(partPath);
        int at = part.AsSpan().IndexOf(treeBytes);
        Assert.True(at > 0, "the root dirtree is in part 0");
        part[at + treeBytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(partPath, part);
        var header = sb.Parts[0] with { Checksum = Checksum.Of(part) };
        WriteSuperblock(_dir["part"], sb with { Parts = [header, .. sb.Parts.Skip(1)] });
        var dest = ApplyFails(_dir["part"], $"checksum expected='{root}'");
        AssertNothingBad(dest, sb);
    }
}
