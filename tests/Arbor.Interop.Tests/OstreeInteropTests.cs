// `arbor ostree` against the ostree command-line contract, in every repository mode: the same
// input gives the same commit checksum; what arbor writes the real ostree reads, checks and
// checks out; what ostree writes arbor reads; bad input fails with one clear line on stderr.
using System.Formats.Tar;

namespace Arbor.Interop.Tests;

[Collection("interop")]
public class OstreeInteropTests(InteropFixture fx)
{
    public static TheoryData<string> Modes => RepoModes.Data();

    private static void AssertSameOutput(ProcessResult expected, ProcessResult actual)
    {
        Assert.True(expected.ExitCode == 0, $"reference command failed: {expected}");
        Assert.True(actual.ExitCode == 0, $"command failed: {actual}");
        Assert.Equal(expected.Stdout, actual.Stdout);
    }

    private static void AssertSameTree(string expected, string actual, TreeAspects aspects)
    {
        var diff = TreeComparer.Compare(expected, actual, aspects);
        Assert.True(diff is null, $"trees differ: {diff}");
    }

    private static void AssertDiffClean(string expected, string actual)
    {
        var diff = Tools.Run(Tools.Require("diff", "apt-get install -y diffutils"), "-r", "--no-dereference", expected, actual);
        Assert.True(diff.ExitCode == 0, $"diff -r --no-dereference found differences: {diff}");
    }

    /// <summary>An error: exit code 1 and exactly one non-empty line on stderr, mentioning <paramref name="mentions"/>.</summary>
    private static void AssertCleanFailure(ProcessResult r, params string[] mentions)
    {
        Assert.True(r.ExitCode == 1, $"expected exit code 1: {r}");
        Assert.True(r.StderrLines.Count == 1, $"expected exactly one line on stderr: {r}");
        foreach (var m in mentions)
            Assert.True(r.Stderr.Contains(m, StringComparison.Ordinal), $"expected stderr to name '{m}': {r}");
    }

    private string CheckoutWithOstree(string repo, string rev, string name, params string[] options)
    {
        var dest = fx.NewPath(name);
        Tools.OstreeOk(["--repo=" + repo, "checkout", .. options, rev, dest]);
        return dest;
    }

    // (a) Same tree, same options: the same commit.

    [Theory]
    [MemberData(nameof(Modes))]
    public void Commit_gives_the_same_checksum_as_ostree(string mode)
    {
        var pair = fx.Committed(mode);
        Assert.Matches("^[0-9a-f]{64}$", pair.OstreeChecksum);
        Assert.Equal(pair.OstreeChecksum, pair.ArborChecksum);
        Assert.Equal(pair.OstreeChecksum, Tools.OstreeOk(pair.ArborRepoArg, "rev-parse", "main").Stdout.Trim());
        Assert.Equal(pair.OstreeChecksum, Tools.ArborOk("ostree", pair.ArborRepoArg, "rev-parse", "main").Stdout.Trim());
    }

    [Fact]
    public void Commit_checksum_does_not_depend_on_the_repository_mode()
    {
        // ostree's own behaviour, which arbor's must follow: archive, bare and bare-user store the
        // same commit; bare-user-only canonicalizes ownership, special bits and xattrs away.
        var archive = fx.Committed("archive");
        Assert.Equal(archive.ArborChecksum, fx.Committed("bare").ArborChecksum);
        Assert.Equal(archive.ArborChecksum, fx.Committed("bare-user").ArborChecksum);
        Assert.NotEqual(archive.ArborChecksum, fx.Committed("bare-user-only").ArborChecksum);
    }

    // (b) What arbor wrote, the real ostree accepts and lists exactly like its own.

