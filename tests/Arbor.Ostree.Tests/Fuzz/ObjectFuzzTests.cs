// Fuzz campaigns over the GVariant objects a repository or a server hands Arbor: commit, dirtree,
// dirmeta, a{sv} dictionaries (commit and detached metadata, summary metadata), the archive
// content object (.filez: length prefix, header, zlib data) and the summary. Each property parses
// the mutated bytes; when they are accepted, the result must survive a serialize/parse round trip
// and the renderings the CLI prints (show, summary --view) must not fail. Archive objects are also
// imported against their checksum (a success must store a sound object) and read back from a
// repository holding the corrupted file. The bare-user form of the header (the user.ostreemeta
// xattr) is fuzzed the same way, in the xattr of an object of a bare-user repository.
using Arbor.Fuzzing;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Xunit.Abstractions;
using static Arbor.Ostree.Tests.Fuzz.FuzzSupport;

namespace Arbor.Ostree.Tests.Fuzz;

public class ObjectFuzzTests(ITestOutputHelper output)
{
    private static OstreeSeeds Seeds => OstreeSeeds.Get;

    [Fact]
    public void Commit_objects()
    {
        Campaign(output, "commit", 5000).Run(Mutator.Cases(Seeds.Commits), c =>
        {
            var commit = Commit.Parse(c.Data);
            var back = Commit.Parse(commit.Serialize());
            Expect(back.Subject == commit.Subject && back.Body == commit.Body && back.Timestamp == commit.Timestamp
                && back.Parent == commit.Parent && back.RootTree == commit.RootTree && back.RootMeta == commit.RootMeta,
                "commit fields change in a round trip");
            Expect(back.Metadata.SequenceEqual(commit.Metadata), "commit metadata changes in a round trip");
            foreach (var (_, v) in commit.Metadata)
                _ = v.Print(typeAnnotate: true);
            _ = commit.Version;
        });
    }

    [Fact]
    public void Dirtree_objects()
    {
        Campaign(output, "dirtree", 5000).Run(Mutator.Cases(Seeds.DirTrees), c =>
        {
            var tree = DirTree.Parse(c.Data);
            var back = DirTree.Parse(tree.Serialize());
            Expect(back.Files.OrderBy(f => f.Name, StringComparer.Ordinal).SequenceEqual(tree.Files.OrderBy(f => f.Name, StringComparer.Ordinal))
                && back.Dirs.OrderBy(d => d.Name, StringComparer.Ordinal).SequenceEqual(tree.Dirs.OrderBy(d => d.Name, StringComparer.Ordinal)),
                "dirtree entries change in a round trip");
            foreach (var name in tree.Files.Select(f => f.Name).Concat(tree.Dirs.Select(d => d.Name)))
                Expect(name.Length > 0 && name is not ("." or "..") && !name.Contains('/', StringComparison.Ordinal), $"dirtree accepted the unsafe name '{name}'");
        });
    }

    [Fact]
    public void Dirmeta_objects()
    {
        Campaign(output, "dirmeta", 3000).Run(Mutator.Cases(Seeds.DirMetas), c =>
        {
            var meta = DirMeta.Parse(c.Data);
            Expect(DirMeta.Parse(meta.Serialize()).Equals(meta), "dirmeta changes in a round trip");
        });
    }

    [Fact]
    public void Metadata_dictionaries()
    {
        Campaign(output, "a{sv} metadata", 5000).Run(Mutator.Cases(Seeds.VarDicts), c =>
        {
            var meta = Commit.MetadataFromView(new GVariantView(GVariantType.VarDict, c.Data));
            var bytes = Commit.MetadataToValue(meta).Serialize();
            Expect(Commit.MetadataFromView(new GVariantView(GVariantType.VarDict, bytes)).SequenceEqual(meta), "a{sv} changes in a round trip");
            var sb = new System.Text.StringBuilder();
            foreach (var (_, v) in meta)
            {
                _ = v.Print();
                GVariantJson.Write(sb, v);
            }
        });
    }

    [Fact]
    public void Summaries()
    {
        Campaign(output, "summary", 4000).Run(Mutator.Cases(Seeds.Summaries), c =>
        {
            var s = Summary.Parse(c.Data);
            var back = Summary.Parse(s.Serialize());
            Expect(back.Refs.Count == s.Refs.Count && back.Metadata.SequenceEqual(s.Metadata), "summary changes in a round trip");
            foreach (var r in s.Refs)
            {
                var b = back.Find(r.Name);
                Expect(b is not null && b.Checksum == r.Checksum && b.CommitSize == r.CommitSize && b.Metadata.SequenceEqual(r.Metadata), $"summary ref '{r.Name}' changes in a round trip");
            }
            _ = Arbor.Cli.OstreeText.View(s);
        });
    }

