// Ref aliases (`refs --create=ALIAS --alias TARGET`) against the real ostree: the same sequence of
// creating, listing, resolving, replacing and deleting aliases is run through both tools on twin
// repositories; exit codes, error lines, listings (sorted: ostree prints in hash order) and the
// symlinks left in refs/heads must agree, and each tool reads the other's aliases.
namespace Arbor.Interop.Tests.Parity;

public sealed class RefAliasInteropTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arbor-refalias-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string[] Sorted(string lines) => lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();

    // Every symlink under refs/heads as "NAME -> LINK TEXT", and every plain ref file by name.
    private static string[] HeadsLayout(string repo)
    {
        var heads = Path.Combine(repo, "refs", "heads");
        return Directory.EnumerateFileSystemEntries(heads, "*", SearchOption.AllDirectories)
            .Select(p => new FileInfo(p))
            .Where(f => f.LinkTarget is not null || !f.Attributes.HasFlag(FileAttributes.Directory))
            .Select(f => Path.GetRelativePath(heads, f.FullName) + (f.LinkTarget is { } l ? " -> " + l : ""))
            .Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public void Aliases_are_created_listed_resolved_and_deleted_as_by_ostree()
    {
        var tree = Path.Combine(_dir, "tree");
        Directory.CreateDirectory(tree);
        File.WriteAllText(Path.Combine(tree, "a"), "a\n");
        var ostree = Path.Combine(_dir, "ostree-repo");
        var arbor = Path.Combine(_dir, "arbor-repo");
        Tools.OstreeOk("--repo=" + ostree, "init", "--mode=archive");
        Tools.ArborOk("ostree", "--repo=" + arbor, "init", "--mode=archive");
        foreach (var b in new[] { "os/x86_64/stable", "os/x86_64/testing" })
        {
            Tools.OstreeOk("--repo=" + ostree, "commit", "-b", b, "--timestamp=2020-01-01T00:00:00Z", "-s", b, "--tree=dir=" + tree);
            Tools.ArborOk("ostree", "--repo=" + arbor, "commit", "-b", b, "--timestamp=2020-01-01T00:00:00Z", "-s", b, "--tree=dir=" + tree);
        }
        string[][] steps =
        [
            ["refs", "--create=os/stable", "--alias", "os/x86_64/stable"],
            ["refs", "--create=stable", "--alias", "os/x86_64/testing"],
            ["refs", "--alias"],
            ["refs", "--alias", "os"],
            ["refs", "--alias", "os/stable"],
            ["refs"],
            ["refs", "os"],
            ["rev-parse", "os/stable"],
            ["rev-parse", "stable"],
            ["refs", "--delete", "os/x86_64/stable"],
            ["refs", "--create=x", "--alias", "os/x86_64/none"],
            ["refs", "--create=os/x86_64/testing", "--alias", "os/x86_64/stable"],
            ["refs", "--create=origin:x", "--alias", "os/x86_64/stable"],
            ["refs", "--create=stable", "--alias", "os/stable"],
            ["refs", "--alias"],
            ["refs", "--delete", "stable"],
            ["refs", "--alias"],
            ["refs"],
        ];
        foreach (var step in steps)
        {
            var theirs = Tools.OstreeRun(["--repo=" + ostree, .. step]);
            var ours = Tools.Arbor(["ostree", "--repo=" + arbor, .. step]);
            var what = string.Join(' ', step);
            Assert.True(theirs.ExitCode == ours.ExitCode, $"{what}\nostree: {theirs}\narbor: {ours}");
            Assert.Equal(theirs.Stderr, ours.Stderr);
            Assert.Equal(Sorted(theirs.Stdout), Sorted(ours.Stdout));
            Assert.Equal(HeadsLayout(ostree), HeadsLayout(arbor));
        }
        // Each reads the aliases the other wrote.
        Assert.Equal(Sorted(Tools.OstreeOk("--repo=" + ostree, "refs", "--alias").Stdout), Sorted(Tools.OstreeOk("--repo=" + arbor, "refs", "--alias").Stdout));
        Assert.Equal(Sorted(Tools.ArborOk("ostree", "--repo=" + arbor, "refs", "--alias").Stdout), Sorted(Tools.ArborOk("ostree", "--repo=" + ostree, "refs", "--alias").Stdout));
        Assert.Equal(Tools.OstreeOk("--repo=" + ostree, "rev-parse", "os/stable").Stdout, Tools.ArborOk("ostree", "--repo=" + arbor, "rev-parse", "os/stable").Stdout);
    }
}
