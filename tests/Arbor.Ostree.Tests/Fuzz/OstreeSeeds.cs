// The real samples the ostree fuzz campaigns mutate, made once per test run: two versions of a
// small tree (text, executable, binary, empty file, symlink, nested directories, an xattr)
// committed by Arbor and by the real ostree into archive repositories, with detached metadata,
// summaries, static deltas (from scratch and between the versions; xz and uncompressed; inline;
// signed), remote configuration, origin files and tar archives written by the real tar in each
// of its formats. Every campaign picks its seeds from here by file kind.
using System.Diagnostics;
using Arbor.Fuzzing;
using Arbor.Native;
using Arbor.Ostree.Commits;
using Arbor.Ostree.Deltas;
using Arbor.Ostree.GVariant;
using Arbor.Ostree.Objects;
using Arbor.Ostree.Repo;
using Arbor.Ostree.Signing;

namespace Arbor.Ostree.Tests.Fuzz;

/// <summary>The seed corpus of the ostree parsers.</summary>
internal sealed class OstreeSeeds
{
    private static readonly Lazy<OstreeSeeds> Instance = new(() => new OstreeSeeds(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The corpus (built on first use).</summary>
    public static OstreeSeeds Get => Instance.Value;

    /// <summary>Where everything lives (removed when the process exits).</summary>
    public string Dir { get; }

    /// <summary>The Arbor-written archive repository.</summary>
    public string ArborRepo => Path.Combine(Dir, "arbor-repo");

    /// <summary>The ostree-written archive repository.</summary>
    public string OstreeRepo => Path.Combine(Dir, "ostree-repo");

    /// <summary>The first version of each repository's commit.</summary>
    public Dictionary<string, Checksum> Commit1 { get; } = [];

    /// <summary>The second version (parent: the first).</summary>
    public Dictionary<string, Checksum> Commit2 { get; } = [];

    /// <summary>Delta directories (superblock plus part files): name → (directory, from, to).</summary>
    public List<(string Name, string Dir, Checksum? From, Checksum To, string Repo)> Deltas { get; } = [];

    public List<FuzzSeed> Commits { get; } = [];
    public List<FuzzSeed> DirTrees { get; } = [];
    public List<FuzzSeed> DirMetas { get; } = [];
    public List<FuzzSeed> VarDicts { get; } = [];
    public List<FuzzSeed> Filez { get; } = [];
    public List<FuzzSeed> Summaries { get; } = [];
    public List<FuzzSeed> Superblocks { get; } = [];
    public List<FuzzSeed> PartFiles { get; } = [];
    public List<FuzzSeed> PartPayloads { get; } = [];
    public List<FuzzSeed> Tars { get; } = [];
    public List<FuzzSeed> RepoConfigs { get; } = [];
    public List<FuzzSeed> RemoteConfigs { get; } = [];
    public List<FuzzSeed> Origins { get; } = [];

    /// <summary>The part header that goes with each part payload seed (by seed name).</summary>
    public Dictionary<string, (DeltaPartHeader Header, string Repo)> PartHeaders { get; } = [];

    private OstreeSeeds()
    {
        Dir = Directory.CreateTempSubdirectory("arbor-fuzz-seeds-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(Dir, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        var tree1 = Path.Combine(Dir, "tree1");
        var tree2 = Path.Combine(Dir, "tree2");
        MakeTree(tree1, 1);
        MakeTree(tree2, 2);
        BuildArborRepo(tree1, tree2);
        BuildOstreeRepo(tree1, tree2);
        foreach (var (name, repo) in new[] { ("arbor", ArborRepo), ("ostree", OstreeRepo) })
            CollectObjects(name, repo);
        CollectDeltas();
        BuildTars(tree1, tree2);
        BuildKeyFiles();
    }

    private static void MakeTree(string root, int version)
    {
        Directory.CreateDirectory(Path.Combine(root, "usr/bin"));
        Directory.CreateDirectory(Path.Combine(root, "usr/share/doc/fuzz"));
        Directory.CreateDirectory(Path.Combine(root, "etc/fuzz.d"));
        Directory.CreateDirectory(Path.Combine(root, "var/empty"));
        File.WriteAllText(Path.Combine(root, "etc/fuzz.conf"), version == 1 ? "[fuzz]\nlevel=1\n" : "[fuzz]\nlevel=2\nextra=yes\n");
        File.WriteAllText(Path.Combine(root, "usr/share/doc/fuzz/README"), string.Concat(Enumerable.Repeat("Arbor fuzzing seed tree. ", 40 + version)));
        File.WriteAllBytes(Path.Combine(root, "etc/fuzz.d/empty"), []);
        var bin = new byte[24_000];
        new Random(7).NextBytes(bin.AsSpan(0, 8000)); // part random, part compressible
        for (int i = 8000; i < bin.Length; i++)
            bin[i] = (byte)(i % 251);
        if (version == 2)
        {
            bin[100] ^= 0xFF;
            bin[20_000] ^= 0x55; // a small change: bsdiff material for the delta
        }
        File.WriteAllBytes(Path.Combine(root, "usr/bin/fuzzer"), bin);
        File.SetUnixFileMode(Path.Combine(root, "usr/bin/fuzzer"), (UnixFileMode)0x1ED);
        File.CreateSymbolicLink(Path.Combine(root, "usr/bin/fz"), "fuzzer");
        if (version == 2)
            File.WriteAllText(Path.Combine(root, "usr/bin/new-in-2"), "#!/bin/sh\necho two\n");
        else
            File.WriteAllText(Path.Combine(root, "usr/bin/gone-in-2"), "#!/bin/sh\necho one\n");
        LibC.LSetXattr(Path.Combine(root, "etc/fuzz.conf"), "user.fuzz\0"u8, "seed-xattr"u8);
    }

    private void BuildArborRepo(string tree1, string tree2)
    {
        var repo = Repository.Create(ArborRepo, RepoMode.Archive);
        var meta = new List<KeyValuePair<string, GVariantValue>>
        {
            new("version", GVariantValue.Str("1.0")),
            new("fuzz.numbers", GVariantValue.Tuple(new GVNumber('u', 7), new GVNumber('t', ulong.MaxValue), new GVNumber('d', BitConverter.DoubleToUInt64Bits(1.5)))),
            new("fuzz.list", new GVArray(GVariantType.String, [GVariantValue.Str("a"), GVariantValue.Str("bb"), GVariantValue.Str("")])),
            new("fuzz.maybe", new GVMaybe(GVariantType.String, GVariantValue.Str("just"))),
            new("fuzz.nested", new GVVariant(new GVVariant(GVariantValue.Bool(true)))),
        };
        Checksum? parent = null;
        int n = 0;
        foreach (var tree in new[] { tree1, tree2 })
        {
            n++;
            var mtree = new MutableTree();
            new DirectoryImporter(repo, new CommitModifier()).Import(tree, mtree);
            var c = CommitWriter.WriteCommit(repo, mtree, new CommitRequest
            {
                Parent = parent,
                Subject = $"fuzz seed {n}",
                Body = "body\nline two",
                Timestamp = 1_700_000_000UL + (ulong)n,
                Metadata = n == 1 ? meta : [new("version", GVariantValue.Str("2.0"))],
            }, out _);
            repo.WriteDetachedMetadata(c, CommitWriter.SerializeMetadata([
                new("fuzz.detached", GVariantValue.Str($"detached {n}")),
                new("ostree.sign.ed25519", new GVArray(GVariantType.ByteString, [GVariantValue.Bytes(new byte[64])])),
            ]));
            repo.SetRefImmediate(null, "fuzz/main", c);
            (n == 1 ? Commit1 : Commit2)["arbor"] = c;
            parent = c;
        }
        var c1 = Commit1["arbor"];
        var c2 = Commit2["arbor"];
        var secret = Convert.ToBase64String(Ed25519Keys.GenerateSecret());
        void Delta(string name, Checksum? from, Checksum to, DeltaGenerateOptions opt)
        {
            var dir = Path.Combine(Dir, "arbor-deltas", name);
            var r = DeltaCompiler.Generate(repo, from, to, opt with { Filename = Path.Combine(dir, "superblock") });
            Deltas.Add(($"arbor-{name}", Path.GetDirectoryName(r.SuperblockPath)!, from, to, ArborRepo));
        }
        Delta("scratch-xz", null, c1, new DeltaGenerateOptions());
        Delta("scratch-plain-be", null, c1, new DeltaGenerateOptions { Compress = false, BigEndian = true });
        Delta("update-xz", c1, c2, new DeltaGenerateOptions());
        Delta("update-plain", c1, c2, new DeltaGenerateOptions { Compress = false });
        Delta("update-inline", c1, c2, new DeltaGenerateOptions { Inline = true, Compress = false });
        Delta("update-signed", c1, c2, new DeltaGenerateOptions { Sign = new DeltaSigning(SignEngine.Create("ed25519"), [secret]) });
        // The repository's own delta, listed in the summary.
        DeltaCompiler.Generate(repo, c1, c2, new DeltaGenerateOptions());
        Summary.Generate(repo).WriteTo(repo);
    }

    private void BuildOstreeRepo(string tree1, string tree2)
    {
        var r = $"--repo={OstreeRepo}";
        Run("ostree", r, "init", "--mode=archive");
        Run("ostree", r, "commit", "-b", "fuzz/main", $"--tree=dir={tree1}", "-s", "ostree seed 1", "--timestamp=2023-11-14T22:13:21Z",
            "--add-metadata-string=version=1.0", "--add-metadata=fuzz.ints=[1,2,3]", "--add-detached-metadata-string=fuzz.detached=yes");
        Run("ostree", r, "commit", "-b", "fuzz/main", $"--tree=dir={tree2}", "-s", "ostree seed 2", "--timestamp=2023-11-14T22:13:22Z",
            "--add-metadata-string=version=2.0");
        Commit1["ostree"] = Checksum.Parse(Run("ostree", r, "rev-parse", "fuzz/main^").Trim());
        Commit2["ostree"] = Checksum.Parse(Run("ostree", r, "rev-parse", "fuzz/main").Trim());
        var c1 = Commit1["ostree"].ToString();
        var c2 = Commit2["ostree"].ToString();
        var d = Path.Combine(Dir, "ostree-deltas");
        foreach (var sub in new[] { "scratch", "update", "update-inline" })
            Directory.CreateDirectory(Path.Combine(d, sub));
        Run("ostree", r, "static-delta", "generate", "--empty", $"--to={c1}", $"--filename={d}/scratch/superblock");
        Run("ostree", r, "static-delta", "generate", $"--from={c1}", $"--to={c2}", $"--filename={d}/update/superblock");
        Run("ostree", r, "static-delta", "generate", $"--from={c1}", $"--to={c2}", "--inline", $"--filename={d}/update-inline/superblock");
        Run("ostree", r, "static-delta", "generate", $"--from={c1}", $"--to={c2}");
        Run("ostree", r, "summary", "-u", "--add-metadata=fuzz.key='value'");
        Run("ostree", r, "remote", "add", "--no-gpg-verify", "--set=branches=fuzz/main;other;", "origin", "https://example.org/repo");
        Run("ostree", r, "remote", "add", "--set=gpg-verify-summary=true", "--set=contenturl=mirrorlist=https://example.org/list", "second", "file:///srv/repo", "fuzz/main");
        Deltas.Add(("ostree-scratch", Path.Combine(d, "scratch"), null, Commit1["ostree"], OstreeRepo));
        Deltas.Add(("ostree-update", Path.Combine(d, "update"), Commit1["ostree"], Commit2["ostree"], OstreeRepo));
        Deltas.Add(("ostree-update-inline", Path.Combine(d, "update-inline"), Commit1["ostree"], Commit2["ostree"], OstreeRepo));
    }

    private void CollectObjects(string name, string repoPath)
    {
        foreach (var f in Directory.EnumerateFiles(Path.Combine(repoPath, "objects"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var seed = new FuzzSeed($"{name}:{Path.GetFileName(Path.GetDirectoryName(f))}{Path.GetFileName(f)}", File.ReadAllBytes(f));
            switch (Path.GetExtension(f))
            {
                case ".commit":
                    Commits.Add(seed);
                    var md = new GVariantView(Arbor.Ostree.Objects.Commit.Type, seed.Data)[0];
                    VarDicts.Add(new FuzzSeed(seed.Name + "[metadata]", md.Data.ToArray()));
                    break;
                case ".dirtree": DirTrees.Add(seed); break;
                case ".dirmeta": DirMetas.Add(seed); break;
                case ".filez": Filez.Add(seed); break;
                case ".commitmeta": VarDicts.Add(seed); break;
            }
        }
        Summaries.Add(new FuzzSeed($"{name}:summary", File.ReadAllBytes(Path.Combine(repoPath, "summary"))));
        var summaryMeta = new GVariantView(Summary.Type, File.ReadAllBytes(Path.Combine(repoPath, "summary")))[1];
        VarDicts.Add(new FuzzSeed($"{name}:summary[metadata]", summaryMeta.Data.ToArray()));
        foreach (var sb in Directory.EnumerateFiles(Path.Combine(repoPath, "deltas"), "superblock", SearchOption.AllDirectories))
            Superblocks.Add(new FuzzSeed($"{name}:repo-delta-superblock", File.ReadAllBytes(sb)));
        RepoConfigs.Add(new FuzzSeed($"{name}:config", File.ReadAllBytes(Path.Combine(repoPath, "config"))));
    }

    private void CollectDeltas()
    {
        foreach (var (name, dir, _, _, repo) in Deltas)
        {
            var bytes = File.ReadAllBytes(Path.Combine(dir, "superblock"));
            Superblocks.Add(new FuzzSeed($"{name}:superblock", bytes));
            var sb = DeltaSuperblock.Parse(bytes);
            for (int i = 0; i < sb.Parts.Count; i++)
            {
                var file = sb.InlinePartFile(i) ?? File.ReadAllBytes(Path.Combine(dir, i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                var partName = $"{name}:part{i}";
                PartFiles.Add(new FuzzSeed(partName, file));
                var payload = DeltaPartPayload.DecodePartFile(file);
                PartPayloads.Add(new FuzzSeed(partName + "[payload]", payload.Serialize()));
                PartHeaders[partName + "[payload]"] = (sb.Parts[i], repo);
                PartHeaders[partName] = (sb.Parts[i], repo);
            }
        }
    }

    private void BuildTars(string tree1, string tree2)
    {
        var dir = Path.Combine(Dir, "tars");
        Directory.CreateDirectory(dir);
        foreach (var format in new[] { "gnu", "pax", "ustar", "v7", "oldgnu" })
        {
            var file = Path.Combine(dir, $"{format}.tar");
            var extra = format == "pax" ? new[] { "--xattrs", "--xattrs-include=user.*" } : [];
            // v7 cannot hold the symlink's long-enough names or directories' types well; all formats hold this tree.
            Run("tar", [.. new[] { $"--format={format}", "-C", tree1, "-cf", file }, .. extra, "."]);
            Tars.Add(new FuzzSeed($"tar:{format}", File.ReadAllBytes(file)));
        }
        var gz = Path.Combine(dir, "t2.tar.gz");
        Run("tar", "--format=pax", "-C", tree2, "-czf", gz, "etc", "usr");
        Tars.Add(new FuzzSeed("tar:pax.gz", File.ReadAllBytes(gz)));
        // A hard link and a long name (GNU long-name records and PAX path records).
        var hl = Path.Combine(Dir, "tree-links");
        var deep = Path.Combine(hl, string.Join('/', Enumerable.Repeat("a-rather-long-directory-name", 5)));
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(deep, "file-with-a-long-name-" + new string('x', 60)), "long\n");
        File.WriteAllText(Path.Combine(hl, "target"), "linked\n");
        File.CreateSymbolicLink(Path.Combine(hl, "sym"), "target");
        LibC.Link(Path.Combine(hl, "target"), Path.Combine(hl, "hardlink"));
        foreach (var format in new[] { "gnu", "pax" })
        {
            var file = Path.Combine(dir, $"links-{format}.tar");
            Run("tar", $"--format={format}", "-C", hl, "-cf", file, ".");
            Tars.Add(new FuzzSeed($"tar:links-{format}", File.ReadAllBytes(file)));
        }
    }

    private void BuildKeyFiles()
    {
        RemoteConfigs.Add(new FuzzSeed("remotes.d:arbor", System.Text.Encoding.UTF8.GetBytes(
            "[remote \"fedora\"]\nurl=https://ostree.example.org/repo\ngpg-verify=true\ngpg-verify-summary=false\nbranches=fedora/x86_64/silverblue;\ncontenturl=mirrorlist=https://example.org/mirrors\n")));
        RemoteConfigs.Add(new FuzzSeed("remotes.d:escapes", System.Text.Encoding.UTF8.GetBytes(
            "# comment\n\n[remote \"odd\"]\nurl=file:///srv/a\\sb\\tc\\\\d\nunconfigured-state=Disabled\ntls-permissive=1\n\n[remote \"x\"]\nurl=\ngpg-verify=0\n")));
        RemoteConfigs.Add(new FuzzSeed("config:ostree-remotes", File.ReadAllBytes(Path.Combine(OstreeRepo, "config"))));
        Origins.Add(new FuzzSeed("origin:plain", "[origin]\nrefspec=fedora:fedora/x86_64/silverblue\n"u8.ToArray()));
        Origins.Add(new FuzzSeed("origin:rpm-ostree", System.Text.Encoding.UTF8.GetBytes(
            "[origin]\nbaserefspec=fedora:fedora/40/x86_64/silverblue\ncustom-url=https://example.org/\ncustom-description=Custom\n\n" +
            "[packages]\nrequested=vim-enhanced;htop;\nrequested-local=foo-1.0-1.x86_64;\n\n[overrides]\nremove=firefox;\n\n" +
            "[rpmostree]\nregenerate-initramfs=true\ninitramfs-args=--add;ostree;\n\n[libostree-transient]\npinned=true\n")));
        Origins.Add(new FuzzSeed("origin:container", "[origin]\ncontainer-image-reference=ostree-unverified-registry:quay.io/fedora/fedora-coreos:stable\n"u8.ToArray()));
    }

    /// <summary>Runs a real tool; fails the test run when it is missing or fails.</summary>
    public static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{tool}' is needed to make fuzz seeds; run scripts/install-deps.sh test", e);
        }
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} exited {p.ExitCode}: {err.Result}");
        return output;
    }
}
