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

    private static MemoryStream Tar(params TarEntry[] entries)
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var e in entries)
                w.WriteEntry(e);
        }
        ms.Position = 0;
        return ms;
    }

    private static PaxTarEntry TarFileEntry(string name, string text) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)) };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_tar_entry_does_not_replace_an_entry_of_another_type(bool autocreate)
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["repo"], RepoMode.Archive);
        void Refused(string message, params TarEntry[] entries) =>
            Assert.Equal(message, Assert.Throws<OstreeException>(() =>
                TarImporter.Import(repo, Tar(entries), new MutableTree(), new CommitModifier(), autocreate)).Message);

        // A file over a directory would drop everything under it.
        Refused("Can't replace directory with file: d/a",
            new PaxTarEntry(TarEntryType.Directory, "d/"), new PaxTarEntry(TarEntryType.Directory, "d/a/"), TarFileEntry("d/a/b", "x"), TarFileEntry("d/a", "y"));
        Refused("Can't replace directory with file: a",
            new PaxTarEntry(TarEntryType.Directory, "a/"), new PaxTarEntry(TarEntryType.SymbolicLink, "a") { LinkName = "t" });
        Refused("Can't replace file with directory: a",
            TarFileEntry("a", "y"), new PaxTarEntry(TarEntryType.Directory, "a/"));
        // A symlink (or file) is never turned into the directory a later entry needs.
        Refused("Can't replace file with directory: lnk",
            new PaxTarEntry(TarEntryType.SymbolicLink, "lnk") { LinkName = "target" }, TarFileEntry("lnk/x", "x"));

        // A later file still replaces an earlier file.
        var tree = new MutableTree();
        TarImporter.Import(repo, Tar(TarFileEntry("f", "one"), TarFileEntry("f", "two")), tree, new CommitModifier(), autocreate);
        Assert.Equal(repo.WriteContent(new FileHeader(0, 0, 0x81A4, "", Xattrs.None), new MemoryStream("two"u8.ToArray()), 3), tree.Files["f"]);
    }
}
