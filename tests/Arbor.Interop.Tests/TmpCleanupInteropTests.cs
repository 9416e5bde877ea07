// What a killed writer leaves in tmp/: a commit killed while it streams a large file leaves its
// staging directory behind, and the next commit removes it; a commit that finishes leaves tmp/ as
// it found it; a checkout that inflates into tmp/ (archive, user mode) clears what killed
// checkouts left there, as no write may come to do it. The real ostree commits into the same repository with the leftover present.
using System.Diagnostics;

namespace Arbor.Interop.Tests;

public sealed class TmpCleanupInteropTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-tmpclean-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string[] TmpEntries(string repo) =>
        [.. Directory.EnumerateFileSystemEntries(Path.Combine(repo, "tmp")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    // A repository of MODE made by arbor and a tree holding FILE of SIZE bytes, in directories named after SUFFIX.
    private (string Repo, string Tree) RepoAndTree(string suffix, string mode, string file, int size)
    {
        var repo = Path.Combine(_dir, "repo" + suffix);
        Tools.ArborOk("ostree", "--repo=" + repo, "init", "--mode=" + mode);
        var tree = Path.Combine(_dir, "tree" + suffix);
        Directory.CreateDirectory(tree);
        File.WriteAllBytes(Path.Combine(tree, file), new byte[size]);
        return (repo, tree);
    }

    private static List<string> StagedFiles(string repo) =>
        [.. Directory.EnumerateDirectories(Path.Combine(repo, "tmp"), "staging-*")
            .SelectMany(d => Directory.EnumerateFiles(d)).Where(f => new FileInfo(f).Length > 0)];

    [Fact]
    public void The_next_commit_removes_what_a_killed_commit_left()
    {
        var repo = Path.Combine(_dir, "repo");
        Tools.ArborOk("ostree", "--repo=" + repo, "init", "--mode=archive");
        var tree = Path.Combine(_dir, "tree");
        Directory.CreateDirectory(tree);
        File.WriteAllText(Path.Combine(tree, "f"), "x\n");

        // A tar on stdin announcing a 64 MiB file, of which 8 MiB arrive: the commit streams them
        // into a temp file and waits for the rest until it is killed.
        var psi = new ProcessStartInfo(Tools.ArborBin) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "ostree", "--repo=" + repo, "commit", "-b", "main", "--tree=tar=-", "--tar-autocreate-parents" })
            psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            var data = new byte[8 << 20];
            new Random(1).NextBytes(data);
            var stdin = p.StandardInput.BaseStream;
            stdin.Write(TarInteropTests.Header("big", '0', 64 << 20));
            stdin.Write(data);
            stdin.Flush();
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
            while (StagedFiles(repo).Count == 0 && !p.HasExited && DateTime.UtcNow < deadline)
                Thread.Sleep(50);
            Assert.True(StagedFiles(repo).Count > 0, "the commit never staged the file it was reading");
            p.Kill();
            p.WaitForExit();
        }
        var left = Directory.EnumerateDirectories(Path.Combine(repo, "tmp"), "staging-*").Single();
        Assert.Contains("-arbor-", Path.GetFileName(left), StringComparison.Ordinal);

        // The real ostree works around it (and keeps it: a staging directory of this boot that
        // nobody holds is one it may reuse).
        Tools.OstreeOk("--repo=" + repo, "commit", "-b", "other", "--tree=dir=" + tree);

        Tools.ArborOk("ostree", "--repo=" + repo, "commit", "-b", "main", "--tree=dir=" + tree);
        Assert.Equal(["cache"], TmpEntries(repo).Where(e => !e.StartsWith("staging-", StringComparison.Ordinal) || e.Contains("-arbor-", StringComparison.Ordinal)));
        Assert.Empty(StagedFiles(repo));
        Tools.OstreeOk("--repo=" + repo, "fsck");
    }

    [Fact]
    public void A_checkout_through_the_cache_removes_what_a_killed_checkout_left()
    {
        var (repo, tree) = RepoAndTree("3", "archive", "big", 1 << 20);
        Tools.ArborOk("ostree", "--repo=" + repo, "commit", "-b", "main", "--tree=dir=" + tree);
        // What a checkout killed while inflating leaves: its staging directory (nobody holds the lock) with inflated files.
        var bootId = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        var dead = Path.Combine(repo, "tmp", $"staging-{bootId}-arbor-0123456789ab");
        Directory.CreateDirectory(dead);
        File.WriteAllBytes(Path.Combine(dead, "uncompressed-0123"), new byte[1 << 20]);
        File.WriteAllText(dead + "-lock", "");

        Tools.ArborOk("ostree", "--repo=" + repo, "checkout", "-U", "main", Path.Combine(_dir, "co3"));
        Assert.False(Directory.Exists(dead), "the dead checkout's staging directory is still there");
        Assert.Equal(["cache"], TmpEntries(repo));
    }

    [Fact]
    public void A_commit_that_finishes_leaves_nothing_in_tmp()
    {
        var (repo, tree) = RepoAndTree("2", "bare-user", "big", 3 << 20);
        Tools.ArborOk("ostree", "--repo=" + repo, "commit", "-b", "main", "--tree=dir=" + tree);
        Assert.Equal(["cache"], TmpEntries(repo));
    }
}