    [Theory]
    [MemberData(nameof(Modes))]
    public void Ostree_fsck_accepts_the_repository_arbor_wrote(string mode)
    {
        var pair = fx.Committed(mode);
        var r = Tools.OstreeRun(pair.ArborRepoArg, "fsck");
        Assert.True(r.ExitCode == 0, $"ostree fsck failed on arbor's repository: {r}");
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Ostree_lists_arbor_commit_exactly_like_its_own(string mode)
    {
        var pair = fx.Committed(mode);
        string[] ls = ["ls", "-R", "-C", "-X", "main"];
        AssertSameOutput(Tools.OstreeRun([pair.OstreeRepoArg, .. ls]), Tools.OstreeRun([pair.ArborRepoArg, .. ls]));
        AssertSameOutput(Tools.OstreeRun(pair.OstreeRepoArg, "refs"), Tools.OstreeRun(pair.ArborRepoArg, "refs"));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Arbor_ls_prints_what_ostree_ls_prints(string mode)
    {
        var pair = fx.Committed(mode);
        foreach (var ls in new string[][] { ["ls", "-R", "main"], ["ls", "-R", "-C", "-X", "main"], ["ls", "main", "/a"], ["ls", "-d", "main", "/hello.txt"] })
            AssertSameOutput(Tools.OstreeRun([pair.ArborRepoArg, .. ls]), Tools.Arbor(["ostree", pair.ArborRepoArg, .. ls]));
    }

    // (c) The real ostree checks out arbor's commit to the same tree as its own.

    [Theory]
    [MemberData(nameof(Modes))]
    public void Ostree_checks_out_arbor_commit_to_the_source_tree(string mode)
    {
        var pair = fx.Committed(mode);
        var fromArbor = CheckoutWithOstree(pair.ArborRepo, "main", $"co-arbor-{mode}");
        var fromOstree = CheckoutWithOstree(pair.OstreeRepo, "main", $"co-ostree-{mode}");
        AssertSameTree(fromOstree, fromArbor, TreeAspects.All);
        AssertDiffClean(fx.Tree, fromArbor);
        if (RepoModes.KeepsFullMetadata(mode))
            AssertSameTree(fx.Tree, fromArbor, TreeAspects.All);
        else
            AssertSameTree(fx.Tree, fromArbor, TreeAspects.Content);
    }

    // (d) What ostree wrote, arbor reads.

    [Theory]
    [MemberData(nameof(Modes))]
    public void Arbor_resolves_refs_of_an_ostree_repository(string mode)
    {
        var pair = fx.Committed(mode);
        Assert.Equal(pair.OstreeChecksum, Tools.ArborOk("ostree", pair.OstreeRepoArg, "rev-parse", "main").Stdout.Trim());
        AssertSameOutput(Tools.OstreeRun(pair.OstreeRepoArg, "refs"), Tools.Arbor("ostree", pair.OstreeRepoArg, "refs"));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Arbor_lists_an_ostree_repository_like_ostree(string mode)
    {
        var pair = fx.Committed(mode);
        foreach (var ls in new string[][] { ["ls", "-R", "main"], ["ls", "-R", "-C", "-X", "main"] })
            AssertSameOutput(Tools.OstreeRun([pair.OstreeRepoArg, .. ls]), Tools.Arbor(["ostree", pair.OstreeRepoArg, .. ls]));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Arbor_log_and_show_match_ostree(string mode)
    {
        var pair = fx.Committed(mode);
        AssertSameOutput(Tools.OstreeRun(pair.OstreeRepoArg, "log", "main"), Tools.Arbor("ostree", pair.OstreeRepoArg, "log", "main"));
        AssertSameOutput(Tools.OstreeRun(pair.OstreeRepoArg, "show", "main"), Tools.Arbor("ostree", pair.OstreeRepoArg, "show", "main"));
        AssertSameOutput(
            Tools.OstreeRun(pair.OstreeRepoArg, "show", "--print-metadata-key=version", "main"),
            Tools.Arbor("ostree", pair.OstreeRepoArg, "show", "--print-metadata-key=version", "main"));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Arbor_fsck_accepts_an_ostree_repository(string mode)
    {
        var pair = fx.Committed(mode);
        var r = Tools.Arbor("ostree", pair.OstreeRepoArg, "fsck");
        Assert.True(r.ExitCode == 0, $"arbor fsck failed on ostree's repository: {r}");
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Arbor_checks_out_an_ostree_commit_like_ostree(string mode)
    {
        var pair = fx.Committed(mode);
        var byArbor = fx.NewPath($"arbor-co-{mode}");
        Tools.ArborOk("ostree", pair.OstreeRepoArg, "checkout", "main", byArbor);
        var byOstree = CheckoutWithOstree(pair.OstreeRepo, "main", $"ostree-co-{mode}");
        AssertSameTree(byOstree, byArbor, TreeAspects.All);
        AssertDiffClean(fx.Tree, byArbor);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Arbor_user_mode_checkout_matches_ostree(string mode)
    {
        var pair = fx.Committed(mode);
        var byArbor = fx.NewPath($"arbor-coU-{mode}");
        Tools.ArborOk("ostree", pair.OstreeRepoArg, "checkout", "-U", "main", byArbor);
        var byOstree = CheckoutWithOstree(pair.OstreeRepo, "main", $"ostree-coU-{mode}", "-U");
        AssertSameTree(byOstree, byArbor, TreeAspects.Mode | TreeAspects.Owner);
    }

    // (e) Bad input: a clear failure, nothing half-written.

    [Theory]
    [InlineData("fifo")]
    [InlineData("socket")]
    [InlineData("device")]
    public void Commit_of_a_tree_with_a_special_file_fails_cleanly(string kind)
    {
        var tree = fx.NewDir($"special-{kind}");
        File.WriteAllText(Path.Combine(tree, "ok.txt"), "fine\n");
        var special = Path.Combine(tree, "special-" + kind);
        // .NET removes a socket's file when the socket is closed: keep it open for the whole test.
        using var socket = kind == "socket"
            ? new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified)
            : null;
        switch (kind)
        {
            case "fifo":
                Tools.RunOk("mkfifo", special);
                break;
            case "socket":
                socket!.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(special));
                break;
            default:
                Tools.RunOk("mknod", special, "c", "1", "3");
                break;
        }
        Assert.True(Tools.RunOk("stat", "-c", "%F", special).Stdout.Trim() is "fifo" or "socket" or "character special file", $"{special} was not created");
        var repo = fx.ArborInit("archive", $"repo-special-{kind}");
        var r = Tools.Arbor(["ostree", "--repo=" + repo, .. ScratchFixture.CommitOptions("bad", "--tree=dir=" + tree)]);
        AssertCleanFailure(r, "special-" + kind);
        Assert.NotEqual(0, Tools.OstreeRun("--repo=" + repo, "rev-parse", "bad").ExitCode);
        Tools.OstreeOk("--repo=" + repo, "fsck");
    }

    [Fact]
    public void Commit_of_an_unreadable_file_fails_cleanly()
    {
        // Tests run as root, which reads any file; run arbor as nobody instead (setpriv, util-linux).
        var setpriv = Tools.Require("setpriv", "apt-get install -y util-linux");
        string[] asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];
        // The checkout (and so bin/arbor) may sit in a directory only root can enter (a clone under
        // `mktemp -d`); nobody runs a copy in the scratch directory, which it can reach.
        var arbor = Path.Combine(fx.NewDir("nobody-bin"), "arbor");
        File.Copy(Tools.ArborBin, arbor);
        File.SetUnixFileMode(Path.GetDirectoryName(arbor)!, (UnixFileMode)0b111_101_101);
        var probe = Tools.Run(setpriv, [.. asNobody, "test", "-x", arbor]);
        Assert.True(probe.ExitCode == 0, $"nobody cannot execute {arbor}; put the build somewhere world-readable: {probe}");

        var tree = fx.NewDir("unreadable");
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        File.WriteAllText(Path.Combine(tree, "readable.txt"), "fine\n");
        var secret = Path.Combine(tree, "sub", "secret-file");
        File.WriteAllText(secret, "secret\n");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        foreach (var d in new[] { tree, Path.Combine(tree, "sub") })
            File.SetUnixFileMode(d, (UnixFileMode)0b111_101_101);
        var repo = fx.ArborInit("archive", "repo-unreadable");
        Tools.RunOk("chown", "-R", "65534:65534", repo);

        var r = Tools.Run(setpriv, [.. asNobody, arbor, "ostree", "--repo=" + repo, .. ScratchFixture.CommitOptions("bad", "--tree=dir=" + tree)]);
        AssertCleanFailure(r, "secret-file");
        Assert.NotEqual(0, Tools.OstreeRun("--repo=" + repo, "rev-parse", "bad").ExitCode);
    }

    [Fact]
    public void Rev_parse_of_a_missing_ref_fails_cleanly()
    {
        var pair = fx.Committed("archive");
        AssertCleanFailure(Tools.Arbor("ostree", pair.ArborRepoArg, "rev-parse", "nosuchref"), "nosuchref");
    }

    [Fact]
    public void A_directory_that_is_not_a_repository_is_refused()
    {
        var missing = fx.NewPath("notarepo");
        AssertCleanFailure(Tools.Arbor("ostree", "--repo=" + missing, "refs"), missing);
        var empty = fx.NewDir("empty-not-a-repo");
        var r = Tools.Arbor("ostree", "--repo=" + empty, "refs");
        Assert.True(r.ExitCode == 1 && r.StderrLines.Count == 1, $"expected one clear error: {r}");
        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
    }

    private (string Repo, string ObjectPath, string Checksum) ArborRepoWithObjectOf(string mode, string file)
    {
        var repo = fx.ArborInit(mode, $"repo-corrupt-{mode}");
        Tools.ArborOk(["ostree", "--repo=" + repo, .. ScratchFixture.CommitOptions("main", "--tree=dir=" + fx.Tree)]);
        var ls = Tools.OstreeOk("--repo=" + repo, "ls", "-C", "main", file).Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var checksum = ls[4];
        var objects = Path.Combine(repo, "objects", checksum[..2]);
        var path = Directory.GetFiles(objects, checksum[2..] + ".file*").Single();
        return (repo, path, checksum);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Fsck_names_a_corrupted_object(string mode)
    {
        var (repo, path, checksum) = ArborRepoWithObjectOf(mode, "/medium.txt");
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x5a;
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllBytes(path, bytes);

        var r = Tools.Arbor("ostree", "--repo=" + repo, "fsck");
        Assert.True(r.ExitCode != 0, $"fsck passed a corrupted object: {r}");
        Assert.True((r.Stdout + r.Stderr).Contains(checksum, StringComparison.Ordinal), $"fsck did not name {checksum}: {r}");
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Fsck_names_a_truncated_object(string mode)
    {
        var (repo, path, checksum) = ArborRepoWithObjectOf(mode, "/medium.txt");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Write))
            f.SetLength(f.Length / 3);

        var r = Tools.Arbor("ostree", "--repo=" + repo, "fsck");
        Assert.True(r.ExitCode != 0, $"fsck passed a truncated object: {r}");
        Assert.True((r.Stdout + r.Stderr).Contains(checksum, StringComparison.Ordinal), $"fsck did not name {checksum}: {r}");
    }

    [Theory]
    [InlineData("dotdot")]
    [InlineData("inner-dotdot")]
    [InlineData("absolute")]
    public void Tar_with_paths_leaving_the_tree_is_refused(string kind)
    {
        var work = fx.NewDir($"tar-{kind}");
        var marker = $"arbor-escape-{Environment.ProcessId}-{kind}";
        var absolute = Path.Combine(Path.GetTempPath(), marker);
        var evil = kind switch
        {
            "dotdot" => "../" + marker,
            "inner-dotdot" => "a/../../" + marker,
            _ => absolute,
        };
        var tarPath = Path.Combine(work, "evil.tar");
        using (var stream = File.Create(tarPath))
        using (var tar = new TarWriter(stream, TarEntryFormat.Gnu))
        {
            foreach (var name in new[] { "good.txt", evil })
            {
                var entry = new GnuTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream("evil\n"u8.ToArray()),
                    Mode = (UnixFileMode)0b110_100_100,
                };
                tar.WriteEntry(entry);
            }
        }
        var repo = fx.ArborInit("archive", $"repo-tar-{kind}");
        var r = Tools.Arbor(["ostree", "--repo=" + repo, .. ScratchFixture.CommitOptions("evil", "--tree=tar=" + tarPath)]);
        AssertCleanFailure(r);
        Assert.NotEqual(0, Tools.OstreeRun("--repo=" + repo, "rev-parse", "evil").ExitCode);
        Assert.False(File.Exists(absolute), $"{absolute} was written");
        var escaped = Directory.EnumerateFiles(fx.Root, marker, SearchOption.AllDirectories).ToList();
        Assert.True(escaped.Count == 0, $"escaping entry was written to {string.Join(", ", escaped)}");
    }

    [Theory]
    [InlineData("archive")]
    [InlineData("bare")]
    public async Task Concurrent_commits_leave_a_consistent_repository(string mode)
    {
        var repo = fx.ArborInit(mode, $"repo-concurrent-{mode}");
        var variant = fx.NewPath("tree-variant");
        Tools.RunOk("cp", "-a", fx.Tree, variant);
        File.WriteAllText(Path.Combine(variant, "extra.txt"), "only in the variant\n");
        const int writers = 4;
        var tasks = Enumerable.Range(0, writers).Select(i => Task.Run(() =>
            Tools.Arbor(["ostree", "--repo=" + repo, .. ScratchFixture.CommitOptions($"w{i}", "--tree=dir=" + (i % 2 == 0 ? fx.Tree : variant))])))
            .ToArray();
        foreach (var result in await Task.WhenAll(tasks))
            Assert.True(result.ExitCode == 0, $"concurrent commit failed: {result}");
        var fsck = Tools.OstreeRun("--repo=" + repo, "fsck");
        Assert.True(fsck.ExitCode == 0, $"ostree fsck after concurrent commits: {fsck}");
        // Each commit is distinct (the ref binding differs) but writers of the same tree list the same content.
        var listings = Enumerable.Range(0, writers).Select(i => Tools.OstreeOk("--repo=" + repo, "ls", "-R", "-C", $"w{i}").Stdout).ToArray();
        Assert.Equal(listings[0], listings[2]);
        Assert.Equal(listings[1], listings[3]);
        Assert.NotEqual(listings[0], listings[1]);
        var arborFsck = Tools.Arbor("ostree", "--repo=" + repo, "fsck");
        Assert.True(arborFsck.ExitCode == 0, $"arbor fsck after concurrent commits: {arborFsck}");
    }
}
