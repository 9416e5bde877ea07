// Shared inputs for the interop tests: a scratch directory per test run, the "torture" tree
// made by scripts/make-test-tree.sh, and (built lazily, once per mode) a pair of repositories
// holding the same commit of that tree, one written by the real ostree and one by arbor.
using System.Collections.Concurrent;

namespace Arbor.Interop.Tests;

/// <summary>The repository modes every parity test runs in.</summary>
public static class RepoModes
{
    /// <summary>archive, bare, bare-user, bare-user-only.</summary>
    public static readonly string[] All = ["archive", "bare", "bare-user", "bare-user-only"];

    /// <summary>xunit data for a theory over all modes.</summary>
    public static TheoryData<string> Data()
    {
        var data = new TheoryData<string>();
        foreach (var m in All)
            data.Add(m);
        return data;
    }

    /// <summary>True when a checkout from a commit in <paramref name="mode"/> keeps ownership, special mode bits and xattrs of the source.</summary>
    public static bool KeepsFullMetadata(string mode) => mode != "bare-user-only";
}

/// <summary>A scratch directory removed when the fixture is disposed.</summary>
public class ScratchFixture : IDisposable
{
    private int _counter;

    /// <summary>Creates the scratch root.</summary>
    public ScratchFixture()
    {
        // Under $TMPDIR (default /tmp), which must support user.* and trusted.* xattrs.
        Root = Path.Combine(Path.GetTempPath(), $"arbor-interop-{Environment.ProcessId}-{GetType().Name}");
        if (Directory.Exists(Root))
            RemoveTree(Root);
        Directory.CreateDirectory(Root);
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
    }

    /// <summary>The scratch root.</summary>
    public string Root { get; }

    /// <summary>A new, not yet existing path under the scratch root.</summary>
    public string NewPath(string name) => Path.Combine(Root, $"{Interlocked.Increment(ref _counter):D3}-{name}");

    /// <summary>A new, empty directory under the scratch root.</summary>
    public string NewDir(string name)
    {
        var p = NewPath(name);
        Directory.CreateDirectory(p);
        return p;
    }

    /// <summary>The fixed commit options both tools get: same timestamp, subject, body and metadata give the same checksum.</summary>
    public static string[] CommitOptions(string branch, string treeArg) =>
    [
        "commit", "-b", branch, treeArg,
        "--timestamp=2020-01-01 00:00:00 +0000",
        "--subject=Arbor interop commit",
        "--body=Written by both tools from the same tree.",
        "--add-metadata-string=version=1.0",
    ];

    /// <summary>Initializes a repository with the real ostree.</summary>
    public string OstreeInit(string mode, string name)
    {
        var repo = NewPath(name);
        Tools.OstreeOk("--repo=" + repo, "init", "--mode=" + mode);
        return repo;
    }

    /// <summary>Initializes a repository with arbor.</summary>
    public string ArborInit(string mode, string name)
    {
        var repo = NewPath(name);
        Tools.ArborOk("ostree", "--repo=" + repo, "init", "--mode=" + mode);
        return repo;
    }

    /// <summary>Commits <paramref name="tree"/> with both tools into fresh repositories of <paramref name="mode"/>.</summary>
    public CommitPair MakePair(string mode, string tree, TimeSpan timeout)
    {
        var opts = CommitOptions("main", "--tree=dir=" + tree);
        var ostreeRepo = OstreeInit(mode, $"ostree-{mode}");
        var ostree = Tools.RunIn(null, timeout, Tools.Ostree, ["--repo=" + ostreeRepo, .. opts]);
        if (ostree.ExitCode != 0)
            throw new InvalidOperationException($"the real ostree could not commit the test tree: {ostree}");
        var arborRepo = ArborInit(mode, $"arbor-{mode}");
        var arbor = Tools.RunIn(null, timeout, Tools.ArborBin, ["ostree", "--repo=" + arborRepo, .. opts]);
        if (arbor.ExitCode != 0)
            throw new InvalidOperationException($"arbor could not commit the test tree: {arbor}");
        return new CommitPair(mode, tree, ostreeRepo, arborRepo, ostree, arbor);
    }

