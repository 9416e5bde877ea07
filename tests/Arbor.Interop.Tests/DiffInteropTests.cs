// `ostree diff REV DIR` walks the directory through GFile, so its lines come in glib's order
// (readdir chunks sorted by inode), which differs from readdir and name order on ext4 and the
// like. Arbor's diff of the same commit against the same changed directory prints the same lines
// in the same order.
namespace Arbor.Interop.Tests;

public sealed class DiffInteropTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-diff-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Diff_against_a_directory_lists_changes_in_ostrees_order()
    {
        var tree = Path.Combine(_dir, "tree");
        var big = Path.Combine(tree, "big");
        Directory.CreateDirectory(Path.Combine(tree, "sub"));
        Directory.CreateDirectory(big);
        for (int i = 0; i < 1500; i++)
            File.WriteAllText(Path.Combine(big, $"f{i * 7919 % 1500:D4}"), $"file {i}\n");
        File.WriteAllText(Path.Combine(tree, "sub", "a"), "a\n");
        var repo = Path.Combine(_dir, "repo");
        Tools.OstreeOk("init", $"--repo={repo}", "--mode=bare-user");
        Tools.OstreeOk("commit", $"--repo={repo}", "-b", "main", $"--tree=dir={tree}");

        // Changes spread over the directory: modified, removed, added (more than one glib chunk).
        for (int i = 0; i < 1500; i += 7)
            File.AppendAllText(Path.Combine(big, $"f{i:D4}"), "changed\n");
        for (int i = 3; i < 1500; i += 11)
            File.Delete(Path.Combine(big, $"f{i:D4}"));
        for (int i = 0; i < 1200; i += 5)
            File.WriteAllText(Path.Combine(big, $"new{i}"), "new\n");
        File.Delete(Path.Combine(tree, "sub", "a"));

        var theirs = Tools.OstreeOk("diff", $"--repo={repo}", "main", tree).Stdout;
        Assert.Contains("A    big/new", theirs, StringComparison.Ordinal);
        Assert.Equal(theirs, Tools.ArborOk("ostree", "diff", $"--repo={repo}", "main", tree).Stdout);
    }
}