    [Fact]
    public void Archive_content_objects()
    {
        using var tmp = new TempDir();
        var import = ScratchRepo(tmp["import"], RepoMode.Archive);
        var importBare = ScratchRepo(tmp["import-bare"], RepoMode.BareUser);
        var corrupt = ScratchRepo(tmp["corrupt"], RepoMode.Archive);
        Campaign(output, "archive object (.filez)", 2000).Run(Mutator.Cases(Seeds.Filez), c =>
        {
            var expected = ObjectChecksum(c.Seed);
            // The header alone, as pull and checkout read it.
            try
            {
                var header = Repository.ParseArchivePrefix(new ArraySegment<byte>(c.Data), out ulong size, out int dataOffset);
                var reencoded = FileHeader.LengthPrefixed(header.SerializeArchive(size)).Concat(c.Data.Skip(dataOffset)).ToArray();
                var again = Repository.ParseArchivePrefix(new ArraySegment<byte>(reencoded), out ulong size2, out _);
                Expect(again == header || (again.Uid == header.Uid && again.Gid == header.Gid && again.Mode == header.Mode
                    && again.SymlinkTarget == header.SymlinkTarget && again.Xattrs.SequenceEqual(header.Xattrs) && size2 == size), "archive header changes in a round trip");
                Expect(dataOffset <= c.Data.Length, "archive data offset past the end");
            }
            catch (Exception e) when (FuzzOutcomes.IsClean(e) && !c.Unmutated)
            {
            }
            // Importing as a pull does: a success must have stored a sound object.
            foreach (var repo in new[] { import, importBare })
            {
                bool stored = false;
                try
                {
                    repo.ImportArchiveContent(new ArraySegment<byte>(c.Data), expected);
                    stored = true;
                }
                catch (Exception e) when (FuzzOutcomes.IsClean(e) && !c.Unmutated)
                {
                }
                if (stored)
                {
                    var problem = Arbor.Ostree.Repo.Fsck.VerifyObject(repo, new ObjectName(expected, ObjectType.File), out _);
                    Expect(problem is null, $"imported a corrupt object into a {repo.Mode} repository: {problem}");
                }
                var path = repo.ObjectPath(expected, ObjectType.File);
                if (File.Exists(path))
                    File.Delete(path);
            }
            // Reading it from a repository that holds the corrupted file (fsck, checkout, cat).
            var objPath = corrupt.ObjectPath(expected, ObjectType.File);
            Directory.CreateDirectory(Path.GetDirectoryName(objPath)!);
            File.WriteAllBytes(objPath, c.Data);
            try
            {
                _ = Arbor.Ostree.Repo.Fsck.VerifyObject(corrupt, new ObjectName(expected, ObjectType.File), out _);
                corrupt.TryReadArchiveContent(expected, 1 << 20, (h, d) => { });
                var obj = corrupt.OpenContent(expected);
                if (!obj.Header.IsSymlink)
                {
                    using var s = obj.OpenData();
                    s.CopyTo(Stream.Null);
                }
            }
            finally
            {
                File.Delete(objPath);
            }
        });
    }

    [Fact]
    public void Bare_user_metadata()
    {
        using var tmp = new TempDir();
        var repo = ScratchRepo(tmp["bare-user"], RepoMode.BareUser);
        var seeds = Seeds.Filez.Select(s =>
        {
            var h = Repository.ParseArchivePrefix(new ArraySegment<byte>(s.Data), out _, out _);
            return new FuzzSeed(s.Name, h.SerializeBareUser());
        }).ToList();
        var content = "bare-user fuzz\n"u8.ToArray();
        Campaign(output, "bare-user metadata (user.ostreemeta)", 2000).Run(Mutator.Cases(seeds), c =>
        {
            var h = FileHeader.ParseBareUser(c.Data);
            var back = FileHeader.ParseBareUser(h.SerializeBareUser());
            Expect(back.Uid == h.Uid && back.Gid == h.Gid && back.Mode == h.Mode && back.Xattrs.SequenceEqual(h.Xattrs), "bare-user metadata changes in a round trip");
            if (c.Data.Length > 3000)
                return;
            // An object whose xattr holds it: open, read and fsck as checkout and fsck do.
            var sum = ObjectChecksum(c.Seed);
            var path = repo.ObjectPath(sum, ObjectType.File);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
            try
            {
                Arbor.Native.LibC.LSetXattr(path, "user.ostreemeta\0"u8, c.Data);
                _ = Arbor.Ostree.Repo.Fsck.VerifyObject(repo, new ObjectName(sum, ObjectType.File), out _);
                var obj = repo.OpenContent(sum);
                if (!obj.Header.IsSymlink)
                {
                    using var st = obj.OpenData();
                    st.CopyTo(Stream.Null);
                }
            }
            finally
            {
                File.Delete(path);
            }
        });
    }
}
