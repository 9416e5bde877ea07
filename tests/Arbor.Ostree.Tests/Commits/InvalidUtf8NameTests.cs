using System.Runtime.InteropServices;
using System.Text;
using Arbor.Ostree.Checkout;
using Arbor.Ostree.Commits;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Commits;

// File names that are not UTF-8 are refused wherever they enter or leave a tree (ostree's
// "Invalid UTF-8 in filename"): decoding them would turn each bad byte into U+FFFD, so that the
// commit (or the checkout) would hold other names than the source, and two names could become one.
public sealed partial class InvalidUtf8NameTests : IDisposable
{
    private readonly TempDir _tmp = new();

    // .NET cannot delete a name it cannot decode.
    public void Dispose()
    {
        System.Diagnostics.Process.Start("rm", ["-rf", _tmp.Path])!.WaitForExit();
        _tmp.Dispose();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int symlink(byte[] target, byte[] linkPath);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mkdir(byte[] path, uint mode);

    private static byte[] Z(string path, params byte[] tail) => [.. Encoding.UTF8.GetBytes(path), .. tail, 0];

    private static void Symlink(byte[] target, byte[] link) =>
        Assert.True(symlink(target, link) == 0, $"symlink failed: errno {Marshal.GetLastPInvokeError()}");

    private static MutableTree CommitDir(Repository repo, string dir)
    {
        var mtree = new MutableTree();
        new DirectoryImporter(repo, new CommitModifier { SkipXattrs = true }).Import(dir, mtree);
        return mtree;
    }

    [Fact]
    public void Commit_from_a_directory_refuses_names_that_are_not_utf8()
    {
        var tmp = _tmp;
        var repo = Repository.Create(tmp["repo"], RepoMode.Archive);
        var src = tmp["src"];
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "ok"), "x");
        // Two names .NET would both show as "a\uFFFDb".
        Symlink(Z("ok"), Z(src + "/a", 0xff, (byte)'b'));
        Symlink(Z("ok"), Z(src + "/a", 0xfe, (byte)'b'));
        var e = Assert.Throws<OstreeException>(() => CommitDir(repo, src));
        Assert.Matches(@"^Invalid UTF-8 in filename .*/src/a\\x(ff|fe)b$", e.Message);

