using Arbor.Compose.Import;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Rpm.Package;

namespace Arbor.Compose.Tests.Import;

public class PackageImporterTests
{
    private static string Sample(Scratch s) => TestPackages.Build(s, "sample", "1.0", root =>
    {
        TestPackages.Write(root, "etc/sample.conf", "key=value\n");
        TestPackages.Write(root, "usr/bin/sample", "#!/bin/sh\n", (UnixFileMode)0x1ED);
        File.CreateSymbolicLink(Path.Combine(root, "usr/bin/sample-link"), "sample");
        TestPackages.Dir(root, "usr/share/sample", (UnixFileMode)0x16D);
        TestPackages.Write(root, "usr/share/sample/data", "data");
        TestPackages.Dir(root, "var/lib/sample", (UnixFileMode)0x1E8);
        TestPackages.Write(root, "var/log/sample.log", "log");
        File.CreateSymbolicLink(Path.Combine(root, "var/lib/sample/current"), "../sample");
        TestPackages.Write(root, "opt/sampleapp/bin/tool", "tool", (UnixFileMode)0x1ED);
    }, new(StringComparer.Ordinal) { ["/var/lib/sample/state"] = FileFlags.Ghost });

    private static Dictionary<string, (Checksum Checksum, bool IsDir)> List(Repository repo, Checksum commit)
    {
        var map = new Dictionary<string, (Checksum, bool)>(StringComparer.Ordinal);
        void Walk(Checksum tree, string prefix)
        {
            var dt = repo.LoadDirTree(tree);
            foreach (var f in dt.Files)
                map[prefix + "/" + f.Name] = (f.Checksum, false);
            foreach (var d in dt.Dirs)
            {
                map[prefix + "/" + d.Name] = (d.Meta, true);
                Walk(d.Tree, prefix + "/" + d.Name);
            }
        }
        Walk(repo.LoadCommit(commit).RootTree, "");
        return map;
    }

    private static string ReadFile(Repository repo, Checksum file)
    {
        using var data = repo.OpenContent(file).OpenData();
        return new StreamReader(data).ReadToEnd();
    }