    /// <summary>Deletes a tree even where modes forbid it (chmod u+rwx first, as root can anyway).</summary>
    public static void RemoveTree(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path))
            return;
        // ostree makes some objects and directories read-only; rm -rf as root copes with all of it.
        Tools.Run("rm", "-rf", "--one-file-system", path);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("ARBOR_KEEP_SCRATCH") != "1")
            RemoveTree(Root);
        GC.SuppressFinalize(this);
    }
}

/// <summary>Two repositories with the same commit of the same tree: one by ostree, one by arbor.</summary>
public sealed record CommitPair(string Mode, string Tree, string OstreeRepo, string ArborRepo, ProcessResult OstreeCommit, ProcessResult ArborCommit)
{
    /// <summary>The commit checksum ostree printed.</summary>
    public string OstreeChecksum => OstreeCommit.Stdout.Trim();

    /// <summary>The commit checksum arbor printed.</summary>
    public string ArborChecksum => ArborCommit.Stdout.Trim();

    /// <summary>--repo= for ostree's repository.</summary>
    public string OstreeRepoArg => "--repo=" + OstreeRepo;

    /// <summary>--repo= for arbor's repository.</summary>
    public string ArborRepoArg => "--repo=" + ArborRepo;
}

/// <summary>The torture tree and committed repositories, shared by the "interop" collection.</summary>
public sealed class InteropFixture : ScratchFixture
{
    private readonly ConcurrentDictionary<string, Lazy<CommitPair>> _pairs = new(StringComparer.Ordinal);

    /// <summary>Builds the torture tree.</summary>
    public InteropFixture()
    {
        Tree = Path.Combine(Root, "tree");
        Tools.ScriptOk(TimeSpan.FromMinutes(2), "make-test-tree.sh", Tree);
    }

    /// <summary>The torture tree (read-only for tests: copy it before changing anything).</summary>
    public string Tree { get; }

    /// <summary>The torture tree committed as "main" by both tools in <paramref name="mode"/> (made once).</summary>
    public CommitPair Committed(string mode) =>
        _pairs.GetOrAdd(mode, m => new Lazy<CommitPair>(() => MakePair(m, Tree, TimeSpan.FromMinutes(2)))).Value;
}

/// <summary>Shares one <see cref="InteropFixture"/> across the interop test classes.</summary>
[CollectionDefinition("interop")]
public sealed class InteropCollection : ICollectionFixture<InteropFixture>;

/// <summary>The slow inputs: a tree with a file over 100 MB and a Debian minbase tree.</summary>
public sealed class HeavyFixture : ScratchFixture
{
    private readonly Lazy<string> _bigTree;
    private readonly Lazy<string> _minbase;

    /// <summary>Prepares (lazily) the heavy inputs.</summary>
    public HeavyFixture()
    {
        _bigTree = new Lazy<string>(() =>
        {
            var dir = Path.Combine(Root, "big-tree");
            Tools.ScriptOk(TimeSpan.FromMinutes(10), "make-test-tree.sh", "--big", dir);
            return dir;
        });
        _minbase = new Lazy<string>(() =>
        {
            var dir = Path.Combine(Root, "minbase");
            // The first run on a machine bootstraps from the Debian mirror (minutes); later runs unpack a cached tarball.
            Tools.ScriptOk(TimeSpan.FromMinutes(30), "make-minbase.sh", dir);
            return dir;
        });
    }

    /// <summary>The torture tree plus big.bin (128 MiB).</summary>
    public string BigTree => _bigTree.Value;

    /// <summary>A Debian bookworm minbase tree.</summary>
    public string Minbase => _minbase.Value;
}

/// <summary>The heavy tests share one <see cref="HeavyFixture"/> and run apart from the quick ones.</summary>
[CollectionDefinition("heavy")]
public sealed class HeavyCollection : ICollectionFixture<HeavyFixture>;
