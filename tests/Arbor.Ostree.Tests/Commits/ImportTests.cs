using System.Formats.Tar;
using Arbor.Native;
using Arbor.Ostree.Commits;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Commits;

public class ImportTests
{
    private static (Checksum Tree, Checksum Meta) CommitDir(Repository repo, string dir, CommitModifier? modifier = null)
    {
        var mtree = new MutableTree();
        new DirectoryImporter(repo, modifier ?? new CommitModifier { SkipXattrs = true }).Import(dir, mtree);
        return mtree.Write(repo, CommitWriter.WriteDefaultDirMeta(repo));
    }

    private static void MakeTree(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "usr/bin"));
        Directory.CreateDirectory(Path.Combine(root, "empty"));
        File.WriteAllText(Path.Combine(root, "usr/bin/tool"), "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(Path.Combine(root, "usr/bin/tool"), (UnixFileMode)0x1ED);
        File.WriteAllText(Path.Combine(root, "ünïcødé"), "x");
        File.CreateSymbolicLink(Path.Combine(root, "usr/link"), "bin/tool");
        LibC.Link(Path.Combine(root, "usr/bin/tool"), Path.Combine(root, "usr/bin/tool-hardlink"));
        foreach (var d in new[] { root, Path.Combine(root, "usr"), Path.Combine(root, "usr/bin"), Path.Combine(root, "empty") })
            File.SetUnixFileMode(d, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(Path.Combine(root, "ünïcødé"), (UnixFileMode)0x1A4);
    }

    [Fact]
    public void Tar_of_a_tree_commits_to_the_same_root_as_the_tree()
    {
        using var tmp = new TempDir();
        MakeTree(tmp["src"]);
        var repo = Repository.Create(tmp["repo"], RepoMode.Archive);
        var fromDir = CommitDir(repo, tmp["src"], new CommitModifier { SkipXattrs = true, OwnerUid = 0, OwnerGid = 0 });

        var tarPath = tmp["t.tar"];
        using (var fs = File.Create(tarPath))
            TarFile.CreateFromDirectory(tmp["src"], fs, includeBaseDirectory: false);
        // TarFile does not record the root directory itself; the importer's default root is 0755 root:root.
        var mtree = new MutableTree();
        using (var fs = File.OpenRead(tarPath))
            TarImporter.Import(repo, fs, mtree, new CommitModifier { SkipXattrs = true, OwnerUid = 0, OwnerGid = 0 }, autocreateParents: false);
        var fromTar = mtree.Write(repo, CommitWriter.WriteDefaultDirMeta(repo));
        Assert.Equal(fromDir.Tree, fromTar.Tree);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../b")]
    public void Tar_with_escaping_paths_is_refused_and_nothing_is_written_outside(string name)
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["repo"], RepoMode.BareUser);
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            var e = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream("evil"u8.ToArray()) };
            w.WriteEntry(e);
        }
        ms.Position = 0;
        var ex = Assert.Throws<OstreeException>(() => TarImporter.Import(repo, ms, new MutableTree(), new CommitModifier(), autocreateParents: true));
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(tmp["escape"]));
        Assert.Empty(repo.ListAllObjects());
    }

    [Fact]
    public void Fifo_in_a_tree_is_refused_naming_it()
    {
        using var tmp = new TempDir();
        MakeTree(tmp["src"]);
        LibC.Mknod(tmp["src/usr/fifo"], UnixMode.S_IFIFO | 0x1A4, 0, 0);
        var repo = Repository.Create(tmp["repo"], RepoMode.Archive);
        var e = Assert.Throws<OstreeException>(() => CommitDir(repo, tmp["src"]));
        Assert.Contains("usr/fifo", e.Message, StringComparison.Ordinal);
        Assert.Contains("FIFO", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hard_links_share_one_object_and_canonical_permissions_mask_modes()
    {
        using var tmp = new TempDir();
        MakeTree(tmp["src"]);
        File.SetUnixFileMode(tmp["src/usr/bin/tool"], (UnixFileMode)0xFED);
        var repo = Repository.Create(tmp["repo"], RepoMode.BareUserOnly);
        var mtree = new MutableTree();
        var importer = new DirectoryImporter(repo, new CommitModifier());
        importer.Import(tmp["src"], mtree);
        var bin = mtree.Dirs["usr"].Dirs["bin"];
        Assert.Equal(bin.Files["tool"], bin.Files["tool-hardlink"]);
        var obj = repo.OpenContent(bin.Files["tool"]);
        Assert.Equal(0x81EDu, obj.Header.Mode);
        Assert.Equal(0u, obj.Header.Uid);
    }

    [Fact]
    public void Layering_a_second_tree_replaces_files_and_keeps_the_rest()
    {
        using var tmp = new TempDir();
        MakeTree(tmp["src"]);
        Directory.CreateDirectory(tmp["overlay/usr/bin"]);
        File.WriteAllText(tmp["overlay/usr/bin/tool"], "replaced");
        var repo = Repository.Create(tmp["repo"], RepoMode.Archive);
        var mtree = new MutableTree();
        var importer = new DirectoryImporter(repo, new CommitModifier { SkipXattrs = true });
        importer.Import(tmp["src"], mtree);
        var before = mtree.Dirs["usr"].Dirs["bin"].Files["tool"];
        importer.Import(tmp["overlay"], mtree);
        var bin = mtree.Dirs["usr"].Dirs["bin"];
        Assert.NotEqual(before, bin.Files["tool"]);
        Assert.Equal(before, bin.Files["tool-hardlink"]);
        Assert.True(mtree.Dirs.ContainsKey("empty"));
    }
}
