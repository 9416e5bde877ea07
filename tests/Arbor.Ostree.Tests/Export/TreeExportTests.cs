// TreeExport read back by TarImporter: a commit exported and committed again gives the same root
// dirtree and dirmeta, so every name, mode, owner, link target and byte came through. Also the
// archive's shape (names, prefix, subpath) and the errors for a missing or non-directory subpath.
using System.Formats.Tar;
using Arbor.Native;
using Arbor.Ostree.Commits;
using Arbor.Ostree.Export;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Export;

public class TreeExportTests
{
    private static Checksum CommitTree(Repository repo, string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "usr/bin"));
        Directory.CreateDirectory(Path.Combine(root, "empty"));
        File.WriteAllText(Path.Combine(root, "usr/bin/tool"), "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(Path.Combine(root, "usr/bin/tool"), (UnixFileMode)0x1ED);
        File.WriteAllBytes(Path.Combine(root, "usr/big"), Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7 + (i >> 11))).ToArray());
        File.WriteAllText(Path.Combine(root, "ünïcødé"), "x");
        File.WriteAllText(Path.Combine(root, new string('n', 180)), "long name");
        File.CreateSymbolicLink(Path.Combine(root, "usr/link"), "bin/tool");
        File.CreateSymbolicLink(Path.Combine(root, "long-link"), "/" + new string('t', 150));
        LibC.Link(Path.Combine(root, "usr/bin/tool"), Path.Combine(root, "usr/bin/tool-hardlink"));
        foreach (var d in new[] { root, Path.Combine(root, "usr"), Path.Combine(root, "usr/bin"), Path.Combine(root, "empty") })
            File.SetUnixFileMode(d, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(Path.Combine(root, "empty"), (UnixFileMode)0x1C0);
        var mtree = new MutableTree();
        new DirectoryImporter(repo, new CommitModifier { SkipXattrs = true, OwnerUid = 0, OwnerGid = 0 }).Import(root, mtree);
        return CommitWriter.WriteCommit(repo, mtree, new CommitRequest { Timestamp = 1_600_000_000, Subject = "export" }, out _);
    }

    private static MemoryStream Export(Repository repo, Checksum commit, ExportOptions options)
    {
        var ms = new MemoryStream();
        TreeExport.Export(repo, commit, ms, options);
        ms.Position = 0;
        return ms;
    }

    private static List<TarEntry> Entries(Stream tar)
    {
        using var reader = new TarReader(tar, leaveOpen: true);
        var list = new List<TarEntry>();
        while (reader.GetNextEntry() is { } e)
            list.Add(e);
        return list;
    }

    [Theory]
    [InlineData(RepoMode.Archive)]
    [InlineData(RepoMode.BareUser)]
    public void Export_read_back_by_the_tar_importer_is_the_same_tree(RepoMode mode)
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["repo"], mode);
        var commit = CommitTree(repo, tmp["src"]);
        var original = repo.LoadCommit(commit);

        using var tar = Export(repo, commit, new ExportOptions());
        var mtree = new MutableTree();
        TarImporter.Import(repo, tar, mtree, new CommitModifier { SkipXattrs = true }, autocreateParents: false);
        var (tree, meta) = mtree.Write(repo, CommitWriter.WriteDefaultDirMeta(repo));
        Assert.Equal(original.RootTree, tree);
        Assert.Equal(original.RootMeta, meta);
    }

    [Fact]
    public void Names_are_relative_with_the_prefix_and_files_come_before_directories()
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["repo"], RepoMode.Archive);
        var commit = CommitTree(repo, tmp["src"]);

        var names = Entries(Export(repo, commit, new ExportOptions { Subpath = "/usr", Prefix = "p/" })).Select(e => e.Name);
        Assert.Equal(["p/", "p/big", "p/link", "p/bin/", "p/bin/tool", "p/bin/tool-hardlink"], names);
        var root = Entries(Export(repo, commit, new ExportOptions()));
        Assert.Equal("./", root[0].Name);
        Assert.All(root, e => Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_600_000_000), e.ModificationTime));
        Assert.Equal((UnixFileMode)0x1C0, root.Single(e => e.Name == "empty/").Mode);
    }

    [Fact]
    public void A_missing_or_file_subpath_is_refused_after_the_end_marker()
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["repo"], RepoMode.Archive);
        var commit = CommitTree(repo, tmp["src"]);

        var output = new MemoryStream();
        var missing = Assert.Throws<RepoFileNotFoundException>(() => TreeExport.Export(repo, commit, output, new ExportOptions { Subpath = "nope" }));
        Assert.Equal("No such file or directory: /nope", missing.Message);
        Assert.Equal(1024, output.Length);
        var file = Assert.Throws<OstreeException>(() => TreeExport.Export(repo, commit, new MemoryStream(), new ExportOptions { Subpath = "usr/big" }));
        Assert.Equal("Not a directory: /usr/big", file.Message);
    }
}