        // The same for a directory, deeper down.
        var src2 = tmp["src2"];
        Directory.CreateDirectory(Path.Combine(src2, "sub"));
        Assert.Equal(0, mkdir(Z(src2 + "/sub/d", 0xc3, 0x28), 0x1ED));
        e = Assert.Throws<OstreeException>(() => CommitDir(repo, src2));
        Assert.EndsWith("/src2/sub/d\\xc3(", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_real_replacement_character_in_a_name_is_kept()
    {
        var tmp = _tmp;
        var repo = Repository.Create(tmp["repo"], RepoMode.Archive);
        var src = tmp["src"];
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "a\uFFFDb"), "x");
        Assert.Equal(["a\uFFFDb"], CommitDir(repo, src).Files.Keys);
    }

    [Fact]
    public void Commit_from_a_directory_refuses_a_symlink_target_that_is_not_utf8()
    {
        var tmp = _tmp;
        var repo = Repository.Create(tmp["repo"], RepoMode.Archive);
        var src = tmp["src"];
        Directory.CreateDirectory(src);
        Symlink(Z("t", 0xff), Z(src + "/l"));
        var e = Assert.Throws<OstreeException>(() => CommitDir(repo, src));
        Assert.EndsWith("/src/l': t\\xff", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("Invalid UTF-8 in the symbolic link target of", e.Message, StringComparison.Ordinal);
    }

    private static byte[] TarHeader(byte[] name, char type, long size, byte[]? link = null)
    {
        var h = new byte[512];
        name.CopyTo(h, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(h, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 116);
        Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(h, 124);
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(h, 136);
        h[156] = (byte)type;
        link?.CopyTo(h, 157);
        "ustar\0"u8.CopyTo(h.AsSpan(257));
        "00"u8.CopyTo(h.AsSpan(263));
        long sum = 8 * ' ';
        for (int i = 0; i < 512; i++)
            sum += i is >= 148 and < 156 ? 0 : h[i];
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
        return h;
    }

    private static void ImportTar(Repository repo, params byte[][] blocks) =>
        TarImporter.Import(repo, new MemoryStream([.. blocks.SelectMany(b => b), .. new byte[1024]]), new MutableTree(), new CommitModifier(), autocreateParents: true);

    [Fact]
    public void Commit_from_a_tar_refuses_names_and_link_targets_that_are_not_utf8()
    {
        var tmp = _tmp;
        var repo = Repository.Create(tmp["repo"], RepoMode.Archive);
        var e = Assert.Throws<OstreeException>(() => ImportTar(repo, TarHeader([(byte)'d', (byte)'/', (byte)'a', 0xff, (byte)'b'], '0', 0)));
        Assert.Equal("Invalid UTF-8 in filename d/a\\xffb", e.Message);

        // A PAX path record is checked as it is, before the reader decodes it.
        byte[] record = [.. "14 path=x"u8, 0xff, 0xfe, .. "yz\n"u8];
        var paxData = new byte[512];
        record.CopyTo(paxData, 0);
        e = Assert.Throws<OstreeException>(() => ImportTar(repo, TarHeader("PaxHeaders/x"u8.ToArray(), 'x', record.Length), paxData, TarHeader("x"u8.ToArray(), '0', 0)));
        Assert.Equal("Invalid UTF-8 in filename x\\xff\\xfeyz", e.Message);

        e = Assert.Throws<OstreeException>(() => ImportTar(repo, TarHeader("l"u8.ToArray(), '2', 0, [(byte)'t', 0xff])));
        Assert.Equal("Invalid UTF-8 in the symbolic link target of 'l': t\\xff", e.Message);
        Assert.DoesNotContain(repo.ListAllObjects(), o => o.Type == ObjectType.DirTree);
    }

    [Fact]
    public void Reading_a_dirtree_with_a_name_that_is_not_utf8_fails_checkout_ls_and_fsck()
    {
        var tmp = _tmp;
        var repo = Repository.Create(tmp["repo"], RepoMode.Archive);
        var file = repo.WriteContent(new FileHeader(0, 0, 0x81A4, "", Xattrs.None), new MemoryStream("x"u8.ToArray()), 1);
        var bytes = new DirTree([new DirTreeFile("aXb", file), new DirTreeFile("aYb", file)], []).Serialize();
        // "aXb" and "aYb" made into a\xffb and a\xfeb: decoded, both would be a\uFFFDb.
        bytes[bytes.AsSpan().IndexOf("aXb"u8) + 1] = 0xff;
        bytes[bytes.AsSpan().IndexOf("aYb"u8) + 1] = 0xfe;
        var tree = repo.WriteMetadata(ObjectType.DirTree, bytes);
        var meta = repo.WriteMetadata(ObjectType.DirMeta, new DirMeta(0, 0, 0x41ED, Xattrs.None).Serialize());
        var commit = repo.WriteMetadata(ObjectType.Commit, new Commit([], null, "s", "", 1, tree, meta).Serialize());

        var e = Assert.Throws<OstreeException>(() => repo.LoadDirTree(tree));
        Assert.Equal($"Corrupted dirtree object {tree}: Invalid UTF-8 in filename a\\xffb", e.Message);
        Assert.Throws<OstreeException>(() => TreeCheckout.Run(repo, commit, tmp["out"], new CheckoutOptions()));
        Assert.False(File.Exists(Path.Combine(tmp["out"], "a\uFFFDb")));
        Assert.Throws<OstreeException>(() => RepoFile.ForCommit(repo, commit).EnumerateChildren().ToList());

        var errors = new List<string>();
        var fsck = Record.Exception(() => Fsck.FsckLines.Run(repo, new FsckOptions { All = true }, [], errors));
        Assert.IsType<OstreeException>(fsck);
        Assert.Contains(errors.Append(fsck.Message), m => m.Contains("Invalid UTF-8 in filename a\\xffb", StringComparison.Ordinal));
    }
}