    [Fact]
    public void A_package_becomes_a_commit_with_rpm_ostree_metadata()
    {
        using var s = new Scratch();
        var rpm = Sample(s);
        var repo = Repository.Create(s.Sub("repo"), RepoMode.BareUser);
        var r = PackageImporter.Import(repo, rpm);

        Assert.Equal("rpmostree/pkg/sample/1.0-1.noarch", r.Ref);
        Assert.Equal("sample-1.0-1.noarch", r.Nevra);
        Assert.False(r.AlreadyImported);
        Assert.Equal(r.Commit, repo.ResolveRev(r.Ref));
        var c = repo.LoadCommit(r.Commit);
        Assert.Null(c.Parent);
        Assert.Equal("", c.Subject);
        Assert.Equal("", c.Body);
        Assert.Equal((ulong)TestPackages.BuildTime, c.Timestamp);
        Assert.Equal("('sample-1.0-1.noarch', 'sample', uint64 0, '1.0', '1', 'noarch')", c.GetMetadata("rpmostree.nevra")!.Print(true));
        Assert.Equal(1u, (uint)((GVNumber)c.GetMetadata("rpmostree.unpack_version")!).Bits);
        Assert.Equal(6u, (uint)((GVNumber)c.GetMetadata("rpmostree.unpack_minor_version")!).Bits);

        using var pkg = RpmPackage.Open(rpm);
        var bytes = File.ReadAllBytes(rpm)[..(int)pkg.PayloadOffset];
        Assert.Equal(bytes, ((GVBytes)c.GetMetadata("rpmostree.metadata")!).Value.ToArray());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), ((GVString)c.GetMetadata("rpmostree.metadata_sha256")!).Value);
        Assert.Null(c.GetMetadata("rpmostree.repo"));
        Assert.Null(c.GetMetadata("rpmostree.nodocs"));
    }

    [Fact]
    public void Paths_follow_the_ostree_rules_and_var_becomes_tmpfiles()
    {
        using var s = new Scratch();
        var rpm = Sample(s);
        var repo = Repository.Create(s.Sub("repo"), RepoMode.BareUser);
        var r = PackageImporter.Import(repo, rpm);
        var tree = List(repo, r.Commit);

        Assert.Contains("/usr/etc/sample.conf", tree.Keys);
        Assert.Contains("/usr/lib/opt/sampleapp/bin/tool", tree.Keys);
        Assert.Contains("/usr/bin/sample-link", tree.Keys);
        Assert.DoesNotContain(tree.Keys, k => k.StartsWith("/var", StringComparison.Ordinal) || k.StartsWith("/etc", StringComparison.Ordinal) || k.StartsWith("/opt", StringComparison.Ordinal));
        Assert.DoesNotContain(tree.Keys, k => k.EndsWith("/state", StringComparison.Ordinal));

        var link = repo.OpenContent(tree["/usr/bin/sample-link"].Checksum);
        Assert.Equal("sample", link.Header.SymlinkTarget);
        // Every directory is writable by its owner, and files are root's.
        var share = repo.LoadDirMeta(tree["/usr/share/sample"].Checksum);
        Assert.Equal(0x41EDu, share.Mode);
        var bin = repo.OpenContent(tree["/usr/bin/sample"].Checksum);
        Assert.Equal(0x81EDu, bin.Header.Mode);
        Assert.Equal(0u, bin.Header.Uid);

        var conf = ReadFile(repo, tree["/usr/lib/rpm-ostree/tmpfiles.d/sample.conf"].Checksum);
        Assert.Equal(
            "L /opt/sampleapp - - - - ../../usr/lib/opt/sampleapp\n" +
            "d /var/lib 0755 root root - -\n" +
            "d /var/lib/sample 0750 root root - -\n" +
            "L /var/lib/sample/current - - - - ../sample\n" +
            "d /var/log 0755 root root - -\n", conf);
        var notice = Assert.Single(r.Notices);
        Assert.Equal("/var/log/sample.log", notice.Path);
        Assert.Equal("sample-1.0-1.noarch", notice.Package);
    }

    [Fact]
    public void The_same_rpm_gives_the_same_commit_and_is_not_imported_twice()
    {
        using var s = new Scratch();
        var rpm = Sample(s);
        var repoA = Repository.Create(s.Sub("a"), RepoMode.BareUser);
        var repoB = Repository.Create(s.Sub("b"), RepoMode.Archive);
        var first = PackageImporter.Import(repoA, rpm);
        var again = PackageImporter.Import(repoA, rpm);
        var other = PackageImporter.Import(repoB, rpm);
        Assert.True(again.AlreadyImported);
        Assert.Equal(first.Commit, again.Commit);
        Assert.Equal(first.Commit, other.Commit);
        var nodocs = PackageImporter.Import(repoA, rpm, new PackageImportOptions { NoDocs = true });
        Assert.False(nodocs.AlreadyImported);
        Assert.NotEqual(first.Commit, nodocs.Commit);
        Assert.Equal(nodocs.Commit, repoA.ResolveRev(first.Ref));
    }

    [Fact]
    public void Import_all_imports_many_in_one_transaction_and_records_the_origin()
    {
        using var s = new Scratch();
        var paths = Enumerable.Range(0, 6).Select(i => TestPackages.Build(s, $"p{i}", "1", root => TestPackages.Write(root, $"usr/share/p{i}/f", $"{i}"), epoch: i == 3 ? 2 : null)).ToList();
        var repo = Repository.Create(s.Sub("repo"), RepoMode.BareUser);
        var reports = new List<Arbor.Native.OperationProgress>();
        var sources = paths.Select(p => new PackageSource(p, new PackageOrigin("fedora", 1234, "sha256:abcd"))).ToList();
        var results = PackageImporter.ImportAll(repo, sources, null, new SyncProgress(reports.Add));
        Assert.Equal(6, results.Count);
        Assert.Equal("rpmostree/pkg/p3/2_3A1-1.noarch", results[3].Ref);
        Assert.Equal("p3-2:1-1.noarch", results[3].Nevra);
        foreach (var r in results)
        {
            var c = repo.LoadCommit(repo.ResolveRev(r.Ref)!.Value);
            Assert.Equal("{'id': <'fedora'>, 'timestamp': <uint64 1234>}", c.GetMetadata("rpmostree.repo")!.Print());
            Assert.Equal("sha256:abcd", ((GVString)c.GetMetadata("rpmostree.repodata_checksum")!).Value);
        }
        Assert.Equal(6, reports[^1].Done);
        Assert.Equal("packages", reports[^1].Unit);
    }

    [Fact]
    public void Content_outside_the_allowed_roots_is_an_error_naming_package_and_path()
    {
        using var s = new Scratch();
        var rpm = TestPackages.Build(s, "bad", "1", root => TestPackages.Write(root, "srv/www/index.html", "x"));
        var repo = Repository.Create(s.Sub("repo"), RepoMode.BareUser);
        var e = Assert.Throws<PackageImportException>(() => PackageImporter.Import(repo, rpm));
        Assert.Contains("'bad'", e.Message, StringComparison.Ordinal);
        Assert.Contains("/srv", e.Message, StringComparison.Ordinal);
        Assert.Contains("Unsupported path", e.Message, StringComparison.Ordinal);
        Assert.Null(repo.ResolveRev("rpmostree/pkg/bad/1-1.noarch", allowMissing: true));

        var skipped = PackageImporter.Import(repo, rpm, new PackageImportOptions { SkipExtraneous = true });
        Assert.Contains(skipped.Notices, n => n.Path == "/srv/www/index.html");
    }

    [Theory]
    [InlineData("filesystem")]
    [InlineData("base-files")]
    public void The_root_layout_package_may_own_paths_outside_the_allowed_roots_as_in_rpm_ostree(string name)
    {
        using var s = new Scratch();
        var rpm = TestPackages.Build(s, name, "3", root =>
        {
            TestPackages.Dir(root, "srv");
            TestPackages.Dir(root, "boot");
            TestPackages.Dir(root, "usr/share");
        });
        var repo = Repository.Create(s.Sub("repo"), RepoMode.BareUser);
        var r = PackageImporter.Import(repo, rpm);
        Assert.Contains(r.Notices, n => n.Path == "/srv");
        Assert.Contains(r.Notices, n => n.Path == "/boot");
        var tree = List(repo, r.Commit);
        Assert.Contains("/usr/share", tree.Keys);
        Assert.DoesNotContain("/srv", tree.Keys);
    }

    [Fact]
    public void A_package_commit_reads_back_its_identity_and_headers()
    {
        using var s = new Scratch();
        var rpm = Sample(s);
        var repo = Repository.Create(s.Sub("repo"), RepoMode.BareUser);
        var r = PackageImporter.Import(repo, rpm);
        var pc = PackageCommit.Load(repo, r.Commit);
        Assert.Equal(("sample-1.0-1.noarch", "sample", 0ul, "1.0", "1", "noarch"), (pc.Nevra, pc.Name, pc.Epoch, pc.Version, pc.Release, pc.Arch));
        using var headers = pc.OpenHeaders();
        Assert.Contains(headers.Info.Files, f => f.Path == "/var/lib/sample/state" && (f.Flags & FileFlags.Ghost) != 0);
        Assert.Empty(pc.FileOverrides());
    }

    private sealed class SyncProgress(Action<Arbor.Native.OperationProgress> report) : IProgress<Arbor.Native.OperationProgress>
    {
        public void Report(Arbor.Native.OperationProgress value)
        {
            lock (this)
                report(value);
        }
    }
}
