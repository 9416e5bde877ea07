using Arbor.Ostree.Commits;
using Arbor.Ostree.Repo;

namespace Arbor.Ostree.Tests.Repo;

// What writers leave in tmp/: Arbor's temp files live in a staging directory locked for the
// process's lifetime, and the next write removes what dead writers left, by libostree's rules.
// A "live" writer is simulated by holding a staging lock through another open file description
// (OFD locks conflict between descriptions even within one process).
public class TmpCleanupTests
{
    private static string Boot => TmpStaging.BootPrefix;

    private static string MakeDir(Repository repo, string name, int bytes = 1000)
    {
        var dir = Path.Combine(repo.TmpDir, name);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "content-partial"), new byte[bytes]);
        return dir;
    }

    private static string[] TmpEntries(Repository repo) =>
        [.. Directory.EnumerateFileSystemEntries(repo.TmpDir).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    [Fact]
    public void Temp_files_live_in_a_staging_directory_locked_for_the_process()
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["r"], RepoMode.Archive);
        var path = repo.NewTmpPath("content");
        var staging = Path.GetDirectoryName(path)!;
        Assert.Equal(repo.TmpDir, Path.GetDirectoryName(staging));
        Assert.StartsWith(Boot + "arbor-", Path.GetFileName(staging), StringComparison.Ordinal);
        Assert.True(Directory.Exists(staging));
        Assert.Null(TmpStaging.TryLock(staging + "-lock"));
        Assert.Equal(staging, Path.GetDirectoryName(repo.NewTmpPath("pull")));

        // The next write leaves a live staging directory alone, even its own.
        File.WriteAllText(path, "in flight");
        TmpCleanup.CleanStale(repo);
        TmpCleanup.CleanStale(Repository.Open(repo.Path));
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void A_dead_writers_staging_directory_is_removed_whatever_its_age()
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["r"], RepoMode.Archive);
        var dead = MakeDir(repo, Boot + "arbor-killed", 1 << 20);
        File.WriteAllText(dead + "-lock", "");
        var deadNoLock = MakeDir(repo, Boot + "arbor-killed2");
        var otherBoot = MakeDir(repo, "staging-00000000-0000-0000-0000-000000000000-abcdef");
        var ostreeThisBoot = MakeDir(repo, Boot + "Xy12Ab");
        var live = MakeDir(repo, Boot + "arbor-live");
        using var liveLock = TmpStaging.TryLock(live + "-lock");
        Assert.NotNull(liveLock);

        TmpCleanup.CleanStale(repo);

        Assert.False(Directory.Exists(dead));
        Assert.False(File.Exists(dead + "-lock"));
        Assert.False(Directory.Exists(deadNoLock));
        Assert.False(Directory.Exists(otherBoot));
        // As ostree: a free staging directory of this boot that ostree made is kept for it to reuse.
        Assert.True(Directory.Exists(ostreeThisBoot));
        Assert.True(File.Exists(Path.Combine(live, "content-partial")));
        Assert.Equal(["cache", Path.GetFileName(ostreeThisBoot), Path.GetFileName(live), Path.GetFileName(live) + "-lock"], TmpEntries(repo));
    }

    [Fact]
    public void Other_entries_go_once_older_than_the_expiry()
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["r"], RepoMode.Archive);
        var now = DateTime.UtcNow;
        void Aged(string path, TimeSpan age)
        {
            if (Directory.Exists(path))
                Directory.SetLastWriteTimeUtc(path, now - age);
            else
                File.SetLastWriteTimeUtc(path, now - age);
        }
        var oldFile = Path.Combine(repo.TmpDir, "content-123-abc");
        File.WriteAllText(oldFile, "x");
        Aged(oldFile, TimeSpan.FromDays(2));
        var freshFile = Path.Combine(repo.TmpDir, "pull-123-def");
        File.WriteAllText(freshFile, "x");
        Aged(freshFile, TimeSpan.FromHours(2));
        var futureFile = Path.Combine(repo.TmpDir, "future");
        File.WriteAllText(futureFile, "x");
        Aged(futureFile, -TimeSpan.FromDays(2));
        var oldDir = MakeDir(repo, "rpmostree-checkout-x");
        Aged(oldDir, TimeSpan.FromDays(3));
        var heldLock = Path.Combine(repo.TmpDir, Boot + "arbor-x-lock");
        using var held = TmpStaging.TryLock(heldLock);
        Aged(heldLock, TimeSpan.FromDays(2));
        var staleLock = Path.Combine(repo.TmpDir, Boot + "arbor-y-lock");
        File.WriteAllText(staleLock, "");
        Aged(staleLock, TimeSpan.FromDays(2));
        Aged(Path.Combine(repo.TmpDir, "cache"), TimeSpan.FromDays(9));

        TmpCleanup.CleanStale(repo);
        Assert.Equal(["cache", "future", "pull-123-def", Path.GetFileName(heldLock)], TmpEntries(repo));

        // [core] tmp-expiry-secs shortens the wait.
        File.AppendAllText(Path.Combine(repo.Path, "config"), "tmp-expiry-secs=60\n");
        TmpCleanup.CleanStale(Repository.Open(repo.Path));
        Assert.Equal(["cache", "future", Path.GetFileName(heldLock)], TmpEntries(repo));
    }

    [Fact]
    public void A_commit_clears_a_dead_writers_leftovers_before_writing()
    {
        using var tmp = new TempDir();
        var repo = Repository.Create(tmp["r"], RepoMode.Archive);
        var dead = MakeDir(repo, Boot + "arbor-killed", 1 << 20);
        Directory.CreateDirectory(tmp["src"]);
        File.WriteAllText(tmp["src/f"], "x");
        RepoCommit.Run(repo, new CommitSpec { Branch = "main", Trees = [new TreeSource.Dir(tmp["src"])] });
        Assert.False(Directory.Exists(dead));
    }
}
